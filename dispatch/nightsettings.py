"""Tonight's settings as a dispatcher fills them in: roster teams on duty, shift, forecast low.

A night shift crosses midnight: an end clock time at or before the start is the
next morning. So "ends before it starts" shows as a shift longer than
:data:`~dispatch.night.MAX_SHIFT` (20:00 to 19:00 is 23 h) or of no length, and
both are refused with the message next to the field.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.cold import ColdLevel, check_windows, level_for
from dispatch.errors import FieldProblem, FormError
from dispatch.models import Hotspot, RosterTeam
from dispatch.night import MAX_SHIFT, Night, TeamOnDuty, shift_bounds
from dispatch.roster import on_duty, whole_number
from dispatch.store import get_city
from dispatch.visits import hotspot_window
from routes.problem import Mode

MIN_C, MAX_C = -60.0, 45.0


@dataclass(frozen=True)
class SettingsForm:
    """The settings form as typed: roster ids ticked, clock times, the forecast low."""

    teams: tuple[str, ...] = ()
    start: str = "20:00"
    end: str = "06:00"
    temperature: str = ""
    break_minutes: str = "30"


@dataclass(frozen=True)
class NightSettings:
    """Valid settings, kept with each version of the night."""

    team_ids: tuple[int, ...]
    start: str
    end: str
    temperature: float
    break_minutes: int = 30

    def to_json(self) -> dict[str, Any]:
        return {"teams": list(self.team_ids), "start": self.start, "end": self.end,
                "temperature": self.temperature, "break_minutes": self.break_minutes}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> NightSettings:
        return cls(tuple(doc["teams"]), doc["start"], doc["end"], float(doc["temperature"]),
                   int(doc.get("break_minutes", 30)))

    def form(self) -> SettingsForm:
        return SettingsForm(tuple(map(str, self.team_ids)), self.start, self.end,
                            f"{self.temperature:g}", str(self.break_minutes))


@dataclass(frozen=True)
class HotspotChecks:
    """How many checks tonight's cold level asks of one hotspot."""

    hotspot_id: int
    name: str
    category: str
    risk: int
    checks: int


@dataclass(frozen=True)
class ColdPreview:
    """The cold level a forecast brings and the checks it asks, before any plan."""

    level: ColdLevel
    hotspots: tuple[HotspotChecks, ...]
    by_risk: tuple[tuple[int, int, int], ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(h.checks for h in self.hotspots)


def read_settings(session: Session, night_date: date, form: SettingsForm) -> NightSettings:
    """Valid settings from the form, or a :class:`FormError` naming every wrong field."""
    problems: list[FieldProblem] = []
    team_ids = _team_ids(session, form.teams, problems)
    start, end = _clock(form.start, "start", problems), _clock(form.end, "end", problems)
    if start is not None and end is not None:
        _check_length(session, night_date, form.start.strip(), form.end.strip(), problems)
    temperature = parse_temperature(form.temperature, problems)
    breaks = whole_number(form.break_minutes)
    if breaks is None or not 0 <= breaks <= 120:
        problems.append(FieldProblem("break_minutes", "Give the break in whole minutes, "
                                     "0 (none) to 120."))
    if problems:
        raise FormError(problems)
    assert temperature is not None and breaks is not None  # no problem means both were read
    return NightSettings(tuple(team_ids), form.start.strip(), form.end.strip(), temperature,
                         breaks)


def parse_temperature(text: str, problems: list[FieldProblem]) -> float | None:
    """The forecast low in °C, or a problem saying what to type."""
    cleaned = text.strip().replace("−", "-").replace("°C", "").replace("℃", "").strip()
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if not cleaned:
        problems.append(FieldProblem("temperature", "Type tonight's forecast low in °C, "
                                     "e.g. -12."))
        return None
    if not math.isfinite(value):
        problems.append(FieldProblem("temperature", "{value} is not a temperature; type the "
                                     "forecast low in °C as a number, e.g. -12.",
                                     (("value", repr(text.strip())),)))
        return None
    if not MIN_C <= value <= MAX_C:
        problems.append(FieldProblem("temperature", "{value} °C is not a forecast low; give "
                                     "degrees Celsius between -60 and 45.",
                                     (("value", f"{value:g}"),)))
        return None
    return value


def night_from(session: Session, night_date: date, settings: NightSettings,
               closures: tuple[Any, ...] = ()) -> Night:
    """The :class:`Night` the settings describe, for the roster as it is now."""
    city = get_city(session)
    roster = {t.id: t for t in session.scalars(
        select(RosterTeam).where(RosterTeam.id.in_(settings.team_ids)))}
    teams = tuple(on_duty(roster[i]) for i in settings.team_ids if i in roster)
    start, end = shift_bounds(night_date, city.timezone, settings.start, settings.end)
    return Night(night_date, city.timezone, start, end, teams,
                 temperature=settings.temperature, break_minutes=settings.break_minutes,
                 closures=closures)


def cold_preview(session: Session, night_date: date, levels: tuple[ColdLevel, ...],
                 temperature: float, start: str, end: str) -> ColdPreview:
    """The level ``temperature`` brings and the checks it asks of each active hotspot."""
    city = get_city(session)
    begin, finish = shift_bounds(night_date, city.timezone, start, end)
    level = level_for(levels, temperature)
    # A preview asks the hotspots' checks, not who makes them: any one team will do.
    night = Night(night_date, city.timezone, begin, finish,
                  (TeamOnDuty("preview", "preview", Mode.WALK, 0),), temperature=temperature)
    rows = []
    for h in session.scalars(select(Hotspot).where(Hotspot.active).order_by(Hotspot.id)):
        window = hotspot_window(h, night)
        count = 0 if window is None else len(check_windows(
            *window, risk=h.risk, per_night=h.checks_per_night, level=level))
        rows.append(HotspotChecks(h.id, h.name, h.category, h.risk, count))
    hotspots: Counter[int] = Counter(r.risk for r in rows)
    checks: Counter[int] = Counter()
    for r in rows:
        checks[r.risk] += r.checks
    by_risk = tuple((risk, hotspots[risk], checks[risk]) for risk in sorted(hotspots, reverse=True))
    return ColdPreview(level, tuple(rows), by_risk)


def _team_ids(session: Session, ticked: tuple[str, ...],
              problems: list[FieldProblem]) -> list[int]:
    ids = sorted({n for n in (whole_number(t) for t in ticked) if n is not None})
    if not ids:
        problems.append(FieldProblem("teams", "Tick at least one team on duty tonight."))
        return []
    found = {t.id for t in session.scalars(
        select(RosterTeam).where(RosterTeam.id.in_(ids), RosterTeam.retired.is_(False)))}
    missing = [i for i in ids if i not in found]
    if missing:
        problems.append(FieldProblem("teams", "Team {ids} is not on the roster (or is "
                                     "retired); reload the page.",
                                     (("ids", ", ".join(map(str, missing))),)))
    return ids


def _clock(text: str, name: str, problems: list[FieldProblem]) -> time | None:
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        problems.append(FieldProblem(name, "{value} is not a clock time; give HH:MM, e.g. "
                                     "20:00.", (("value", repr(text.strip())),)))
        return None


def _check_length(session: Session, night_date: date, start: str, end: str,
                  problems: list[FieldProblem]) -> None:
    begin, finish = shift_bounds(night_date, get_city(session).timezone, start, end)
    if finish - begin > MAX_SHIFT or finish - begin < timedelta(hours=1):
        hours = f"{(finish - begin).total_seconds() / 3600:.1f}"
        problems.append(FieldProblem(
            "end", "A shift from {start} to {end} lasts {hours} h: it ends before it starts "
            "or runs too long. A night shift lasts 1 to {most} h and may end the next "
            "morning (20:00 to 06:00).",
            (("start", start), ("end", end), ("hours", hours),
             ("most", f"{MAX_SHIFT.total_seconds() / 3600:g}"))))

