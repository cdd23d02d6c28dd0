"""Campaign figures as files a manager sends upwards: CSV, Excel and a one-page PDF.

The same table everywhere: one row per night and a total row, columns named in
Chinese and English (:data:`dispatch.figures.COLUMNS`). The PDF uses ReportLab's
built-in Chinese font (STSong-Light), so it needs no font file on the server.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dispatch.cells import as_text_cell
from dispatch.errors import ValidationError
from dispatch.figures import COLUMNS, NightFigures, value_of

#: ReportLab's built-in Chinese font: no font file is needed on the server.
FONT = "STSong-Light"
FORMATS = {".csv": "text/csv", ".xlsx":
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           ".pdf": "application/pdf"}


def figures_table(rows: Sequence[NightFigures], total: NightFigures) -> list[list[object]]:
    """Header, a row per night, and the total row."""
    header: list[object] = [f"{zh} {en}" for _, zh, en in COLUMNS]
    return [header, *([value_of(r, key) for key, _, _ in COLUMNS] for r in [*rows, total])]


def figures_file(rows: Sequence[NightFigures], total: NightFigures, suffix: str, *,
                 title: str) -> bytes:
    """The table in the format ``suffix`` names (``.csv``, ``.xlsx`` or ``.pdf``)."""
    table = figures_table(rows, total)
    if suffix == ".csv":
        return table_csv(table)
    if suffix == ".xlsx":
        return table_xlsx(table, title)
    if suffix == ".pdf":
        return _pdf(table, title, total)
    raise ValueError(f"figures are written as .csv, .xlsx or .pdf, not {suffix!r}")


def write_figures(rows: Sequence[NightFigures], total: NightFigures, out: Path, *,
                  title: str) -> Path:
    """Write the file ``out`` in the format its ending names."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(f"{out.name}: end the file name in .csv, .xlsx or .pdf "
                              "文件名须以 .csv、.xlsx 或 .pdf 结尾")
    out.write_bytes(figures_file(rows, total, suffix, title=title))
    return out


def figures_chart(rows: Sequence[NightFigures], *, width: int = 720,
                  height: int = 180) -> str:
    """Staff-trips and people found per night as a small inline SVG bar chart."""
    if not rows:
        return ""
    top = max(max(r.staff_trips, r.people_found) for r in rows) or 1
    step = width / len(rows)
    bar = max(2.0, step / 2 - 2)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height + 20}" role="img" '
             f'aria-label="出动人次与发现人员 staff-trips and people found per night">']
    for k, row in enumerate(rows):
        x = k * step + 1
        for offset, value, css in ((0, row.staff_trips, "staff"), (bar + 1, row.people_found,
                                                                    "found")):
            h = height * value / top
            parts.append(f'<rect class="{css}" x="{x + offset:.1f}" y="{height - h:.1f}" '
                         f'width="{bar:.1f}" height="{h:.1f}"><title>{row.day}: {value}'
                         f'</title></rect>')
    parts.append(f'<text x="0" y="{height + 16}">{rows[0].day}</text>')
    parts.append(f'<text x="{width}" y="{height + 16}" text-anchor="end">{rows[-1].day}</text>')
    parts.append("</svg>")
    return "".join(parts)


def table_csv(table: list[list[object]]) -> bytes:
    """A table as CSV that Excel opens in UTF-8."""
    text = io.StringIO()
    csv.writer(text).writerows([as_text_cell(v) for v in row] for row in table)
    # With a BOM, Excel on a Chinese desktop opens the file in UTF-8.
    return text.getvalue().encode("utf-8-sig")


def table_xlsx(table: list[list[object]], title: str, *, sheet_name: str = "figures",
               total_row: bool = True) -> bytes:
    """A table as an Excel workbook: a title, a bold header (and total row), frozen panes."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    for row in table:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # text that looks like a formula stays text
                cell.data_type = "s"
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for cell in sheet[sheet.max_row] if total_row else ():
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _pdf(table: list[list[object]], title: str, total: NightFigures) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    heading = ParagraphStyle("heading", fontName=FONT, fontSize=14, leading=18)
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    # A summary first: the figures reported upwards, then the table per night.
    summary = [[f"{zh} {en}", str(value_of(total, key))] for key, zh, en in COLUMNS[2:]]
    # Portrait would squeeze 21 columns; the nights table goes across, folded in two.
    half = (len(COLUMNS) + 1) // 2
    parts = [[row[:1] + row[1:half], row[:1] + row[half:]] for row in table]
    story = [Paragraph(title, heading), Spacer(0, 6),
             _table(summary, 8), Spacer(0, 10)]
    for side in (0, 1):
        rows = [[Paragraph(str(c), body) for c in p[side]] for p in parts]
        story += [_table(rows, 7), Spacer(0, 8)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, leftMargin=28,
                      rightMargin=28, topMargin=28, bottomMargin=28).build(story)
    return buffer.getvalue()


def _table(rows: list[list[Any]], size: int) -> Table:
    made = Table(rows, repeatRows=1)
    made.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
    ]))
    return made
