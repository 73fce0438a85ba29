"""Every app's filters share one base (gymsite.core.filters.FilterSet), whose form class is
built once per class and language and still validates every request on its own."""

import pytest
from django.urls import get_resolver
from django.utils import translation
from django_filters import rest_framework as filters

from gymsite.core.filters import FilterSet
from members.filters import MemberFilter

pytestmark = pytest.mark.django_db


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_filterset_of_the_project_derives_from_the_shared_base():
    get_resolver().url_patterns  # every app's views (and their filters) imported
    ours = [
        cls for cls in _subclasses(filters.FilterSet)
        if cls.__module__.split(".")[0] not in {"django_filters", "tests"}
    ]
    assert len(ours) >= 20
    strays = [f"{cls.__module__}.{cls.__qualname__}" for cls in ours if not issubclass(cls, FilterSet)]
    assert not strays


def test_the_form_class_is_built_once_per_class_and_language(gym):
    first = MemberFilter(data={"is_active": "true"}).form
    second = MemberFilter(data={"is_active": "maybe"}).form
    assert type(first) is type(second)
    assert first.fields["is_active"] is not second.fields["is_active"]  # each form its own fields
    assert first.is_valid() and not second.is_valid()  # each request validated on its own
    with translation.override("es"):
        spanish = MemberFilter(data={}).form
    assert type(spanish) is not type(first)
    assert "_form_classes" in MemberFilter.__dict__


def test_a_bad_filter_value_is_still_a_400_request_after_request(receptionist_client):
    for _ in range(2):
        assert receptionist_client.get("/api/v1/members/?is_active=true").status_code == 200
        bad = receptionist_client.get("/api/v1/members/?is_active=maybe")
        assert bad.status_code == 400 and "is_active" in str(bad.json())
