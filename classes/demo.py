"""Demo classes for `manage.py seed_demo`: spinning on weekday mornings at 07:00, yoga on
Tuesday and Thursday evenings at 19:00, boxing on Saturdays at 10:00, taught by the gym's
first trainer, in the gym's language, with sessions generated and a few members booked
into the next ones (one class full, with a waitlist). Idempotent: a gym that has class
types already is left alone."""

from __future__ import annotations

from datetime import time

from django.db import transaction
from django.utils import timezone

from gymsite.accounts.audit import Actor
from gymsite.accounts.models import User
from gymsite.accounts.roles import Role
from gymsite.core.errors import DomainError
from members.models import Member

from .models import ClassSession, ClassType, SessionStatus
from .services import booking_create, class_type_create, schedule_rule_create

# (English, Spanish, description (en), description (es), minutes, places, colour,
#  weekdays, start)
DEMO_CLASSES = [
    ("Spinning", "Spinning", "Indoor cycling to music.", "Ciclismo indoor con música.", 45, 20, "#e4572e", (0, 1, 2, 3, 4), time(7, 0)),
    ("Yoga", "Yoga", "Hatha yoga for every level.", "Hatha yoga para todos los niveles.", 60, 15, "#76b041", (1, 3), time(19, 0)),
    ("Boxing", "Box", "Technique, pads and conditioning.", "Técnica, manoplas y acondicionamiento.", 60, 12, "#17bebb", (5,), time(10, 0)),
]
DEMO_BOOKINGS = 12


@transaction.atomic
def seed_demo(gym) -> int:
    """Returns the number of sessions generated (0 when the gym already has classes)."""
    if ClassType.objects.filter(gym=gym).exists():
        return 0
    spanish = gym.member_language[:2].lower() == "es"
    actor = Actor.system()
    trainer = User.objects.filter(gym=gym, role=Role.TRAINER, is_active=True).order_by("pk").first()
    for english, spanish_name, description, spanish_description, minutes, places, colour, weekdays, start in DEMO_CLASSES:
        class_type = class_type_create(
            actor=actor,
            gym=gym,
            name=spanish_name if spanish else english,
            description=spanish_description if spanish else description,
            default_duration_minutes=minutes,
            default_capacity=places,
            colour=colour,
        )
        for weekday in weekdays:
            schedule_rule_create(
                actor=actor,
                gym=gym,
                class_type=class_type,
                weekday=weekday,
                start_time=start,
                instructor=trainer,
                room=(spanish and "Sala 1") or "Studio 1",
            )
    upcoming = list(
        ClassSession.objects.filter(gym=gym, status=SessionStatus.SCHEDULED, starts_at__gt=timezone.now())
        .order_by("starts_at")[:3]
    )
    members = list(Member.objects.filter(gym=gym, is_active=True).order_by("pk")[:DEMO_BOOKINGS])
    for index, member in enumerate(members):
        for session in upcoming[: 1 + index % len(upcoming)] if upcoming else []:
            try:
                booking_create(actor=actor, session=session, member=member)
            except DomainError:
                continue  # not covered, overlapping, not yet open: the demo skips them
    return ClassSession.objects.filter(gym=gym).count()
