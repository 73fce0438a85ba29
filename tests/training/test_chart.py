"""The measurements chart: a real PNG (decoded with Pillow), titled and labelled in the
request's language; an unknown field is a 400."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from training import chart
from training.chart import HEIGHT_PX, WIDTH_PX

from .helpers import make_measurement

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(monkeypatch):
    """What the view asked matplotlib to draw (the PNG is still drawn)."""
    calls = []
    real = chart.render_png

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(chart, "render_png", spy)
    return calls


def decode(response) -> Image.Image:
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def test_the_chart_is_a_png_of_the_members_measures(trainer_client, member, drawn):
    for week in range(8):
        make_measurement(member, weight=90 - week, abdomen=100 - week / 2, at=datetime(2026, 1, 5, 15, tzinfo=UTC) + timedelta(weeks=week))
    r = trainer_client.get(f"/api/v1/measurements/member/{member.pk}/chart.png?fields=weight,abdomen")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    image = decode(r)
    assert image.format == "PNG" and image.size == (WIDTH_PX, HEIGHT_PX)
    # Lines were drawn: far more than the two or three colours of an empty frame.
    assert len(image.convert("RGB").getcolors(maxcolors=100_000)) > 20
    (call,) = drawn
    assert call["title"] == "Ana García"
    assert [s.label for s in call["series"]] == ["Weight (kg)", "Abdomen (cm)"]
    assert [v for _, v in call["series"][0].points] == [90.0, 89.0, 88.0, 87.0, 86.0, 85.0, 84.0, 83.0]
    assert call["x_label"] == "Date"


def test_labels_follow_the_requests_language(trainer_client, member, drawn):
    make_measurement(member, weight=80, height=180)
    r = trainer_client.get(f"/api/v1/measurements/member/{member.pk}/chart.png?fields=weight,bmi", HTTP_ACCEPT_LANGUAGE="es")
    assert r.status_code == 200 and decode(r).size == (WIDTH_PX, HEIGHT_PX)
    (call,) = drawn
    assert call["x_label"] == "Fecha"
    assert [s.label for s in call["series"]] == ["Peso (kg)", "IMC (kg/m²)"]


def test_no_measurements_still_draws_a_png(trainer_client, member, drawn):
    r = trainer_client.get(f"/api/v1/measurements/member/{member.pk}/chart.png", HTTP_ACCEPT="image/png")
    assert r.status_code == 200 and decode(r).size == (WIDTH_PX, HEIGHT_PX)
    assert drawn[0]["series"][0].points == []


@pytest.mark.parametrize("fields", ["weight,nose", ",", "x" * 500, "weight;drop table", "Weight"])
def test_bad_fields_are_a_400_in_json(trainer_client, member, fields):
    r = trainer_client.get(f"/api/v1/measurements/member/{member.pk}/chart.png", {"fields": fields})
    assert r.status_code == 400 and r["Content-Type"] == "application/json"
    assert r.json()["code"] == "invalid" and "fields" in r.json()["errors"]


def test_bad_fields_in_spanish(trainer_client, member):
    r = trainer_client.get(f"/api/v1/measurements/member/{member.pk}/chart.png?fields=nose", HTTP_ACCEPT_LANGUAGE="es")
    assert r.status_code == 400 and "nose" in r.json()["errors"]["fields"][0]
