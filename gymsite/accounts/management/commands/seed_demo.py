"""Demo data for `make run`: idempotent; refused in a deployment (DATABASE_URL set) with DEBUG
off unless --force."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import import_string

from gymsite.accounts.models import Gym, User
from gymsite.accounts.roles import Role

DEMO_STAFF = [
    # (username, email, password, role, document id, phone) — seed 001's users, each named
    # after their role in the gym's language.
    ("admin", "admin@gym.com", "admin123", Role.ADMIN, "ADMIN001", "+1234567890"),
    ("trainer", "trainer@gym.com", "trainer123", Role.TRAINER, "TRAINER001", "+1234567891"),
    ("receptionist", "receptionist@gym.com", "receptionist123", Role.RECEPTIONIST, "", ""),
    ("mechanic", "mechanic@gym.com", "mechanic123", Role.MECHANIC, "", ""),
]

# Each domain app may add its own demo rows: a callable `seed_demo(gym)` in `<app>.demo`.
DEMO_HOOKS = [
    "members.demo.seed_demo",
    "billing.demo.seed_demo",
    "attendance.demo.seed_demo",
    "devices.demo.seed_demo",
    "inventory.demo.seed_demo",
    "classes.demo.seed_demo",
    "inspections.demo.seed_demo",
    "training.demo.seed_demo",
]


class Command(BaseCommand):
    help = "Create the demo gym and staff accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even in a deployment with DEBUG off."
        )

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        # The embedded run (`make run`, no DATABASE_URL) loads them with DEBUG off too.
        if not settings.DEBUG and not settings.EMBEDDED and not force:
            raise CommandError(
                "seed_demo refuses to run in a deployment (DATABASE_URL set) with DEBUG off; "
                "pass --force to insist."
            )
        gym, _ = Gym.objects.get_or_create(
            name="Main Gym",
            defaults={
                "address": "Av. Principal 123, Centro, 06000 Ciudad de México",
                "time_zone": "America/Mexico_City",
                "currency": "MXN",
                "language": "es",
            },
        )
        for username, email, password, role, document_id, phone in DEMO_STAFF:
            if User.objects.filter(username=username).exists():
                continue
            with translation.override(gym.member_language):
                full_name = str(Role(role).label)
            user = User(
                username=username,
                email=email,
                full_name=full_name,
                role=role,
                gym=None if role == Role.ADMIN else gym,
                document_id=document_id,
                phone=phone,
            )
            # Demo passwords are short on purpose (seed 001); validators are for real users.
            user.set_password(password)
            user.save()
        for hook in DEMO_HOOKS:
            try:
                seed = import_string(hook)
            except ImportError:
                continue
            seed(gym)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in gym “{gym.name}”."))
