"""Answer photos: multipart or base64, decoded with Pillow before they are kept, at most
max_photos and 5 MB each, served only to those who may see the inspection and never from
a public media URL."""

import base64
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inspections.models import Answer, AnswerPhoto
from tests.conftest import client_for

from .helpers import png_base64, png_bytes, start

pytestmark = pytest.mark.django_db


def post(client, inspection, question, value="pass", **extra):
    return client.post(
        "/api/v1/answers/", {"inspection": inspection.pk, "question": question.pk, "answer_value": value, **extra}, format="json"
    )


def test_base64_photos_are_kept_and_served_decoded(mechanic_client, mechanic, admin_client, checklist, settings):
    inspection = start(mechanic, checklist)
    photos = [png_base64(size=(30, 20)), "data:image/jpeg;base64," + base64.b64encode(png_bytes(size=(16, 16), fmt="JPEG")).decode()]
    response = post(mechanic_client, inspection, checklist.q["belt"], photos=photos)
    assert response.status_code == 201, response.content
    listed = response.json()["photos"]
    assert [(p["content_type"], p["width"], p["height"]) for p in listed] == [("image/png", 30, 20), ("image/jpeg", 16, 16)]
    for client in (mechanic_client, admin_client):
        served = client.get(listed[0]["url"])
        assert served.status_code == 200 and served["Content-Type"] == "image/png"
        assert "no-store" in served["Cache-Control"] and served["X-Content-Type-Options"] == "nosniff"
        image = Image.open(io.BytesIO(served.content))
        image.load()
        assert image.size == (30, 20)
    for photo in AnswerPhoto.objects.all():
        assert photo.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
        assert not photo.file.path.startswith(str(settings.MEDIA_ROOT))
        with pytest.raises(ValueError):
            photo.file.url  # noqa: B018 (no public URL)


def test_multipart_uploads(mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    files = [SimpleUploadedFile(f"p{i}.png", png_bytes(size=(10 + i, 10)), content_type="image/png") for i in range(3)]
    response = mechanic_client.post(
        "/api/v1/answers/",
        {"inspection": inspection.pk, "question": checklist.q["photo"].pk, "answer_value": "", "photos": files},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert [p["width"] for p in response.json()["photos"]] == [10, 11, 12]
    assert response.json()["points_earned"] == 6


def test_others_cannot_fetch_the_photos(mechanic, other_mechanic_client, foreign_mechanic, trainer_client, checklist):
    inspection = start(mechanic, checklist)
    response = post(client_for(mechanic), inspection, checklist.q["belt"], photos=[png_base64()])
    url = response.json()["photos"][0]["url"]
    assert other_mechanic_client.get(url).status_code == 404
    assert client_for(foreign_mechanic).get(url).status_code == 404
    assert trainer_client.get(url).status_code == 403
    assert client_for(None).get(url).status_code == 401
    answer_id = response.json()["id"]
    assert client_for(mechanic).get(f"/api/v1/answers/{answer_id}/photos/999999").status_code == 404


@pytest.mark.parametrize(
    ("photo", "code"),
    [
        (base64.b64encode(b"not an image at all").decode(), "invalid_photo"),
        (base64.b64encode(png_bytes()[:60]).decode(), "invalid_photo"),  # truncated: fails to decode
        (base64.b64encode(b"GIF89a" + b"\0" * 50).decode(), "invalid_photo"),
        ("%%%not base64%%%", "invalid_base64"),
    ],
)
def test_what_is_not_an_image_is_refused(mechanic_client, mechanic, checklist, photo, code):
    inspection = start(mechanic, checklist)
    response = post(mechanic_client, inspection, checklist.q["belt"], photos=[photo])
    assert response.status_code == 400 and response.json()["code"] == code
    assert "photos" in response.json()["errors"]
    assert not Answer.objects.exists() and not AnswerPhoto.objects.exists()


def test_a_truncated_multipart_image_is_refused(mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    broken = SimpleUploadedFile("x.jpg", png_bytes(size=(200, 200), fmt="JPEG")[:400], content_type="image/jpeg")
    response = mechanic_client.post(
        "/api/v1/answers/",
        {"inspection": inspection.pk, "question": checklist.q["belt"].pk, "answer_value": "pass", "photos": [broken]},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_photo"


def test_at_most_max_photos(mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    response = post(mechanic_client, inspection, checklist.q["belt"], photos=[png_base64()] * 3)  # max_photos 2
    assert response.status_code == 400 and response.json()["code"] == "too_many_photos"
    response = post(mechanic_client, inspection, checklist.q["belt"], photos=[png_base64()] * 11)
    assert response.status_code == 400
    response = post(mechanic_client, inspection, checklist.q["stop"], value="yes", photos=[png_base64()])
    assert response.status_code == 400 and response.json()["code"] == "photos_not_allowed"
    assert not AnswerPhoto.objects.exists()


def test_at_most_5_mb_each(mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    big = base64.b64encode(b"\x89PNG" + b"\0" * (5 * 1024 * 1024 + 10)).decode()
    response = post(mechanic_client, inspection, checklist.q["belt"], photos=[big])
    assert response.status_code in (400, 413)
    assert response.json()["code"] in ("photo_too_large", "too_large", "invalid")
    upload = SimpleUploadedFile("big.png", b"\x89PNG" + b"\0" * (5 * 1024 * 1024 + 10), content_type="image/png")
    response = mechanic_client.post(
        "/api/v1/answers/",
        {"inspection": inspection.pk, "question": checklist.q["belt"].pk, "answer_value": "pass", "photos": [upload]},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["code"] == "photo_too_large"
    assert not AnswerPhoto.objects.exists()


def test_a_photo_question_needs_a_photo(mechanic_client, mechanic, checklist):
    inspection = start(mechanic, checklist)
    response = post(mechanic_client, inspection, checklist.q["photo"], value="")
    assert response.status_code == 400 and "photos" in response.json()["errors"]


def test_posting_again_replaces_photos_or_keeps_them(mechanic_client, mechanic, checklist, django_capture_on_commit_callbacks):
    inspection = start(mechanic, checklist)
    first = post(mechanic_client, inspection, checklist.q["photo"], value="", photos=[png_base64(size=(5, 5)), png_base64(size=(6, 6))])
    old_paths = [p.file.path for p in AnswerPhoto.objects.all()]
    kept = post(mechanic_client, inspection, checklist.q["photo"], value="", comments="Still there")
    assert kept.status_code == 200 and [p["width"] for p in kept.json()["photos"]] == [5, 6]
    # The replaced files go once the new answer is committed.
    with django_capture_on_commit_callbacks(execute=True):
        replaced = post(mechanic_client, inspection, checklist.q["photo"], value="", photos=[png_base64(size=(7, 7))])
    assert replaced.status_code == 200 and [p["width"] for p in replaced.json()["photos"]] == [7]
    assert AnswerPhoto.objects.count() == 1 and first.json()["id"] == replaced.json()["id"]
    assert old_paths and not any(os.path.exists(path) for path in old_paths)
