import pytest

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_by_email_returns_tokens_and_user(anon_client, trainer):
    response = anon_client.post(
        "/api/v1/auth/login", {"email": trainer.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user"]["username"] == "trainer"
    assert body["user"]["role"] == "trainer"
    assert body["access_token"] and body["refresh_token"]
