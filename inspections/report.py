"""The PDF report of an inspection (reportlab): a header (checklist, logo, gym, mechanic,
dates), what was inspected (the vehicle or the asset), the score, each section's answers
with the flagged ones highlighted, and the photos embedded under their answer. Times are
in the gym's time zone, texts in the request's language."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from . import selectors
from .models import Inspection, InspectionStatus

FLAG_BACKGROUND = colors.HexColor("#fde2e1")
FLAG_TEXT = colors.HexColor("#b42318")
HEADER_BACKGROUND = colors.HexColor("#eef2f6")
PHOTO_WIDTH = 5.5 * cm
PHOTO_HEIGHT = 4.5 * cm
LOGO_SIZE = 2.2 * cm


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def _when(moment, tz) -> str:
    if moment is None:
        return "—"
    return formats.date_format(moment.astimezone(tz), "DATETIME_FORMAT")


def _number(value) -> str:
    return formats.number_format(value, decimal_pos=2 if value != value.to_integral_value() else 0)


def _image(file, width, height) -> Image | None:
    """The stored image as a flowable fitting width × height, or None when it cannot be
    read (a missing file must not cost the whole report)."""
    try:
        with file.open("rb") as handle:
            data = handle.read()
        reader = ImageReader(io.BytesIO(data))
        w, h = reader.getSize()
        scale = min(width / w, height / h, 1.0)
        return Image(io.BytesIO(data), width=w * scale, height=h * scale)
    except Exception:  # noqa: BLE001 (any unreadable image: reportlab and Pillow raise many kinds)
        return None


def _styles():
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], alignment=0, fontSize=16, spaceAfter=2),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=12, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontSize=9, leading=11),
        "small": ParagraphStyle("small", parent=base["BodyText"], fontSize=8, leading=10, textColor=colors.grey),
        "flag": ParagraphStyle("flag", parent=base["BodyText"], fontSize=9, leading=11, textColor=FLAG_TEXT),
        "score": ParagraphStyle("score", parent=base["BodyText"], fontSize=14, leading=18),
    }


def _header(inspection: Inspection, st) -> list:
    tz = inspection.gym.tz
    status = InspectionStatus(inspection.status).label
    title = [_p(inspection.checklist_name, st["title"]), _p(_("Inspection #%(id)s · %(status)s") % {"id": inspection.pk, "status": status}, st["body"])]
    logo = _image(inspection.checklist.logo, LOGO_SIZE, LOGO_SIZE) if inspection.checklist.logo else None
    rows = [[logo or "", title]] if logo else [[title]]
    widths = [LOGO_SIZE + 0.3 * cm, None] if logo else [None]
    head = Table(rows, colWidths=widths)
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    facts = [
        (_("Gym"), inspection.gym.name),
        (_("Mechanic"), inspection.mechanic.full_name or inspection.mechanic.username),
        (_("Started"), _when(inspection.started_at, tz)),
        (_("Completed"), _when(inspection.completed_at, tz)),
        (_("Checklist version"), str(inspection.checklist_version)),
    ]
    return [head, Spacer(1, 6), _facts_table(facts, st)]


def _facts_table(facts, st) -> Table:
    table = Table([[_p(k, st["small"]), _p(v, st["body"])] for k, v in facts], colWidths=[4 * cm, None])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _subject(inspection: Inspection, st) -> list:
    if inspection.vehicle_plate:
        facts = [
            (_("Plate"), inspection.vehicle_plate),
            (_("Brand"), inspection.vehicle_brand),
            (_("Model"), inspection.vehicle_model),
            (_("Kilometres"), formats.number_format(inspection.vehicle_km, force_grouping=True) if inspection.vehicle_km is not None else ""),
            (_("Client"), inspection.client_name),
            (_("Work order"), inspection.or_number),
        ]
        heading = _("Vehicle")
    else:
        facts = [(_("Asset"), inspection.asset), (_("Work order"), inspection.or_number)]
        heading = _("Equipment")
    facts = [(k, v) for k, v in facts if v not in ("", None)]
    if inspection.vehicle_plate and inspection.asset:
        facts.append((_("Asset"), inspection.asset))
    return [_p(heading, st["h2"]), _facts_table(facts, st)]


def _score(inspection: Inspection, st) -> list:
    if inspection.scoring_enabled:
        line = _("Score: %(score)s of %(max)s (%(pct)s %%)") % {
            "score": _number(inspection.score),
            "max": _number(inspection.max_score),
            "pct": _number(inspection.percentage),
        }
    else:
        line = _("This checklist is not scored.")
    flagged = _("Flagged items: %(count)d") % {"count": inspection.flagged_items_count}
    style = st["flag"] if inspection.flagged_items_count else st["body"]
    return [_p(_("Result"), st["h2"]), _p(line, st["score"]), _p(flagged, style)]


def _answer_value(answer) -> str:
    if answer.is_na:
        return _("N/A")
    parts = [answer.answer_value, answer.answer_text]
    return "\n".join(p for p in parts if p)


def _section(name: str, answers, st, scored: bool) -> list:
    rows = [[_p(_("Question"), st["small"]), _p(_("Answer"), st["small"]), _p(_("Points"), st["small"]), _p(_("Comments"), st["small"])]]
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
    ]
    for answer in answers:
        text_style = st["flag"] if answer.is_flagged else st["body"]
        label = answer.question_text
        if answer.is_flagged:
            label = _("[FLAGGED] %(question)s") % {"question": answer.question_text}
        points = f"{_number(answer.points_earned)} / {_number(answer.max_points)}" if scored and not answer.is_na else "—"
        rows.append([_p(label, text_style), _p(_answer_value(answer), text_style), _p(points, st["body"]), _p(answer.comments, st["body"])])
        if answer.is_flagged:
            style.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), FLAG_BACKGROUND))
        pictures = [img for img in (_image(p.file, PHOTO_WIDTH, PHOTO_HEIGHT) for p in answer.photos.all()) if img]
        if pictures:
            grid = [pictures[i : i + 3] for i in range(0, len(pictures), 3)]
            rows.append([Table(grid, hAlign="LEFT"), "", "", ""])
            style.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
    table = Table(rows, colWidths=[6 * cm, 4 * cm, 2 * cm, None], repeatRows=1)
    table.setStyle(TableStyle(style))
    return [KeepTogether([_p(name or _("General"), st["h2"])]), table]


def render_report(inspection: Inspection) -> bytes:
    """The report as PDF bytes. `inspection` comes with its answers and photos prefetched
    (selectors.inspection_detail)."""
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        title=f"{inspection.checklist_name} #{inspection.pk}",
        author=inspection.mechanic.full_name or inspection.mechanic.username,
        subject=inspection.subject,
        creator="gymsite",
    )
    story = [*_header(inspection, st), *_subject(inspection, st), *_score(inspection, st)]
    answers = list(inspection.answers.all())
    if not answers:
        story += [Spacer(1, 8), _p(_("No answers yet."), st["body"])]
    for group in selectors.sections(answers, key=lambda a: a.section):
        story += _section(group["name"], group["items"], st, inspection.scoring_enabled)

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(1.5 * cm, 0.8 * cm, f"{inspection.checklist_name} #{inspection.pk} · {inspection.subject}")
        canvas.drawRightString(A4[0] - 1.5 * cm, 0.8 * cm, _("Page %(page)d") % {"page": document.page})
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
