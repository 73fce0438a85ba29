"""Frames of the terminal protocol (seed 001): JSON objects with a "type".

A frame over MAX_FRAME_BYTES, one that is not JSON, not an object, of an unknown type or
missing a field is answered {"type": "error", "error": <text>, "code": <code>} and the
socket stays open. The texts are English msgids; seed 001's Spanish texts are their
Spanish translations (locale/es)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MAX_FRAME_BYTES = 64 * 1024

# Seed 001's texts (Spanish in locale/es):
INVALID_CREDENTIALS = gettext_noop("Incorrect email or password")  # Correo electrónico o contraseña incorrectos
GYM_CONNECTION_NOT_FOUND = gettext_noop("Gym connection not found")  # No se encontró la conexión del gimnasio
FINGERPRINT_STORED = gettext_noop("Fingerprint stored successfully")  # Huella digital almacenada exitosamente
FINGERPRINT_MISSING = gettext_noop("Fingerprint data missing")  # Datos de huella digital faltantes


class FrameError(Exception):
    """A frame the server answers with an error (the socket stays open)."""

    def __init__(self, message: str, code: str, *, type: str = "error", **extra: Any):
        super().__init__(message)
        self.message = message
        self.code = code
        self.type = type
        self.extra = extra

    def frame(self) -> dict:
        return {"type": self.type, "error": self.message, "code": self.code, **self.extra}


def parse(text: str | None, binary: bytes | None) -> dict:
    """The frame as a dict with a string "type", or FrameError."""
    raw = text if text is not None else binary
    if raw is None or len(raw.encode() if isinstance(raw, str) else raw) > MAX_FRAME_BYTES:
        raise FrameError(_("Frames are limited to %(size)d KB.") % {"size": MAX_FRAME_BYTES // 1024}, "frame_too_large")
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):
        raise FrameError(_("The message is not valid JSON."), "parse_error") from None
    if not isinstance(message, dict):
        raise FrameError(_("The message must be a JSON object."), "invalid_message")
    if not isinstance(message.get("type"), str):
        raise FrameError(_("The message has no type."), "missing_fields", fields=["type"])
    return message


def unknown_type(kind: str) -> FrameError:
    return FrameError(_("Unknown message type: %(type)s") % {"type": kind[:50]}, "unknown_type")


def missing(*fields: str, type: str = "error") -> FrameError:
    return FrameError(
        _("Missing or invalid fields: %(fields)s") % {"fields": ", ".join(fields)},
        "missing_fields",
        type=type,
        fields=list(fields),
    )


def member_id_of(value: Any) -> int | None:
    """A member id as the seed sends it: a number or a string of digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        number = int(value)
        return number if number > 0 else None
    return None


def encode(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


# daphne (autobahn) refuses to send a message over 1 MiB: a large gym's template set goes
# in parts, each under this size.
MAX_SET_FRAME_BYTES = 900 * 1024


def template_set_frames(*, data: list[dict], deleted: list, cursor: int, full: bool) -> list[str]:
    """The template_data_set frames (encoded) for a download: seed 001's one frame when
    it fits, else consecutive parts ("part" 1..n of "parts"), each with the cursor; the
    deletions ride on the first. A terminal has the whole set once part == parts."""
    entries = [encode(item) for item in data]
    chunks: list[list[str]] = [[]]
    size = 0
    for entry in entries:
        if chunks[-1] and size + len(entry) + 1 > MAX_SET_FRAME_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(entry)
        size += len(entry) + 1
    frames = []
    for index, chunk in enumerate(chunks, start=1):
        head = encode(
            {
                "type": "template_data_set",
                "deleted": deleted if index == 1 else [],
                "cursor": cursor,
                "full": full,
                "part": index,
                "parts": len(chunks),
            }
        )
        frames.append(head[:-1] + ',"data":[' + ",".join(chunk) + "]}")
    return frames
