"""Who sees what: checklists open to the caller's gym (their own and every gym's; an admin
all), inspections (a mechanic their own, an admin all), and the querysets of the lists and
details, loaded in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from gymsite.accounts.roles import role_can
from gymsite.accounts.scoping import requested_gym_id

from .models import Answer, AnswerPhoto, Checklist, Inspection, Question


def checklists_for(user, requested_gym=None) -> QuerySet[Checklist]:
    """Checklists `user` may read: a non-admin those of their gym and of every gym; an
    admin all, or with `?gym=` those a gym may use."""
    queryset = Checklist.objects.select_related("gym", "created_by")
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    gym_id = requested_gym_id(user, requested_gym)
    if user.is_admin and gym_id is None:
        return queryset
    return queryset.filter(Q(gym__isnull=True) | Q(gym_id=gym_id or user.gym_id))


def checklist_detail(queryset: QuerySet[Checklist]) -> QuerySet[Checklist]:
    return queryset.prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("order", "id")))


def questions_for(user) -> QuerySet[Question]:
    return Question.objects.filter(checklist__in=checklists_for(user)).select_related("checklist").order_by(
        "checklist_id", "order", "id"
    )


def inspections_for(user, requested_gym=None) -> QuerySet[Inspection]:
    """Inspections `user` may see: an admin all (narrowed by `?gym=`), anyone else only the
    ones they made, in their gym."""
    queryset = Inspection.objects.select_related("gym", "mechanic", "checklist")
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    gym_id = requested_gym_id(user, requested_gym)
    if role_can(user.role, "inspections.read_all"):
        return queryset.filter(gym_id=gym_id) if gym_id else queryset
    return queryset.filter(mechanic=user, gym_id=user.gym_id)


def answers_prefetch() -> Prefetch:
    return Prefetch(
        "answers",
        queryset=Answer.objects.order_by("question_order", "id").prefetch_related(
            Prefetch("photos", queryset=AnswerPhoto.objects.order_by("id"))
        ),
    )


def inspection_detail(queryset: QuerySet[Inspection]) -> QuerySet[Inspection]:
    return queryset.prefetch_related(answers_prefetch())


def answers_for(user) -> QuerySet[Answer]:
    return (
        Answer.objects.filter(inspection__in=inspections_for(user))
        .select_related("inspection")
        .prefetch_related(Prefetch("photos", queryset=AnswerPhoto.objects.order_by("id")))
        .order_by("inspection_id", "question_order", "id")
    )


def sections(items, key) -> list[dict]:
    """`items` grouped by section, in the order their first item comes."""
    grouped: dict[str, list] = {}
    for item in items:
        grouped.setdefault(key(item), []).append(item)
    return [{"name": name, "items": members} for name, members in grouped.items()]
