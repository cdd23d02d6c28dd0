"""Check-ins: what a team found at each planned visit, recorded once however often it is sent.

A phone makes each check-in's id (a UUID) when the team taps, and keeps the
check-in until the server has answered; a retry after a lost answer carries
the same id and is stored once. That is how a check-in made offline and sent
when the signal returns is counted exactly once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dispatch.errors import ValidationError
from dispatch.models import CheckIn
from dispatch.nightplan import NightPlan, visit_key

log = logging.getLogger(__name__)

OUTCOMES = {
    "checked_nobody": "已查，无人 Checked, nobody found",
    "person_found": "发现人员 Person found",
    "could_not_check": "无法检查 Could not check",
}
FOUND_CATEGORIES = {
    "minor": "未成年人 Minor",
    "elderly": "老年人 Elderly",
    "disabled": "残疾人 Disabled",
    "mental_illness": "疑似精神障碍 Suspected mental illness",
    "other": "其他 Other",
}
ACTIONS = {
    "shelter": "送至救助点 Taken to shelter",
    "hospital": "送医 Taken to hospital",
    "home": "送回家 Taken home",
    "helped_on_site": "现场帮助 Helped on site",
    "declined": "拒绝帮助 Declined",
}
#: A phone's clock may be wrong, but not by more than this from the night.
CLOCK_SLACK = timedelta(days=1)
MAX_FOUND = 50
MAX_REASON = 500


class CheckInError(ValidationError):
    """A check-in that cannot be stored; ``fields`` names every field at fault."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        listed = "; ".join(f"{k}: {v}" for k, v in self.fields.items())
        super().__init__(f"打卡无效 Check-in not stored: {listed}")


class CheckInConflict(ValueError):
    """The id of a stored check-in sent again with other content."""


@dataclass(frozen=True)
class CheckInReport:
    """A validated check-in, as the phone sent it."""

    client_id: str
    night: date
    team_id: str
    hotspot_id: int
    check_number: int
    outcome: str
    recorded_at: datetime
    reason: str | None = None
    found_count: int | None = None
    found_category: str | None = None
    accepts_help: bool | None = None
    action: str | None = None
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None

    @property
    def visit(self) -> str:
        """The plan's key of the visit checked: ``<hotspot id>#<check>``."""
        return visit_key(self.hotspot_id, self.check_number)


def parse_checkin(data: Mapping[str, Any], *, team_id: str, night: date,
                  visits: Collection[str]) -> CheckInReport:
    """Validate a phone's JSON against the night's ``visits``; every fault at once.

    ``visits`` are the keys a team may report: its own, and (after a re-plan moved
    a visit to another team while the phone was offline) the night's others.

    Raises
    ------
    CheckInError
        Naming each bad field and what it should be.
    """
    bad: dict[str, str] = {}
    client_id = _uuid(data.get("id"), bad)
    visit = str(data.get("visit", ""))
    if visit not in visits:
        bad["visit"] = (f"{visit!r} is not a visit of tonight's plan; use a stop of team "
                        f"{team_id}'s route as <hotspot id>#<check>, e.g. 12#1")
    outcome = _choice(data.get("outcome"), OUTCOMES, "outcome", bad)
    recorded_at = _moment(data.get("recorded_at"), night, bad)
    found: dict[str, Any] = {}
    if outcome == "person_found":
        found = _found(data, bad)
    reason = data.get("reason")
    reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
    if outcome == "could_not_check" and reason is None:
        bad["reason"] = "say why it could not be checked (e.g. 'gate locked 大门锁闭')"
    if reason is not None and len(reason) > MAX_REASON:
        bad["reason"] = f"at most {MAX_REASON} characters"
    position = _position(data, bad)
    if bad:
        raise CheckInError(bad)
    hotspot, _, check = visit.partition("#")
    return CheckInReport(client_id, night, team_id, int(hotspot), int(check or 1), outcome,
                         recorded_at, reason, found.get("found_count"),
                         found.get("found_category"), found.get("accepts_help"),
                         found.get("action"), position["lon"], position["lat"],
                         position["accuracy_m"])


def night_visit_keys(plan: NightPlan) -> set[str]:
    """Every visit of the night, planned or left out, as ``<hotspot id>#<check>``."""
    keys = {v.key for r in plan.routes for v in r.visits}
    return keys | {visit_key(d.hotspot_id, d.check) for d in plan.dropped}


def record_checkin(session: Session, report: CheckInReport,
                   received_at: datetime | None = None) -> tuple[CheckIn, bool]:
    """Store ``report`` unless its id is stored; True when it is new.

    Raises
    ------
    CheckInConflict
        If the id is stored with different content (two phones made the same id,
        or the phone changed a check-in after sending it).
    """
    existing = find_checkin(session, report.client_id)
    if existing is not None:
        return _same_or_conflict(existing, report), False
    values = asdict(report) | {"received_at": received_at or datetime.now(UTC)}
    new_id = session.scalars(_insert_once(session).values(**values)
                             .returning(CheckIn.id)).first()
    row = find_checkin(session, report.client_id)
    if row is None:
        raise RuntimeError(f"check-in {report.client_id} neither stored nor found")
    if new_id is None:  # the same id arrived on another request meanwhile
        return _same_or_conflict(row, report), False
    log.info("check-in %s: team %s, visit %s, %s", report.client_id, report.team_id,
             report.visit, report.outcome)
    return row, True


def _insert_once(session: Session) -> Insert:
    """An INSERT of a check-in that leaves a stored one with the same id as it is.

    No savepoint: in SQLite's Python driver the outermost savepoint's release commits,
    which would part a check-in from what the same request stores with it.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite_insert(CheckIn).on_conflict_do_nothing(index_elements=[CheckIn.client_id])
    if dialect == "postgresql":
        return postgresql_insert(CheckIn).on_conflict_do_nothing(
            index_elements=[CheckIn.client_id])
    raise ValueError(f"check-ins are stored in SQLite or PostgreSQL, not {dialect}")


def find_checkin(session: Session, client_id: str) -> CheckIn | None:
    """The stored check-in with the phone's id, if any."""
    return session.scalars(select(CheckIn).where(CheckIn.client_id == client_id)).first()


def night_checkins(session: Session, night: date, team_id: str | None = None) -> list[CheckIn]:
    """Every check-in of ``night`` (of one team when ``team_id`` is given), in the order
    teams made them."""
    query = select(CheckIn).where(CheckIn.night == night)
    if team_id is not None:
        query = query.where(CheckIn.team_id == team_id)
    return list(session.scalars(query.order_by(CheckIn.recorded_at, CheckIn.id)))


def done_visits(checkins: Collection[CheckIn]) -> dict[str, CheckIn]:
    """The latest check-in of each visit (``<hotspot id>#<check>``) that has one."""
    done: dict[str, CheckIn] = {}
    for row in sorted(checkins, key=lambda c: as_utc(c.recorded_at)):
        done[visit_key(row.hotspot_id, row.check_number)] = row
    return done


def checked_visits(session: Session, plan: NightPlan,
                   checkins: Collection[CheckIn] | None = None) -> list[str]:
    """Visits of ``plan`` whose latest check-in says they were checked (a place that
    could not be checked stays to do), for re-planning the rest of the night;
    ``checkins`` are the night's when the caller has read them already."""
    planned = {v.key for r in plan.routes for v in r.visits}
    latest = done_visits(night_checkins(session, plan.date) if checkins is None else checkins)
    return sorted(k for k, c in latest.items() if k in planned and c.outcome != "could_not_check")


def as_utc(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite gives back naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _same_or_conflict(row: CheckIn, report: CheckInReport) -> CheckIn:
    stored = {k: getattr(row, k) for k in asdict(report)}
    stored["recorded_at"] = as_utc(row.recorded_at)
    sent = asdict(report) | {"recorded_at": report.recorded_at.astimezone(UTC)}
    if stored != sent:
        raise CheckInConflict(f"check-in id {report.client_id} is already stored with other "
                              "content; send a new id for a new check-in")
    return row


def _uuid(value: Any, bad: dict[str, str]) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        bad["id"] = f"{value!r} is not a UUID; the phone makes one per check-in"
        return ""


def _choice(value: Any, options: Mapping[str, str], name: str, bad: dict[str, str]) -> str:
    if not isinstance(value, str) or value not in options:
        bad[name] = f"{value!r} is not one of {', '.join(options)}"
        return ""
    return str(value)


def _moment(value: Any, night: date, bad: dict[str, str]) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        bad["recorded_at"] = (f"{value!r} is not an ISO 8601 time with a UTC offset, "
                              "e.g. 2026-01-10T21:05:00+08:00")
        return datetime.now(UTC)
    midnight = datetime.combine(night, time(0), moment.tzinfo)  # the night's evening date
    if not midnight - CLOCK_SLACK <= moment <= midnight + 2 * CLOCK_SLACK:
        bad["recorded_at"] = f"{value} is not during the night of {night}; check the phone's clock"
    return moment.astimezone(UTC)


def _found(data: Mapping[str, Any], bad: dict[str, str]) -> dict[str, Any]:
    count = data.get("found_count")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_FOUND:
        bad["found_count"] = f"{count!r}: how many people, a whole number 1 to {MAX_FOUND}"
    accepts = data.get("accepts_help")
    if not isinstance(accepts, bool):
        bad["accepts_help"] = f"{accepts!r}: true or false"
    return {
        "found_count": count,
        "found_category": _choice(data.get("found_category"), FOUND_CATEGORIES,
                                  "found_category", bad),
        "accepts_help": accepts,
        "action": _choice(data.get("action"), ACTIONS, "action", bad),
    }


def _position(data: Mapping[str, Any], bad: dict[str, str]) -> dict[str, float | None]:
    """The phone's position when it has one; none is fine (GPS refused or indoors)."""
    found: dict[str, float | None] = {}
    for name, low, high in (("lon", -180, 180), ("lat", -90, 90), ("accuracy_m", 0, 1e6)):
        value = data.get(name)
        if value is None:
            found[name] = None
        elif isinstance(value, int | float) and not isinstance(value, bool) and \
                low <= value <= high:
            found[name] = float(value)
        else:
            bad[name] = f"{value!r}: a number from {low} to {high:g}, or leave it out"
            found[name] = None
    if (found["lon"] is None) != (found["lat"] is None):
        bad["lat" if found["lat"] is None else "lon"] = "give lon and lat together"
    return found
