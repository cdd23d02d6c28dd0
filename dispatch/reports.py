"""Reports of people in the cold: checked at the edge, numbered, and followed through the night.

A report is refused whole (every bad field named in Chinese and English) or kept
whole. Its life is reported -> assigned -> on_the_way -> arrived -> outcome; each
step is a conditional UPDATE on the status it leaves, so two dispatchers (or a
dispatcher and a team) acting at once cannot both win, and each step keeps its time.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Update, select, update
from sqlalchemy.orm import Session

from dispatch.checkins import ACTIONS, FOUND_CATEGORIES, as_utc
from dispatch.chinacoords import DATUMS, point_to_wgs84
from dispatch.city import outside_city
from dispatch.errors import ConflictError, FieldErrors, NotFoundError
from dispatch.models import CheckIn, City, Hotspot, Report, SavedPlan
from dispatch.night import tonight
from dispatch.recommend import urgency_of

SOURCES = {
    "public": "市民 Public",
    "hotline": "热线 Hotline",
    "police": "公安 Police",
    "sanitation": "环卫 Sanitation",
    "driver": "司机/快递 Driver or courier",
    "follow_up": "回访 Follow-up",
}
STATUSES = {
    "reported": "已收到 Reported",
    "assigned": "已派队 Team assigned",
    "on_the_way": "队伍在路上 Team on the way",
    "arrived": "队伍已到达 Team arrived",
    "outcome": "已处置 Done",
    "cancelled": "已取消 Cancelled",
}
#: What a team may record when it is done; a person who declines gets a follow-up.
OUTCOMES = {**ACTIONS, "nobody_found": "未找到人 Nobody found"}
#: Which step may follow which (a team may skip "on the way").
NEXT = {"on_the_way": ("assigned",), "arrived": ("assigned", "on_the_way"),
        "outcome": ("arrived",)}
OPEN = ("reported", "assigned", "on_the_way", "arrived")
MAX_PLACE = 200
MAX_SEEN = 1000
MAX_PEOPLE = 50
#: A readable alphabet: no 0/O, 1/I/L; 31**8 references are not guessed by trying.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
FOLLOW_UP_AFTER = timedelta(hours=2)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|javascript:", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")


@dataclass(frozen=True)
class ReportForm:
    """A report as checked: where (WGS-84), what, and who sent it."""

    lon: float
    lat: float
    place: str
    seen: str
    people: int
    categories: tuple[str, ...]
    not_moving: bool
    contact: str | None
    source: str


def parse_report(data: Mapping[str, Any], *, city: City, session: Session,
                 source: str | None = None) -> ReportForm:
    """Check a form or JSON body; every fault at once as :class:`FieldErrors`.

    ``source`` forces where the report came from (the public page says ``public``);
    ``datum`` says the point came from a GCJ-02 or BD-09 map and is converted here.
    A typed place without a point is looked up among the city's hotspot names.
    """
    bad: dict[str, str] = {}
    place = _text(data.get("place"), "place", MAX_PLACE, bad)
    seen = _text(data.get("seen"), "seen", MAX_SEEN, bad)
    people = _people(data.get("people", 1), bad)
    categories = _categories(data.get("categories", ()), bad)
    contact = _contact(data.get("contact"), bad)
    chosen = source or str(data.get("source") or "hotline")
    if chosen not in SOURCES:
        bad["source"] = f"{chosen!r}: 来源应为 one of {', '.join(SOURCES)}"
    point = _point(data, place, city, session, bad)
    if bad or point is None:
        raise FieldErrors(bad)
    return ReportForm(point[0], point[1], place, seen, people, categories,
                      _flag(data.get("not_moving")), contact, chosen)


def create_report(session: Session, form: ReportForm, *, night: date, now: datetime,
                  temperature: float | None, by: str,
                  follows: Report | None = None, due_at: datetime | None = None) -> Report:
    """Keep a checked report with a new reference; its urgency follows what was reported."""
    urgency = urgency_of(form.categories, not_moving=form.not_moving, temperature=temperature)
    row = Report(reference=_new_reference(session), created_at=now, night=night,
                 lon=form.lon, lat=form.lat, place=form.place, seen=form.seen,
                 people=form.people, categories=",".join(form.categories),
                 not_moving=form.not_moving, contact=form.contact, source=form.source,
                 urgency=urgency.level, status="reported",
                 steps=[_step("reported", now, by)], due_at=due_at,
                 follows_id=follows.id if follows is not None else None)
    session.add(row)
    session.flush()
    return row


def get_report(session: Session, reference: str) -> Report:
    """The report with ``reference`` (any case, dashes optional), or NotFoundError."""
    row = session.scalars(select(Report).where(Report.reference == normal_reference(reference)))
    found = row.first()
    if found is None:
        raise NotFoundError(f"没有这个编号 No report {reference!r}: check the reference "
                            "you were given (8 letters and digits)")
    return found


def night_reports(session: Session, night: date) -> list[Report]:
    """The night's reports, oldest first."""
    return list(session.scalars(select(Report).where(Report.night == night)
                                .order_by(Report.created_at, Report.id)))


def claim(session: Session, reference: str, team_id: str, *, now: datetime, by: str) -> Report:
    """Assign a reported person to ``team_id``; ConflictError if someone else got there first."""
    row = get_report(session, reference)
    won = changed_rows(session,
        update(Report).where(Report.id == row.id, Report.status == "reported")
        .values(status="assigned", team_id=team_id))
    session.refresh(row)
    if not won:
        raise ConflictError(f"已派给 {row.team_id} Report {row.reference} is already "
                            f"assigned to {row.team_id} ({STATUSES[row.status]})")
    row.steps = [*row.steps, _step("assigned", now, by, team=team_id)]
    session.flush()
    return row


def release(session: Session, reference: str, *, now: datetime, by: str) -> None:
    """Undo a claim whose re-plan failed, so the report can be sent again."""
    row = get_report(session, reference)
    changed_rows(session, update(Report).where(Report.id == row.id, Report.status == "assigned")
             .values(status="reported", team_id=None))
    session.refresh(row)
    row.steps = [*row.steps, _step("released", now, by)]
    session.flush()


def advance(session: Session, reference: str, team_id: str, status: str, *, now: datetime,
            outcome: str | None = None, note: str | None = None) -> Report:
    """A team's step on its report; a person who declined help gets a follow-up report.

    Raises
    ------
    FieldErrors
        An unknown step or outcome, or an over-long note.
    ConflictError
        The report is not this team's, or not at a step this one can follow.
    """
    bad: dict[str, str] = {}
    if status not in NEXT:
        bad["status"] = f"{status!r}: 应为 one of {', '.join(NEXT)}"
    if status == "outcome" and (not isinstance(outcome, str) or outcome not in OUTCOMES):
        bad["outcome"] = f"{outcome!r}: 应为 one of {', '.join(OUTCOMES)}"
    text = _text(note, "note", MAX_SEEN, bad)
    if bad:
        raise FieldErrors(bad)
    row = get_report(session, reference)
    values: dict[str, Any] = {"status": status}
    if status == "outcome":
        values.update(outcome=outcome, note=text or None)
    moved = changed_rows(session, update(Report).where(
        Report.id == row.id, Report.team_id == team_id, Report.status.in_(NEXT[status]))
        .values(**values))
    session.refresh(row)
    if not moved:
        whose = "another team's" if row.team_id != team_id else STATUSES[row.status]
        raise ConflictError(f"报告 {row.reference} 无法标记 Cannot mark report {row.reference} "
                            f"{status}: it is {whose}")
    row.steps = [*row.steps, _step(status, now, team_id, outcome=outcome)]
    if outcome == "declined":
        follow_up(session, row, now=now)
    session.flush()
    return row


def follow_up(session: Session, declined: Report, *, now: datetime) -> Report:
    """A later visit to a person who declined help: a report of its own, offered on the board."""
    form = ReportForm(declined.lon, declined.lat, declined.place,
                      f"回访 Follow-up of {declined.reference}: {declined.seen}"[:MAX_SEEN],
                      declined.people, tuple(c for c in declined.categories.split(",") if c),
                      declined.not_moving, None, "follow_up")
    return create_report(session, form, night=declined.night, now=now, temperature=None,
                         by=declined.team_id or "team", follows=declined,
                         due_at=now + FOLLOW_UP_AFTER)


def follow_up_checkin(session: Session, checkin: CheckIn, *, lon: float, lat: float,
                      place: str, now: datetime) -> Report | None:
    """A follow-up report for a person a team found at a hotspot who declined help, due
    :data:`FOLLOW_UP_AFTER` after the team met them."""
    if checkin.action != "declined":
        return None
    form = ReportForm(lon, lat, place, f"回访 Follow-up: declined help at {place} "
                      f"({checkin.team_id})"[:MAX_SEEN], checkin.found_count or 1,
                      tuple(c for c in (checkin.found_category,) if c), False, None,
                      "follow_up")
    return create_report(session, form, night=checkin.night, now=now, temperature=None,
                         by=checkin.team_id,
                         due_at=as_utc(checkin.recorded_at) + FOLLOW_UP_AFTER)


def public_status(row: Report) -> dict[str, Any]:
    """What the person who reported may see: the steps and their times, nothing personal."""
    return {
        "reference": row.reference, "status": row.status, "label": STATUSES[row.status],
        "reported_at": as_utc(row.created_at).isoformat(),
        "steps": [{"status": s["status"], "label": STATUSES.get(s["status"], s["status"]),
                   "at": s["at"]} for s in row.steps if s["status"] in STATUSES],
    }


def current_night(session: Session, timezone: str, now: datetime) -> date:
    """The night reports go to: tonight when it is planned, else the last planned night."""
    night = tonight(timezone, now)
    planned = session.scalars(select(SavedPlan.night).order_by(SavedPlan.night.desc())).first()
    if planned is None or session.scalars(select(SavedPlan.id).where(
            SavedPlan.night == night)).first() is not None:
        return night
    return planned


def normal_reference(text: str) -> str:
    """``7k3m-9qpa`` -> ``7K3M9QPA``: how people copy a reference should not matter."""
    return re.sub(r"[\s\-]", "", text).upper()


def changed_rows(session: Session, statement: Update) -> int:
    """Rows a conditional UPDATE changed: 0 when its condition no longer held."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(cast(CursorResult[Any], result).rowcount)


def _new_reference(session: Session) -> str:
    while True:
        reference = "".join(secrets.choice(ALPHABET) for _ in range(8))
        if session.scalars(select(Report.id).where(Report.reference == reference)).first() is None:
            return reference


def _step(status: str, now: datetime, by: str, **extra: str | None) -> dict[str, Any]:
    return {"status": status, "at": now.astimezone(UTC).isoformat(), "by": by,
            **{k: v for k, v in extra.items() if v is not None}}


def _text(value: Any, name: str, limit: int, bad: dict[str, str]) -> str:
    """Plain text only: no control characters, no markup, not over ``limit``."""
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        bad[name] = f"太长 {len(text)} characters; at most {limit}"
    elif _CONTROL.search(text):
        bad[name] = "含有控制字符 contains control characters; type plain text"
    elif _MARKUP.search(text):
        bad[name] = "不能包含网页代码 must not contain HTML or script; type plain text"
    return text


def _people(value: Any, bad: dict[str, str]) -> int:
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = 0
    if isinstance(value, bool) or not 1 <= count <= MAX_PEOPLE or str(count) != str(value).strip():
        bad["people"] = f"{value!r}: 人数 how many people, a whole number 1 to {MAX_PEOPLE}"
    return count


def _categories(value: Any, bad: dict[str, str]) -> tuple[str, ...]:
    if value is not None and not isinstance(value, str | list | tuple):
        bad["categories"] = (f"{str(value)[:60]!r}: 类别应为列表 categories are a list such as "
                             '["elderly", "minor"]')
        return ()
    items = value.split(",") if isinstance(value, str) else list(value or ())
    chosen = tuple(dict.fromkeys(str(c).strip() for c in items if str(c).strip()))
    unknown = [c for c in chosen if c not in FOUND_CATEGORIES]
    if unknown:
        bad["categories"] = (f"{', '.join(unknown)[:60]!r}: 类别应为 categories are "
                             f"{', '.join(FOUND_CATEGORIES)}")
    return chosen


def _contact(value: Any, bad: dict[str, str]) -> str | None:
    text = "" if value is None else str(value).strip()
    if text and not _PHONE.match(text):
        bad["contact"] = "联系电话只含数字 a phone number: digits, spaces, dashes, up to 20"
    return text or None


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true", "on", "yes")


def _point(data: Mapping[str, Any], place: str, city: City, session: Session,
           bad: dict[str, str]) -> tuple[float, float] | None:
    """The report's WGS-84 point: given (maybe on a Chinese map's datum) or a known place."""
    raw_lon, raw_lat = data.get("lon"), data.get("lat")
    if raw_lon in (None, "") and raw_lat in (None, ""):
        return _known_place(place, session, bad)
    try:
        lon, lat = float(raw_lon), float(raw_lat)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        bad["lon"] = f"{raw_lon!r},{raw_lat!r}: 位置应为数字 give longitude and latitude as numbers"
        return None
    datum = str(data.get("datum") or "wgs84")
    if datum not in DATUMS:
        bad["datum"] = f"{datum!r}: one of {', '.join(DATUMS)}"
        return None
    lon, lat = point_to_wgs84(lon, lat, datum)
    why = outside_city(city, lon, lat)
    if why is not None:
        bad["lon"] = f"{why}; use the GPS button or tap the map"
        return None
    return lon, lat


def _known_place(place: str, session: Session, bad: dict[str, str]) -> tuple[float, float] | None:
    """A typed landmark that names one of the city's hotspots stands for its access point."""
    if not place or "place" in bad:
        bad["lon"] = ("没有位置 No location: press the GPS button, tap the map, or type a "
                      "place or landmark")
        return None
    # autoescape: a typed % or _ is a character of the name, never a wildcard.
    named = Hotspot.name.contains(place, autoescape=True)
    found = session.scalars(select(Hotspot).where(named)
                            .order_by(Hotspot.risk.desc(), Hotspot.id)).first()
    if found is None:
        bad["place"] = (f"找不到地点 {place!r} is not a place we know; tap the map or use GPS, "
                        "or name a station, bridge or park")
        return None
    return found.access_lon, found.access_lat
