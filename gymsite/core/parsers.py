"""The API's JSON parser: DRF's, plus two kinds of body it lets through that end in a 500.

- A number too large for a float (`1e309`) parses as infinity; a primary key or an integer
  lookup then fails with OverflowError deep in the ORM.
- A `\\udXXX` escape without its pair parses as a lone surrogate: a str that cannot be
  encoded as UTF-8, so a validation message echoing it cannot be rendered and a
  database (PostgreSQL) refuses to store it.

Both are refused here, once for every endpoint, as a 400 `parse_error`.
"""

from __future__ import annotations

import math
import re

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# A surrogate can only come from a `\uD800`–`\uDFFF` escape: the UTF-8 decoder refuses
# encoded ones. Only bodies holding such an escape need the (slower) walk.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


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
        if _SURROGATE_ESCAPE.search(text) and _holds_lone_surrogate(data):
            raise ParseError(
                _("The JSON body holds text that is not valid Unicode."), code="parse_error"
            )
        return data
