"""The arithmetic of answers, every type, without the database."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from inspections.scoring import AnswerInvalid, Spec, evaluate, max_points, totals

D = Decimal
OPTIONS = [
    {"label": "Good", "score": "10", "is_failed": False},
    {"label": "Worn", "score": "4", "is_failed": False},
    {"label": "Broken", "score": "0", "is_failed": True},
]


@pytest.mark.parametrize(
    ("spec", "value", "points", "failed"),
    [
        (Spec("pass_fail", D(5)), "pass", D("5.00"), False),
        (Spec("pass_fail", D(5)), "FAIL", D("0.00"), True),
        (Spec("yes_no", D(3)), "yes", D("3.00"), False),
        (Spec("yes_no", D(3)), "no", D("0.00"), True),
        (Spec("rating", D(8)), "1", D("0.00"), True),
        (Spec("rating", D(8)), "2", D("2.00"), True),
        (Spec("rating", D(8)), "3", D("4.00"), False),
        (Spec("rating", D(8)), "4", D("6.00"), False),
        (Spec("rating", D(8)), "5", D("8.00"), False),
        (Spec("rating", D(5)), "4", D("3.75"), False),
        (Spec("number", D(4), min_value=D(30), max_value=D(35)), "32.5", D("4.00"), False),
        (Spec("number", D(4), min_value=D(30), max_value=D(35)), "29,9", D("0.00"), True),
        (Spec("number", D(4), min_value=D(30)), "1000", D("4.00"), False),
        (Spec("number", D(4), max_value=D(2)), "3", D("0.00"), True),
        (Spec("number", D(4)), "-7", D("4.00"), False),
        (Spec("text", D(2)), "Looks fine", D("2.00"), False),
        (Spec("text", D(0)), "Noted", D("0.00"), False),
        (Spec("multiple_choice", D(0), options=OPTIONS), "worn", D("4.00"), False),
        (Spec("multiple_choice", D(0), options=OPTIONS), "Broken", D("0.00"), True),
        (Spec("multiple_choice", D(0), options=OPTIONS), "Good", D("10.00"), False),
    ],
)
def test_points_and_failure_for_every_type(spec, value, points, failed):
    outcome = evaluate(spec, value)
    assert outcome.points == points
    assert outcome.is_failed is failed
    assert outcome.is_na is False
    assert outcome.max_points == max_points(spec)


def test_a_photo_question_earns_its_points_with_a_photo():
    spec = Spec("photo", D(6))
    assert evaluate(spec, "", photo_count=1).points == D("6.00")
    with pytest.raises(AnswerInvalid):
        evaluate(spec, "", photo_count=0)


def test_multiple_choice_is_worth_its_best_option():
    assert max_points(Spec("multiple_choice", D(99), options=OPTIONS)) == D("10.00")


@pytest.mark.parametrize("kind", ["pass_fail", "yes_no", "rating", "number", "text", "multiple_choice", "photo"])
def test_na_earns_nothing_and_leaves_the_maximum(kind):
    spec = Spec(kind, D(5), options=OPTIONS if kind == "multiple_choice" else None, allow_na=True)
    for word in ("na", "N/A"):
        outcome = evaluate(spec, word)
        assert (outcome.is_na, outcome.points, outcome.max_points, outcome.is_failed) == (True, 0, 0, False)
    with pytest.raises(AnswerInvalid):
        evaluate(Spec(kind, D(5), options=spec.options, allow_na=False), "na")


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        (Spec("pass_fail", D(1)), "yes"),
        (Spec("yes_no", D(1)), "pass"),
        (Spec("rating", D(1)), "0"),
        (Spec("rating", D(1)), "6"),
        (Spec("rating", D(1)), "3.5"),
        (Spec("number", D(1)), "abc"),
        (Spec("number", D(1)), "NaN"),
        (Spec("number", D(1)), "Infinity"),
        (Spec("number", D(1)), "1e400"),
        (Spec("multiple_choice", D(0), options=OPTIONS), "Missing"),
        (Spec("text", D(1)), "   "),
        (Spec("pass_fail", D(1)), ""),
    ],
)
def test_a_value_that_does_not_fit_the_type_is_refused(spec, value):
    with pytest.raises(AnswerInvalid):
        evaluate(spec, value)


def _a(points, maximum, na=False, flagged=False):
    return SimpleNamespace(points_earned=D(points), max_points=D(maximum), is_na=na, is_flagged=flagged)


def test_totals_leave_na_out_of_the_maximum_and_count_unanswered():
    answers = [_a("5", "5"), _a("0", "5", flagged=True), _a("0", "0", na=True), _a("2.5", "10")]
    result = totals(answers, D("10"))
    assert result.score == D("7.50")
    assert result.max_score == D("30.00")
    assert result.percentage == D("25.00")
    assert result.flagged == 1


def test_a_maximum_of_zero_is_zero_percent():
    result = totals([_a("0", "0", na=True), _a("0", "0")], D("0"))
    assert (result.score, result.max_score, result.percentage) == (0, 0, 0)


def test_unscored_checklists_total_zero_but_count_flags():
    result = totals([_a("5", "5", flagged=True)], D("0"), scoring_enabled=False)
    assert (result.score, result.max_score, result.percentage, result.flagged) == (0, 0, 0, 1)
