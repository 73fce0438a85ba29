"""Images checked by their content (Pillow), never by the file's name or declared type:
one check for every upload the API takes (a member's photo, an inspection's photos)."""

from __future__ import annotations

import warnings

from PIL import Image

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Pillow's format name → the extension a stored file gets.
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
IMAGE_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# A 5 MB file can claim a huge canvas (a decompression bomb): refuse one larger than this
# before decoding it.
MAX_IMAGE_PIXELS = 50_000_000


def image_format(file, *, decode: bool = False) -> str | None:
    """The Pillow format of `file` (a file object at any position; left at 0) when it is a
    JPEG, PNG or WebP image, else None. With `decode`, the pixels are decoded too, so a
    truncated or corrupt image is refused, not only one with a bad header."""
    found = None
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                found = image.format
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    found = None
                else:
                    image.verify()
            if found and decode:
                # verify() leaves the image unusable: open it again to decode the pixels.
                file.seek(0)
                with Image.open(file) as image:
                    image.load()
    except Exception:  # Pillow raises many kinds (UnidentifiedImageError, SyntaxError, OSError, ...)
        found = None
    finally:
        file.seek(0)
    return found if found in IMAGE_FORMATS else None
