"""Demo members for `manage.py seed_demo` (idempotent: keyed by document ID)."""

from gymsite.accounts.audit import Actor
from gymsite.accounts.models import Gym

from . import services
from .models import Member

DEMO_MEMBERS = [
    # seed 001's regular users first, then a front desk's usual crowd.
    ("Jane", "Member", "member1@gym.com", "+1234567893", "MEMBER001", "female"),
    ("Bob", "Member", "member2@gym.com", "+1234567894", "MEMBER002", "male"),
    ("Juan", "Pérez", "juan@email.com", "555-1234", "DEMO003", "male"),
    ("Ana", "López", "ana@email.com", "555-9876", "DEMO004", "female"),
    ("Carlos", "Ramírez", "", "555-2345", "DEMO005", "male"),
    ("María", "González", "maria@email.com", "555-3456", "DEMO006", "female"),
    ("Luis", "Hernández", "", "555-4567", "DEMO007", "male"),
    ("Sofía", "Martínez", "sofia@email.com", "555-5678", "DEMO008", "female"),
    ("Alex", "Torres", "alex@email.com", "555-6789", "DEMO009", "other"),
    ("Valeria", "Cruz", "", "555-7890", "DEMO010", "female"),
]


# Seed 001's users under Spanish names, for a gym that speaks Spanish.
SPANISH_NAMES = {"MEMBER001": ("Daniela", "Ortiz"), "MEMBER002": ("Roberto", "Salas")}


def seed_demo(gym: Gym) -> list[Member]:
    members = []
    for first_name, last_name, email, phone, document_id, gender in DEMO_MEMBERS:
        if gym.member_language == "es" and document_id in SPANISH_NAMES:
            first_name, last_name = SPANISH_NAMES[document_id]
        member = Member.objects.filter(gym=gym, document_id=document_id).first()
        if member is None:
            member = services.member_create(
                actor=Actor.system(),
                gym=gym,
                data={
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": email,
                    "phone": phone,
                    "document_id": document_id,
                    "gender": gender,
                },
            )
        members.append(member)
    return members
