"""The places a problem snaps to the roads, and the solver nodes built on them.

A point stop is one node entered and left at its access point. A swept line is
two alternative nodes, one per direction, each entered at one end and left at
the other. A team's break is one alternative node per shelter it may use. Every
node knows the point where a team enters it and the point where it leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from routes.problem import Problem, Stop

STOP = "stop"
BREAK = "break"


@dataclass(frozen=True)
class Node:
    """One solver node: what it stands for, where it is entered and left, and when."""

    kind: str
    owner: int  # index of the stop, or of the team whose break this is
    entry: int  # index into Layout.points
    exit: int
    service: int
    window: tuple[int, int]
    reverse: bool = False
    place_id: str = ""


@dataclass(frozen=True)
class Layout:
    """Points to snap (lon, lat) and the nodes and alternatives over them."""

    points: tuple[tuple[float, float], ...]
    nodes: tuple[Node, ...]
    groups: tuple[tuple[int, ...], ...]  # alternatives: one of each group is visited
    stop_group: tuple[int, ...]  # group index of each stop
    base_points: tuple[tuple[int, int], ...]  # (start, end) point of each team


def lay_out(problem: Problem) -> Layout:
    """Number every point and node of ``problem``; times are seconds from its origin."""
    origin = problem.origin
    horizon = _secs(max(t.shift_end for t in problem.teams), origin)
    points: list[tuple[float, float]] = []
    nodes: list[Node] = []
    groups: list[tuple[int, ...]] = []

    def point(lon: float, lat: float) -> int:
        points.append((lon, lat))
        return len(points) - 1

    def group(new: list[Node]) -> int:
        first = len(nodes)
        nodes.extend(new)
        groups.append(tuple(range(first, first + len(new))))
        return len(groups) - 1

    stop_group = []
    for index, stop in enumerate(problem.stops):
        window = _window(stop, origin, horizon)
        service = round(stop.service.total_seconds())
        if stop.sweep is None:
            at = point(stop.lon, stop.lat)
            stop_group.append(group([Node(STOP, index, at, at, service, window)]))
        else:
            first, last = stop.sweep.coords[0], stop.sweep.coords[-1]
            a, b = point(first[0], first[1]), point(last[0], last[1])
            stop_group.append(group([Node(STOP, index, a, b, service, window),
                                     Node(STOP, index, b, a, service, window, reverse=True)]))
    for t, team in enumerate(problem.teams):
        if team.rest is None:
            continue
        window = (_secs(team.rest.earliest, origin), _secs(team.rest.latest, origin))
        service = round(team.rest.duration.total_seconds())
        places = []
        for place in team.rest.places:
            at = point(place.lon, place.lat)
            places.append(Node(BREAK, t, at, at, service, window, place_id=place.id))
        group(places)
    bases = tuple((point(t.start_lon, t.start_lat), point(t.end_lon, t.end_lat))
                  for t in problem.teams)
    return Layout(tuple(points), tuple(nodes), tuple(groups), tuple(stop_group), bases)


def _window(stop: Stop, origin: datetime, horizon: int) -> tuple[int, int]:
    if stop.window is None:
        return 0, horizon
    return max(0, _secs(stop.window[0], origin)), min(horizon, _secs(stop.window[1], origin))


def _secs(moment: datetime, origin: datetime) -> int:
    return round((moment - origin).total_seconds())
