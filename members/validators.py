"""Photo checks: by content (Pillow), never by the file's name or declared type."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Pillow's format name → the extension the stored file gets.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def validate_member_photo(file: UploadedFile) -> UploadedFile:
    """Accept a JPEG, PNG or WebP image of at most 5 MB; return it renamed to a random
    name with the extension of its real format (the client's name is not trusted)."""
    if file.size is not None and file.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("The photo must be at most 5 MB."), code="photo_too_large")
    image_format = None
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds (UnidentifiedImageError, SyntaxError, ...)
        image_format = None
    finally:
        file.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError(_("Upload a JPEG, PNG or WebP image."), code="invalid_photo")
    file.name = f"{uuid.uuid4().hex}.{PHOTO_FORMATS[image_format]}"
    return file
