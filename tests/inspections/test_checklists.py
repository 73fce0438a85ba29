"""Checklist templates and their questions: the admin manages them (versioned, max_score
derived), mechanics read those of their gym and of every gym."""

from decimal import Decimal

import pytest
from PIL import Image

from gymsite.accounts.models import AuditEvent
from inspections.models import Checklist, Question

from .conftest import OPTIONS
from .helpers import add_question, make_checklist, png_bytes

pytestmark = pytest.mark.django_db


def test_admin_creates_a_checklist_for_every_gym(admin_client):
    response = admin_client.post(
        "/api/v1/checklists/",
        {"name": "Pre-delivery", "description": "Before handing over", "ai_mode": "suggest", "logo_url": "https://example.com/l.png"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["gym"] is None and body["max_score"] == 0 and body["version"] == 1
    assert body["logo_url"] == "https://example.com/l.png" and body["logo_file_url"] is None
    checklist = Checklist.objects.get(pk=body["id"])
    assert checklist.created_by.username == "admin"
    assert body["creator_id"] == checklist.created_by_id
    assert AuditEvent.objects.filter(action="checklist.created", target_id=str(checklist.pk)).exists()


def test_a_mechanic_cannot_manage_templates(mechanic_client, gym):
    checklist = make_checklist(gym)
    assert mechanic_client.post("/api/v1/checklists/", {"name": "X"}, format="json").status_code == 403
    assert mechanic_client.patch(f"/api/v1/checklists/{checklist.pk}", {"name": "Y"}, format="json").status_code == 403
    assert mechanic_client.post("/api/v1/questions/", {"checklist": checklist.pk, "text": "T", "type": "text"}, format="json").status_code == 403


def test_mechanics_see_their_gyms_and_every_gyms_checklists(mechanic_client, admin_client, gym, other_gym):
    mine, everyone, foreign = make_checklist(gym, name="Mine"), make_checklist(None, name="Everyone"), make_checklist(other_gym, name="Foreign")
    names = {c["name"] for c in mechanic_client.get("/api/v1/checklists/").json()["results"]}
    assert names == {"Mine", "Everyone"}
    assert mechanic_client.get(f"/api/v1/checklists/{foreign.pk}").status_code == 404
    assert mechanic_client.get(f"/api/v1/checklists/{mine.pk}").status_code == 200
    assert {c["name"] for c in admin_client.get("/api/v1/checklists/").json()["results"]} == {"Mine", "Everyone", "Foreign"}
    narrowed = admin_client.get("/api/v1/checklists/", {"gym": other_gym.pk}).json()["results"]
    assert {c["name"] for c in narrowed} == {"Everyone", "Foreign"}
    assert everyone.pk


def test_active_only(admin_client, gym):
    make_checklist(gym, name="On")
    off = make_checklist(gym, name="Off")
    assert admin_client.patch(f"/api/v1/checklists/{off.pk}/deactivate").json()["is_active"] is False
    assert [c["name"] for c in admin_client.get("/api/v1/checklists/?active_only=true").json()["results"]] == ["On"]
    assert len(admin_client.get("/api/v1/checklists/?active_only=false").json()["results"]) == 2
    assert admin_client.get("/api/v1/checklists/?active_only=maybe").status_code == 400
    assert AuditEvent.objects.filter(action="checklist.deactivated", target_id=str(off.pk)).count() == 1


def test_detail_groups_questions_by_section_and_derives_max_score(mechanic_client, checklist):
    body = mechanic_client.get(f"/api/v1/checklists/{checklist.pk}").json()
    assert [s["name"] for s in body["sections"]] == ["Mechanics", "Safety", "Electrical", "General"]
    assert [q["text"] for q in body["sections"][0]["questions"]] == ["Belt tension", "Motor noise", "Deck state"]
    assert body["max_score"] == 45
    deck = body["sections"][0]["questions"][2]
    assert deck["options"] == [{"label": o["label"], "score": float(o["score"]), "is_failed": o["is_failed"]} for o in OPTIONS]
    assert deck["points"] == 10


def test_question_writes_bump_the_version_and_max_score(admin_client, gym):
    checklist = make_checklist(gym)
    response = admin_client.post(
        "/api/v1/questions/",
        {"checklist": checklist.pk, "section": "Motor", "text": "Oil level OK?", "type": "pass_fail", "points": 5,
         "order": 1, "allow_photos": True, "max_photos": 3, "requires_comment_on_fail": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    question_id = response.json()["id"]
    checklist.refresh_from_db()
    assert (checklist.version, checklist.max_score) == (2, Decimal("5.00"))
    assert admin_client.patch(f"/api/v1/questions/{question_id}", {"points": 7}, format="json").status_code == 200
    checklist.refresh_from_db()
    assert (checklist.version, checklist.max_score) == (3, Decimal("7.00"))
    assert admin_client.delete(f"/api/v1/questions/{question_id}").status_code == 204
    checklist.refresh_from_db()
    assert (checklist.version, checklist.max_score) == (4, Decimal("0.00"))
    actions = list(AuditEvent.objects.filter(action__startswith="question.").values_list("action", flat=True).order_by("id"))
    assert actions == ["question.created", "question.changed", "question.deleted"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "multiple_choice", "options": [{"label": "Only", "score": 1}]}, "options"),
        ({"type": "multiple_choice", "options": [{"label": "A", "score": 1}, {"label": "a", "score": 2}]}, "options"),
        ({"type": "multiple_choice", "options": [{"label": "A", "score": -1}, {"label": "B", "score": 2}]}, "options.0.score"),
        ({"type": "multiple_choice", "options": [{"label": "na", "score": 1}, {"label": "B", "score": 2}]}, "options"),
        ({"type": "pass_fail", "options": [{"label": "A", "score": 1}, {"label": "B", "score": 2}]}, "options"),
        ({"type": "number", "min_value": 5, "max_value": 1}, "max_value"),
        ({"type": "pass_fail", "min_value": 5}, "min_value"),
        ({"type": "rating", "points": 1001}, "points"),
        ({"type": "photo", "max_photos": 0}, "max_photos"),
        ({"type": "pass_fail", "max_photos": 11}, "max_photos"),
        ({"type": "dropdown"}, "type"),
        ({"type": "text", "text": "  "}, "text"),
    ],
)
def test_question_shapes_are_checked(admin_client, gym, body, field):
    checklist = make_checklist(gym)
    response = admin_client.post("/api/v1/questions/", {"checklist": checklist.pk, "text": "Q", **body}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not Question.objects.exists()


def test_a_question_of_a_checklist_the_admin_names_wrongly_is_does_not_exist(admin_client):
    response = admin_client.post("/api/v1/questions/", {"checklist": 99999, "text": "Q", "type": "text"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "does_not_exist"


def test_logo_upload_is_served_only_through_the_api(admin_client, mechanic_client, gym, other_gym, settings, foreign_mechanic):
    from tests.conftest import client_for

    response = admin_client.post(
        "/api/v1/checklists/", {"name": "With logo", "gym": gym.pk, "logo": _upload(png_bytes(size=(40, 40)))}, format="multipart"
    )
    assert response.status_code == 201, response.content
    url = response.json()["logo_file_url"]
    assert url == f"/api/v1/checklists/{response.json()['id']}/logo"
    served = mechanic_client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert Image.open(__import__("io").BytesIO(served.content)).size == (40, 40)
    assert client_for(foreign_mechanic).get(url).status_code == 404
    stored = Checklist.objects.get(pk=response.json()["id"]).logo
    assert str(settings.PRIVATE_MEDIA_ROOT) in stored.path and str(settings.MEDIA_ROOT) not in stored.path
    bad = admin_client.post("/api/v1/checklists/", {"name": "Bad logo", "logo": _upload(b"GIF89a not really")}, format="multipart")
    assert bad.status_code == 400 and "logo" in bad.json()["errors"]


def test_put_changes_the_template_and_its_version(admin_client, gym):
    checklist = make_checklist(gym)
    add_question(checklist)
    response = admin_client.put(
        f"/api/v1/checklists/{checklist.pk}", {"name": "Renamed", "scoring_enabled": False, "gym": None}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Renamed" and response.json()["gym"] is None
    checklist.refresh_from_db()
    assert checklist.version == 3 and not checklist.scoring_enabled


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("logo.png", content, content_type="image/png")


def test_a_null_option_is_400(admin_client, gym):
    checklist = make_checklist(gym)
    body = {"checklist": checklist.pk, "text": "Q", "type": "multiple_choice", "options": [None, {"label": "A", "score": 1}]}
    response = admin_client.post("/api/v1/questions/", body, format="json")
    assert response.status_code == 400 and "options" in response.json()["errors"]
