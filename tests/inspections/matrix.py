"""Permission-matrix providers for the inspections' routes (see tests/matrix.py)."""

from gymsite.accounts.roles import Role
from tests.factories import UserFactory
from tests.matrix import provides

from .helpers import add_question, answer, make_checklist, png_bytes, start


def _inspector(ctx):
    # A mechanic's own inspection for a mechanic; the admin sees every inspection, so a
    # mechanic of the gym makes it (a trainer or receptionist is refused before the row).
    if ctx.user.role == Role.MECHANIC:
        return ctx.user
    return UserFactory(role=Role.MECHANIC, gym=ctx.gym)


@provides("checklist", "pk")
def checklist_pk(ctx):
    from django.core.files.base import ContentFile

    return make_checklist(ctx.gym, logo=ContentFile(png_bytes(), name="logo.png")).pk


@provides("question", "pk")
def question_pk(ctx):
    return add_question(make_checklist(ctx.gym)).pk


@provides("inspection", "pk")
def inspection_pk(ctx):
    checklist = make_checklist(ctx.gym)
    add_question(checklist, required=False)
    return start(_inspector(ctx), checklist, gym=ctx.gym).pk


@provides("answer", "pk")
def answer_pk(ctx):
    checklist = make_checklist(ctx.gym)
    question = add_question(checklist, allow_photos=True)
    inspection = start(_inspector(ctx), checklist, gym=ctx.gym)
    return answer(inspection.mechanic, inspection, question, "pass", photos=[png_bytes()]).pk


@provides("answer-photo", "photo_id")
def answer_photo_id(ctx):
    from inspections.models import AnswerPhoto

    return AnswerPhoto.objects.get(answer_id=ctx.kwargs["pk"]).pk
