"""Campaign figures for the report upwards, per night and for a range, from check-ins.

A team counts as out on a night when it checked in at least once; its staff count
comes from the roster (the team's size), its vehicle trip from its mode. People
found, whether they accepted help and what was done are summed from the check-ins
that found them. Nothing here is read from what was only planned.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.checkins import ACTIONS, FOUND_CATEGORIES
from dispatch.cold import load_levels
from dispatch.coverage import CHECKED, NightRecord, nights_between
from dispatch.models import CheckIn, RosterTeam
from dispatch.roster import team_key
from dispatch.store import get_city, open_engine, session_factory
from dispatch.workspace import Workspace


@dataclass
class NightFigures:
    """One night's figures (or a range's, summed, with ``day`` None)."""

    day: date | None
    cold_level: str = ""
    temperature: float | None = None
    teams_out: int = 0
    staff_trips: int = 0
    #: Teams out whose size the roster does not know (planned outside the roster).
    teams_without_size: int = 0
    vehicle_trips: int = 0
    checks: int = 0
    hotspots_checked: int = 0
    people_found: int = 0
    accepted_help: int = 0
    by_action: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)

    @property
    def escorted_home(self) -> int:
        return self.by_action["home"]

    def add(self, other: NightFigures) -> None:
        """Add ``other``'s counts to these (for the total row)."""
        for name in ("teams_out", "staff_trips", "teams_without_size", "vehicle_trips",
                     "checks", "hotspots_checked", "people_found", "accepted_help"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_action.update(other.by_action)
        self.by_category.update(other.by_category)


#: Columns of a figures table, in order: (key, Chinese, English).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("day", "日期", "Night"),
    ("cold_level", "寒冷等级", "Cold level"),
    ("teams_out", "出动队伍", "Teams out"),
    ("staff_trips", "出动人次", "Staff-trips"),
    ("vehicle_trips", "出动车次", "Vehicle trips"),
    ("checks", "检查次数", "Checks"),
    ("hotspots_checked", "检查点位", "Hotspots checked"),
    ("people_found", "发现人员", "People found"),
    ("accepted_help", "接受救助", "Accepted help"),
    *((f"action:{k}", v.split(" ", 1)[0], v.split(" ", 1)[1]) for k, v in ACTIONS.items()),
    *((f"category:{k}", v.split(" ", 1)[0], v.split(" ", 1)[1])
      for k, v in FOUND_CATEGORIES.items()),
    ("escorted_home", "护送回家", "Escorted home"),
)


def value_of(figures: NightFigures, key: str) -> object:
    """One cell of :data:`COLUMNS` for ``figures``."""
    if key.startswith("action:"):
        return figures.by_action[key.split(":", 1)[1]]
    if key.startswith("category:"):
        return figures.by_category[key.split(":", 1)[1]]
    if key == "day":
        return figures.day.isoformat() if figures.day else "合计 Total"
    return getattr(figures, key)


def campaign_figures(session: Session, nights: Iterable[NightRecord]
                     ) -> tuple[list[NightFigures], NightFigures]:
    """A row per night and the total row."""
    records = list(nights)
    sizes = {team_key(t): t.size for t in session.scalars(select(RosterTeam))}
    rows_by_night: dict[date, list[Any]] = defaultdict(list)
    if records:
        # Only the columns counted: a season's check-ins load several times faster so.
        query = (select(CheckIn.night, CheckIn.team_id, CheckIn.hotspot_id, CheckIn.outcome,
                        CheckIn.found_count, CheckIn.found_category, CheckIn.accepts_help,
                        CheckIn.action)
                 .where(CheckIn.night.in_([n.day for n in records])))
        for row in session.execute(query):
            rows_by_night[row.night].append(row)
    nights_out = [_night(n, rows_by_night.get(n.day, []), sizes) for n in records]
    total = NightFigures(None)
    for figures in nights_out:
        total.add(figures)
    return nights_out, total


def _night(night: NightRecord, rows: list[Any], sizes: dict[str, int]) -> NightFigures:
    figures = NightFigures(night.day, night.level.label, night.facts.temperature)
    modes = night.facts.modes
    out = sorted({r.team_id for r in rows})
    figures.teams_out = len(out)
    figures.staff_trips = sum(sizes.get(team, 0) for team in out)
    figures.teams_without_size = sum(1 for team in out if team not in sizes)
    figures.vehicle_trips = sum(1 for team in out if modes.get(team) == "drive")
    checked = [r for r in rows if r.outcome in CHECKED]
    figures.checks = len(checked)
    figures.hotspots_checked = len({r.hotspot_id for r in checked})
    for row in rows:
        if row.outcome != "person_found":
            continue
        count = row.found_count or 1
        figures.people_found += count
        if row.accepts_help:
            figures.accepted_help += count
        if row.action:
            figures.by_action[row.action] += count
        figures.by_category[row.found_category or "other"] += count
    return figures


def campaign_range(workspace: Workspace, first: date, last: date
                   ) -> tuple[list[NightFigures], NightFigures]:
    """:func:`campaign_figures` for the nights ``first`` to ``last`` of the stored city."""
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine)() as session:
            get_city(session)
            nights = nights_between(session, first, last, load_levels(workspace.root))
            return campaign_figures(session, nights)
    finally:
        engine.dispose()
