"""Tonight's hotspots and teams as a solver-neutral ``routes`` problem.

Repeated checks become visits with their own windows; risk becomes the
penalty for leaving a visit out (each level doubles it, so a short night gives
up low-risk places first); lines are swept end to end and areas along their
paths, the walk adding to the check time; long shifts get a warm-up break at a
shelter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

from shapely.geometry import LineString, Point

from dispatch.cold import ColdLevel, check_windows
from dispatch.models import Hotspot, Shelter, TeamBase
from dispatch.night import Night
from dispatch.nightplan import shelter_key, visit_key
from routes.network import WALK_KPH
from routes.problem import Break, BreakPlace, Problem, Spacing, Stop, Team

#: Seconds of travel a plan would rather spend than leave out a risk-1 hotspot.
BASE_PENALTY = 3600
#: A second of the longest team's night costs this much; spreads the work over teams.
BALANCE_WEIGHT = 1
#: Shifts at least this long get a break.
BREAK_FROM = timedelta(hours=6)


def build_problem(
    night: Night,
    hotspots: Sequence[Hotspot],
    bases: Mapping[int, TeamBase],
    shelters: Sequence[Shelter],
    level: ColdLevel,
    *,
    balance_weight: int = BALANCE_WEIGHT,
) -> Problem:
    """The problem for ``night``: every check of every active hotspot, every team on duty."""
    checks = [hotspot_stops(h, night, level, _teams_for(h, night)) for h in hotspots]
    stops = tuple(stop for one in checks for stop in one)
    spacing = tuple(rule for one in checks for rule in check_spacing(one))
    rest = night_break(night, shelters)
    teams = tuple(
        Team(
            id=t.id, mode=t.mode,
            start_lon=bases[t.base_id].lon, start_lat=bases[t.base_id].lat,
            end_lon=bases[t.last_base_id].lon, end_lat=bases[t.last_base_id].lat,
            shift_start=night.start, shift_end=night.end, skills=t.skills, rest=rest,
        )
        for t in night.teams
    )
    return Problem(stops=stops, teams=teams, balance_weight=balance_weight, spacing=spacing)


def check_spacing(checks: Sequence[Stop]) -> list[Spacing]:
    """One hotspot's consecutive checks at least half a slot apart, whichever teams make them.

    With one check per slot this keeps checks between half a slot and two slots
    apart: at -12 °C, "every 2 hours" means 1 to 4 hours, never two checks in a row.
    """
    spacing = []
    for first, then in zip(checks, checks[1:], strict=False):
        assert first.window is not None and then.window is not None  # repeated checks have slots
        spacing.append(Spacing(first.id, then.id, (then.window[0] - first.window[0]) / 2))
    return spacing


def hotspot_stops(
    hotspot: Hotspot, night: Night, level: ColdLevel, teams: frozenset[str] | None = None
) -> list[Stop]:
    """One stop per check the cold level asks of ``hotspot`` tonight (none if it is closed).

    ``teams``, when given, are the only teams that may check it (districts, no-go areas).
    """
    window = hotspot_window(hotspot, night)
    if window is None:
        return []
    walk = timedelta(hours=hotspot.sweep_m / 1000 / WALK_KPH)
    service = timedelta(minutes=hotspot.service_min) + walk
    sweep = hotspot.geometry if isinstance(hotspot.geometry, LineString) else None
    windows = check_windows(*window, risk=hotspot.risk, per_night=hotspot.checks_per_night,
                            level=level)
    return [
        Stop(
            id=visit_key(hotspot.id, k), lon=hotspot.access_lon, lat=hotspot.access_lat,
            service=service, window=check, penalty=BASE_PENALTY * 2 ** (hotspot.risk - 1),
            sweep=sweep, skills=frozenset({hotspot.skill}) if hotspot.skill else frozenset(),
            teams=teams,
        )
        for k, check in enumerate(windows, start=1)
    ]


def hotspot_window(hotspot: Hotspot, night: Night) -> tuple[datetime, datetime] | None:
    """When ``hotspot`` may be checked tonight: its own clock window within the shift."""
    if hotspot.window_start is None or hotspot.window_end is None:
        return night.start, night.end
    opens = _on_night(night, hotspot.window_start)
    closes = _on_night(night, hotspot.window_end)
    if closes <= opens:
        closes += timedelta(days=1)
    begin, end = max(opens, night.start), min(closes, night.end)
    return (begin, end) if begin < end else None


def night_break(night: Night, shelters: Sequence[Shelter]) -> Break | None:
    """A warm-up stop in the middle of a long shift, at any shelter."""
    length = night.end - night.start
    if not night.break_minutes or length < BREAK_FROM or not shelters:
        return None
    places = tuple(BreakPlace(shelter_key(s.id), s.geometry.x, s.geometry.y) for s in shelters)
    return Break(timedelta(minutes=night.break_minutes), night.start + length * 0.4,
                 night.start + length * 0.6, places)


def _teams_for(hotspot: Hotspot, night: Night) -> frozenset[str] | None:
    """The teams whose district and no-go area allow ``hotspot``; ``None`` when all do."""
    access = Point(hotspot.access_lon, hotspot.access_lat)
    allowed = frozenset(t.id for t in night.teams if t.may_check(hotspot.geometry, access))
    return None if len(allowed) == len(night.teams) else allowed


def _on_night(night: Night, clock: time) -> datetime:
    """A clock time on this night: afternoon and evening on its date, morning the day after."""
    moment = datetime.combine(night.date, clock, night.start.tzinfo)
    return moment + timedelta(days=1) if clock < time(12) else moment
