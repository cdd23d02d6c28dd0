"""Were the hotspots checked as often as the cold required? From check-ins, not plans.

What a night required comes from the rule the campaign set: the night's forecast
low picks a cold level, and the level says how often each hotspot must be checked
(:func:`dispatch.cold.check_windows`). What was done comes only from the teams'
check-ins: a check counts when the team checked the place (nobody found, or a
person found); "could not check" does not. The plan of the night is read only for
which hotspots were on the list that night, its shift and its forecast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.checkins import as_utc
from dispatch.cold import ColdLevel, check_windows, level_for
from dispatch.errors import ValidationError
from dispatch.models import CheckIn, Hotspot, SavedPlan

#: Check-in outcomes that count as a check made.
CHECKED = ("checked_nobody", "person_found")


@dataclass
class HotspotCoverage:
    """One hotspot over one night or several: checks required and done, the longest gap."""

    hotspot_id: int
    name: str
    category: str
    risk: int
    geometry: BaseGeometry
    required: int = 0
    done: int = 0
    nights: int = 0
    #: The longest stretch of a night with no check (from the shift's start to the
    #: first check, between checks, from the last check to the shift's end).
    longest_gap: timedelta = timedelta(0)
    teams: set[str] = field(default_factory=set)

    @property
    def status(self) -> str:
        """``never`` checked, ``short`` of what was required, or ``met``."""
        if self.done == 0:
            return "never"
        return "met" if self.done >= self.required else "short"

    @property
    def share(self) -> float:
        """Checks done over checks required (1.0 when nothing was required)."""
        return self.done / self.required if self.required else 1.0


@dataclass(frozen=True)
class NightFacts:
    """What coverage reads of a night's plan: its list, shift, forecast and team modes.

    Kept beside each stored plan (``SavedPlan.facts``): a campaign of 135 nights
    loads without reading the plans' routes and geometries.
    """

    timezone: str
    shift_start: datetime
    shift_end: datetime
    temperature: float | None
    hotspots: frozenset[int]
    modes: dict[str, str]  # team id -> drive or walk

    @classmethod
    def from_json(cls, facts: dict[str, Any]) -> NightFacts:
        """From :func:`dispatch.nightplan.document_facts`."""
        return cls(facts["timezone"], datetime.fromisoformat(facts["shift_start"]),
                   datetime.fromisoformat(facts["shift_end"]), facts.get("temperature"),
                   frozenset(facts["hotspots"]), dict(facts["modes"]))


@dataclass(frozen=True)
class NightRecord:
    """A night as coverage needs it: facts of the plan that stood, and its cold level."""

    day: date
    facts: NightFacts
    level: ColdLevel


@dataclass(frozen=True)
class Filters:
    """What a manager narrows the coverage to; ``None`` keeps everything."""

    category: str | None = None
    district: str | None = None
    team: str | None = None
    cold_only: bool = False


#: No filter: every hotspot, team and night.
EVERYTHING = Filters()


def nights_between(session: Session, first: date, last: date,
                   levels: tuple[ColdLevel, ...]) -> list[NightRecord]:
    """Every night from ``first`` to ``last`` with a plan: the published version stands,
    else the latest."""
    if last < first:
        raise ValidationError(f"the range ends ({last}) before it starts ({first}): swap the "
                              "dates 结束日期早于开始日期")
    rows = session.execute(
        select(SavedPlan.night, SavedPlan.status, SavedPlan.facts)
        .where(SavedPlan.night >= first, SavedPlan.night <= last)
        .order_by(SavedPlan.night, SavedPlan.id))
    standing: dict[date, tuple[str, dict[str, Any]]] = {}
    for night, status, facts in rows:
        # The published version stands; without one, the latest.
        if standing.get(night, ("", {}))[0] != "published" or status == "published":
            standing[night] = (status, facts)
    records = []
    for day, (_, found) in sorted(standing.items()):
        facts = NightFacts.from_json(found)
        records.append(NightRecord(day, facts, level_for(levels, facts.temperature)))
    return records


def coverage(session: Session, nights: Iterable[NightRecord],
             filters: Filters = EVERYTHING) -> list[HotspotCoverage]:
    """Per hotspot, over ``nights``: checks required by the cold and done by the teams."""
    chosen = [n for n in nights if not filters.cold_only or n.level.interval_h is not None]
    if not chosen:
        return []
    per_night = _checks_by_night(session, [n.day for n in chosen], filters.team)
    hotspots = _hotspots(session, {h for n in chosen for h in n.facts.hotspots}, filters)
    found: dict[int, HotspotCoverage] = {}
    for night in chosen:
        times = per_night.get(night.day, {})
        for hotspot_id in night.facts.hotspots:
            row = hotspots.get(hotspot_id)
            if row is None:
                continue
            entry = found.setdefault(hotspot_id, HotspotCoverage(
                hotspot_id, row.name, row.category, row.risk, row.geometry))
            checks = times.get(hotspot_id, [])
            entry.nights += 1
            entry.required += required_checks(night, row)
            entry.done += len(checks)
            entry.teams |= {team for _, team in checks}
            entry.longest_gap = max(entry.longest_gap,
                                    longest_gap(night.facts, [t for t, _ in checks]))
    return sorted(found.values(), key=lambda c: (c.share, -c.risk, c.hotspot_id))


def hotspot_categories(session: Session) -> list[str]:
    """The categories hotspots have, for a filter's choices."""
    return sorted(set(session.scalars(select(Hotspot.category))))


def hotspot_districts(session: Session) -> list[str]:
    """The districts hotspots are in, for a filter's choices."""
    return sorted({d for d in session.scalars(select(Hotspot.district)) if d})


def required_checks(night: NightRecord, hotspot: Hotspot) -> int:
    """How many checks the night's cold level asked of ``hotspot``."""
    return len(check_windows(night.facts.shift_start, night.facts.shift_end, risk=hotspot.risk,
                             per_night=hotspot.checks_per_night, level=night.level))


def longest_gap(night: NightFacts, times: Iterable[datetime]) -> timedelta:
    """The longest time within the shift with no check; the whole shift if none."""
    inside = sorted(t for t in times if night.shift_start <= t <= night.shift_end)
    marks = [night.shift_start, *inside, night.shift_end]
    return max(b - a for a, b in zip(marks, marks[1:], strict=False))


def _checks_by_night(session: Session, days: list[date],
                     team: str | None) -> dict[date, dict[int, list[tuple[datetime, str]]]]:
    """Check times and teams per night and hotspot, read in one query."""
    query = (select(CheckIn.night, CheckIn.hotspot_id, CheckIn.recorded_at, CheckIn.team_id)
             .where(CheckIn.night.in_(days), CheckIn.outcome.in_(CHECKED)))
    if team is not None:
        query = query.where(CheckIn.team_id == team)
    found: dict[date, dict[int, list[tuple[datetime, str]]]] = defaultdict(
        lambda: defaultdict(list))
    for night, hotspot_id, recorded_at, team_id in session.execute(query):
        found[night][hotspot_id].append((as_utc(recorded_at), team_id))
    return found


def _hotspots(session: Session, ids: set[int], filters: Filters) -> Mapping[int, Hotspot]:
    """The hotspots of those nights, retired ones included, narrowed by the filters."""
    query = select(Hotspot).where(Hotspot.id.in_(ids))
    if filters.category is not None:
        query = query.where(Hotspot.category == filters.category)
    if filters.district is not None:
        query = query.where(Hotspot.district == filters.district)
    return {h.id: h for h in session.scalars(query)}
