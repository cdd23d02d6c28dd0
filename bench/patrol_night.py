"""Full patrol nights on a real city: how plan quality grows with search time.

On the real Yuma extract (``../shared/data/osm/yuma_az.osm.pbf``; the Helsinki demo
extract when it is absent): 100, 300 and 1000 visits for 5, 12 and 30 teams, a third
of them on foot, with repeated spaced checks of high-risk places, two-hour windows on
a tenth of the visits and a warm-up break per team. For each size it prints the time
to a first plan and the objective (travel plus penalties for what is left out) and
the visits left out after 1, 5 and 30 s; the reference is the 30 s plan of the same
run. For 300 visits and 12 teams the target is a 10 s plan within 1 % of it; that size
also runs OR-Tools alone (no PyVRP warm start) for 10 and 30 s, to compare in the same
run. The first plan is timed twice: OR-Tools' own first solution, and the whole engine
(PyVRP's routes, then OR-Tools) within a 2 s budget; both include the set-up.

Run: ``python bench/patrol_night.py [--sizes 100,300,1000]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import networkx as nx
from vrp_instances import SHARED

from dispatch.city import demo_source
from dispatch.workspace import Workspace
from routes.network import build_network
from routes.plan import Plan
from routes.problem import Break, BreakPlace, Mode, Problem, Spacing, Stop, Team
from routes.solve import SolveParams, solve
from routes.source import OsmFile

YUMA = SHARED / "data" / "osm" / "yuma_az.osm.pbf"
TEAMS = {100: 5, 300: 12, 1000: 30}
START = datetime(2026, 1, 15, 20, 0, tzinfo=ZoneInfo("America/Phoenix"))
SHIFT = timedelta(hours=10)
FIRST_PLAN_BUDGET_S = 2.0


def night(networks: dict[Mode, nx.MultiDiGraph], visits: int, teams: int) -> Problem:
    """``visits`` checks at random places (seeded): high-risk places checked three times."""
    rng = random.Random(visits)
    walk = networks[Mode.WALK]
    nodes = sorted(walk.nodes)
    xs = sorted(walk.nodes[n]["x"] for n in nodes)
    ys = sorted(walk.nodes[n]["y"] for n in nodes)
    centre = (xs[len(xs) // 2], ys[len(ys) // 2])
    stops: list[Stop] = []
    spacing: list[Spacing] = []
    place = 0
    while len(stops) < visits:
        node = walk.nodes[rng.choice(nodes)]
        risk = rng.randint(1, 5)
        checks = 3 if risk >= 4 and len(stops) + 3 <= visits else 1
        slot = SHIFT / checks
        for k in range(checks):
            window = (START + k * slot, START + (k + 1) * slot)
            if checks == 1 and rng.random() < 0.1:
                opens = START + timedelta(minutes=rng.randrange(0, 480, 10))
                window = (opens, opens + timedelta(hours=2))
            stops.append(Stop(f"{place}#{k + 1}", node["x"], node["y"],
                              service=timedelta(minutes=rng.choice((5, 8, 10))),
                              window=window, penalty=3600 * 2 ** (risk - 1)))
            if k:
                spacing.append(Spacing(f"{place}#{k}", f"{place}#{k + 1}", slot / 2))
        place += 1
    shelters = tuple(BreakPlace(f"shelter:{k}", walk.nodes[n]["x"], walk.nodes[n]["y"])
                     for k, n in enumerate(rng.sample(nodes, 4)))
    rest = Break(timedelta(minutes=30), START + SHIFT * 0.4, START + SHIFT * 0.6, shelters)
    crews = tuple(Team(f"T{k}", Mode.WALK if k % 3 == 0 else Mode.DRIVE, *centre, *centre,
                       START, START + SHIFT, rest=rest) for k in range(1, teams + 1))
    return Problem(tuple(stops), crews, balance_weight=1, spacing=tuple(spacing))


def timed(problem: Problem, networks: dict[Mode, nx.MultiDiGraph],
          params: SolveParams) -> tuple[float, Plan]:
    began = time.perf_counter()
    plan = solve(problem, networks, params)
    return time.perf_counter() - began, plan


def bench_size(networks: dict[Mode, nx.MultiDiGraph], visits: int) -> None:
    problem = night(networks, visits, TEAMS[visits])
    first_s, first = timed(problem, networks, SolveParams(time_limit_s=60, solution_limit=1,
                                                          warm_start=False))
    budget_s, budget = timed(problem, networks, SolveParams(time_limit_s=FIRST_PLAN_BUDGET_S,
                                                            solution_limit=None))
    print(f"{visits} visits, {TEAMS[visits]} teams: first plan: OR-Tools' own first solution "
          f"{first_s:5.1f} s (objective {first.objective}, {len(first.dropped)} left out); "
          f"engine with a {FIRST_PLAN_BUDGET_S:.0f} s budget {budget_s:5.1f} s (objective "
          f"{budget.objective}, {len(budget.dropped)} left out)")
    results = {}
    for seconds in (1, 5, 10, 30):
        if visits != 300 and seconds == 10:
            continue
        took, plan = timed(problem, networks, SolveParams(time_limit_s=seconds,
                                                          solution_limit=None))
        results[seconds] = plan.objective
        print(f"  {seconds:2d} s: objective {plan.objective:>12} ({len(plan.dropped):3d} left "
              f"out, {took:5.1f} s with set-up)")
    reference = results[30]
    for seconds, objective in sorted(results.items()):
        print(f"  {seconds:2d} s / 30 s objective: {objective / reference:.4f}")
    if visits == 300:
        gap = (results[10] / reference - 1) * 100
        print(f"  300 visits, 12 teams: 10 s plan {gap:+.2f} % against the 30 s plan "
              f"(target within 1 %: {'met' if gap <= 1 else 'NOT met'})")
        bench_alone(problem, networks, results)


def bench_alone(problem: Problem, networks: dict[Mode, nx.MultiDiGraph],
                results: dict[int, int]) -> None:
    """OR-Tools without PyVRP's first routes, for 10 and 30 s, against the engine's plans."""
    for seconds in (10, 30):
        took, plan = timed(problem, networks, SolveParams(time_limit_s=seconds,
                                                          solution_limit=None, warm_start=False))
        print(f"  {seconds:2d} s, OR-Tools alone: objective {plan.objective:>12} "
              f"({len(plan.dropped):3d} left out, {took:5.1f} s with set-up); engine / alone "
              f"{results[seconds] / plan.objective:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,300,1000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    with tempfile.TemporaryDirectory() as work:
        if YUMA.is_file():
            source = OsmFile(YUMA, Path(work))
        else:
            print(f"Yuma is not there ({YUMA}); using the Helsinki demo extract")
            source = demo_source(Workspace(Path(work)))
        networks = {mode: build_network(source, mode) for mode in Mode}
    for visits in sizes:
        bench_size(networks, visits)


if __name__ == "__main__":
    main()
