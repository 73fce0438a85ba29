"""Shared defences found by fuzzing: the JSON parser refuses what would end in a 500,
errors are always JSON, and read-only serializer fields do not hide "" or null from the
schema."""

import importlib
import importlib.util
import io

import pytest
from django.apps import apps
from django.utils import translation
from rest_framework import serializers
from rest_framework.exceptions import ParseError

from gymsite.accounts.models import User
from gymsite.core.parsers import JSONParser

LOGIN = "/api/v1/auth/login"


def parse(raw: bytes):
    return JSONParser().parse(io.BytesIO(raw), "application/json", {})


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1e309}',
        b'{"a": [-1e400]}',
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": "\\udcff"}',
        b'{"\\ud800": 1}',
        b'{"a": {"b": ["ok", "\\uDFFF"]}}',
        b'{"a": "\xff\xfe"}',
        b'{"a": ',
    ],
)
def test_the_parser_refuses_what_python_cannot_use(raw):
    with pytest.raises(ParseError) as caught:
        parse(raw)
    assert caught.value.get_codes() == "parse_error"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a": 1.5e308, "b": -2}', {"a": 1.5e308, "b": -2}),
        (b'{"a": %d}' % 10**30, {"a": 10**30}),
        (b'{"a": "\\ud83d\\udcaa \\u00e9"}', {"a": "\U0001f4aa \u00e9"}),
        (b'{"a": "\\\\ud800"}', {"a": "\\ud800"}),  # an escaped backslash, not an escape
        ('{"a": "ñ"}'.encode(), {"a": "ñ"}),
        (b"[]", []),
        (b'"x"', "x"),
    ],
)
def test_the_parser_keeps_ordinary_json(raw, expected):
    assert parse(raw) == expected


@pytest.mark.django_db
def test_a_lone_surrogate_in_a_login_is_a_translated_parse_error(anon_client):
    with translation.override("es"):
        response = anon_client.post(
            LOGIN, '{"username": "\\udcff", "password": "x"}', content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="es",
        )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "Unicode" in response.json()["detail"] and "JSON" in response.json()["detail"]
    assert response.json()["detail"] != "The JSON body holds text that is not valid Unicode."


@pytest.mark.django_db
def test_a_huge_gym_id_creates_no_user(admin_client, gym):
    before = User.objects.count()
    response = admin_client.post(
        "/api/v1/users/",
        '{"username": "u1", "password": "Xx12345678!!", "role": "trainer", "gym": 1e309}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert User.objects.count() == before


# Apps whose serializers the walk covers: every project app that has a serializers module.
PROJECT_PACKAGES = ("gymsite", "members", "billing", "attendance", "inventory", "training", "devices", "inspections", "backups")


def _project_model_serializers():
    for config in apps.get_app_configs():
        module = f"{config.name}.serializers"
        if config.name.split(".")[0] in PROJECT_PACKAGES and importlib.util.find_spec(module):
            importlib.import_module(module)
    found, pending = [], [serializers.ModelSerializer]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.split(".")[0] in PROJECT_PACKAGES and sub not in found:
                found.append(sub)
    return found


FORMATTED = (serializers.ChoiceField, serializers.EmailField, serializers.URLField, serializers.RegexField)


def test_read_only_fields_keep_blank_and_null_for_the_schema():
    """An answer carries the stored "" or null; a read-only field that forgets it makes
    the schema reject real answers (drf-spectacular documents what the field declares)."""
    checked, hidden = 0, []
    for cls in _project_model_serializers():
        model = cls.Meta.model
        for name, field in cls().fields.items():
            if not field.read_only or field.source == "*" or "." in field.source:
                continue
            try:
                model_field = model._meta.get_field(field.source)
            except Exception:
                continue
            if model_field.is_relation and (model_field.one_to_many or model_field.many_to_many):
                continue
            checked += 1
            if model_field.null and not field.allow_null:
                hidden.append(f"{cls.__module__}.{cls.__name__}.{name}: null")
            if model_field.blank and isinstance(field, FORMATTED) and not getattr(field, "allow_blank", False):
                hidden.append(f"{cls.__module__}.{cls.__name__}.{name}: blank")
    assert checked > 20  # the walk found the project's serializers
    assert hidden == []
