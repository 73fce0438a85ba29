"""The audit log as an owner reads it: what happened in their words (one label per action
code), the row it happened to by name (a link to its admin page while it exists), and
the event's data as labelled fields.

The table of action labels (`audit_labels`) holds every app's: an action code without a
label shows as its code, and a test fails on it. Apps above accounts teach the log their references
and enumerations from their admin modules (`audit_reference`, `audit_value_labels`), so
this module knows none of them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib.admin.utils import quote
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .admin_time import EMPTY, gym_time
from .models import AuditEvent, Gym

# Labels of the keys of events' data (a key that is a field of the event's target takes
# that field's label first).
DATA_LABELS = {
    "amount": _("amount"),
    "changed": _("changed fields"),
    "changes": _("changes"),
    "check_in_at": _("checked in at"),
    "check_out_at": _("checked out at"),
    "count": _("count"),
    "days": _("days"),
    "days_returned": _("days given back"),
    "document_id": _("document ID"),
    "email": _("email"),
    "ended_refresh_tokens": _("sessions ended"),
    "expires_on": _("expires on"),
    "from": _("from"),
    "from_gym": _("from gym"),
    "gym": _("gym"),
    "identifier": _("user name or email given"),
    "is_active": _("active"),
    "member": _("member"),
    "member_id": _("member"),
    "membership": _("membership"),
    "method": _("method"),
    "name": _("name"),
    "plan": _("plan"),
    "plan_name": _("plan name"),
    "purchased_price": _("purchased price"),
    "reason": _("reason"),
    "result": _("result"),
    "revoked_tokens": _("API tokens revoked"),
    "role": _("role"),
    "source": _("source"),
    "starts_on": _("starts on"),
    "to_gym": _("to gym"),
    "until": _("until"),
    "user": _("staff user"),
    "username": _("username"),
}
MONEY_KEYS = {"amount", "purchased_price", "price"}

# {data key: model label} of the ids in events' data, and {data key: {code: label}} of
# their enumerations, filled by the apps' admin modules.
REFERENCES: dict[str, str] = {"user": "accounts.user", "gym": "accounts.gym", "from_gym": "accounts.gym",
                              "to_gym": "accounts.gym"}
VALUE_LABELS: dict[str, dict[str, Any]] = {}


def audit_reference(key: str, model_label: str) -> None:
    """Ids under `key` in events' data are rows of `model_label` ("members.member")."""
    REFERENCES[key] = model_label


def audit_value_labels(key: str, choices) -> None:
    """Codes under `key` in events' data read as these choices' labels."""
    VALUE_LABELS.setdefault(key, {}).update(dict(choices))


# --- the event's target ----------------------------------------------------------------------


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _admin_url(obj: models.Model) -> str | None:
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
    except NoReverseMatch:
        return None


def _rows(model: type[models.Model], ids) -> dict[str, models.Model]:
    pks = []
    for raw in ids:
        try:
            pks.append(model._meta.pk.to_python(raw))
        except ValidationError:  # an id of another shape: no such row
            continue
    # The rows' names (__str__) may read their required relations: fetched with them.
    return {str(pk): row for pk, row in model._base_manager.select_related().in_bulk(pks).items()}


def load_targets(events) -> None:
    """Fetch the targets of `events` (a page of them) in one query per model: each event
    gets `target_row` (None when the row is gone)."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.target_type and event.target_id:
            wanted.setdefault(event.target_type, set()).add(event.target_id)
    found = {}
    for label, ids in wanted.items():
        model = _model(label)
        found[label] = _rows(model, ids) if model is not None else {}
    for event in events:
        event.target_row = found.get(event.target_type, {}).get(event.target_id)


def _link(obj: models.Model, css: str = "audit-target"):
    url = _admin_url(obj)
    if url is None:
        return format_html('<span class="{}">{}</span>', css, obj)
    return format_html('<a class="{}" href="{}">{}</a>', css, url, obj)


def target_display(event: AuditEvent):
    """The target by name, linked to its admin page; a row gone by its last known name."""
    if not event.target_type:
        return EMPTY
    if not hasattr(event, "target_row"):
        load_targets([event])
    if event.target_row is not None:
        return _link(event.target_row)
    model = _model(event.target_type)
    kind = model._meta.verbose_name if model is not None else event.target_type
    name = (event.data or {}).get("name") if isinstance(event.data, dict) else None
    return format_html(
        '<span class="audit-target audit-target-gone">{}</span>',
        _("%(name)s (%(kind)s, deleted)") % {"name": name, "kind": kind}
        if name
        else _("%(kind)s #%(id)s (deleted)") % {"kind": kind, "id": event.target_id},
    )


# --- the event's data -----------------------------------------------------------------------

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _key_label(key: str, model):
    field = _field(model, key)
    if field is not None and hasattr(field, "verbose_name"):
        return field.verbose_name
    return DATA_LABELS.get(key, key.replace("_", " "))


def _money(value, gym: Gym | None):
    from .admin_display import money

    try:
        return money(Decimal(str(value)), gym.currency if gym is not None else "")
    except (InvalidOperation, ValueError):
        return str(value)


def _value(key: str, value: Any, *, model, gym: Gym | None):
    """One value of an event's data, as an owner reads it."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return format_html_join(", ", "{}", ((_value(key, item, model=model, gym=gym),) for item in value))
    if isinstance(value, dict):
        return _fields(value, model=model, gym=gym)
    if key in MONEY_KEYS:
        return _money(value, gym)
    field = _field(model, key)
    if field is not None and field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, str) and value in VALUE_LABELS.get(key, {}):
        return VALUE_LABELS[key][value]
    if key in REFERENCES and isinstance(value, (int, str)):
        ref_model = _model(REFERENCES[key])
        row = _rows(ref_model, [value]).get(str(value)) if ref_model is not None else None
        return _link(row, "audit-reference") if row is not None else f"#{value}"
    if isinstance(value, str) and ISO_DATETIME.match(value):
        try:
            return gym_time(datetime.fromisoformat(value), gym, format_name="DATETIME_FORMAT")
        except ValueError:
            return value
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    return value


def _change(key: str, value: Any, *, model, gym):
    """`[old, new]` of a changed field: "old → new"."""
    if isinstance(value, list) and len(value) == 2:
        old, new = (_value(key, v, model=model, gym=gym) for v in value)
        return format_html('{} <span class="audit-arrow">→</span> {}', old, new)
    return _value(key, value, model=model, gym=gym)


def _fields(data: dict, *, model, gym, changes: bool = False):
    rows = []
    for key, value in data.items():
        if key == "changed" and isinstance(data.get("changes"), dict):
            continue  # the changes say it, with the values
        if key == "changes" and isinstance(value, dict):
            shown = _fields(value, model=model, gym=gym, changes=True)
        elif key == "changed" and isinstance(value, list):
            shown = ", ".join(str(_key_label(name, model)) for name in value)
        elif changes:
            shown = _change(key, value, model=model, gym=gym)
        else:
            shown = _value(key, value, model=model, gym=gym)
        rows.append((key, _key_label(key, model), shown))
    if not rows:
        return EMPTY
    return format_html(
        '<dl class="audit-data">{}</dl>',
        format_html_join("", '<dt data-key="{}">{}</dt><dd>{}</dd>', rows),
    )


def data_display(event: AuditEvent):
    """The event's data as labelled fields (`<dl class="audit-data">`)."""
    if not isinstance(event.data, dict):
        return str(event.data) if event.data else EMPTY
    return _fields(event.data, model=_model(event.target_type) if event.target_type else None, gym=event.gym)
