"""Every write of the inspections: checklists and questions (the admin's templates),
inspections, answers and their photos, completion, deactivation. Each in a transaction,
audited, under a row lock where two requests could race: the checklist's for template
edits (version and max_score), the inspection's for answers and completion."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import Gym
from gymsite.core.changes import apply_changes, audit_value, check_editable
from gymsite.core.errors import Conflict, Invalid
from gymsite.core.localtime import local_date

from . import scoring
from .models import (
    CHECKLIST_EDITABLE_FIELDS,
    MAX_PHOTOS_PER_ANSWER,
    MAX_QUESTION_POINTS,
    QUESTION_EDITABLE_FIELDS,
    AiMode,
    Answer,
    AnswerPhoto,
    Checklist,
    Inspection,
    InspectionStatus,
    Question,
    QuestionType,
)
from .photos import Photo

MAX_OPTIONS = 20
INSPECTION_FIELDS = (
    "or_number",
    "vehicle_plate",
    "vehicle_brand",
    "vehicle_model",
    "vehicle_km",
    "client_name",
    "asset",
)


def _invalid(field: str, message, code: str = "invalid") -> Invalid:
    return Invalid(message, code, errors={field: [str(message)]})


# --- Checklists -------------------------------------------------------------------------


def _lock_checklist(checklist: Checklist) -> Checklist:
    return Checklist.objects.select_for_update(of=("self",)).get(pk=checklist.pk)


def _checklist_validate(checklist: Checklist) -> None:
    if not checklist.name or not checklist.name.strip():
        raise _invalid("name", _("This field may not be blank."))
    if checklist.ai_mode not in AiMode.values:
        raise _invalid("ai_mode", _("Use off or suggest."))


def _checklist_data(checklist: Checklist) -> dict:
    return {
        "name": checklist.name,
        "gym": checklist.gym_id,
        "ai_mode": checklist.ai_mode,
        "scoring_enabled": checklist.scoring_enabled,
        "is_active": checklist.is_active,
        "version": checklist.version,
    }


def _refresh_max_score(checklist: Checklist) -> None:
    """The checklist's max_score from its questions (n/a cannot be known in advance:
    every question counts)."""
    total = Decimal("0")
    for question in checklist.questions.all():
        total += scoring.max_points(_spec(question))
    checklist.max_score = scoring.q2(total)


def _bump(checklist: Checklist, *, refresh: bool = True) -> None:
    """A change of the template: a new version (inspections keep the one they used)."""
    if refresh:
        _refresh_max_score(checklist)
    checklist.version += 1
    checklist.save()


@transaction.atomic
def checklist_create(
    *,
    actor: Actor,
    name: str,
    gym: Gym | None = None,
    description: str = "",
    ai_mode: str = AiMode.OFF,
    scoring_enabled: bool = True,
    logo=None,
    logo_url: str = "",
    is_active: bool = True,
) -> Checklist:
    """A new template; `gym` None: every gym may use it."""
    checklist = Checklist(
        gym=gym,
        name=(name or "").strip(),
        description=description or "",
        ai_mode=ai_mode,
        scoring_enabled=scoring_enabled,
        logo_url=logo_url or "",
        is_active=is_active,
        created_by=actor.user,
    )
    _checklist_validate(checklist)
    if logo:
        checklist.logo = logo
    checklist.save()
    audit_record(actor=actor, action="checklist.created", target=checklist, data=_checklist_data(checklist))
    return checklist


@transaction.atomic
def checklist_update(*, actor: Actor, checklist: Checklist, changes: dict[str, Any]) -> Checklist:
    """Change `CHECKLIST_EDITABLE_FIELDS`; a new version. Moving a checklist to one gym is
    refused (409 checklist_in_use) while another gym has inspections on it."""
    check_editable(changes, CHECKLIST_EDITABLE_FIELDS)
    changes = dict(changes)
    if isinstance(changes.get("name"), str):
        changes["name"] = changes["name"].strip()
    logo = changes.pop("logo", "unchanged")
    checklist = _lock_checklist(checklist)
    was_active = checklist.is_active
    changed = apply_changes(checklist, changes)
    if logo != "unchanged":
        old = checklist.logo.name if checklist.logo else ""
        checklist.logo = logo or None
        changed["logo"] = [old, "(new file)" if logo else ""]
    _checklist_validate(checklist)
    if (
        "gym" in changed
        and checklist.gym_id is not None
        and checklist.inspections.exclude(gym_id=checklist.gym_id).exists()
    ):
        raise Conflict(
            _("Other gyms have inspections on this checklist: it must stay open to every gym."),
            "checklist_in_use",
        )
    if not changed:
        return checklist
    _bump(checklist, refresh=False)
    if was_active and not checklist.is_active:
        audit_record(actor=actor, action="checklist.deactivated", target=checklist, data={"name": checklist.name})
    audit_record(actor=actor, action="checklist.changed", target=checklist, data={"changes": changed})
    return checklist


@transaction.atomic
def checklist_deactivate(*, actor: Actor, checklist: Checklist) -> Checklist:
    """No new inspections on it; those made stay as they are. Idempotent."""
    checklist = _lock_checklist(checklist)
    if checklist.is_active:
        checklist.is_active = False
        _bump(checklist, refresh=False)
        audit_record(actor=actor, action="checklist.deactivated", target=checklist, data={"name": checklist.name})
    return checklist


# --- Questions --------------------------------------------------------------------------


def _spec(question: Question) -> scoring.Spec:
    return scoring.Spec(
        type=question.type,
        points=question.points,
        options=question.options,
        min_value=question.min_value,
        max_value=question.max_value,
        allow_na=question.allow_na,
    )


def _option_shape_ok(option) -> bool:
    """An option as the admin's JSON field may hold it: {"label": text, "score": number}."""
    if not isinstance(option, dict) or not isinstance(option.get("label"), str):
        return False
    try:
        return Decimal(str(option.get("score"))).is_finite()
    except ArithmeticError:
        return False


def _question_validate(question: Question) -> None:
    """The rules of a question's shape for its type; normalises what follows from it."""
    if not question.text or not question.text.strip():
        raise _invalid("text", _("This field may not be blank."))
    if question.type not in QuestionType.values:
        raise _invalid("type", _("Unknown question type."))
    if question.points is None or not 0 <= question.points <= MAX_QUESTION_POINTS:
        raise _invalid("points", _("Give points from 0 to %(max)d.") % {"max": MAX_QUESTION_POINTS})
    if not 0 <= (question.max_photos or 0) <= MAX_PHOTOS_PER_ANSWER:
        raise _invalid("max_photos", _("At most %(max)d photos.") % {"max": MAX_PHOTOS_PER_ANSWER})
    if question.type == QuestionType.MULTIPLE_CHOICE:
        options = question.options or []
        if not isinstance(options, list) or not all(_option_shape_ok(o) for o in options):
            raise _invalid("options", _('Give the options as a list of {"label", "score", "is_failed"}.'))
        if len(options) < 2 or len(options) > MAX_OPTIONS:
            raise _invalid("options", _("A multiple choice question needs from 2 to %(max)d options.") % {"max": MAX_OPTIONS})
        labels = [str(o["label"]).strip().lower() for o in options]
        if len(set(labels)) != len(labels) or not all(labels) or {scoring.NA, "n/a"} & set(labels):
            raise _invalid("options", _("Each option needs a label of its own (and not n/a)."))
        for option in options:
            if not 0 <= Decimal(str(option["score"])) <= MAX_QUESTION_POINTS:
                raise _invalid("options", _("Give points from 0 to %(max)d.") % {"max": MAX_QUESTION_POINTS})
        question.options = [
            {"label": str(o["label"]).strip(), "score": str(scoring.q2(Decimal(str(o["score"])))), "is_failed": bool(o.get("is_failed", False))}
            for o in options
        ]
        # The question is worth its best option.
        question.points = scoring.max_points(_spec(question))
    elif question.options:
        raise _invalid("options", _("Only a multiple choice question has options."))
    else:
        question.options = None
    if question.type == QuestionType.NUMBER:
        if question.min_value is not None and question.max_value is not None and question.min_value > question.max_value:
            raise _invalid("max_value", _("The maximum cannot be below the minimum."))
    elif question.min_value is not None or question.max_value is not None:
        raise _invalid("min_value", _("Only a number question has a minimum and a maximum."))
    if question.type == QuestionType.PHOTO:
        question.allow_photos = True
        if question.max_photos < 1:
            raise _invalid("max_photos", _("A photo question takes at least one photo."))
    question.section = (question.section or "").strip()
    question.text = question.text.strip()


def _question_data(question: Question) -> dict:
    return {
        "checklist": question.checklist_id,
        "section": question.section,
        "text": question.text,
        "type": question.type,
        "points": str(question.points),
        "required": question.required,
    }


@transaction.atomic
def question_create(*, actor: Actor, checklist: Checklist, **fields) -> Question:
    check_editable(fields, QUESTION_EDITABLE_FIELDS)
    checklist = _lock_checklist(checklist)
    question = Question(checklist=checklist, **fields)
    _question_validate(question)
    question.save()
    _bump(checklist)
    audit_record(actor=actor, action="question.created", target=question, gym=checklist.gym_id, data=_question_data(question))
    return question


@transaction.atomic
def question_update(*, actor: Actor, question: Question, changes: dict[str, Any]) -> Question:
    """Change a question. Completed inspections keep their answers' snapshots; a draft's
    answers keep the question as it was when they were given."""
    check_editable(changes, QUESTION_EDITABLE_FIELDS)
    checklist = _lock_checklist(question.checklist)
    question = Question.objects.select_for_update().get(pk=question.pk)
    changed = apply_changes(question, changes)
    _question_validate(question)
    if not changed:
        return question
    question.save()
    _bump(checklist)
    # The new values as validated (options normalised to JSON-safe text).
    audit_changes = {name: [old, audit_value(getattr(question, name))] for name, (old, _new) in changed.items()}
    audit_record(actor=actor, action="question.changed", target=question, gym=checklist.gym_id, data={"changes": audit_changes})
    return question


@transaction.atomic
def question_delete(*, actor: Actor, question: Question) -> None:
    """Remove a question from its template: drafts lose their answer to it; completed and
    inactive inspections keep theirs (the snapshot stays, the link goes)."""
    checklist = _lock_checklist(question.checklist)
    Answer.objects.filter(question=question, inspection__status=InspectionStatus.DRAFT).delete()
    audit_record(actor=actor, action="question.deleted", target=question, gym=checklist.gym_id, data=_question_data(question))
    question.delete()
    _bump(checklist)


# --- Inspections ------------------------------------------------------------------------


def checklist_usable_at(checklist: Checklist, gym_id: int) -> bool:
    return checklist.gym_id is None or checklist.gym_id == gym_id


@transaction.atomic
def inspection_create(*, actor: Actor, checklist: Checklist, gym: Gym, **fields) -> Inspection:
    """Start an inspection of a vehicle (a plate) or of a piece of equipment (an asset), on
    an active checklist open to the gym. The mechanic is the one who starts it."""
    check_editable(fields, INSPECTION_FIELDS)
    if not checklist.is_active:
        raise _invalid("checklist", _("This checklist is inactive."), "checklist_inactive")
    if not checklist_usable_at(checklist, gym.pk):
        raise _invalid("checklist", _("This checklist belongs to another gym."))
    fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    if fields.get("vehicle_plate"):
        # One spelling per plate, so the list filter finds it however it was typed.
        fields["vehicle_plate"] = "".join(fields["vehicle_plate"].split()).upper()
    if not fields.get("vehicle_plate") and not fields.get("asset"):
        message = _("Say what is inspected: a vehicle_plate or an asset.")
        raise Invalid(message, "subject_required", errors={"vehicle_plate": [str(message)], "asset": [str(message)]})
    now = timezone.now()
    inspection = Inspection.objects.create(
        checklist=checklist,
        checklist_version=checklist.version,
        checklist_name=checklist.name,
        scoring_enabled=checklist.scoring_enabled,
        mechanic=actor.user,
        gym=gym,
        max_score=checklist.max_score if checklist.scoring_enabled else Decimal("0"),
        started_at=now,
        local_date=local_date(now, gym.tz),
        **fields,
    )
    audit_record(
        actor=actor, action="inspection.created", target=inspection,
        data={"checklist": checklist.pk, "version": checklist.version, "subject": inspection.subject},
    )
    return inspection


def _lock_inspection(inspection: Inspection) -> Inspection:
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("checklist", "gym")
        .get(pk=inspection.pk)
    )


def _require_draft(inspection: Inspection) -> None:
    if inspection.status == InspectionStatus.COMPLETED:
        raise Conflict(_("This inspection is completed: it can no longer change."), "inspection_completed")
    if inspection.status == InspectionStatus.INACTIVE:
        raise Conflict(_("This inspection is inactive."), "inspection_inactive")


def _unanswered_max(inspection: Inspection, answered_question_ids) -> Decimal:
    total = Decimal("0")
    for question in inspection.checklist.questions.exclude(pk__in=answered_question_ids):
        total += scoring.max_points(_spec(question))
    return total


def _apply_totals(inspection: Inspection) -> None:
    answers = list(inspection.answers.all())
    result = scoring.totals(
        answers,
        _unanswered_max(inspection, [a.question_id for a in answers if a.question_id]),
        scoring_enabled=inspection.scoring_enabled,
    )
    inspection.score, inspection.max_score = result.score, result.max_score
    inspection.percentage, inspection.flagged_items_count = result.percentage, result.flagged


@transaction.atomic
def answer_submit(
    *,
    actor: Actor,
    inspection: Inspection,
    question: Question,
    answer_value: str,
    answer_text: str = "",
    is_flagged: bool = False,
    comments: str = "",
    photos: Sequence[Photo] | None = None,
) -> Answer:
    """Answer `question` in a draft `inspection` (409 once completed or inactive); posting
    again replaces the answer. Points come from the question alone; a failing answer is
    flagged (the client may flag more); a fail without a comment where the question asks
    for one is a 400. `photos` None keeps the answer's photos; a list replaces them."""
    inspection = _lock_inspection(inspection)
    _require_draft(inspection)
    if question.checklist_id != inspection.checklist_id:
        raise _invalid("question", _("This question is not in the inspection's checklist."))
    existing = Answer.objects.filter(inspection=inspection, question=question).first()
    if photos is not None and photos:
        if not question.allow_photos and question.type != QuestionType.PHOTO:
            raise _invalid("photos", _("This question takes no photos."), "photos_not_allowed")
        if len(photos) > question.max_photos:
            raise _invalid(
                "photos", _("At most %(max)d photos for this question.") % {"max": question.max_photos}, "too_many_photos"
            )
    # Only a photo question's points depend on its photos (kept ones count when none are sent).
    photo_count = 0
    if question.type == QuestionType.PHOTO:
        photo_count = len(photos) if photos is not None else (existing.photos.count() if existing else 0)
    try:
        outcome = scoring.evaluate(
            _spec(question), answer_value, answer_text=answer_text or "", photo_count=photo_count
        )
    except scoring.AnswerInvalid as error:
        field = "photos" if question.type == QuestionType.PHOTO and str(answer_value or "").strip().lower() not in ("na", "n/a") else "answer_value"
        raise _invalid(field, str(error)) from None
    comments = (comments or "").strip()
    if outcome.is_failed and question.requires_comment_on_fail and not comments:
        raise _invalid("comments", _("A failed answer to this question needs a comment."), "comment_required")
    values = {
        "section": question.section,
        "question_text": question.text,
        "question_type": question.type,
        "question_order": question.order,
        "question_options": question.options,
        "max_points": outcome.max_points,
        "answer_value": outcome.value,
        "answer_text": (answer_text or "").strip(),
        "is_na": outcome.is_na,
        "is_failed": outcome.is_failed,
        "is_flagged": outcome.is_failed or bool(is_flagged),
        "points_earned": outcome.points,
        "comments": comments,
        "answered_by": actor.user,
    }
    if existing is None:
        answer = Answer.objects.create(inspection=inspection, question=question, **values)
    else:
        answer = existing
        for name, value in values.items():
            setattr(answer, name, value)
        answer.save()
    if photos is not None:
        old = list(answer.photos.all())
        for photo in old:
            transaction.on_commit(lambda name=photo.file.name, storage=photo.file.storage: storage.delete(name))
        AnswerPhoto.objects.filter(answer=answer).delete()
        for photo in photos:
            stored = AnswerPhoto(
                answer=answer, content_type=photo.content_type, size=len(photo.content), width=photo.width, height=photo.height
            )
            content = photo.as_file()
            stored.file.save(content.name, content, save=False)
            stored.save()
    _apply_totals(inspection)
    inspection.save(update_fields=["score", "max_score", "percentage", "flagged_items_count", "updated_at"])
    audit_record(
        actor=actor,
        action="inspection.answered",
        target=inspection,
        data={
            "question": question.pk,
            "answer_value": answer.answer_value,
            "points_earned": str(answer.points_earned),
            "is_flagged": answer.is_flagged,
            "photos": len(photos) if photos is not None else "kept",
            "replaced": existing is not None,
        },
    )
    # Read under the inspection's lock: whether this post replaced an answer (200) or
    # made the first one (201).
    answer.replaced = existing is not None
    return answer


def missing_required(inspection: Inspection) -> list[Question]:
    answered = Answer.objects.filter(inspection=inspection, question__isnull=False).values("question_id")
    return list(inspection.checklist.questions.filter(required=True).exclude(pk__in=answered))


@transaction.atomic
def inspection_complete(*, actor: Actor, inspection: Inspection) -> Inspection:
    """Complete a draft: every required question answered (400 missing_required listing
    them otherwise), totals computed, completed_at set. Completed, it never changes."""
    inspection = _lock_inspection(inspection)
    _require_draft(inspection)
    missing = missing_required(inspection)
    if missing:
        listed = [{"id": q.pk, "section": q.section, "text": q.text} for q in missing]
        raise Invalid(
            _("Answer every required question before completing the inspection."),
            "missing_required",
            errors={"answers": [f"{q.section}: {q.text}" if q.section else q.text for q in missing]},
            extra={"missing": listed},
        )
    _apply_totals(inspection)
    inspection.status = InspectionStatus.COMPLETED
    inspection.completed_at = timezone.now()
    inspection.save()
    audit_record(
        actor=actor,
        action="inspection.completed",
        target=inspection,
        data={
            "score": str(inspection.score),
            "max_score": str(inspection.max_score),
            "percentage": str(inspection.percentage),
            "flagged_items_count": inspection.flagged_items_count,
        },
    )
    return inspection


@transaction.atomic
def inspection_deactivate(*, actor: Actor, inspection: Inspection) -> Inspection:
    """Soft delete (admin): the inspection stays, out of the lists unless asked for.
    Idempotent."""
    inspection = _lock_inspection(inspection)
    if inspection.status != InspectionStatus.INACTIVE:
        previous = inspection.status
        inspection.status = InspectionStatus.INACTIVE
        inspection.deactivated_at = timezone.now()
        inspection.save(update_fields=["status", "deactivated_at", "updated_at"])
        audit_record(actor=actor, action="inspection.deactivated", target=inspection, data={"previous_status": previous})
    return inspection

