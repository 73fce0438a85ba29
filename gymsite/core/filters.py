"""Filter pieces every app's filters.py uses."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
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


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet, with its form class built once per class and language.

    django-filter builds a new form class on every request (a form field per filter, each
    label looked up in the model's meta): a member's detail spent more on it than on its
    query (py-spy, bench/README.md "The request path"). The form class depends only on the
    filters declared on the class, none of which reads the request to build its field, and
    on the language of its labels; a form instance deep-copies its fields as every Django
    form does, so one class serves every request. Every app's filters derive from this
    (tests/core/test_filtersets.py)."""

    def get_form_class(self):
        cls = type(self)
        # cls.__dict__, not getattr: a subclass has filters of its own.
        built = cls.__dict__.get("_form_classes")
        if built is None:
            built = {}
            cls._form_classes = built
        language = translation.get_language()
        form_class = built.get(language)
        if form_class is None:
            form_class = built[language] = super().get_form_class()
        return form_class


class GymScopedFilterSet(FilterSet):
    """Base for the filters of a gym-scoped list. `GymScopedMixin` applies `?gym=` itself
    (an admin narrows to one gym; a gym the caller may not see is a 404); the filter is
    declared here so the parameter is validated as an id and documented."""

    gym = IdFilter(method="filter_gym_param", help_text=_("Gym id (admins)."))

    def filter_gym_param(self, queryset, name, value):
        return queryset
