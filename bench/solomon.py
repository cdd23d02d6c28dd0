"""Solution quality on Solomon VRPTW instances: our engine against PyVRP and OR-Tools default.

Each instance is solved on one core by each solver for the same time; every route set is
scored by one independent evaluator (:func:`vrp_instances.score_routes`) and compared with
the best-known distance-only solution (``bks.csv``). Prints a row per instance and solver
and a last line ``mean gap: OURS % (pyvrp P %, ortools-default D %)``. A solver without
a feasible plan on an instance counts as "no plan" and is left out of its mean.

Run: ``python bench/solomon.py DIR --seconds 10 [--names C101,R101]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from vrp_instances import SOLOMON_DIR, gap_percent, read_bks, read_solomon, score_routes
from vrp_solvers import DEFAULT_SOLVERS, SOLVERS

DEFAULT_NAMES = ("C101,C105,C201,R101,R102,R112,R201,R205,RC101,RC105,RC201,RC208")


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if not (args.directory / "bks.csv").is_file():
        print(f"no Solomon instances with bks.csv in {args.directory}: skipped "
              "(copy ../shared/bench/vrp/data/solomon there)")
        return 0
    bks = read_bks(args.directory)
    solvers = [s for s in SOLVERS if s in args.solvers.split(",")]
    gaps: dict[str, list[float]] = {s: [] for s in solvers}
    failures: dict[str, list[str]] = {s: [] for s in solvers}
    print(f"{'instance':9} {'solver':18} {'veh':>4} {'distance':>9} {'gap %':>7} {'time s':>7}")
    for name in args.names.split(","):
        problem = read_solomon(args.directory / f"{name}.vrptw")
        best = bks[name][0]
        for solver in solvers:
            run = SOLVERS[solver](problem, args.seconds)
            score = score_routes(problem, run.routes)
            if not score.feasible:
                failures[solver].append(name)
                print(f"{name:9} {solver:18} no plan ({score.problems[0][:50]}...)"
                      f" {run.seconds:7.1f}", flush=True)
                continue
            distance = score.distance / 10
            gap = gap_percent(distance, best)
            gaps[solver].append(gap)
            print(f"{name:9} {solver:18} {score.vehicles:4d} {distance:9.1f} {gap:7.2f} "
                  f"{run.seconds:7.1f}", flush=True)
    for solver, names in failures.items():
        if names:
            print(f"{solver}: no plan on {len(names)} of {len(args.names.split(','))}: "
                  f"{', '.join(names)}")
    print(_mean_line(gaps))
    return 0


def _mean_line(gaps: dict[str, list[float]]) -> str:
    def mean(solver: str) -> str:
        values = gaps.get(solver, [])
        return f"{statistics.fmean(values):.2f}" if values else "n/a"

    others = ", ".join(f"{s} {mean(s)} %" for s in gaps if s != "ours")
    return f"mean gap: {mean('ours')} % ({others})"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, nargs="?", default=SOLOMON_DIR,
                        help="folder of .vrptw files and bks.csv")
    parser.add_argument("--seconds", type=float, default=10.0, help="time per solver and instance")
    parser.add_argument("--names", default=DEFAULT_NAMES, help="comma-separated instance names")
    parser.add_argument("--solvers", default=",".join(DEFAULT_SOLVERS),
                        help=f"comma-separated subset of {','.join(SOLVERS)}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.solvers.split(",")) - set(SOLVERS))
    if unknown:
        parser.error(f"no solver {', '.join(unknown)}; choose from {', '.join(SOLVERS)}")
    return args


if __name__ == "__main__":
    sys.exit(main())
