"""Demo data for `manage.py seed_demo`: the gym's equipment checklist (in the gym's
language), with a question of each kind, and one completed inspection of a treadmill by the
demo mechanic, so the list, the detail and the PDF report have something to show.
Idempotent: a checklist already there is left alone."""

from __future__ import annotations

from decimal import Decimal

from gymsite.accounts.audit import Actor
from gymsite.accounts.models import User
from gymsite.accounts.roles import Role

from . import services
from .models import Checklist

NAME = {"en": "Gym equipment check", "es": "Revisión de equipos del gimnasio"}
DESCRIPTION = {
    "en": "Monthly check of cardio machines and strength equipment.",
    "es": "Revisión mensual de máquinas de cardio y equipos de fuerza.",
}
CONDITION = {
    "en": [("Good", "10", False), ("Worn", "5", False), ("Damaged", "0", True)],
    "es": [("Bueno", "10", False), ("Desgastado", "5", False), ("Dañado", "0", True)],
}
# (section, question, type, points, extra) in English and Spanish.
QUESTIONS = [
    (("Safety", "Seguridad"), ("Emergency stop works", "La parada de emergencia funciona"), "pass_fail", "10",
     {"requires_comment_on_fail": True, "allow_photos": True, "max_photos": 2}),
    (("Safety", "Seguridad"), ("Safety signs visible?", "¿Señalización de seguridad visible?"), "yes_no", "5", {}),
    (("Mechanics", "Mecánica"), ("Belt and rollers", "Banda y rodillos"), "rating", "10", {"allow_na": True}),
    (("Mechanics", "Mecánica"), ("Cables and pulleys", "Cables y poleas"), "multiple_choice", "0", {"allow_photos": True, "max_photos": 3}),
    (("Electrical", "Eléctrico"), ("Supply voltage (V)", "Voltaje de alimentación (V)"), "number", "5",
     {"min_value": Decimal("110"), "max_value": Decimal("130"), "required": False}),
    (("General", "General"), ("Photo of the machine", "Foto de la máquina"), "photo", "5", {"max_photos": 3, "required": False}),
    (("General", "General"), ("Notes", "Observaciones"), "text", "0", {"required": False}),
]


def seed_demo(gym) -> int:
    lang = "es" if gym.member_language[:2].lower() == "es" else "en"
    index = 1 if lang == "es" else 0
    if Checklist.objects.filter(gym=gym, name=NAME[lang]).exists():
        return 0
    actor = Actor.system()
    checklist = services.checklist_create(
        actor=actor, gym=gym, name=NAME[lang], description=DESCRIPTION[lang], ai_mode="suggest"
    )
    questions = []
    for order, (section, text, kind, points, extra) in enumerate(QUESTIONS, start=1):
        extra = dict(extra)
        if kind == "multiple_choice":
            extra["options"] = [{"label": label, "score": score, "is_failed": failed} for label, score, failed in CONDITION[lang]]
        questions.append(
            services.question_create(
                actor=actor, checklist=checklist, section=section[index], text=text[index], type=kind,
                points=Decimal(points), order=order, **extra,
            )
        )
    checklist.refresh_from_db()
    mechanic = User.objects.filter(role=Role.MECHANIC, gym=gym, is_active=True).order_by("pk").first()
    if mechanic is not None:
        _demo_inspection(mechanic, checklist, questions, lang)
    return 1


def _demo_inspection(mechanic, checklist, questions, lang) -> None:
    actor = Actor(user=mechanic)
    inspection = services.inspection_create(
        actor=actor, checklist=checklist, gym=mechanic.gym, asset="Cinta de correr #4" if lang == "es" else "Treadmill #4"
    )
    stop, signs, belt, cables, *_rest = questions
    worn = CONDITION[lang][1][0]
    for question, value, comments in (
        (stop, "pass", ""),
        (signs, "yes", ""),
        (belt, "2", "Banda desalineada" if lang == "es" else "Belt out of line"),
        (cables, worn, ""),
    ):
        services.answer_submit(actor=actor, inspection=inspection, question=question, answer_value=value, comments=comments)
    services.inspection_complete(actor=actor, inspection=inspection)
