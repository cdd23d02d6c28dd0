"""Patrol-sized nights on a real city: our engine against PyVRP on the same core problem.

On the real Yuma extract (``../shared/data/osm/yuma_az.osm.pbf``): 200 and 500 visits at
random road nodes (seeded), 10 teams from one central base, a night shift, 5-10 minutes
of service per visit and a two-hour window on a quarter of them. Both solvers get the
same integer travel-time matrix (seconds) and 10 s on one core; the independent scorer
(:func:`vrp_instances.score_routes`) measures each route set. Prints each plan's total
travel time, our plan over PyVRP's (the target is at most 1.02), and the time our engine
takes to a first complete plan: OR-Tools' own first solution, and the whole engine
(PyVRP core and OR-Tools) given a 2 s budget.

Run: ``python bench/patrol_sized.py [--seconds 10] [--sizes 200,500]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
from vrp_instances import SHARED, CoreProblem, Score, score_routes
from vrp_solvers import Run, integer_model, solve_ours, solve_pyvrp

from routes.matrix import ShortestPaths
from routes.model import SearchLimits, solve_integer_model
from routes.network import build_network
from routes.problem import Mode
from routes.source import OsmFile

YUMA = SHARED / "data" / "osm" / "yuma_az.osm.pbf"
TEAMS = 10
SHIFT_S = 10 * 3600
WINDOW_S = 2 * 3600
FIRST_PLAN_BUDGET_S = 2.0


def night(graph: nx.MultiDiGraph, visits: int, seed: int) -> CoreProblem:
    """``visits`` random road nodes and a central base; travel in whole seconds."""
    rng = random.Random(seed)
    nodes = sorted(graph.nodes)
    xs = sorted(graph.nodes[n]["x"] for n in nodes)
    ys = sorted(graph.nodes[n]["y"] for n in nodes)
    base = min(nodes, key=lambda n: abs(graph.nodes[n]["x"] - xs[len(xs) // 2])
               + abs(graph.nodes[n]["y"] - ys[len(ys) // 2]))
    chosen = [base, *rng.sample([n for n in nodes if n != base], visits)]
    paths = ShortestPaths(graph, chosen)
    matrix = [[round(paths.seconds(a, b)) for b in chosen] for a in chosen]
    windows = [(0, SHIFT_S)]
    for _ in range(visits):
        if rng.random() < 0.25:
            opens = rng.randrange(0, SHIFT_S - WINDOW_S, 600)
            windows.append((opens, opens + WINDOW_S))
        else:
            windows.append((0, SHIFT_S))
    return CoreProblem(
        name=f"yuma-{visits}",
        matrix=matrix,
        service=[0] + [rng.randrange(300, 601) for _ in range(visits)],
        windows=windows,
        demands=[0] * (visits + 1),
        capacity=0,
        fleet=TEAMS,
    )


def first_plan(problem: CoreProblem, limits: SearchLimits) -> tuple[float, Score]:
    """Seconds our engine takes under ``limits``, and the plan's score."""
    began = time.perf_counter()
    solution = solve_integer_model(integer_model(problem), limits)
    seconds = time.perf_counter() - began
    routes = [] if solution is None else [[n + 1 for n in r.nodes[1:-1]]
                                          for r in solution.routes]
    return seconds, score_routes(problem, routes)


def describe(run: Run, score: Score) -> str:
    if not score.feasible:
        return f"no complete plan ({score.problems[0][:60]}) in {run.seconds:.1f} s"
    return f"{score.distance / 60:8.1f} travel min, {score.vehicles:2d} teams, {run.seconds:.1f} s"


def bench_size(problem: CoreProblem, seconds: float) -> None:
    ours, pyvrp_run = solve_ours(problem, seconds), solve_pyvrp(problem, seconds)
    ours_score, pyvrp_score = score_routes(problem, ours.routes), score_routes(problem,
                                                                               pyvrp_run.routes)
    print(f"{problem.name}: ours  {describe(ours, ours_score)}")
    print(f"{problem.name}: pyvrp {describe(pyvrp_run, pyvrp_score)}")
    if ours_score.feasible and pyvrp_score.feasible:
        ratio = ours_score.distance / pyvrp_score.distance
        print(f"{problem.name}: ours/pyvrp after {seconds:.0f} s = {ratio:.4f} "
              f"(target <= 1.02: {'met' if ratio <= 1.02 else 'NOT met'})")
    alone_s, alone = first_plan(problem, SearchLimits(seconds, 1, warm_start_share=0))
    budget_s, budget = first_plan(problem, SearchLimits(FIRST_PLAN_BUDGET_S, None))
    print(f"{problem.name}: first plan: OR-Tools' own first solution {alone_s:.2f} s "
          f"({'complete' if alone.feasible else 'incomplete'}); engine with a "
          f"{FIRST_PLAN_BUDGET_S:.0f} s budget {budget_s:.2f} s "
          f"({'complete' if budget.feasible else 'incomplete'}"
          + (f", {budget.distance / 60:.1f} travel min)" if budget.feasible else ")"), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sizes", default="200,500")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    if not YUMA.is_file():
        print(f"skipped: the Yuma extract is not at {YUMA} (copy ../shared/data/osm there)")
        return 0
    with tempfile.TemporaryDirectory() as work:
        began = time.perf_counter()
        graph = build_network(OsmFile(YUMA, Path(work)), Mode.DRIVE)
    print(f"yuma drive network: {graph.number_of_nodes()} nodes "
          f"({time.perf_counter() - began:.0f} s to build)")
    for size in (int(s) for s in args.sizes.split(",")):
        bench_size(night(graph, size, args.seed + size), args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
