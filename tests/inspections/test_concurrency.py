"""Races against PostgreSQL: one answer per question however many posts race, completion
serialised with answers (nothing lands after it), template versions never lost."""

from decimal import Decimal

import pytest

from inspections.models import Answer, Checklist, Inspection
from tests.concurrency import run_together
from tests.conftest import client_for

from .helpers import add_question, answer, make_checklist, start


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_posts_of_one_answer_leave_one_row(gym, mechanic):
    checklist = make_checklist(gym)
    question = add_question(checklist, type="rating", points="8")
    inspection = start(mechanic, checklist)

    def post(value):
        return lambda: client_for(mechanic).post(
            "/api/v1/answers/", {"inspection": inspection.pk, "question": question.pk, "answer_value": str(value)}, format="json"
        ).status_code

    statuses = run_together([post(1 + i % 5) for i in range(10)])
    assert sorted(statuses) == [200] * 9 + [201]
    row = Answer.objects.get()
    inspection.refresh_from_db()
    # The inspection's running totals are those of the answer that won.
    assert inspection.score == row.points_earned
    assert inspection.flagged_items_count == int(row.is_flagged)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_completion_racing_answers(gym, mechanic):
    checklist = make_checklist(gym)
    required = add_question(checklist, type="pass_fail", points="10")
    optional = [add_question(checklist, type="yes_no", points="5", required=False) for _ in range(6)]
    inspection = start(mechanic, checklist)
    answer(mechanic, inspection, required, "pass")

    def post(question):
        return lambda: client_for(mechanic).post(
            "/api/v1/answers/", {"inspection": inspection.pk, "question": question.pk, "answer_value": "yes"}, format="json"
        ).status_code

    def finish():
        return client_for(mechanic).post(f"/api/v1/inspections/{inspection.pk}/complete").status_code

    statuses = run_together([finish, *[post(q) for q in optional]])
    assert statuses[0] == 200
    assert set(statuses[1:]) <= {201, 409}
    inspection = Inspection.objects.get(pk=inspection.pk)
    answers = list(Answer.objects.filter(inspection=inspection))
    assert len(answers) == 1 + statuses[1:].count(201)
    # The totals count exactly the answers that made it in before completion.
    assert inspection.score == sum((a.points_earned for a in answers), Decimal("0"))
    assert all(a.updated_at <= inspection.completed_at for a in answers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_question_writes_keep_version_and_max_score(gym, admin_user):
    checklist = make_checklist(gym)

    def add(points):
        return lambda: client_for(admin_user).post(
            "/api/v1/questions/", {"checklist": checklist.pk, "text": f"Q{points}", "type": "pass_fail", "points": points}, format="json"
        ).status_code

    assert run_together([add(p) for p in range(1, 9)]) == [201] * 8
    checklist = Checklist.objects.get(pk=checklist.pk)
    assert checklist.version == 9
    assert checklist.max_score == Decimal(sum(range(1, 9)))
