"""API conventions: one error body {"detail", "code", "errors"?}, never a 500 for bad input."""

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from gymsite.accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


def test_malformed_json_is_400_parse_error(anon_client):
    response = anon_client.post(LOGIN, data='{"username": "admin", ', content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error"
    assert body["detail"]


def test_wrong_json_types_are_400(admin_client, gym):
    response = admin_client.post(
        "/api/v1/users/",
        {"username": ["x"], "email": 5, "password": {"a": 1}, "full_name": None, "role": 3, "gym": "x"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "Invalid input."
    assert {"username", "password", "full_name", "role", "gym"} <= set(body["errors"])
    assert all(isinstance(m, str) for msgs in body["errors"].values() for m in msgs)
    assert User.objects.count() == 1


def test_a_json_array_instead_of_an_object_is_400(anon_client):
    response = anon_client.post(LOGIN, data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "identifier_required"}


def test_wrong_content_type_is_415(anon_client):
    response = anon_client.post(LOGIN, data="username=admin", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_body_over_10_mb_is_413(anon_client):
    body = b'{"username": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    response = anon_client.post(LOGIN, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large.", "code": "too_large"}


def test_a_body_just_under_the_limit_is_read(anon_client):
    body = b'{"username": "' + b"a" * (1024 * 1024) + b'", "password": "x"}'
    response = anon_client.post(LOGIN, data=body, content_type="application/json")
    assert response.status_code == 400  # too long for the field, but read and judged
    assert "username" in response.json()["errors"]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/users/abc", "/api/v2/", "/api/", "/api/v1/auth/login/extra"]
)
def test_unknown_api_url_is_json_404(settings, debug, path, admin_client):
    settings.DEBUG = debug
    response = admin_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_unknown_non_api_url_is_not_json(settings):
    settings.DEBUG = False
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_method_not_allowed_is_json_405(admin_client):
    response = admin_client.delete("/api/v1/auth/me")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_unexpected_error_is_a_json_500_without_a_traceback(monkeypatch, trainer):
    from gymsite.accounts import views

    def boom(self, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.MeView, "get", boom)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(trainer)
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred.", "code": "server_error"}
    assert b"secret internals" not in response.content


def test_trailing_slash_is_optional(admin_client):
    for path in ["/api/v1/gyms", "/api/v1/gyms/", "/api/v1/auth/me", "/api/v1/auth/me/"]:
        assert admin_client.get(path).status_code == 200, path


def test_pagination_limits(admin_client, gym):
    body = admin_client.get("/api/v1/gyms/", {"limit": 100000}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    response = admin_client.get("/api/v1/gyms/", {"limit": "abc", "offset": "-5"})
    assert response.status_code == 200  # DRF falls back to the defaults


# --- languages --------------------------------------------------------------------------


def test_accept_language_es_gives_spanish_messages(anon_client, trainer):
    response = anon_client.post(
        LOGIN, {"username": "trainer", "password": "wrong"}, format="json", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Credenciales inválidas.", "code": "invalid_credentials"}


def test_spanish_messages_of_seed_003(admin_client, trainer):
    response = admin_client.patch(
        f"/api/v1/users/{trainer.pk}/deactivate", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.json()["message"] == "Usuario inactivado correctamente"
    response = admin_client.patch(f"/api/v1/users/{trainer.pk}/activate", HTTP_ACCEPT_LANGUAGE="es")
    assert response.json()["message"] == "Usuario activado correctamente"


def test_spanish_404_and_validation(admin_client):
    response = admin_client.get("/api/v1/nothing", HTTP_ACCEPT_LANGUAGE="es")
    assert response.json()["detail"] == "No encontrado."
    response = admin_client.post("/api/v1/gyms/", {}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.json()["detail"] == "Entrada inválida."


def test_default_language_is_english(anon_client, trainer):
    response = anon_client.post(LOGIN, {"username": "trainer", "password": "wrong"}, format="json")
    assert response.json()["detail"] == "Invalid credentials."


def test_language_code_setting_sets_the_default(anon_client, trainer, settings):
    settings.LANGUAGE_CODE = "es"
    try:
        response = anon_client.post(LOGIN, {"username": "trainer", "password": "wrong"}, format="json")
        assert response.json()["detail"] == "Credenciales inválidas."
    finally:
        translation.activate("en")

