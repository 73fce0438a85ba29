"""Photo checks: by content (Pillow), never by the file's name or declared type."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from gymsite.core.images import IMAGE_FORMATS, MAX_IMAGE_BYTES, image_format

MAX_PHOTO_BYTES = MAX_IMAGE_BYTES
PHOTO_FORMATS = IMAGE_FORMATS


def validate_member_photo(file: UploadedFile) -> UploadedFile:
    """Accept a JPEG, PNG or WebP image of at most 5 MB; return it renamed to a random
    name with the extension of its real format (the client's name is not trusted)."""
    if file.size is not None and file.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("The photo must be at most 5 MB."), code="photo_too_large")
    found = image_format(file)
    if found is None:
        raise ValidationError(_("Upload a JPEG, PNG or WebP image."), code="invalid_photo")
    file.name = f"{uuid.uuid4().hex}.{PHOTO_FORMATS[found]}"
    return file
