"""The figures page, its downloads (CSV, Excel, PDF) and ``patrol figures``."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dispatch.checkins import CheckInReport, record_checkin
from webapp.resources import resources


@pytest.fixture()
def found_app(private_app):
    """The planned demo night with two check-ins: nobody there, then three people found."""
    with private_app.app_context():
        plan = resources().latest_plan()
        route = plan.routes[0]
        with resources().sessions() as session:
            for visit, outcome in zip(route.visits[:2], ("checked_nobody", "person_found"),
                                      strict=True):
                extra = ({"found_count": 3, "found_category": "elderly", "accepts_help": True,
                          "action": "shelter"} if outcome == "person_found" else {})
                record_checkin(session, CheckInReport(
                    str(uuid.uuid4()), plan.date, route.team_id, visit.hotspot_id, visit.check,
                    outcome, (visit.arrival + timedelta(minutes=1)).astimezone(UTC), **extra))
            session.commit()
    return private_app, plan


def test_page_and_downloads_carry_the_same_figures(found_app) -> None:
    app, plan = found_app
    client = app.test_client()
    query = f"from={plan.date}&to={plan.date}"
    page = client.get(f"/figures?{query}").get_data(as_text=True)
    assert "发现 3 人 people found" in page and "<svg" in page
    rows = list(csv.reader(io.StringIO(client.get(f"/figures.csv?{query}")
                                       .get_data().decode("utf-8-sig"))))
    header, night, total = rows
    assert header[0] == "日期 Night" and night[0] == plan.date.isoformat()
    found = header.index("发现人员 People found")
    assert night[found] == total[found] == "3"
    assert total[header.index("检查次数 Checks")] == "2"
    book = load_workbook(io.BytesIO(client.get(f"/figures.xlsx?{query}").get_data()))
    sheet = book.active
    assert [c.value for c in sheet[2]][found] == "发现人员 People found"
    assert [c.value for c in sheet[4]][found] == 3
    pdf = PdfReader(io.BytesIO(client.get(f"/figures.pdf?{query}").get_data()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert len(pdf.pages) == 1
    assert "People found" in text and plan.date.isoformat() in text


def test_cli_writes_each_format(run_cli, found_app, tmp_path: Path) -> None:
    app, plan = found_app
    root = app.config["DATA_DIR"]
    for suffix in (".csv", ".xlsx", ".pdf"):
        out = tmp_path / f"figures{suffix}"
        result = run_cli("--data-dir", root, "figures", "--from", str(plan.date), "--to",
                         str(plan.date), "--out", str(out))
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    bad = run_cli("--data-dir", root, "figures", "--from", str(plan.date), "--to",
                  str(plan.date), "--out", str(tmp_path / "figures.doc"))
    assert bad.exit_code == 1 and ".csv, .xlsx or .pdf" in bad.output
