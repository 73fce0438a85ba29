"""Partial updates, one way everywhere (DESIGN.md: services).

Every update service takes `changes: dict[str, Any]` — the fields to change and their new
values, already validated in shape by a serializer — checks the keys against the app's
tuple of editable fields with `check_editable`, and applies them with `apply_changes`,
which returns what really changed as `{field: [old, new]}` for the audit log.

A dict rather than keyword arguments with a sentinel: a service can tell "absent" from
"set to None" without a sentinel, the editable tuple is declared once per model and shared
with the serializer and the admin, and an unknown key is one clear error
(`field_not_editable`) instead of a TypeError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import Invalid


def check_editable(changes: Mapping[str, Any], editable: Iterable[str]) -> None:
    """Refuse (400 `field_not_editable`) any key of `changes` not in `editable`."""
    unknown = sorted(set(changes) - set(editable))
    if unknown:
        raise Invalid(
            _("These fields cannot be changed here."),
            "field_not_editable",
            errors={name: [gettext("This field cannot be changed here.")] for name in unknown},
        )


def audit_value(value: Any) -> Any:
    """A value as the audit log stores it (JSON): dates and times as ISO text, money as a string,
    rows as their id."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def apply_changes(instance: models.Model, changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set each changed attribute of `instance`; return `{field: [old, new]}` for the
    fields whose value really changed (an unchanged value is not a change)."""
    changed: dict[str, list[Any]] = {}
    for name, value in changes.items():
        old = getattr(instance, name)
        if old != value:
            setattr(instance, name, value)
            changed[name] = [audit_value(old), audit_value(value)]
    return changed
