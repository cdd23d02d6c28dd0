"""The case log: every report of a person in the cold over a range of nights, one row each.

Reports describe vulnerable people, so the log is made in two forms. The
ordinary one (for managers) leaves out the reporter's phone number and masks
phone numbers typed into the free text; the personal one keeps them and is
only for an administrator to ask for.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.checkins import FOUND_CATEGORIES
from dispatch.models import Report
from dispatch.reports import OUTCOMES, SOURCES, STATUSES

#: (key, Chinese, English) of each column; ``contact`` only in the personal log.
COLUMNS = (
    ("night", "日期", "Night"),
    ("reference", "编号", "Reference"),
    ("reported_at", "报告时间", "Reported at (UTC)"),
    ("source", "来源", "Source"),
    ("place", "地点", "Place"),
    ("lon", "经度", "Longitude"),
    ("lat", "纬度", "Latitude"),
    ("people", "人数", "People"),
    ("categories", "类别", "Categories"),
    ("not_moving", "无法行动", "Not moving"),
    ("seen", "情况描述", "What was seen"),
    ("status", "状态", "Status"),
    ("team", "处置队伍", "Team"),
    ("outcome", "处置结果", "Outcome"),
    ("note", "备注", "Note"),
    ("contact", "报告人电话", "Reporter's phone"),
)
PERSONAL = ("contact",)
#: A digit as people type one in a phone number: ASCII, full-width, or a Chinese numeral
#: (幺 and 两 as read aloud).
_DIGIT = "[0-9０-９〇零一二三四五六七八九幺两]"
#: What people put between the digits: spaces, dots, dashes, underscores, slashes, brackets.
_SEPARATOR = r"[\s.\-_/()·－—–．（）]"
#: A phone number typed into free text: 7 or more digits, each at most three separators apart.
_PHONE_IN_TEXT = re.compile(rf"[+＋]?{_DIGIT}(?:{_SEPARATOR}{{0,3}}{_DIGIT}){{6,}}")
MASK = "[电话已隐去 phone withheld]"


def case_log(session: Session, first: date, last: date, *,
             personal: bool = False) -> list[list[object]]:
    """Header and one row per report of the nights ``first``..``last``, oldest first."""
    columns = [c for c in COLUMNS if personal or c[0] not in PERSONAL]
    rows: list[list[object]] = [[f"{zh} {en}" for _, zh, en in columns]]
    reports = session.scalars(select(Report).where(Report.night >= first, Report.night <= last)
                              .order_by(Report.created_at, Report.id))
    for report in reports:
        values = _values(report)
        if not personal:
            values["seen"] = mask_phones(str(values["seen"]))
            values["note"] = mask_phones(str(values["note"]))
        rows.append([values[key] for key, _, _ in columns])
    return rows


def mask_phones(text: str) -> str:
    """``text`` with every phone number in it replaced by a mark."""
    return _PHONE_IN_TEXT.sub(MASK, text)


def _values(report: Report) -> dict[str, object]:
    categories = [FOUND_CATEGORIES.get(c, c) for c in report.categories.split(",") if c]
    return {
        "night": report.night.isoformat(), "reference": report.reference,
        "reported_at": f"{report.created_at:%Y-%m-%d %H:%M}",
        "source": SOURCES.get(report.source, report.source), "place": report.place,
        "lon": round(report.lon, 6), "lat": round(report.lat, 6), "people": report.people,
        "categories": "; ".join(categories), "not_moving": "是 yes" if report.not_moving else "",
        "seen": report.seen, "status": STATUSES.get(report.status, report.status),
        "team": report.team_id or "", "outcome": OUTCOMES.get(report.outcome or "", ""),
        "note": report.note or "", "contact": report.contact or "",
    }
