import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

LIST_URL = "/api/v1/members/"


def member_url(member_or_id) -> str:
    pk = getattr(member_or_id, "pk", member_or_id)
    return f"/api/v1/members/{pk}"


def image_bytes(fmt: str = "PNG", size=(32, 24), color=(200, 30, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def png_upload():
    return upload("face.png", image_bytes("PNG"))
