"""Benchmark VRP instances in integer units, and one independent scorer for every solver.

A :class:`CoreProblem` is the part of a routing problem every solver in the benchmark
understands: one depot (node 0), customers ``1..n``, an integer travel matrix that is
both the cost and the travel time, service times, time windows, demands and a fleet.
Solomon instances are read with the convention of the exact-method literature:
Euclidean distance truncated to one decimal, kept as integer tenths (exact), travel
time = distance, objective = total distance, a fleet of 25.

:func:`score_routes` checks a solver's routes against the problem (every customer
once, windows, capacity, fleet) and computes their length itself: no solver's own
objective is trusted.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: The shared data folder beside the checkout (``../shared``), found from a worktree too.
SHARED = next((p / "shared" for p in Path(__file__).resolve().parents[1:]
               if (p / "shared" / "data").is_dir()),
              Path(__file__).resolve().parents[2] / "shared")
SOLOMON_DIR = SHARED / "bench" / "vrp" / "data" / "solomon"
SOLOMON_FLEET = 25
#: Solomon data are in whole units; the truncation rule keeps tenths.
SOLOMON_SCALE = 10


@dataclass(frozen=True)
class CoreProblem:
    """A single-depot VRPTW in integer units. Node 0 is the depot; ``windows[0]`` its hours."""

    name: str
    matrix: Sequence[Sequence[int]]
    service: Sequence[int]
    windows: Sequence[tuple[int, int]]
    demands: Sequence[int]
    capacity: int
    fleet: int

    @property
    def n_customers(self) -> int:
        """How many customers (nodes ``1..n``) there are."""
        return len(self.matrix) - 1


@dataclass(frozen=True)
class Score:
    """What the independent evaluator found: length, vehicles used and every rule broken."""

    distance: int
    vehicles: int
    problems: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        """True when no rule is broken."""
        return not self.problems


def read_solomon(path: Path, fleet: int = SOLOMON_FLEET) -> CoreProblem:
    """Read a Solomon instance in LKH-3's TSPLIB-like ``.vrptw`` form (node 1 = depot)."""
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        words = line.split()
        if not words or words[0] == "EOF":
            continue
        if words[0].endswith("_SECTION"):
            current = sections.setdefault(words[0], [])
        elif ":" in line and current is None:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
        elif current is not None:
            current.append(words)
    coords = [(int(x), int(y)) for _, x, y in sections["NODE_COORD_SECTION"]]
    service = int(header["SERVICE_TIME"]) * SOLOMON_SCALE
    return CoreProblem(
        name=header["NAME"],
        matrix=[[truncated_tenths(a, b) for b in coords] for a in coords],
        service=[0] + [service] * (len(coords) - 1),
        windows=[(int(e) * SOLOMON_SCALE, int(lt) * SOLOMON_SCALE)
                 for _, e, lt in sections["TIME_WINDOW_SECTION"]],
        demands=[int(d) for _, d in sections["DEMAND_SECTION"]],
        capacity=int(header["CAPACITY"]),
        fleet=fleet,
    )


def truncated_tenths(a: tuple[int, int], b: tuple[int, int]) -> int:
    """floor(10 * Euclidean distance), exactly: isqrt of 100 * squared distance."""
    dx, dy = a[0] - b[0], a[1] - b[1]
    return math.isqrt(100 * (dx * dx + dy * dy))


def read_bks(directory: Path) -> dict[str, tuple[float, int]]:
    """Best-known distance-only solutions: instance name -> (distance, vehicles)."""
    with (directory / "bks.csv").open(newline="") as handle:
        return {row["instance"]: (float(row["bks_dist_trunc1"]), int(row["bks_dist_vehicles"]))
                for row in csv.DictReader(handle)}


def read_tour(path: Path, n_nodes: int) -> list[list[int]]:
    """Routes (customer nodes 1..n) from an LKH-3 tour: ids 1 and above ``n_nodes`` are depots."""
    lines = path.read_text().split("TOUR_SECTION", 1)[1].split()
    routes: list[list[int]] = [[]]
    for word in lines:
        node = int(word)
        if node == -1:
            break
        if node == 1 or node > n_nodes:
            routes.append([])
        else:
            routes[-1].append(node - 1)
    return [r for r in routes if r]


def score_routes(problem: CoreProblem, routes: Sequence[Sequence[int]]) -> Score:
    """Check ``routes`` (customer nodes per vehicle, depot left out) and measure their length."""
    used = [list(r) for r in routes if r]
    problems = []
    if len(used) > problem.fleet:
        problems.append(f"{len(used)} routes for a fleet of {problem.fleet}")
    seen = [c for r in used for c in r]
    bad = sorted({c for c in seen if not 1 <= c <= problem.n_customers})
    if bad:
        problems.append(f"no such customer: {bad}")
    twice = sorted({c for c in seen if seen.count(c) > 1})
    if twice:
        problems.append(f"visited more than once: {twice}")
    missing = sorted(set(range(1, problem.n_customers + 1)) - set(seen))
    if missing:
        problems.append(f"never visited: {missing}")
    distance = 0
    for k, route in enumerate(used):
        if bad:
            break
        length, broken = _check_route(problem, route)
        distance += length
        problems.extend(f"route {k}: {p}" for p in broken)
    return Score(distance, len(used), tuple(problems))


def _check_route(problem: CoreProblem, route: Sequence[int]) -> tuple[int, list[str]]:
    broken = []
    load = sum(problem.demands[c] for c in route)
    if load > problem.capacity:
        broken.append(f"load {load} over capacity {problem.capacity}")
    here, clock, length = 0, problem.windows[0][0], 0
    for node in [*route, 0]:
        leg = problem.matrix[here][node]
        length += leg
        clock += leg
        early, late = problem.windows[node]
        if clock > late:
            broken.append(f"node {node} reached at {clock}, after its window closes at {late}")
        clock = max(clock, early) + problem.service[node]
        here = node
    return length, broken


def gap_percent(value: float, best_known: float) -> float:
    """How much longer than the best-known solution, in per cent."""
    return 100.0 * (value - best_known) / best_known
