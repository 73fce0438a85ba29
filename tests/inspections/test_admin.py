"""The owner's pages: templates written through the services (audited, versioned),
inspections read and deactivated through the service, all in Spanish for a Spanish page."""

import pytest

from gymsite.accounts.models import AuditEvent
from inspections.models import Checklist, Inspection, Question
from tests.admin_pages import ES, signed_in

from .helpers import answer, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)


def test_pages_load_in_spanish(owner, checklist, mechanic):
    inspection = start(mechanic, checklist)
    answer(mechanic, inspection, checklist.q["stop"], "no")
    for url in (
        "/admin/inspections/checklist/",
        f"/admin/inspections/checklist/{checklist.pk}/change/",
        "/admin/inspections/question/",
        f"/admin/inspections/question/{checklist.q['deck'].pk}/change/",
        "/admin/inspections/inspection/",
        f"/admin/inspections/inspection/{inspection.pk}/change/",
        "/admin/inspections/checklist/add/",
        "/admin/inspections/question/add/",
    ):
        response = owner.get(url, **ES)
        assert response.status_code == 200, url
    html = owner.get("/admin/", **ES).content.decode()
    assert "Inspecciones" in html and "Listas de verificación" in html


def test_a_checklist_added_in_the_admin_is_audited(owner, gym):
    response = owner.post(
        "/admin/inspections/checklist/add/",
        {"name": "Rack check", "gym": gym.pk, "ai_mode": "off", "scoring_enabled": "on", "is_active": "on", "description": "", "logo_url": "",
         "questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    checklist = Checklist.objects.get(name="Rack check")
    assert AuditEvent.objects.filter(action="checklist.created", target_id=str(checklist.pk), actor_user__username="admin").exists()


def test_a_question_edited_in_the_admin_goes_through_the_service(owner, checklist):
    question = checklist.q["stop"]
    version = checklist.version
    data = {
        "section": "Safety", "text": "Emergency stop works?", "type": "yes_no", "points": "9", "options": "null",
        "order": "2", "required": "on", "max_photos": "3",
    }
    response = owner.post(f"/admin/inspections/question/{question.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    checklist.refresh_from_db()
    assert checklist.version == version + 1 and checklist.max_score == 49
    assert AuditEvent.objects.filter(action="question.changed", target_id=str(question.pk)).exists()
    # A shape the service refuses comes back on the form, nothing saved.
    bad = owner.post(f"/admin/inspections/question/{question.pk}/change/", {**data, "type": "multiple_choice", "options": '["a", "b"]'})
    assert bad.status_code == 200 and "options" in bad.content.decode()
    assert Question.objects.get(pk=question.pk).type == "yes_no"


def test_inspections_are_deactivated_through_the_service(owner, checklist, mechanic):
    inspection = start(mechanic, checklist)
    response = owner.post(
        "/admin/inspections/inspection/", {"action": "deactivate", "_selected_action": [inspection.pk]}
    )
    assert response.status_code == 302
    assert Inspection.objects.get(pk=inspection.pk).status == "inactive"
    assert AuditEvent.objects.filter(action="inspection.deactivated", target_id=str(inspection.pk)).exists()
