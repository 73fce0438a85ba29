"""Writes on members. Keyword-only, typed, atomic, raising domain errors (DESIGN.md).

Billing calls `member_lock` and `member_membership_summary_set` (the summary fields are
billing's to maintain) and may call `member_create` inside its enrollment transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import Gym
from gymsite.accounts.roles import role_can
from gymsite.core.changes import apply_changes, check_editable
from gymsite.core.errors import Conflict, Invalid, NotAllowed, NotFound

from .models import EDITABLE_FIELDS, Member

SUMMARY_FIELDS = (
    "current_plan_id",
    "current_plan_name",
    "membership_since",
    "membership_starts_on",
    "expires_on",
    "paused_from",
    "paused_until",
)



# --- for billing ----------------------------------------------------------------------


def member_lock(*, member_id: int) -> Member:
    """The member row locked FOR UPDATE (with its gym loaded), for services that change
    the member's memberships. The caller must be inside a transaction."""
    try:
        locked = Member.objects.select_for_update(of=("self",)).select_related("gym")
        return locked.get(pk=member_id)
    except Member.DoesNotExist:
        raise NotFound(_("Member not found."), "member_not_found") from None


def member_membership_summary_set(
    *,
    member: Member,
    current_plan_id: int | None,
    current_plan_name: str,
    membership_since: date | None,
    membership_starts_on: date | None,
    expires_on: date | None,
    paused_from: date | None,
    paused_until: date | None,
) -> Member:
    """Write the membership summary on the member (billing calls this whenever a membership
    changes). The caller holds the member's row lock and the transaction; this only writes
    the seven summary fields (and updated_at), nothing else on the row."""
    if (paused_from is None) != (paused_until is None) or (
        paused_from is not None and paused_until < paused_from
    ):
        raise Invalid(_("A pause needs a start and an end on or after it."), "invalid_pause")
    member.current_plan_id = current_plan_id
    member.current_plan_name = current_plan_name or ""
    member.membership_since = membership_since
    member.membership_starts_on = membership_starts_on
    member.expires_on = expires_on
    member.paused_from = paused_from
    member.paused_until = paused_until
    with transaction.atomic():
        member.save(update_fields=[*SUMMARY_FIELDS, "updated_at"])
    return member


# --- uniqueness -------------------------------------------------------------------------


def _email_taken_message() -> str:
    return gettext("A member of this gym already has this email.")


def _document_taken_message() -> str:
    return gettext("A member of this gym already has this document ID.")


# The field each unique constraint of Member guards, as the duplicate error names it.
UNIQUE_CONSTRAINT_FIELDS = {
    "member_email_unique_in_gym": "email",
    "member_document_unique_in_gym": "document_id",
}
DUPLICATE_MESSAGES = {"email": _email_taken_message, "document_id": _document_taken_message}
SQLITE_UNIQUE_FAILED = "UNIQUE constraint failed: "


def _duplicate_error(errors: dict[str, list[str]]) -> Invalid:
    return Invalid(_("A member of this gym already has these details."), "member_duplicate", errors=errors)


def _check_unique(*, gym_id: int, email: str, document_id: str, exclude_pk: int | None = None) -> None:
    others = Member.objects.filter(gym_id=gym_id)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    errors: dict[str, list[str]] = {}
    for name, value in (("email", email), ("document_id", document_id)):
        if value and others.filter(**{name: value}).exists():
            errors[name] = [DUPLICATE_MESSAGES[name]()]
    if errors:
        raise _duplicate_error(errors)


def _sqlite_columns(constraint: models.UniqueConstraint) -> str:
    """How SQLite names a unique index that fired: its columns, not its name
    ("members_member.gym_id, members_member.email")."""
    table = Member._meta.db_table
    return ", ".join(f"{table}.{Member._meta.get_field(name).column}" for name in constraint.fields)


def _violated_unique_constraint(exc: IntegrityError) -> str | None:
    """The name of the Member unique constraint behind `exc`, or None for any other
    failure. PostgreSQL names it (psycopg's diagnostics); SQLite lists its columns, matched
    whole against each constraint's. Never a search in the message, which quotes the
    offending value (a document ID may well contain "email")."""
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None:
        return diag.constraint_name
    message = str(exc)
    if not message.startswith(SQLITE_UNIQUE_FAILED):
        return None
    columns = message.removeprefix(SQLITE_UNIQUE_FAILED)
    for constraint in Member._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and _sqlite_columns(constraint) == columns:
            return constraint.name
    return None


def _save_unique(member: Member, **save_kwargs) -> None:
    """Save; a unique constraint that fires anyway (a concurrent writer got there between
    our check and our insert) is the same 400 as the check's."""
    try:
        with transaction.atomic():
            member.save(**save_kwargs)
    except IntegrityError as exc:
        field_name = UNIQUE_CONSTRAINT_FIELDS.get(_violated_unique_constraint(exc))
        if field_name is None:
            raise
        raise _duplicate_error({field_name: [DUPLICATE_MESSAGES[field_name]()]}) from exc


def _delete_file_on_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- create, update, delete -----------------------------------------------------------


@transaction.atomic
def member_create(*, actor: Actor, gym: Gym, data: dict[str, Any]) -> Member:
    """A new member of `gym` (no membership: status pending until billing adds one).
    `data` holds the editable fields (gym excluded; the caller resolved it)."""
    data = {k: v for k, v in data.items() if k != "gym"}
    check_editable(data, EDITABLE_FIELDS)
    if data.get("photo") is None:
        data.pop("photo", None)
    member = Member(gym=gym, **data)
    _check_unique(gym_id=gym.pk, email=member.email, document_id=member.document_id)
    _save_unique(member)
    audit_record(
        actor=actor,
        action="member.enrolled",
        target=member,
        data={"name": member.full_name},
    )
    return member


def member_gym_move_check(*, member: Member) -> None:
    """Refuse (409) to move a member still covered, or with a period to come, to another
    gym. Memberships, their plans and prices belong to the gym that sold them: such a
    member would carry the old gym's plan into the new one. Past periods stay behind with
    the old gym's books. Read under the member's row lock (billing writes the summary
    under it) when called from `member_update`."""
    if member.expires_on is not None and member.expires_on >= member.local_today():
        raise Conflict(
            _("This member has a current or upcoming membership in their gym; end it before moving them."),
            "member_has_current_membership",
        )


def _may_change_gym(actor: Actor) -> bool:
    if actor.user is None:  # the system (commands, tasks)
        return True
    return role_can(actor.user.role, "members.change_gym")


def _photo_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """`"photo": None` clears the uploaded photo, and the photo URL unless `changes` sets
    one (a cleared photo must not leave the old picture showing through the URL)."""
    if "photo" not in changes or changes["photo"] is not None:
        return changes
    changes = {**changes, "photo": ""}
    changes.setdefault("photo_url", "")
    return changes


@transaction.atomic
def member_update(*, actor: Actor, member: Member, changes: dict[str, Any]) -> Member:
    """Change only what `changes` holds (EDITABLE_FIELDS; any other key is a 400
    `field_not_editable`). Moving to another gym needs `members.change_gym` (admins) and a
    member with no current or upcoming membership (409 otherwise: the periods were sold by
    the old gym). `"photo": None` clears the uploaded photo, and the photo URL unless
    `changes` sets one."""
    check_editable(changes, EDITABLE_FIELDS)
    member = Member.objects.select_for_update(of=("self",)).select_related("gym").get(pk=member.pk)
    changes = _photo_changes(changes)
    extra: dict[str, Any] = {}

    new_gym = changes.get("gym")
    if new_gym is None or new_gym.pk == member.gym_id:
        changes = {name: value for name, value in changes.items() if name != "gym"}
    else:
        if not _may_change_gym(actor):
            raise NotAllowed(_("You may not move a member to another gym."), "member_gym_change_forbidden")
        member_gym_move_check(member=member)
        extra = {"from_gym": member.gym_id, "to_gym": new_gym.pk}

    old_photo = member.photo.name
    changed = apply_changes(member, changes)
    if not changed:
        return member
    if changed.keys() & {"gym", "email", "document_id"}:
        _check_unique(
            gym_id=member.gym_id, email=member.email, document_id=member.document_id, exclude_pk=member.pk
        )
    _save_unique(member, update_fields=[*sorted(changed), "updated_at"])
    if "photo" in changed and old_photo:
        _delete_file_on_commit(member.photo.storage, old_photo)
    audit_record(
        actor=actor, action="member.changed", target=member, data={"changed": sorted(changed), **extra}
    )
    return member


@transaction.atomic
def member_delete(*, actor: Actor, member: Member) -> None:
    """Remove the member; their attendance, measurements and biometric data go with them
    (CASCADE in those apps), payments stay with the member's name (SET_NULL in billing)."""
    member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
    audit_record(
        actor=actor,
        action="member.deleted",
        target=member,
        data={"name": member.full_name, "document_id": member.document_id, "email": member.email},
    )
    photo_name, storage = member.photo.name, member.photo.storage
    member.delete()
    _delete_file_on_commit(storage, photo_name)


# --- import and export ----------------------------------------------------------------


@dataclass
class ImportResult:
    dry_run: bool
    created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _taken(gym: Gym, field_name: str, values: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(values)):
        found.update(
            Member.objects.filter(gym=gym, **{f"{field_name}__in": chunk}).values_list(field_name, flat=True)
        )
    return found


def member_import_duplicates(*, gym: Gym, rows: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Row errors for members already in the gym (same document_id or email) or repeated
    within the file (the later row is reported, naming the first)."""
    emails = {data["email"] for _, data in rows if data.get("email")}
    documents = {data["document_id"] for _, data in rows if data.get("document_id")}
    taken = {"email": _taken(gym, "email", emails), "document_id": _taken(gym, "document_id", documents)}
    seen: dict[str, dict[str, int]] = {"email": {}, "document_id": {}}
    errors = []
    for line, data in rows:
        row_errors: dict[str, list[str]] = {}
        for name in ("email", "document_id"):
            value = data.get(name)
            if not value:
                continue
            if value in taken[name]:
                row_errors[name] = [DUPLICATE_MESSAGES[name]()]
            elif value in seen[name]:
                row_errors[name] = [
                    gettext("Repeats line %(line)d of this file.") % {"line": seen[name][value]}
                ]
            else:
                seen[name][value] = line
        if row_errors:
            errors.append({"line": line, "errors": row_errors})
    return errors


@transaction.atomic
def member_import(
    *, actor: Actor, gym: Gym, rows: list[tuple[int, dict[str, Any]]], dry_run: bool
) -> ImportResult:
    """Create the members of `rows` ((line, validated data) pairs) in one transaction, or
    none: any duplicate is reported by line and nothing is written. A dry run only checks."""
    for _line, data in rows:
        check_editable(data, EDITABLE_FIELDS)
    errors = member_import_duplicates(gym=gym, rows=rows)
    if errors:
        return ImportResult(dry_run=dry_run, created=0, errors=errors)
    if dry_run:
        return ImportResult(dry_run=True, created=len(rows))
    members = [Member(gym=gym, **{k: v for k, v in data.items() if k not in ("gym", "photo")}) for _, data in rows]
    try:
        with transaction.atomic():
            Member.objects.bulk_create(members, batch_size=500)
    except IntegrityError as exc:
        raise Invalid(
            _("Some of these members were added meanwhile; check the file and import it again."),
            "import_conflict",
        ) from exc
    audit_record(actor=actor, action="member.imported", gym=gym, data={"count": len(members)})
    return ImportResult(dry_run=False, created=len(members))


@transaction.atomic
def member_export_record(*, actor: Actor, gym_id: int | None, count: int) -> None:
    """The audit trail of an export (who took the member list out, of which gym)."""
    audit_record(actor=actor, action="member.exported", gym=gym_id, data={"count": count, "gym": gym_id})
