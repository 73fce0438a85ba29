"""Serializer fields built once per class instead of once per instance, and read the
short way when they are DRF's plain fields."""

import copy
import datetime
from collections.abc import Mapping
from enum import Enum

from rest_framework import fields as drf_fields
from rest_framework.relations import PKOnlyObject
from rest_framework.serializers import BaseSerializer
from rest_framework.settings import api_settings


# CachedFieldsMixin builds a serializer's fields once per class and gives each instance a
# deep copy.
#
# ModelSerializer.get_fields() maps every model field to a serializer field again on
# every instantiation (kwargs, labels, validators, choices); for a one-object answer
# such as a check-in that is ~1.5 ms of the request on 2 cores (bench/README.md). The
# result depends only on the class (Meta and the declared fields), never on the
# instance or its context, so it is computed once and deep-copied, as DRF itself copies
# the declared fields. Do not use it on a serializer whose get_fields() depends on the
# request or the context.
#
# Its to_representation reads DRF's plain fields (CharField, IntegerField, DateTimeField...
# of exactly those classes, with a one-attribute source) with one getattr and the
# conversion that field's own to_representation makes, instead of DRF's general path
# (Field.get_attribute's Mapping and callable checks, the timezone looked up again for
# every datetime): a page of 50 members spent most of its serializing there. Anything
# else, and any value the short way does not handle exactly as DRF would (a callable, a
# missing attribute, a naive datetime, an Enum...), goes through DRF's own code for that
# field. tests/core/test_serializer_cache.py compares both ways on every such serializer.
#
# A comment, not a docstring: drf-spectacular describes a serializer in the OpenAPI
# schema with the nearest docstring in its MRO, so this text would become the schema
# description of every serializer using the mixin without a docstring of its own.
class CachedFieldsMixin:
    def get_fields(self):
        cls = type(self)
        # cls.__dict__, not getattr: a subclass must not reuse its parent's fields.
        fields = cls.__dict__.get("_cached_fields")
        if fields is None:
            fields = super().get_fields()
            # Two threads may both build it the first time: same result, last one wins.
            cls._cached_fields = fields
        return {name: _unbound_copy(field) for name, field in fields.items()}

    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        plan = self.__dict__.get("_representation_plan")
        if plan is None:
            plan = self._representation_plan = [_plan_entry(field) for field in self._readable_fields]
        ret = {}
        current_timezone = _UNSET
        for name, kind, attr, field in plan:
            if kind is not _DRF:
                try:
                    value = getattr(instance, attr)
                except Exception:  # DRF's path knows what each failure means
                    value = _UNSET
                if value is None:
                    ret[name] = None
                    continue
                if kind is _STR and type(value) is str:
                    ret[name] = value
                    continue
                if kind is _DATETIME and type(value) is datetime.datetime and value.utcoffset() is not None:
                    if current_timezone is _UNSET:
                        current_timezone = field.default_timezone()
                    zone = field.timezone if hasattr(field, "timezone") else current_timezone
                    if zone is not None:
                        try:
                            text = value.astimezone(zone).isoformat()
                        except OverflowError:
                            pass
                        else:
                            ret[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
                            continue
                elif value is not _UNSET and not callable(value):
                    converted = _convert(kind, field, value)
                    if converted is not _UNSET:
                        ret[name] = converted
                        continue
            # DRF's Serializer.to_representation, for this field.
            try:
                attribute = field.get_attribute(instance)
            except drf_fields.SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check_for_none is None else field.to_representation(attribute)
        return ret


_UNSET = object()
_DRF, _STR, _INT, _BIGINT_STR, _FLOAT, _BOOL, _DATE, _DATETIME, _CHOICE, _RAW = (
    "drf", "str", "int", "bigint-str", "float", "bool", "date", "datetime", "choice", "raw"
)
# Exact classes only: a subclass may represent its values its own way.
_KINDS = {
    drf_fields.CharField: _STR,
    drf_fields.EmailField: _STR,
    drf_fields.URLField: _STR,
    drf_fields.SlugField: _STR,
    drf_fields.IntegerField: _INT,
    drf_fields.FloatField: _FLOAT,
    drf_fields.BooleanField: _BOOL,
    drf_fields.DateField: _DATE,
    drf_fields.DateTimeField: _DATETIME,
    drf_fields.ChoiceField: _CHOICE,
    drf_fields.ReadOnlyField: _RAW,
}
if hasattr(drf_fields, "BigIntegerField"):
    _KINDS[drf_fields.BigIntegerField] = _INT


def _plan_entry(field) -> tuple:
    """(name, kind, attribute, field) for one bound, readable field."""
    kind = _KINDS.get(type(field), _DRF)
    if kind is _DRF or field.source == "*" or len(field.source_attrs) != 1:
        return field.field_name, _DRF, None, field
    if kind in (_DATE, _DATETIME):
        default = api_settings.DATE_FORMAT if kind is _DATE else api_settings.DATETIME_FORMAT
        output_format = getattr(field, "format", default)
        if not isinstance(output_format, str) or output_format.lower() != drf_fields.ISO_8601:
            kind = _DRF
    elif (
        kind is _INT
        and type(field) is not drf_fields.IntegerField
        and getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    ):
        kind = _BIGINT_STR
    return field.field_name, kind, field.source_attrs[0], field


def _convert(kind, field, value):
    """The field's to_representation(value) for the values it handles, else _UNSET."""
    if kind is _STR:
        return str(value)
    if kind is _INT:
        return int(value) if type(value) is int else _UNSET
    if kind is _BIGINT_STR:
        return str(value) if type(value) is int else _UNSET
    if kind is _FLOAT:
        return float(value) if type(value) is float else _UNSET
    if kind is _BOOL:
        return value if value is True or value is False else _UNSET
    if kind is _DATE:
        return value.isoformat() if type(value) is datetime.date else _UNSET
    if kind is _CHOICE:
        if value == "" or isinstance(value, Enum):
            return _UNSET
        return field.choice_strings_to_values.get(str(value), value)
    if kind is _RAW:
        return value
    return _UNSET


def _unbound_copy(field):
    """A copy of a cached, never-bound field for one serializer instance to bind.

    DRF's Field.__deepcopy__ builds the field again from its arguments (deep-copying the
    choices, the querysets, the defaults): that was most of what a one-object answer spent
    on its fields. A plain field keeps no state of its own until `bind()` sets its name,
    parent and source on the copy, and its arguments are only read afterwards, so a shallow
    copy is the same field. Fields that hold other bound fields (a nested serializer, a
    ListField's child, a many-related field's child relation) are bound to their parent
    when built, so they are deep-copied as DRF does."""
    if isinstance(field, BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation"):
        return copy.deepcopy(field)
    return copy.copy(field)
