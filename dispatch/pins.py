"""A dispatcher's changes to a night: move or pin a stop, exclude a hotspot, close a road.

Pins, exclusions and closures hold for every later re-plan of the night; a move
puts a stop on another team for the next re-plan only (the warm start then keeps
it there unless the dispatcher changes it again). Changes are plain JSON so a
version keeps them with its plan document.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from dispatch.chinacoords import Datum, geometry_to_wgs84
from dispatch.errors import FieldProblem, FormError
from dispatch.nightplan import DroppedVisit, NightPlan
from routes.problem import Problem, Stop

#: A stop pinned to a time is checked within this much of it.
PIN_SLACK = timedelta(minutes=15)
#: A pinned stop's cost of being left out, times its usual cost: pins are kept first.
PIN_WEIGHT = 100
KINDS = ("move", "pin_team", "pin_time", "unpin", "exclude", "include", "close", "reopen")


@dataclass(frozen=True)
class Wanted:
    """What the next plan of a night must respect."""

    pins: tuple[dict[str, Any], ...] = ()
    exclusions: tuple[int, ...] = ()
    closures: tuple[dict[str, Any], ...] = ()
    moves: tuple[dict[str, Any], ...] = ()


def apply_changes(start: Wanted, changes: Sequence[dict[str, Any]]) -> Wanted:
    """``start`` after ``changes`` in order; a later pin of a stop replaces an earlier one."""
    pins, excluded, closures = list(start.pins), list(start.exclusions), list(start.closures)
    moves = list(start.moves)
    for change in changes:
        kind = change["kind"]
        if kind in ("pin_team", "pin_time", "unpin", "move"):
            same = "team" if kind in ("pin_team", "move") else "at"
            pins = [p for p in pins if p["visit"] != change["visit"]
                    or (kind != "unpin" and same not in p)]
            moves = [m for m in moves if m["visit"] != change["visit"]]
        if kind in ("pin_team", "pin_time"):
            pins.append({k: change[k] for k in ("visit", "team", "at") if k in change})
        elif kind == "move":
            moves.append({"visit": change["visit"], "team": change["team"]})
        elif kind == "exclude" and change["hotspot"] not in excluded:
            excluded.append(change["hotspot"])
        elif kind == "include":
            excluded = [h for h in excluded if h != change["hotspot"]]
        elif kind == "close":
            closures.append({"geometry": change["geometry"], "label": change.get("label", "")})
        elif kind == "reopen":
            closures = [c for k, c in enumerate(closures) if k != change["index"]]
    return Wanted(tuple(pins), tuple(excluded), tuple(closures), tuple(moves))


def read_change(plan: NightPlan, wanted: Wanted, form: dict[str, str],
                datum: Datum = "wgs84") -> dict[str, Any]:
    """A change as typed (``kind`` and its fields), checked against ``plan``; or a FormError.

    A road drawn on a map in another ``datum`` (GCJ-02 tiles) is kept in WGS-84.
    """
    kind = form.get("kind", "")
    if kind not in KINDS:
        raise FormError([FieldProblem("kind", "Choose what to change.")])
    change: dict[str, Any] = {"kind": kind}
    problems: list[FieldProblem] = []
    if kind in ("move", "pin_team", "pin_time", "unpin"):
        change["visit"] = _visit(plan, form.get("visit", ""), problems)
    if kind in ("move", "pin_team"):
        change["team"] = _team(plan, form.get("team", ""), problems)
    if kind == "pin_time":
        at = _moment(plan, form.get("at", ""), problems)
        change["at"] = at.isoformat() if at else None
    if kind == "unpin" and not any(p["visit"] == change["visit"] for p in wanted.pins):
        problems.append(FieldProblem("visit", "This stop is not pinned."))
    if kind in ("exclude", "include"):
        change["hotspot"] = _hotspot(plan, form.get("hotspot", ""), problems)
    if kind == "include" and change["hotspot"] not in wanted.exclusions:
        problems.append(FieldProblem("hotspot", "This hotspot is not excluded."))
    if kind == "close":
        change["geometry"] = _closure(form.get("geometry", ""), datum, problems)
        change["label"] = form.get("label", "").strip()[:100]
    if kind == "reopen":
        index = _number_of(form.get("index", ""))
        if index is None or index >= len(wanted.closures):
            problems.append(FieldProblem("index", "Choose a closed road to open again."))
        else:
            change["index"] = index
    if problems:
        raise FormError(problems)
    return change


def pinned_problem(problem: Problem, wanted: Wanted, earlier: NightPlan | None) -> Problem:
    """``problem`` with exclusions removed, pins and moves applied, and a warm start from
    ``earlier``'s routes (moved stops placed on their new team)."""
    out = {s.id for s in problem.stops if _hotspot_of(s.id) in wanted.exclusions}
    team_of = {p["visit"]: p["team"] for p in (*wanted.moves, *wanted.pins) if "team" in p}
    at = {p["visit"]: datetime.fromisoformat(p["at"]) for p in wanted.pins if "at" in p}
    stops = tuple(_pinned(s, team_of.get(s.id), at.get(s.id)) for s in problem.stops
                  if s.id not in out)
    spacing = tuple(g for g in problem.spacing if g.first not in out and g.then not in out)
    return dataclasses.replace(problem, stops=stops, spacing=spacing,
                               initial_routes=_warm_start(earlier, wanted, out))


def excluded_visits(problem: Problem, wanted: Wanted) -> tuple[DroppedVisit, ...]:
    """The checks the exclusions leave out, listed with the plan's other left-out visits."""
    return tuple(
        DroppedVisit(_hotspot_of(s.id), "excluded", "excluded tonight by the dispatcher",
                     int(s.id.partition("#")[2] or 1))
        for s in problem.stops if _hotspot_of(s.id) in wanted.exclusions)


def pin_held(plan: NightPlan, pin: dict[str, Any]) -> bool:
    """Whether ``plan`` keeps ``pin``: the stop is on the pinned team, near the pinned time."""
    for route in plan.routes:
        for visit in route.visits:
            if visit.key != pin["visit"]:
                continue
            if "team" in pin and route.team_id != pin["team"]:
                return False
            if "at" in pin:
                moment = datetime.fromisoformat(pin["at"])
                return abs(visit.arrival - moment) <= PIN_SLACK
            return True
    return False


def _pinned(stop: Stop, team: str | None, at: datetime | None) -> Stop:
    if team is None and at is None:
        return stop
    window = stop.window
    if at is not None:
        window = (at - PIN_SLACK, at + PIN_SLACK)
    return dataclasses.replace(stop, teams=frozenset({team}) if team else stop.teams,
                               window=window, penalty=stop.penalty * PIN_WEIGHT)


def _warm_start(earlier: NightPlan | None, wanted: Wanted,
                out: set[str]) -> dict[str, tuple[str, ...]] | None:
    """The earlier routes less what is excluded, each moved stop placed by its old time."""
    if earlier is None:
        return None
    moved = {m["visit"]: m["team"] for m in wanted.moves}
    when = {v.key: v.arrival for r in earlier.routes for v in r.visits}
    routes: dict[str, list[str]] = {
        r.team_id: [v.key for v in r.visits if v.key not in out and v.key not in moved]
        for r in earlier.routes}
    for key, team in moved.items():
        if team in routes and key in when:
            keys = routes[team]
            before = [k for k in keys if when[k] <= when[key]]
            keys.insert(len(before), key)
    return {team: tuple(keys) for team, keys in routes.items()}


def _hotspot_of(stop_id: str) -> int:
    head = stop_id.partition("#")[0]
    return int(head) if head.isdigit() else -1


def _number_of(text: str) -> int | None:
    """A form's whole number in ASCII digits ("²" is a digit to ``isdigit``, not to ``int``)."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _visit(plan: NightPlan, key: str, problems: list[FieldProblem]) -> str:
    keys = {v.key for r in plan.routes for v in r.visits} | {
        f"{d.hotspot_id}#{d.check}" for d in plan.dropped}
    if key not in keys:
        problems.append(FieldProblem("visit", "Choose a stop of this plan."))
    return key


def _team(plan: NightPlan, team: str, problems: list[FieldProblem]) -> str:
    if team not in {r.team_id for r in plan.routes}:
        problems.append(FieldProblem("team", "Choose a team on duty tonight."))
    return team


def _hotspot(plan: NightPlan, text: str, problems: list[FieldProblem]) -> int:
    found = _number_of(text)
    hotspot = -1 if found is None else found
    if hotspot not in plan.hotspots:
        problems.append(FieldProblem("hotspot", "Choose a hotspot of this plan."))
    return hotspot


def _moment(plan: NightPlan, text: str, problems: list[FieldProblem]) -> datetime | None:
    """A clock time inside the shift: evening on the night's date, morning the day after."""
    try:
        clock = time.fromisoformat(text.strip())
    except ValueError:
        problems.append(FieldProblem("at", "{value} is not a clock time; give HH:MM, e.g. "
                                     "23:30.", (("value", repr(text.strip())),)))
        return None
    moment = datetime.combine(plan.shift_start.date(), clock, plan.shift_start.tzinfo)
    if moment < plan.shift_start:
        moment += timedelta(days=1)
    if moment > plan.shift_end:
        problems.append(FieldProblem("at", "{value} is outside the shift {start}-{end}.",
                                     (("value", text.strip()),
                                      ("start", f"{plan.shift_start:%H:%M}"),
                                      ("end", f"{plan.shift_end:%H:%M}"))))
        return None
    return moment


def _closure(text: str, datum: Datum, problems: list[FieldProblem]) -> dict[str, Any] | None:
    """A drawn line or area as GeoJSON (lon/lat); the road it covers is closed tonight."""
    try:
        geometry = shape(json.loads(text))
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError,
            shapely.errors.GEOSException):
        problems.append(FieldProblem("geometry", "Draw the closed road on the map: click "
                                     "two or more points along it."))
        return None
    ok_kind = geometry.geom_type in ("LineString", "MultiLineString", "Polygon", "MultiPolygon")
    west, south, east, north = geometry.bounds if not geometry.is_empty else (999, 0, 0, 0)
    if not ok_kind or not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        problems.append(FieldProblem("geometry", "Draw the closed road on the map: click "
                                     "two or more points along it."))
        return None
    wgs84 = geometry_to_wgs84(geometry, datum)
    found: dict[str, Any] = json.loads(json.dumps(mapping(wgs84)))  # tuples as lists
    return found
