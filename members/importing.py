"""Reading an uploaded members CSV into (line number, raw cells) pairs.

The header is line 1; a row's line is the physical line where it starts (a quoted cell
may span lines). Column names are matched case-insensitively; unknown columns (such as
the export's status or expires_on) are ignored, so an exported file imports back. Empty
cells count as "not given". Cells neutralised by the export get their quote removed.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext_lazy as _

from gymsite.core.csvsafe import unneutralise_cell
from gymsite.core.errors import Invalid

from .models import EDITABLE_FIELDS

MAX_IMPORT_ROWS = 10_000
# The import's gym is the upload's, and a CSV cell cannot carry a photo file.
IMPORT_COLUMNS = tuple(name for name in EDITABLE_FIELDS if name not in ("gym", "photo"))


def read_member_csv(upload) -> list[tuple[int, dict[str, Any]]]:
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("The file must be a UTF-8 encoded CSV file."), "invalid_csv") from None
    if "\x00" in text:
        raise Invalid(_("The file must be a UTF-8 encoded CSV file."), "invalid_csv")
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many locales save with ";" between cells.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise Invalid(_("The file is empty."), "empty_file") from None
    except csv.Error:
        raise Invalid(_("The file is not a valid CSV file."), "invalid_csv") from None
    columns = [name.strip().lower() for name in header]
    if "first_name" not in columns:
        raise Invalid(
            _("The header row must name the columns; first_name is required."),
            "missing_columns",
            errors={"file": [str(_("Missing column: first_name."))]},
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    previous_end = reader.line_num
    try:
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise Invalid(
                    _("A file may hold at most %(count)d members.") % {"count": MAX_IMPORT_ROWS},
                    "too_many_rows",
                )
            data: dict[str, Any] = {}
            for name, cell in zip(columns, cells, strict=False):
                if name in IMPORT_COLUMNS and name not in data:
                    value = unneutralise_cell(cell.strip())
                    if value:
                        data[name] = value
            rows.append((line, data))
    except csv.Error:
        raise Invalid(_("The file is not a valid CSV file."), "invalid_csv") from None
    if not rows:
        raise Invalid(_("The file holds no members."), "empty_file")
    return rows
