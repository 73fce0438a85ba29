"""The arithmetic of an answer, pure (no database): what a value means for a question's
type, the points it earns, whether it fails. The server alone computes points: a client's
points_earned is never read.

- pass_fail: "pass" → the points, "fail" → 0 (failed);
- yes_no: "yes" → the points, "no" → 0 (failed);
- rating 1..5 → points × (value − 1) / 4; a 1 or a 2 fails;
- number: within the question's min..max (either end optional) → the points, outside → 0
  (failed);
- text: any text → the points (never fails); photo: at least one photo → the points;
- multiple_choice: the chosen option's score (failed when the option says so);
- "na" (when the question allows it) → 0 and left out of the maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import QuestionType

NA = "na"
TWO_PLACES = Decimal("0.01")
FAILING_RATING = 2
MAX_NUMBER = Decimal("1e10")


class AnswerInvalid(ValueError):
    """The value does not fit the question: the message says why."""


@dataclass(frozen=True)
class Spec:
    """What the arithmetic needs of a question (or of an answer's snapshot of it)."""

    type: str
    points: Decimal
    options: list | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    allow_na: bool = False


@dataclass(frozen=True)
class Outcome:
    value: str
    points: Decimal
    max_points: Decimal
    is_failed: bool
    is_na: bool


def q2(value) -> Decimal:
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def max_points(spec: Spec) -> Decimal:
    """The most an answer to this question can earn."""
    if spec.type == QuestionType.MULTIPLE_CHOICE:
        scores = [Decimal(str(o["score"])) for o in spec.options or []]
        return q2(max(scores, default=Decimal("0")))
    return q2(spec.points)


def _number(value: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise AnswerInvalid(_("Give a number.")) from None
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        raise AnswerInvalid(_("Give a number.")) from None
    return number


def evaluate(spec: Spec, value: str, *, answer_text: str = "", photo_count: int = 0) -> Outcome:
    """The outcome of answering `value` (and `answer_text`, and `photo_count` photos) to a
    question of `spec`; AnswerInvalid when the value does not fit its type."""
    raw = (value or "").strip()
    word = raw.lower()
    top = max_points(spec)
    if word in (NA, "n/a"):
        if not spec.allow_na:
            raise AnswerInvalid(_("This question cannot be answered n/a."))
        return Outcome(NA, Decimal("0.00"), Decimal("0.00"), False, True)
    kind = spec.type
    if kind in (QuestionType.PASS_FAIL, QuestionType.YES_NO):
        good, bad = ("pass", "fail") if kind == QuestionType.PASS_FAIL else ("yes", "no")
        if word not in (good, bad):
            raise AnswerInvalid(_("Answer %(good)s or %(bad)s.") % {"good": good, "bad": bad})
        ok = word == good
        return Outcome(word, top if ok else Decimal("0.00"), top, not ok, False)
    if kind == QuestionType.RATING:
        if word not in {"1", "2", "3", "4", "5"}:
            raise AnswerInvalid(_("Give a rating from 1 to 5."))
        rating = int(word)
        return Outcome(word, q2(top * (rating - 1) / 4), top, rating <= FAILING_RATING, False)
    if kind == QuestionType.NUMBER:
        number = _number(raw)
        inside = (spec.min_value is None or number >= spec.min_value) and (
            spec.max_value is None or number <= spec.max_value
        )
        return Outcome(format(number.normalize(), "f"), top if inside else Decimal("0.00"), top, not inside, False)
    if kind == QuestionType.MULTIPLE_CHOICE:
        for option in spec.options or []:
            if option["label"].strip().lower() == word:
                score = q2(Decimal(str(option["score"])))
                return Outcome(option["label"], score, top, bool(option.get("is_failed")), False)
        raise AnswerInvalid(_("Choose one of the options."))
    if kind == QuestionType.TEXT:
        if not raw and not answer_text.strip():
            raise AnswerInvalid(_("Write an answer."))
        return Outcome(raw, top, top, False, False)
    if kind == QuestionType.PHOTO:
        if photo_count < 1:
            raise AnswerInvalid(_("A photo question needs at least one photo."))
        return Outcome(raw, top, top, False, False)
    raise AnswerInvalid(_("Unknown question type."))


@dataclass(frozen=True)
class Totals:
    score: Decimal
    max_score: Decimal
    percentage: Decimal
    flagged: int


def totals(answers, unanswered_max: Decimal, *, scoring_enabled: bool = True) -> Totals:
    """An inspection's totals from its answers (with `points_earned`, `max_points`,
    `is_na`, `is_flagged`) and the maximum of the questions left unanswered (they earn
    nothing, but count: a check skipped is not a check passed). n/a answers are out of the
    maximum; a maximum of 0 is 0 %."""
    flagged = sum(1 for a in answers if a.is_flagged)
    if not scoring_enabled:
        return Totals(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), flagged)
    score = q2(sum((a.points_earned for a in answers if not a.is_na), Decimal("0")))
    maximum = q2(sum((a.max_points for a in answers if not a.is_na), Decimal("0")) + unanswered_max)
    percentage = q2(score * 100 / maximum) if maximum > 0 else Decimal("0.00")
    return Totals(score, maximum, min(percentage, Decimal("100.00")), flagged)
