"""Hotspots as visits: repeated checks, clock windows, sweeps, skills and the warm-up break."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from shapely.geometry import LineString, Point, box

from dispatch.cold import DEFAULT_LEVELS
from dispatch.models import Hotspot, Shelter, TeamBase
from dispatch.night import Night, make_teams, shift_bounds
from dispatch.visits import build_problem, hotspot_stops, hotspot_window, night_break
from routes.network import WALK_KPH

ZONE = "Europe/Helsinki"
JANUARY = date(2025, 1, 15)
EXTREME, SEVERE, COLD = DEFAULT_LEVELS
RAILWAY_SQUARE = (24.939922, 60.170403)
SHELTERS = [
    Shelter(id=2, name="Luckan", kind="community", geometry=Point(24.9364916, 60.1689567)),
    Shelter(id=3, name="Avoin olohuone", kind="community", geometry=Point(24.9395952, 60.1647906)),
]
BASES = {1: TeamBase(id=1, name="City hall", lon=24.952773, lat=60.168291)}


def _night(start: str = "20:00", end: str = "06:00", *, break_minutes: int = 30) -> Night:
    begin, finish = shift_bounds(JANUARY, ZONE, start, end)
    return Night(JANUARY, ZONE, begin, finish, make_teams(2, 1, [1]),
                 break_minutes=break_minutes)


def _hotspot(**changes: Any) -> Hotspot:
    """A risk-4 underpass at Railway Square, checked once a night for 8 minutes."""
    fields: dict[str, Any] = dict(
        id=7, name="Asematunneli", category="underpass", risk=4, service_min=8,
        checks_per_night=1, geometry=Point(*RAILWAY_SQUARE), access_lon=RAILWAY_SQUARE[0],
        access_lat=RAILWAY_SQUARE[1], osm_ref=None, active=True, sweep_m=0.0,
        window_start=None, window_end=None, skill=None)
    fields.update(changes)
    return Hotspot(**fields)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    begin, _ = shift_bounds(JANUARY, ZONE)
    return begin.replace(day=day, hour=hour, minute=minute)


def test_repeated_checks_are_distinct_stops_in_disjoint_windows() -> None:
    """Three checks a night are stops 7#1..7#3 at one place, in disjoint windows in order."""
    night = _night()
    stops = hotspot_stops(_hotspot(checks_per_night=3), night, COLD)
    assert [s.id for s in stops] == ["7#1", "7#2", "7#3"]
    assert {(s.lon, s.lat, s.service, s.penalty) for s in stops} == {
        (*RAILWAY_SQUARE, timedelta(minutes=8), stops[0].penalty)}
    windows = [s.window for s in stops if s.window is not None]
    assert len(windows) == 3
    assert windows[0][0] == night.start and windows[-1][1] <= night.end
    for earlier, later in zip(windows, windows[1:], strict=False):
        assert earlier[0] < earlier[1] < later[0]


def test_extreme_cold_splits_a_high_risk_place_into_two_hour_checks() -> None:
    """At extreme cold a risk-4 place is checked 5 times in 10 h, a risk-3 one as usual."""
    night = _night()
    stops = hotspot_stops(_hotspot(), night, EXTREME)
    assert len(stops) == 5
    assert all(s.window and s.window[1] - s.window[0] < timedelta(hours=2) for s in stops)
    assert len(hotspot_stops(_hotspot(risk=3), night, EXTREME)) == 1


def test_a_clock_window_across_midnight_is_kept() -> None:
    """A place open 23:00-02:00 is checked between 23:00 and 02:00 the next morning."""
    night = _night()
    hotspot = _hotspot(window_start=time(23, 0), window_end=time(2, 0), checks_per_night=2)
    assert hotspot_window(hotspot, night) == (_at(15, 23), _at(16, 2))
    stops = hotspot_stops(hotspot, night, COLD)
    assert len(stops) == 2
    for stop in stops:
        assert stop.window is not None
        assert _at(15, 23) <= stop.window[0] < stop.window[1] <= _at(16, 2)


@pytest.mark.parametrize(
    ("opens", "closes", "expected"),
    [(time(18, 0), time(21, 0), ((15, 20), (15, 21))),
     (time(4, 0), time(8, 0), ((16, 4), (16, 6))),
     (time(19, 0), time(19, 0), ((15, 20), (16, 6)))],
)
def test_a_clock_window_is_cut_to_the_shift(
    opens: time, closes: time, expected: tuple[tuple[int, int], tuple[int, int]]
) -> None:
    """A window reaching past the shift is cut to it; the morning is the night's next day."""
    window = hotspot_window(_hotspot(window_start=opens, window_end=closes), _night())
    assert window == (_at(*expected[0]), _at(*expected[1]))


@pytest.mark.parametrize(("opens", "closes"), [(time(8, 0), time(17, 0)),
                                               (time(13, 0), time(19, 30))])
def test_a_clock_window_outside_the_shift_gives_no_stop(opens: time, closes: time) -> None:
    """A place only open by day is not a visit tonight."""
    hotspot = _hotspot(window_start=opens, window_end=closes)
    assert hotspot_window(hotspot, _night()) is None
    assert hotspot_stops(hotspot, _night(), EXTREME) == []


def test_a_line_is_swept_and_its_walk_is_part_of_the_check() -> None:
    """A 450 m underpass is walked end to end: 6 minutes at 4.5 km/h on top of its 8."""
    line = LineString([(24.9395, 60.1700), (24.9400, 60.1740)])
    (stop,) = hotspot_stops(_hotspot(geometry=line, sweep_m=450.0), _night(), COLD)
    assert stop.sweep is not None and stop.sweep.equals(line)
    assert WALK_KPH == 4.5
    assert stop.service == timedelta(minutes=8 + 6)


def test_an_area_adds_its_paths_but_is_not_swept_as_a_line() -> None:
    """A park's paths add to its check time; a point's time is its service alone."""
    park = box(24.944, 60.167, 24.946, 60.168)
    (area,) = hotspot_stops(_hotspot(geometry=park, sweep_m=900.0), _night(), COLD)
    assert area.sweep is None and area.service == timedelta(minutes=8 + 12)
    (point,) = hotspot_stops(_hotspot(), _night(), COLD)
    assert point.sweep is None and point.service == timedelta(minutes=8)


def test_a_hotspot_skill_becomes_a_stop_skill() -> None:
    """A place needing a medic asks every check for "medical"; others need nothing."""
    stops = hotspot_stops(_hotspot(skill="medical", checks_per_night=2), _night(), COLD)
    assert [s.skills for s in stops] == [frozenset({"medical"})] * 2
    (plain,) = hotspot_stops(_hotspot(), _night(), COLD)
    assert plain.skills == frozenset()


def test_a_long_shift_breaks_in_its_middle_at_any_shelter() -> None:
    """A 10 h shift has a 30-minute break starting 00:00-02:00 at either shelter."""
    rest = night_break(_night(), SHELTERS)
    assert rest is not None
    assert (rest.duration, rest.earliest, rest.latest) == (
        timedelta(minutes=30), _at(16, 0), _at(16, 2))
    assert [(p.id, p.lon, p.lat) for p in rest.places] == [
        ("shelter:2", 24.9364916, 60.1689567), ("shelter:3", 24.9395952, 60.1647906)]
    assert night_break(_night("22:00", "04:00"), SHELTERS) is not None  # six hours is long


@pytest.mark.parametrize(
    ("night", "shelters"),
    [(_night("20:00", "01:00"), SHELTERS),
     (_night(break_minutes=0), SHELTERS),
     (_night(), [])],
)
def test_no_break_for_short_shifts_none_asked_or_no_shelter(
    night: Night, shelters: list[Shelter]
) -> None:
    """A 5 h shift, --break-minutes 0 or a city without shelters gives no break."""
    assert night_break(night, shelters) is None


def test_build_problem_gives_every_team_the_break_and_its_skills() -> None:
    """Each team of the problem has the night's break and its own skills."""
    begin, finish = shift_bounds(JANUARY, ZONE)
    teams = make_teams(2, 0, [1], {"T2": frozenset({"medical"})})
    night = Night(JANUARY, ZONE, begin, finish, teams, break_minutes=45)
    problem = build_problem(night, [_hotspot()], BASES, SHELTERS, COLD, balance_weight=7)
    assert [t.skills for t in problem.teams] == [frozenset(), frozenset({"medical"})]
    assert all(t.rest == night_break(night, SHELTERS) for t in problem.teams)
    assert problem.teams[0].rest is not None
    assert problem.teams[0].rest.duration == timedelta(minutes=45)
    assert problem.balance_weight == 7
    assert [s.id for s in problem.stops] == ["7#1"]
