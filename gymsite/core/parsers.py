"""The API's JSON parser: DRF's, plus two kinds of body it lets through that end in a 500.

- A number too large for a float (`1e309`) parses as infinity; a primary key or an integer
  lookup then fails with OverflowError deep in the ORM.
- A `\\udXXX` escape without its pair parses as a lone surrogate: a str that cannot be
  encoded as UTF-8, so a validation message echoing it cannot be rendered and a
  database (PostgreSQL) refuses to store it.

Both are refused here, once for every endpoint, as a 400 `parse_error`; so is JSON
nested deeper than MAX_JSON_DEPTH (`[` x 1000 was a RecursionError, a 500).

Every endpoint takes JSON only (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES; 415 otherwise).
The endpoints that take an upload add `MultiPartParser` below (`UploadParsersMixin` on a
viewset, or `parser_classes=` on an action): its data is not an HTML form to DRF, so an
omitted field stays omitted, as in JSON.
"""

from __future__ import annotations

import io
import math
import re

from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.utils.datastructures import MultiValueDict
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# A surrogate can only come from a `\uD800`–`\uDFFF` escape: the UTF-8 decoder refuses
# encoded ones. Only bodies holding such an escape need the (slower) walk.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


# Deeper than any body the API takes (a few levels), far below Python's recursion limit,
# which the decoder and every recursive walk after it (validation, error bodies) share.
MAX_JSON_DEPTH = 64


class _OutOfRange(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _OutOfRange(text)
    return value


def _holds_lone_surrogate(data) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _nested_deeper_than(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep() -> ParseError:
    return ParseError(_("The JSON body is nested too deeply."), code="parse_error")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parsers.get_encoding(parser_context)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("The JSON body is not valid text."), code="parse_error") from None
        try:
            data = parsers.json.loads(text, parse_float=_finite_float)
        except _OutOfRange:
            raise ParseError(_("The JSON body holds a number out of range."), code="parse_error") from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %s") % exc, code="parse_error") from None
        except RecursionError:
            raise _too_deep() from None
        # Only a body with that many brackets can be that deep: most skip the walk.
        if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _nested_deeper_than(
            data, MAX_JSON_DEPTH
        ):
            raise _too_deep()
        if _SURROGATE_ESCAPE.search(text) and _holds_lone_surrogate(data):
            raise ParseError(
                _("The JSON body holds text that is not valid Unicode."), code="parse_error"
            )
        return data


class _UploadedFiles(MultiValueDict):
    """request.FILES of an upload. DRF merges it into request.data with dict.update(),
    which copies a MultiValueDict's inner lists (CPython merges a dict subclass through its
    storage unless the subclass defines __iter__): a photo would arrive as [photo]. With
    __iter__ defined the merge goes through keys() and __getitem__, one file per name."""

    def __iter__(self):
        return super().__iter__()


def _plain(form: MultiValueDict) -> dict:
    """One value per name (a list when a name is repeated); an empty value is null, which
    a form cannot send otherwise (`photo=` clears the photo, `birth_date=` the date)."""
    data = {}
    for name, values in form.lists():
        values = [None if value == "" else value for value in values]
        data[name] = values[0] if len(values) == 1 else values
    return data


class _Replayed:
    """A stream that reads `head` again before the rest of `stream`."""

    def __init__(self, head: bytes, stream):
        self._head = io.BytesIO(head)
        self._stream = stream

    def read(self, size=-1):
        data = self._head.read(size)
        if size is None or size < 0:
            return data + self._stream.read()
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data


# A part's delimiter must come within this much of the start (RFC 2046 allows a preamble
# before it, which no client sends).
_HEAD_BYTES = 64 * 1024


def _malformed() -> ParseError:
    return ParseError(_("The multipart body is malformed."), code="parse_error")


class MultiPartParser(parsers.MultiPartParser):
    """multipart/form-data, for the endpoints that take an upload.

    DRF treats a QueryDict as an HTML form, where a field left out of the body means
    False for a boolean even on PUT: a photo upload without `is_active` deactivated the
    member. This parser answers a plain dict instead, so a field left out stays out, as
    in JSON; an empty value is null, which a form cannot send otherwise. Too many fields (DATA_UPLOAD_MAX_NUMBER_FIELDS) and a malformed body are a
    400 with the JSON error body, not Django's HTML 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        # Django reads a body without its boundary as an empty form: a PATCH of garbage
        # would answer 200.
        boundary = parse_header_parameters(media_type or "")[1].get("boundary", "")
        delimiter = b"--" + boundary.encode("latin-1", "replace")
        head = stream.read(_HEAD_BYTES)
        if boundary and delimiter not in head:
            raise _malformed()
        try:
            result = super().parse(_Replayed(head, stream), media_type, parser_context)
        except (TooManyFieldsSent, TooManyFilesSent):
            raise ParseError(
                _("The request has too many parameters."), code="too_many_fields"
            ) from None
        except ParseError:
            raise _malformed() from None
        if not result.data and not result.files and delimiter + b"--" not in head:
            raise _malformed()  # no part, and not the closing delimiter of an empty form
        files = _UploadedFiles()
        for name, uploads in result.files.lists():
            files.setlist(name, uploads)
        return parsers.DataAndFiles(_plain(result.data), files)


UPLOAD_PARSER_CLASSES = [JSONParser, MultiPartParser]


class UploadParsersMixin:
    """For a viewset whose standard actions take an upload: those named in
    `upload_actions` accept multipart/form-data besides JSON; the others JSON only."""

    upload_actions: tuple[str, ...] = ()

    def get_parsers(self):
        # DRF picks the parsers before it sets self.action: find it from the method.
        request = getattr(self, "request", None)
        action_map = getattr(self, "action_map", None) or {}
        action = action_map.get(request.method.lower()) if request is not None else None
        if action in self.upload_actions:
            return [parser() for parser in UPLOAD_PARSER_CLASSES]
        return super().get_parsers()
