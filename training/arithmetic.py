"""The arithmetic of training, with no database and no Django: plausible body measures,
BMI, the progress of a series of measurements, Epley's one-rep max and the per-day
figures of workout sets with their personal records. tests/training/test_arithmetic.py
tests it on known series without a database."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

# Every body measure of seed 001, in the order forms and charts show them, with its unit
# and the range a real adult or child could have (outside it: a typing slip, 400).
# Circumferences in cm, height in cm, weight in kg.
MEASURE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "height": (Decimal("50"), Decimal("260")),
    "weight": (Decimal("20"), Decimal("400")),
    "chest": (Decimal("40"), Decimal("250")),
    "shoulders": (Decimal("50"), Decimal("250")),
    "biceps_left": (Decimal("10"), Decimal("90")),
    "biceps_right": (Decimal("10"), Decimal("90")),
    "forearms_left": (Decimal("10"), Decimal("70")),
    "forearms_right": (Decimal("10"), Decimal("70")),
    "abdomen": (Decimal("40"), Decimal("250")),
    "hips": (Decimal("40"), Decimal("250")),
    "thighs_left": (Decimal("20"), Decimal("130")),
    "thighs_right": (Decimal("20"), Decimal("130")),
    "calves_left": (Decimal("15"), Decimal("80")),
    "calves_right": (Decimal("15"), Decimal("80")),
}
MEASURES: tuple[str, ...] = tuple(MEASURE_RANGES)
MEASURE_UNITS: dict[str, str] = {name: ("kg" if name == "weight" else "cm") for name in MEASURES}

TWO_PLACES = Decimal("0.01")


def out_of_range(values: Mapping[str, Decimal | None]) -> list[str]:
    """The names of the measures in `values` (None: not measured) outside their range."""
    return [
        name
        for name, value in values.items()
        if value is not None and not MEASURE_RANGES[name][0] <= value <= MEASURE_RANGES[name][1]
    ]


def bmi(height_cm: Decimal | float | None, weight_kg: Decimal | float | None) -> Decimal | None:
    """Body mass index, kg/m², two places; None unless both are known and positive."""
    if height_cm is None or weight_kg is None:
        return None
    height_m = Decimal(str(height_cm)) / 100
    if height_m <= 0 or Decimal(str(weight_kg)) <= 0:
        return None
    return (Decimal(str(weight_kg)) / (height_m * height_m)).quantize(TWO_PLACES, ROUND_HALF_UP)


# --- The progress of a series of measurements ------------------------------------------------


@dataclass(frozen=True)
class MeasureProgress:
    start: Decimal | None
    current: Decimal | None
    change: Decimal | None
    change_percent: Decimal | None
    count: int
    start_at: datetime | None
    current_at: datetime | None


def measure_progress(series: Sequence[tuple[datetime, Decimal | None]]) -> MeasureProgress:
    """From `series` (moment, value or None), oldest first: the first and last known
    values, their difference, the difference as a percentage of the start (None when the
    start is 0 or missing) and how many known values there were."""
    known = [(at, value) for at, value in series if value is not None]
    if not known:
        return MeasureProgress(None, None, None, None, 0, None, None)
    (start_at, start), (current_at, current) = known[0], known[-1]
    change = current - start
    percent = None if start == 0 else (change * 100 / start).quantize(TWO_PLACES, ROUND_HALF_UP)
    return MeasureProgress(start, current, change, percent, len(known), start_at, current_at)


def series_progress(
    rows: Sequence[Mapping], measures: Iterable[str] = MEASURES
) -> dict[str, MeasureProgress]:
    """For rows (dicts with `measured_at` and each measure), oldest first: the progress of
    each measure, and of the BMI of each row that has both height and weight."""
    out = {name: measure_progress([(row["measured_at"], row.get(name)) for row in rows]) for name in measures}
    out["bmi"] = measure_progress([(row["measured_at"], bmi(row.get("height"), row.get("weight"))) for row in rows])
    return out


# --- Workout sets: best weight, volume, Epley, personal records ------------------------------


def epley(weight_kg: Decimal | None, reps: int | None) -> Decimal | None:
    """Epley's estimated one-rep max, weight × (1 + reps / 30), two places: the weight
    itself for a single rep; None without a weight or reps."""
    if weight_kg is None or not reps or reps < 1:
        return None
    weight = Decimal(str(weight_kg))
    if reps == 1:
        return weight.quantize(TWO_PLACES, ROUND_HALF_UP)
    return (weight * (1 + Decimal(reps) / 30)).quantize(TWO_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class SetRow:
    # What figures and records are kept apart by: an exercise's id, or any sortable key
    # (the selectors use (member id, exercise id) to follow a gym's members at once).
    exercise_id: Hashable
    day: date
    reps: int | None
    weight_kg: Decimal | None


@dataclass
class DayFigures:
    exercise_id: Hashable
    day: date
    sets: int = 0
    reps: int = 0
    best_weight: Decimal | None = None
    volume: Decimal = Decimal("0.00")
    one_rep_max: Decimal | None = None
    pr_weight: bool = False
    pr_volume: bool = False
    pr_one_rep_max: bool = False

    @property
    def is_personal_record(self) -> bool:
        return self.pr_weight or self.pr_volume or self.pr_one_rep_max


def _max(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def day_figures(rows: Iterable[SetRow]) -> list[DayFigures]:
    """Per exercise and day: sets, reps, the best weight, the volume (Σ reps × weight) and
    the best Epley one-rep max; ordered by exercise, then day."""
    days: dict[tuple[Hashable, date], DayFigures] = {}
    for row in rows:
        figures = days.get((row.exercise_id, row.day))
        if figures is None:
            figures = days[(row.exercise_id, row.day)] = DayFigures(row.exercise_id, row.day)
        figures.sets += 1
        figures.reps += row.reps or 0
        if row.weight_kg is not None:
            weight = Decimal(str(row.weight_kg))
            figures.best_weight = _max(figures.best_weight, weight)
            figures.volume += (weight * (row.reps or 0)).quantize(TWO_PLACES, ROUND_HALF_UP)
        figures.one_rep_max = _max(figures.one_rep_max, epley(row.weight_kg, row.reps))
    return [days[key] for key in sorted(days)]


def flag_records(figures: Sequence[DayFigures]) -> list[DayFigures]:
    """Flags each day that beats every earlier day of the same exercise on best weight,
    volume or estimated one-rep max. `figures` ordered by exercise then day (as
    `day_figures` returns them). A first day sets the mark and is not a record: there
    was nothing to beat."""
    best: dict[Hashable, list[Decimal | None]] = {}
    for day in figures:
        marks = best.get(day.exercise_id)
        if marks is None:
            best[day.exercise_id] = [day.best_weight, day.volume or None, day.one_rep_max]
            continue
        weight, volume, one_rm = marks
        day.pr_weight = day.best_weight is not None and weight is not None and day.best_weight > weight
        day.pr_volume = bool(day.volume) and volume is not None and day.volume > volume
        day.pr_one_rep_max = day.one_rep_max is not None and one_rm is not None and day.one_rep_max > one_rm
        best[day.exercise_id] = [
            _max(weight, day.best_weight),
            _max(volume, day.volume or None),
            _max(one_rm, day.one_rep_max),
        ]
    return list(figures)
