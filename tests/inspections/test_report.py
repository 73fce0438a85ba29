"""The PDF report is a real PDF: parsed with pypdf, its text and embedded photos read."""

import io

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from .helpers import add_question, answer, complete, make_checklist, png_bytes, start

pytestmark = pytest.mark.django_db


def _pdf(response) -> PdfReader:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(response.content))


def test_a_completed_vehicle_inspection(mechanic_client, mechanic, checklist, png):
    inspection = start(mechanic, checklist, vehicle_plate="ABC123", vehicle_brand="Toyota", vehicle_model="Corolla",
                       vehicle_km=50000, client_name="Juan Pérez", or_number="OR-12345")
    q = checklist.q
    answer(mechanic, inspection, q["belt"], "fail", comments="Belt slipping", photos=[png_bytes(size=(120, 90)), png_bytes(size=(60, 60))])
    answer(mechanic, inspection, q["stop"], "yes")
    answer(mechanic, inspection, q["noise"], "na")
    answer(mechanic, inspection, q["deck"], "Good")
    answer(mechanic, inspection, q["photo"], "", photos=[png])
    complete(mechanic, inspection)
    reader = _pdf(mechanic_client.get(f"/api/v1/inspections/{inspection.pk}/report.pdf"))
    assert len(reader.pages) >= 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in ("Treadmill check", f"Inspection #{inspection.pk}", "Completed", "ABC123", "Toyota", "Corolla",
                     "Juan Pérez", "OR-12345", "Score: 21 of 37 (56.76 %)", "Flagged items: 1", "[FLAGGED] Belt tension",
                     "Belt slipping", "Mechanics", "Safety", "General", "N/A"):
        assert expected in text, expected
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 3  # the three photos, embedded
    assert reader.metadata.title == f"Treadmill check #{inspection.pk}"


def test_an_equipment_draft_in_spanish_with_a_logo(admin_client, mechanic, gym):
    checklist = make_checklist(gym, name="Bicicletas", logo=ContentFile(png_bytes(size=(50, 50)), name="l.png"))
    question = add_question(checklist, text="Pedales firmes", type="yes_no", points="5")
    inspection = start(mechanic, checklist, vehicle_plate="", asset="Bicicleta #7")
    answer(mechanic, inspection, question, "no")
    reader = _pdf(admin_client.get(f"/api/v1/inspections/{inspection.pk}/report.pdf", HTTP_ACCEPT_LANGUAGE="es"))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Bicicleta #7" in text and "Pedales firmes" in text and "Bicicletas" in text
    assert len([i for page in reader.pages for i in page.images]) == 1  # the logo


def test_many_answers_run_over_several_pages(mechanic_client, mechanic, gym):
    checklist = make_checklist(gym, name="Long")
    questions = [add_question(checklist, text=f"Check number {i} " + "with a long description " * 3, section=f"S{i // 10}") for i in range(80)]
    inspection = start(mechanic, checklist)
    for question in questions:
        answer(mechanic, inspection, question, "pass")
    reader = _pdf(mechanic_client.get(f"/api/v1/inspections/{inspection.pk}/report.pdf"))
    assert len(reader.pages) > 2
    assert "Check number 79" in reader.pages[-1].extract_text()
