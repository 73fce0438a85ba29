"""Photos of answers: verified by decoding them with Pillow (JPEG, PNG or WebP, at most
5 MB), whether they came as multipart files or as base64 text in JSON."""

from __future__ import annotations

import base64
import binascii
import io
import re
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image

from gymsite.core.errors import Invalid
from gymsite.core.images import IMAGE_CONTENT_TYPES, IMAGE_FORMATS, MAX_IMAGE_BYTES, image_format

_DATA_URL = re.compile(r"^data:[\w.+-]+/[\w.+-]+;base64,", re.IGNORECASE)


@dataclass(frozen=True)
class Photo:
    """A verified image, ready to store."""

    content: bytes
    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return IMAGE_CONTENT_TYPES[self.format]

    def as_file(self) -> ContentFile:
        return ContentFile(self.content, name=f"{uuid.uuid4().hex}.{IMAGE_FORMATS[self.format]}")


def _photo_error(message: str, code: str, field: str = "photos") -> Invalid:
    return Invalid(message, code, errors={field: [message]})


def too_large(field: str = "photos") -> Invalid:
    return _photo_error(_("Each photo must be at most 5 MB."), "photo_too_large", field)


def photo_from_bytes(content: bytes, *, field: str = "photos") -> Photo:
    """`content` as a verified Photo, or 400 (`photo_too_large`, `invalid_photo`)."""
    if len(content) > MAX_IMAGE_BYTES:
        raise too_large(field)
    stream = io.BytesIO(content)
    found = image_format(stream, decode=True)
    if found is None:
        raise _photo_error(_("Send JPEG, PNG or WebP images only."), "invalid_photo", field)
    with Image.open(stream) as image:
        width, height = image.size
    return Photo(content=content, format=found, width=width, height=height)


def decode_base64(text: str, *, field: str = "photos") -> bytes:
    """Base64 text (or a data: URL) as bytes; 400 when it is not base64 or decodes to more
    than 5 MB (checked on the text's length first: nothing that large is decoded)."""
    text = _DATA_URL.sub("", text.strip(), count=1)
    text = "".join(text.split())
    if len(text) * 3 // 4 > MAX_IMAGE_BYTES + 3:
        raise too_large(field)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _photo_error(_("A photo sent as text must be base64."), "invalid_base64", field) from None
