"""training.arithmetic on known series, without a database."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

from training.arithmetic import (
    MEASURES,
    SetRow,
    bmi,
    day_figures,
    epley,
    flag_records,
    measure_progress,
    out_of_range,
    series_progress,
)

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def at(week: int) -> datetime:
    return T0 + timedelta(weeks=week)


def test_bmi_from_height_and_weight_only_when_both_known():
    assert bmi(D("180"), D("81")) == D("25.00")
    assert bmi(D("175.5"), D("75.2")) == D("24.42")
    assert bmi(None, D("80")) is None and bmi(D("180"), None) is None
    assert bmi(D("0"), D("80")) is None


def test_plausible_ranges_name_each_measure_out_of_range():
    assert out_of_range({"height": D("50"), "weight": D("400"), "chest": None}) == []
    assert out_of_range({"height": D("49.9"), "weight": D("400.1"), "hips": D("95")}) == ["height", "weight"]
    assert set(MEASURES) == {
        "height", "weight", "chest", "shoulders", "biceps_left", "biceps_right", "forearms_left", "forearms_right",
        "abdomen", "hips", "thighs_left", "thighs_right", "calves_left", "calves_right",
    }


def test_progress_of_a_known_series():
    series = [(at(0), D("90.0")), (at(1), None), (at(2), D("88.5")), (at(3), D("85.5"))]
    p = measure_progress(series)
    assert (p.start, p.current, p.change, p.change_percent, p.count) == (D("90.0"), D("85.5"), D("-4.5"), D("-5.00"), 3)
    assert p.start_at == at(0) and p.current_at == at(3)


def test_a_start_of_zero_gives_no_percentage():
    p = measure_progress([(at(0), D("0")), (at(1), D("3"))])
    assert p.change == D("3") and p.change_percent is None and p.count == 2


def test_a_measure_never_taken_has_no_figures():
    p = measure_progress([(at(0), None), (at(1), None)])
    assert p == measure_progress([])
    assert (p.start, p.current, p.change, p.change_percent, p.count) == (None, None, None, None, 0)


def test_one_value_is_both_start_and_current():
    p = measure_progress([(at(0), D("80"))])
    assert (p.start, p.current, p.change, p.change_percent, p.count) == (D("80"), D("80"), D("0"), D("0.00"), 1)


def test_series_progress_adds_the_bmi_of_rows_with_height_and_weight():
    rows = [
        {"measured_at": at(0), "height": D("180"), "weight": D("90")},
        {"measured_at": at(1), "height": None, "weight": D("88")},
        {"measured_at": at(2), "height": D("180"), "weight": D("81")},
    ]
    out = series_progress(rows)
    assert out["weight"].change == D("-9") and out["weight"].count == 3
    assert out["height"].count == 2 and out["chest"].count == 0
    assert (out["bmi"].start, out["bmi"].current, out["bmi"].count) == (D("27.78"), D("25.00"), 2)
    assert out["bmi"].change_percent == D("-10.01")


def test_epley():
    assert epley(D("100"), 10) == D("133.33")
    assert epley(D("100"), 1) == D("100.00")
    assert epley(D("60"), 5) == D("70.00")
    assert epley(None, 5) is None and epley(D("60"), 0) is None and epley(D("60"), None) is None


def test_day_figures_and_records_on_a_known_series():
    d1, d2, d3, d4 = (date(2026, 3, day) for day in (2, 4, 6, 9))
    rows = [
        SetRow(1, d1, 10, D("60")), SetRow(1, d1, 8, D("65")),  # best 65, volume 1120, 1RM 82.33
        SetRow(1, d2, 5, D("70")),  # best 70 (PR), volume 350, 1RM 81.67
        SetRow(1, d3, 12, D("60")), SetRow(1, d3, 12, D("60")),  # volume 1440 (PR), 1RM 84.00 (PR)
        SetRow(1, d4, 3, D("60")),  # nothing beaten
        SetRow(2, d1, 15, None),  # body weight: reps but no weight
        SetRow(2, d2, 20, None),
    ]
    figures = flag_records(day_figures(rows))
    table = [(f.exercise_id, f.day, f.sets, f.reps, f.best_weight, f.volume, f.one_rep_max) for f in figures]
    assert table == [
        (1, d1, 2, 18, D("65"), D("1120.00"), D("82.33")),
        (1, d2, 1, 5, D("70"), D("350.00"), D("81.67")),
        (1, d3, 2, 24, D("60"), D("1440.00"), D("84.00")),
        (1, d4, 1, 3, D("60"), D("180.00"), D("66.00")),
        (2, d1, 1, 15, None, D("0.00"), None),
        (2, d2, 1, 20, None, D("0.00"), None),
    ]
    flags = [(f.pr_weight, f.pr_volume, f.pr_one_rep_max, f.is_personal_record) for f in figures]
    assert flags == [
        (False, False, False, False),  # the first day sets the marks
        (True, False, False, True),
        (False, True, True, True),
        (False, False, False, False),
        (False, False, False, False),
        (False, False, False, False),
    ]
