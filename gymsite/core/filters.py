"""Filter pieces every app's filters.py uses."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from .ids import MAX_ID

TRUE_VALUES = {"true", "1", "yes", "on"}
FALSE_VALUES = {"false", "0", "no", "off"}


class StrictBooleanField(forms.Field):
    """`?is_active=maybe` is a 400, not silently "no filter" as django-filter would do."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise ValidationError(_("Enter true or false."), code="invalid")


@extend_schema_field({"type": "boolean"})
class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # django-filter's BooleanWidget turns unknown words into None before validation.
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A row id in the query string (`?gym=3`): a positive integer within the range of a
    BigAutoField, else a 400 — never a float or a number the database cannot hold."""

    field_class = IdField


class GymScopedFilterSet(filters.FilterSet):
    """Base for the filters of a gym-scoped list. `GymScopedMixin` applies `?gym=` itself
    (an admin narrows to one gym; a gym the caller may not see is a 404); the filter is
    declared here so the parameter is validated as an id and documented."""

    gym = IdFilter(method="filter_gym_param", help_text=_("Gym id (admins)."))

    def filter_gym_param(self, queryset, name, value):
        return queryset
