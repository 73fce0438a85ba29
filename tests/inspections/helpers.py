"""Builders for the inspections' tests, through the services (audited, versioned), and real
images made with Pillow."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

from PIL import Image

from gymsite.accounts.audit import Actor
from inspections import services
from inspections.photos import photo_from_bytes


def png_bytes(size=(32, 24), color=(200, 30, 30), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def png_base64(**kwargs) -> str:
    return base64.b64encode(png_bytes(**kwargs)).decode()


def make_checklist(gym=None, *, name="Equipment check", scoring_enabled=True, **kwargs):
    return services.checklist_create(actor=Actor.system(), gym=gym, name=name, scoring_enabled=scoring_enabled, **kwargs)


def add_question(checklist, *, text=None, type="pass_fail", points="10", section="General", **kwargs):
    add_question.counter = getattr(add_question, "counter", 0) + 1
    return services.question_create(
        actor=Actor.system(),
        checklist=checklist,
        text=text or f"Question {add_question.counter}",
        type=type,
        points=Decimal(points),
        section=section,
        **kwargs,
    )


def start(user, checklist, *, gym=None, **fields):
    fields.setdefault("vehicle_plate", "ABC123")
    return services.inspection_create(actor=Actor(user=user), checklist=checklist, gym=gym or user.gym, **fields)


def answer(user, inspection, question, value, *, photos=None, **kwargs):
    return services.answer_submit(
        actor=Actor(user=user),
        inspection=inspection,
        question=question,
        answer_value=value,
        photos=[photo_from_bytes(p) for p in photos] if photos is not None else None,
        **kwargs,
    )


def complete(user, inspection):
    return services.inspection_complete(actor=Actor(user=user), inspection=inspection)
