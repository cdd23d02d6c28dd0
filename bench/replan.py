"""Re-planning the rest of a night: 300 visits, 10 teams, after 10 check-ins (target < 3 s).

On the real Yuma extract (``../shared/data/osm/yuma_az.osm.pbf``; the Helsinki demo
extract when it is absent). Prints the time of the first plan (the reference,
measured in the same run) and of the warm-started re-plan, and their ratio.

Run: ``python bench/replan.py`` (``make bench``).
"""

from __future__ import annotations

import dataclasses
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import networkx as nx

from dispatch.city import demo_source
from dispatch.replan import REPLAN_PARAMS
from dispatch.workspace import Workspace
from routes.network import build_network
from routes.plan import Plan
from routes.problem import Mode, Problem, Stop, Team
from routes.solve import SolveParams, solve
from routes.source import OsmFile

YUMA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm" / "yuma_az.osm.pbf"
VISITS, TEAMS, CHECKED_IN = 300, 10, 10
TARGET_S = 3.0


def night_problem(graph: nx.MultiDiGraph, zone: ZoneInfo) -> Problem:
    """300 visits at random road nodes (seeded), 10 vehicle teams from one central base."""
    rng = random.Random(11)
    nodes = list(graph.nodes)
    start = datetime(2026, 1, 15, 20, 0, tzinfo=zone)
    stops = tuple(
        Stop(f"v{k}", graph.nodes[n]["x"], graph.nodes[n]["y"],
             service=timedelta(minutes=rng.choice((5, 10, 15))),
             penalty=3600 * 2 ** rng.randrange(5))
        for k, n in enumerate(rng.sample(nodes, VISITS))
    )
    xs = sorted(graph.nodes[n]["x"] for n in nodes)
    ys = sorted(graph.nodes[n]["y"] for n in nodes)
    base = min(nodes, key=lambda n: abs(graph.nodes[n]["x"] - xs[len(xs) // 2])
               + abs(graph.nodes[n]["y"] - ys[len(ys) // 2]))
    bx, by = graph.nodes[base]["x"], graph.nodes[base]["y"]
    teams = tuple(Team(f"T{k}", Mode.DRIVE, bx, by, bx, by, start, start + timedelta(hours=10))
                  for k in range(1, TEAMS + 1))
    return Problem(stops, teams, balance_weight=1)


def after_check_ins(problem: Problem, plan: Plan) -> Problem:
    """The first visit of each team done, every team there 30 minutes into the night."""
    done = {r.visits[0].stop_id for r in plan.routes if r.visits}
    done = set(sorted(done)[:CHECKED_IN])
    stops = {s.id: s for s in problem.stops}
    now = problem.origin + timedelta(minutes=30)
    teams = []
    for team, route in zip(problem.teams, plan.routes, strict=True):
        first = stops[route.visits[0].stop_id] if route.visits else None
        where = (first.lon, first.lat) if first and first.id in done else (team.start_lon,
                                                                            team.start_lat)
        teams.append(dataclasses.replace(team, start_lon=where[0], start_lat=where[1],
                                         shift_start=max(now, team.shift_start)))
    earlier = {r.team_id: tuple(v.stop_id for v in r.visits if v.stop_id not in done)
               for r in plan.routes}
    return dataclasses.replace(problem, stops=tuple(s for s in problem.stops
                                                    if s.id not in done),
                               teams=tuple(teams), initial_routes=earlier)


def city_network() -> tuple[str, Mode, nx.MultiDiGraph]:
    """Yuma's drive network, or the Helsinki demo's walk network when Yuma is not there."""
    with tempfile.TemporaryDirectory() as work:
        if YUMA.is_file():
            return "yuma drive", Mode.DRIVE, build_network(OsmFile(YUMA, Path(work)), Mode.DRIVE)
        print(f"Yuma is not there ({YUMA}); using the Helsinki demo extract")
        graph = build_network(demo_source(Workspace(Path(work))), Mode.WALK)
        return "helsinki walk", Mode.WALK, graph


def main() -> None:
    name, _, graph = city_network()
    problem = night_problem(graph, ZoneInfo("America/Phoenix"))
    networks = {Mode.DRIVE: graph}
    began = time.perf_counter()
    first = solve(problem, networks, SolveParams(time_limit_s=20, solution_limit=300))
    first_s = time.perf_counter() - began
    rest = after_check_ins(problem, first)
    began = time.perf_counter()
    again = solve(rest, networks, REPLAN_PARAMS)
    again_s = time.perf_counter() - began
    print(f"{name}: {graph.number_of_nodes()} nodes; {VISITS} visits, {TEAMS} teams")
    print(f"first plan  {first_s:6.2f} s, {len(first.dropped)} left out")
    print(f"re-plan after {CHECKED_IN} check-ins {again_s:6.2f} s, {len(again.dropped)} left out;"
          f" re-plan/first {again_s / first_s:.2f}; target < {TARGET_S:.0f} s "
          f"{'met' if again_s < TARGET_S else 'NOT met'}")


if __name__ == "__main__":
    main()
