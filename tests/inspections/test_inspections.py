"""Inspections and their answers through the API: who sees what, scoring by the server,
the comment rule, required questions, completion and what it freezes."""

from decimal import Decimal

import pytest

from gymsite.accounts.models import AuditEvent
from inspections.models import Answer, Inspection
from tests.conftest import client_for

from .helpers import add_question, answer, complete, make_checklist, start

pytestmark = pytest.mark.django_db


def post_answer(client, inspection, question, value, **extra):
    return client.post(
        "/api/v1/answers/", {"inspection": inspection.pk, "question": question.pk, "answer_value": value, **extra}, format="json"
    )


def answer_all_required(user, inspection, q, photos):
    answer(user, inspection, q["belt"], "pass")
    answer(user, inspection, q["stop"], "yes")
    answer(user, inspection, q["noise"], "4")
    answer(user, inspection, q["deck"], "Worn")
    answer(user, inspection, q["photo"], "", photos=photos)


# --- Starting ------------------------------------------------------------------------------


def test_a_mechanic_starts_a_vehicle_inspection(mechanic_client, mechanic, checklist):
    body = {"checklist": checklist.pk, "or_number": "OR-12345", "vehicle_plate": "abc 123", "vehicle_brand": "Toyota",
            "vehicle_model": "Corolla", "vehicle_km": 50000, "client_name": "Juan Pérez"}
    response = mechanic_client.post("/api/v1/inspections/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["mechanic_id"] == mechanic.pk and data["status"] == "draft"
    assert data["vehicle_plate"] == "ABC123" and data["max_score"] == 45 and data["score"] == 0
    assert data["checklist_version"] == checklist.version and data["gym"]["id"] == mechanic.gym_id
    assert AuditEvent.objects.filter(action="inspection.created", target_id=str(data["id"])).exists()


def test_gym_equipment_is_inspected_by_asset(mechanic_client, checklist):
    response = mechanic_client.post("/api/v1/inspections/", {"checklist": checklist.pk, "asset": "Treadmill #4"}, format="json")
    assert response.status_code == 201
    assert response.json()["asset"] == "Treadmill #4" and response.json()["vehicle_plate"] == ""


def test_something_must_be_inspected(mechanic_client, checklist):
    response = mechanic_client.post("/api/v1/inspections/", {"checklist": checklist.pk}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "subject_required"
    assert not Inspection.objects.exists()


def test_inactive_or_foreign_checklists_cannot_be_used(mechanic_client, admin_client, gym, other_gym, checklist):
    admin_client.patch(f"/api/v1/checklists/{checklist.pk}/deactivate")
    response = mechanic_client.post("/api/v1/inspections/", {"checklist": checklist.pk, "asset": "Bike"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "checklist_inactive"
    foreign = make_checklist(other_gym)
    response = mechanic_client.post("/api/v1/inspections/", {"checklist": foreign.pk, "asset": "Bike"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "does_not_exist"
    # The admin neither: the checklist of one gym is not used in another.
    response = admin_client.post("/api/v1/inspections/", {"checklist": foreign.pk, "gym": gym.pk, "asset": "Bike"}, format="json")
    assert response.status_code == 400 and "checklist" in response.json()["errors"]
    assert not Inspection.objects.exists()


def test_trainers_and_receptionists_have_no_inspections(trainer_client, receptionist_client, checklist):
    for client in (trainer_client, receptionist_client):
        assert client.get("/api/v1/inspections/").status_code == 403
        assert client.post("/api/v1/inspections/", {"checklist": checklist.pk, "asset": "X"}, format="json").status_code == 403


# --- Who sees what -----------------------------------------------------------------------


def test_a_mechanic_sees_only_their_own(mechanic_client, mechanic, other_mechanic, admin_client, checklist):
    mine = start(mechanic, checklist)
    theirs = start(other_mechanic, checklist, vehicle_plate="ZZZ999")
    assert [i["id"] for i in mechanic_client.get("/api/v1/inspections/").json()["results"]] == [mine.pk]
    for url in (f"/api/v1/inspections/{theirs.pk}", f"/api/v1/inspections/{theirs.pk}/report.pdf"):
        response = mechanic_client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert mechanic_client.post(f"/api/v1/inspections/{theirs.pk}/complete").status_code == 404
    # Answering another's inspection: the id in the body is one they cannot see.
    response = post_answer(mechanic_client, theirs, checklist.q["belt"], "pass")
    assert response.status_code == 400 and response.json()["code"] == "does_not_exist"
    assert not Answer.objects.exists()
    assert {i["id"] for i in admin_client.get("/api/v1/inspections/").json()["results"]} == {mine.pk, theirs.pk}
    assert admin_client.get(f"/api/v1/inspections/{theirs.pk}").status_code == 200


def test_filters(admin_client, mechanic, checklist, gym):
    a = start(mechanic, checklist, vehicle_plate="ABC123")
    b = start(mechanic, checklist, vehicle_plate="XYZ789")
    c = start(mechanic, checklist, vehicle_plate="", asset="Rower #2")
    admin_client.patch(f"/api/v1/inspections/{c.pk}/deactivate")
    other = make_checklist(gym, name="Other")
    add_question(other, required=False)
    d = start(mechanic, other, vehicle_plate="ABC123")
    complete(mechanic, d)

    def ids(**params):
        response = admin_client.get("/api/v1/inspections/", params)
        assert response.status_code == 200, response.content
        return {i["id"] for i in response.json()["results"]}

    assert ids() == {a.pk, b.pk, d.pk}
    assert ids(vehicle_plate="abc 123") == {a.pk, d.pk}
    assert ids(status="completed") == {d.pk}
    assert ids(status="inactive") == {c.pk}
    assert ids(show_inactive="true") == {a.pk, b.pk, c.pk, d.pk}
    assert ids(checklist=other.pk) == {d.pk}
    today = a.local_date.isoformat()
    assert ids(date_from=today, date_to=today) == {a.pk, b.pk, d.pk}
    assert ids(date_from="2199-01-01") == set()
    assert admin_client.get("/api/v1/inspections/", {"date_from": today, "date_to": "2000-01-01"}).json()["code"] == "invalid_range"
    assert admin_client.get("/api/v1/inspections/", {"status": "done"}).status_code == 400
    assert admin_client.get("/api/v1/inspections/", {"checklist": "1.5"}).status_code == 400


def test_list_and_detail_query_counts(admin_client, mechanic, checklist, django_assert_max_num_queries, png):
    for index in range(6):
        inspection = start(mechanic, checklist, vehicle_plate=f"CAR{index}")
        answer_all_required(mechanic, inspection, checklist.q, [png, png])
    with django_assert_max_num_queries(4):
        response = admin_client.get("/api/v1/inspections/")
    assert response.json()["count"] == 6
    with django_assert_max_num_queries(6):
        response = admin_client.get(f"/api/v1/inspections/{inspection.pk}")
    assert len(response.json()["answers"]) == 5
    with django_assert_max_num_queries(4):
        assert admin_client.get("/api/v1/checklists/").status_code == 200
    with django_assert_max_num_queries(4):
        assert admin_client.get(f"/api/v1/checklists/{checklist.pk}").status_code == 200


# --- Answers -------------------------------------------------------------------------------


def test_points_are_the_servers_never_the_clients(mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    response = post_answer(mechanic_client, inspection, checklist.q["stop"], "no", points_earned=5, is_flagged=False)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["points_earned"] == 0 and body["is_flagged"] is True and body["is_failed"] is True
    response = post_answer(mechanic_client, inspection, checklist.q["noise"], "3", points_earned=999)
    assert response.json()["points_earned"] == 4
    assert Answer.objects.get(pk=response.json()["id"]).points_earned == Decimal("4.00")


def test_posting_again_replaces_the_answer_while_draft(mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    first = post_answer(mechanic_client, inspection, checklist.q["stop"], "no")
    second = post_answer(mechanic_client, inspection, checklist.q["stop"], "yes", comments="Fixed it")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    row = Answer.objects.get()
    assert (row.answer_value, row.points_earned, row.is_flagged, row.comments) == ("yes", Decimal("5.00"), False, "Fixed it")
    inspection.refresh_from_db()
    assert inspection.score == Decimal("5.00") and inspection.flagged_items_count == 0


def test_the_client_may_flag_a_passing_answer(mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    body = post_answer(mechanic_client, inspection, checklist.q["stop"], "yes", is_flagged=True, comments="Sticky").json()
    assert body["is_flagged"] is True and body["is_failed"] is False and body["points_earned"] == 5


def test_a_fail_needs_a_comment_where_the_question_asks(mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    response = post_answer(mechanic_client, inspection, checklist.q["belt"], "fail")
    assert response.status_code == 400 and response.json()["code"] == "comment_required"
    assert "comments" in response.json()["errors"]
    assert post_answer(mechanic_client, inspection, checklist.q["belt"], "fail", comments="   ").status_code == 400
    assert not Answer.objects.exists()
    response = post_answer(mechanic_client, inspection, checklist.q["belt"], "fail", comments="Belt slipping")
    assert response.status_code == 201 and response.json()["is_flagged"] is True
    # A pass needs none; a fail of a question that does not ask needs none.
    assert post_answer(mechanic_client, inspection, checklist.q["belt"], "pass").status_code == 200
    assert post_answer(mechanic_client, inspection, checklist.q["stop"], "no").status_code == 201


@pytest.mark.parametrize(
    ("key", "value"),
    [("belt", "yes"), ("stop", "pass"), ("noise", "6"), ("volts", "lots"), ("deck", "Shiny"), ("stop", "na"), ("notes", "")],
)
def test_values_that_do_not_fit_are_400(mechanic_client, mechanic, checklist, key, value):
    inspection = start(mechanic, checklist)
    response = post_answer(mechanic_client, inspection, checklist.q[key], value)
    assert response.status_code == 400, response.content
    assert "answer_value" in response.json()["errors"]
    assert not Answer.objects.exists()


def test_a_question_of_another_checklist_is_400(mechanic_client, mechanic, checklist, gym):
    inspection = start(mechanic, checklist)
    stray = add_question(make_checklist(gym, name="Other"))
    response = post_answer(mechanic_client, inspection, stray, "pass")
    assert response.status_code == 400 and "question" in response.json()["errors"]


# --- Completing -------------------------------------------------------------------------------


def test_completing_needs_every_required_answer(mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    answer(mechanic, inspection, checklist.q["belt"], "pass")
    response = mechanic_client.post(f"/api/v1/inspections/{inspection.pk}/complete")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "missing_required"
    q = checklist.q
    assert [m["id"] for m in body["missing"]] == [q["stop"].pk, q["noise"].pk, q["deck"].pk, q["photo"].pk]
    assert body["errors"]["answers"][0] == "Safety: Emergency stop works?"
    inspection.refresh_from_db()
    assert inspection.status == "draft" and inspection.completed_at is None


def test_complete_computes_the_totals(mechanic_client, mechanic, checklist, png):
    inspection = start(mechanic, checklist)
    q = checklist.q
    answer(mechanic, inspection, q["belt"], "fail", comments="Loose")  # 0 / 10, flagged
    answer(mechanic, inspection, q["stop"], "yes")  # 5 / 5
    answer(mechanic, inspection, q["noise"], "na")  # out of the maximum
    answer(mechanic, inspection, q["deck"], "Worn")  # 4 / 10
    answer(mechanic, inspection, q["photo"], "", photos=[png])  # 6 / 6
    answer(mechanic, inspection, q["volts"], "250")  # 0 / 4, flagged (out of range)
    # "notes" unanswered (optional): 0 / 2
    response = mechanic_client.post(f"/api/v1/inspections/{inspection.pk}/complete")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "completed" and body["completed_at"]
    assert (body["score"], body["max_score"], body["percentage"], body["flagged_items_count"]) == (15, 37, 40.54, 2)
    assert AuditEvent.objects.filter(action="inspection.completed", target_id=str(inspection.pk)).exists()


def test_a_completed_inspection_refuses_answers_with_409(mechanic_client, mechanic, checklist, png):
    inspection = start(mechanic, checklist)
    answer_all_required(mechanic, inspection, checklist.q, [png])
    complete(mechanic, inspection)
    before = list(Answer.objects.values_list("id", "answer_value", "points_earned"))
    for key, value in (("stop", "no"), ("notes", "late")):
        response = post_answer(mechanic_client, inspection, checklist.q[key], value)
        assert response.status_code == 409 and response.json()["code"] == "inspection_completed"
    again = mechanic_client.post(f"/api/v1/inspections/{inspection.pk}/complete")
    assert again.status_code == 409
    assert list(Answer.objects.values_list("id", "answer_value", "points_earned")) == before


def test_a_template_edited_after_completion_changes_nothing(admin_client, mechanic_client, mechanic, checklist, png):
    inspection = start(mechanic, checklist)
    answer_all_required(mechanic, inspection, checklist.q, [png])
    complete(mechanic, inspection)
    before = mechanic_client.get(f"/api/v1/inspections/{inspection.pk}").json()
    q = checklist.q
    assert admin_client.patch(f"/api/v1/questions/{q['belt'].pk}", {"points": 50, "text": "Belt, renamed", "type": "yes_no"}, format="json").status_code == 200
    assert admin_client.patch(f"/api/v1/questions/{q['deck'].pk}", {"options": [{"label": "New", "score": 99}, {"label": "Old", "score": 1}]}, format="json").status_code == 200
    assert admin_client.delete(f"/api/v1/questions/{q['stop'].pk}").status_code == 204
    assert admin_client.post("/api/v1/questions/", {"checklist": checklist.pk, "text": "Added later", "type": "pass_fail", "points": 100}, format="json").status_code == 201
    assert admin_client.patch(f"/api/v1/checklists/{checklist.pk}", {"name": "Renamed", "scoring_enabled": False}, format="json").status_code == 200
    after = mechanic_client.get(f"/api/v1/inspections/{inspection.pk}").json()
    for key in ("score", "max_score", "percentage", "flagged_items_count", "checklist_name", "checklist_version", "status"):
        assert after[key] == before[key], key
    strip = lambda answers: [{k: v for k, v in a.items() if k != "question"} for a in answers]  # noqa: E731
    assert strip(after["answers"]) == strip(before["answers"])
    assert before["score"] == 31 and before["max_score"] == 45  # 10 + 5 + 6 + 4 + 6 of 45
    report = mechanic_client.get(f"/api/v1/inspections/{inspection.pk}/report.pdf")
    assert report.status_code == 200


def test_deactivate_is_the_admins(admin_client, mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    assert mechanic_client.patch(f"/api/v1/inspections/{inspection.pk}/deactivate").status_code == 403
    response = admin_client.patch(f"/api/v1/inspections/{inspection.pk}/deactivate")
    assert response.status_code == 200
    assert response.json() == {"message": "Inspection deactivated.", "inspection_id": inspection.pk}
    inspection.refresh_from_db()
    assert inspection.status == "inactive" and inspection.deactivated_at
    response = post_answer(mechanic_client, inspection, checklist.q["stop"], "yes")
    assert response.status_code == 409 and response.json()["code"] == "inspection_inactive"
    assert mechanic_client.get("/api/v1/inspections/").json()["count"] == 0
    assert AuditEvent.objects.filter(action="inspection.deactivated").count() == 1


def test_an_admin_inspects_in_a_gym_they_name(admin_client, admin_user, checklist, gym, other_gym):
    everyone = make_checklist(None, name="Everyone")
    add_question(everyone, required=False)
    response = admin_client.post("/api/v1/inspections/", {"checklist": everyone.pk, "gym": other_gym.pk, "asset": "Bench"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["gym"]["id"] == other_gym.pk and response.json()["mechanic_id"] == admin_user.pk


def test_scoring_disabled_totals_are_zero(mechanic, gym):
    checklist = make_checklist(gym, scoring_enabled=False)
    question = add_question(checklist, type="yes_no", points="5")
    inspection = start(mechanic, checklist)
    answer(mechanic, inspection, question, "no")
    done = complete(mechanic, inspection)
    assert (done.score, done.max_score, done.percentage, done.flagged_items_count) == (0, 0, 0, 1)


def test_a_checklist_of_zero_points_completes_at_zero_percent(mechanic, gym):
    checklist = make_checklist(gym)
    question = add_question(checklist, type="text", points="0")
    inspection = start(mechanic, checklist)
    answer(mechanic, inspection, question, "All good")
    done = complete(mechanic, inspection)
    assert (done.score, done.max_score, done.percentage) == (0, 0, 0)


def test_the_other_mechanic_cannot_complete_or_read(other_mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    assert other_mechanic_client.get(f"/api/v1/inspections/{inspection.pk}").status_code == 404
    assert client_for(mechanic).get(f"/api/v1/inspections/{inspection.pk}").status_code == 200


def test_question_and_answer_lists(mechanic_client, other_mechanic_client, admin_client, mechanic, checklist, gym, other_gym, django_assert_max_num_queries, png):
    make_checklist(other_gym, name="Foreign")
    inspection = start(mechanic, checklist)
    answer_all_required(mechanic, inspection, checklist.q, [png, png])
    with django_assert_max_num_queries(4):
        body = mechanic_client.get("/api/v1/questions/", {"checklist": checklist.pk}).json()
    assert [q["text"] for q in body["results"]][:2] == ["Belt tension", "Emergency stop works?"] and body["count"] == 7
    with django_assert_max_num_queries(4):
        body = mechanic_client.get("/api/v1/answers/", {"inspection": inspection.pk}).json()
    assert body["count"] == 5 and len(body["results"][-1]["photos"]) == 2
    assert mechanic_client.get("/api/v1/answers/", {"is_flagged": "true"}).json()["count"] == 0
    assert other_mechanic_client.get("/api/v1/answers/").json()["count"] == 0
    assert admin_client.get("/api/v1/answers/").json()["count"] == 5
