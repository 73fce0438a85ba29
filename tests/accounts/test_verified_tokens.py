"""An access token verified once is not decoded again on each request
(gymsite.accounts.authentication.VerifiedTokens), and nothing a full check refuses gets
through because of it: expiry, tampering, a deactivated user, a new password, an ended
session."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework_simplejwt.backends import TokenBackend

from gymsite.accounts.authentication import VerifiedTokens, verified_tokens
from gymsite.accounts.models import User
from tests.accounts.test_auth import ME, bearer, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def decodes(monkeypatch):
    """How many times a JWT was decoded (signature and claims checked)."""
    calls = []
    original = TokenBackend.decode

    def counting(self, token, verify=True):
        calls.append(token)
        return original(self, token, verify)

    monkeypatch.setattr(TokenBackend, "decode", counting)
    return calls


def access_token(client, username="trainer") -> str:
    response = login(client, username=username)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_a_token_is_decoded_once_for_many_requests(anon_client, trainer, decodes):
    client = bearer(access_token(anon_client))
    decodes.clear()
    for _ in range(5):
        response = client.get(ME)
        assert response.status_code == 200 and response.json()["id"] == trainer.pk
    assert len(decodes) == 1


def test_an_expired_token_is_refused_although_it_was_verified(anon_client, trainer, settings):
    client = bearer(access_token(anon_client))
    assert client.get(ME).status_code == 200
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    with time_machine.travel(timezone.now() + lifetime + timedelta(seconds=5), tick=False):
        response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert client.get(ME).status_code == 200  # back in its lifetime: the full check passes again


def test_a_token_used_before_its_issue_time_is_refused_as_pyjwt_does(anon_client, trainer):
    client = bearer(access_token(anon_client))
    assert client.get(ME).status_code == 200
    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=False):
        response = client.get(ME)
    assert response.status_code == 401 and response.json()["code"] == "token_not_valid"


def test_a_tampered_copy_of_a_verified_token_is_refused(anon_client, trainer):
    token = access_token(anon_client)
    assert bearer(token).get(ME).status_code == 200
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for forged in (f"{header}.{payload}.{flipped}", f"{header}.{payload}.", token + "x"):
        response = bearer(forged).get(ME)
        assert response.status_code == 401, forged
        assert response.json()["code"] == "token_not_valid"


def test_the_user_row_is_still_read_on_every_request(anon_client, trainer):
    client = bearer(access_token(anon_client))
    assert client.get(ME).status_code == 200
    User.objects.filter(pk=trainer.pk).update(full_name="Renamed")
    assert client.get(ME).json()["full_name"] == "Renamed"
    trainer.set_password("a-New-sturdy-passphrase-7")
    trainer.save()
    response = client.get(ME)
    assert response.status_code == 401 and response.json()["code"] == "password_changed"


def test_a_deactivated_users_verified_token_stops_at_once(anon_client, trainer):
    client = bearer(access_token(anon_client))
    assert client.get(ME).status_code == 200
    User.objects.filter(pk=trainer.pk).update(is_active=False)
    response = client.get(ME)
    assert response.status_code == 401 and response.json()["code"] == "user_inactive"


def test_the_store_is_bounded():
    store = VerifiedTokens(size=3)
    token = object()
    for n in range(3):
        store.add(f"t{n}".encode(), token)
    assert len(store._tokens) == 3
    store.add(b"t3", token)
    assert len(store._tokens) == 1  # started over rather than growing
    assert verified_tokens.size >= 1000
