"""AI photo analysis against a real HTTP server speaking the chat completions API, on a
loopback port: the suggestion, and every way the provider can fail (503 without one; 502
for an error, a timeout, garbage or a reply of the wrong shape). Nothing is ever saved."""

import base64
import json

import pytest

from gymsite.accounts.models import AuditEvent
from inspections.models import Answer
from tests.conftest import client_for

from .ai_server import ChatServer
from .helpers import png_base64, png_bytes

pytestmark = pytest.mark.django_db

BODY = {"question_text": "¿El nivel de aceite es correcto?", "question_type": "pass_fail", "section": "Motor"}


@pytest.fixture
def server(settings):
    with ChatServer() as chat:
        settings.AI_BASE_URL = chat.base_url
        settings.AI_API_KEY = "sk-test"
        settings.AI_MODEL = "test-vision"
        settings.AI_TIMEOUT_SECONDS = 0.5
        yield chat


def analyze(client, **extra):
    return client.post("/api/v1/ai/analyze", {"photo_base64": png_base64(), **BODY, **extra}, format="json")


def nothing_saved():
    return not Answer.objects.exists() and not AuditEvent.objects.exists()


def test_a_suggestion(mechanic_client, server):
    response = analyze(mechanic_client)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["analysis"] == {"answer_value": "fail", "confidence": 0.85, "explanation": "Oil below the minimum",
                                "is_flagged": True, "comments": "Top up the oil"}
    assert body["model_used"] == "test-vision" and body["timestamp"]
    (sent,) = server.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == "Bearer sk-test"
    assert sent["body"]["model"] == "test-vision"
    parts = sent["body"]["messages"][0]["content"]
    text = next(p["text"] for p in parts if p["type"] == "text")
    assert "¿El nivel de aceite es correcto?" in text and "Motor" in text and '"pass", "fail", "na"' in text
    image = next(p["image_url"]["url"] for p in parts if p["type"] == "image_url")
    assert image.startswith("data:image/png;base64,")
    assert base64.b64decode(image.split(",", 1)[1]) == png_bytes()
    assert nothing_saved()


def test_a_fenced_reply_and_a_multiple_choice_question(mechanic_client, server):
    server.content = "```json\n" + json.dumps(
        {"answer_value": "worn", "confidence": 1, "explanation": "", "is_flagged": False, "comments": None}
    ) + "\n```"
    response = analyze(mechanic_client, question_type="multiple_choice", options=["Good", "Worn", "Broken"])
    assert response.status_code == 200, response.content
    assert response.json()["analysis"]["answer_value"] == "Worn"
    assert response.json()["analysis"]["comments"] == ""


def test_no_provider_configured_is_503(mechanic_client, settings):
    settings.AI_BASE_URL = ""
    response = analyze(mechanic_client)
    assert response.status_code == 503
    assert response.json()["code"] == "ai_unavailable" and response.json()["detail"]


@pytest.mark.parametrize(
    ("mode", "content", "code", "words"),
    [
        ("error", None, "ai_provider_error", "HTTP 503"),
        ("slow", None, "ai_timeout", "did not answer within 0.5 seconds"),
        ("garbage", None, "ai_bad_reply", "not a chat completion"),
        ("not_completion", None, "ai_bad_reply", "not a chat completion"),
        ("ok", "I think the oil is fine!", "ai_bad_reply", "not JSON"),
        ("ok", json.dumps({"answer_value": "maybe", "confidence": 0.5, "explanation": "", "is_flagged": False, "comments": ""}), "ai_bad_reply", "answer_value"),
        ("ok", json.dumps({"answer_value": "pass", "confidence": 7, "explanation": "", "is_flagged": False, "comments": ""}), "ai_bad_reply", "confidence"),
        ("ok", json.dumps({"answer_value": "pass", "confidence": 0.5, "explanation": "", "is_flagged": "no", "comments": ""}), "ai_bad_reply", "is_flagged"),
        ("ok", json.dumps(["pass"]), "ai_bad_reply", "not a JSON object"),
    ],
)
def test_provider_failures_are_502_with_a_clear_message(mechanic_client, server, mode, content, code, words):
    server.mode = mode
    if content is not None:
        server.content = content
    response = analyze(mechanic_client)
    assert response.status_code == 502, response.content
    assert response.json()["code"] == code
    assert words in response.json()["detail"]
    assert nothing_saved()


def test_an_unreachable_provider_is_502(mechanic_client, settings):
    with ChatServer() as chat:
        url = chat.base_url
    settings.AI_BASE_URL, settings.AI_MODEL = url, "m"
    response = analyze(mechanic_client)
    assert response.status_code == 502 and response.json()["code"] == "ai_provider_error"


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1:1/v1", "http://[::1"])
def test_a_malformed_provider_url_is_502_not_500(mechanic_client, settings, url):
    settings.AI_BASE_URL, settings.AI_MODEL, settings.AI_TIMEOUT_SECONDS = url, "m", 0.5
    response = analyze(mechanic_client)
    assert response.status_code == 502 and response.json()["code"] == "ai_provider_error"


def test_the_photo_must_be_an_image(mechanic_client, server):
    response = mechanic_client.post(
        "/api/v1/ai/analyze", {"photo_base64": base64.b64encode(b"nope").decode(), **BODY}, format="json"
    )
    assert response.status_code == 400 and "photo_base64" in response.json()["errors"]
    assert server.requests == []


def test_who_may_ask(server, trainer, receptionist, admin_user):
    assert analyze(client_for(None)).status_code == 401
    assert analyze(client_for(trainer)).status_code == 403
    assert analyze(client_for(receptionist)).status_code == 403
    assert analyze(client_for(admin_user)).status_code == 200


def test_a_named_question_follows_its_checklists_ai_mode(mechanic_client, server, checklist, admin_client):
    deck = checklist.q["deck"]
    response = analyze(mechanic_client, question=deck.pk)
    assert response.status_code == 409 and response.json()["code"] == "ai_off"
    assert server.requests == []
    admin_client.patch(f"/api/v1/checklists/{checklist.pk}", {"ai_mode": "suggest"}, format="json")
    server.content = json.dumps({"answer_value": "broken", "confidence": 0.9, "explanation": "", "is_flagged": True, "comments": ""})
    response = analyze(mechanic_client, question=deck.pk, question_type="multiple_choice")
    assert response.status_code == 200, response.content
    assert response.json()["analysis"]["answer_value"] == "Broken"  # the question's own options
    text = server.requests[-1]["body"]["messages"][0]["content"][0]["text"]
    assert '"Good", "Worn", "Broken", "na"' in text


def test_a_question_the_mechanic_cannot_see_is_400(mechanic_client, server, other_gym):
    from .helpers import add_question, make_checklist

    foreign = add_question(make_checklist(other_gym, ai_mode="suggest"))
    response = analyze(mechanic_client, question=foreign.pk)
    assert response.status_code == 400 and response.json()["code"] == "does_not_exist"
