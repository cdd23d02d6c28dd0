"""The maximal covering location problem: open ``count`` sites to cover the most weight.

Where to put new temporary warming points is this problem: among candidate sites,
choose a few so that the most at-risk places lie within a walking time of one
(those an existing shelter already reaches count for nothing). It is solved
exactly as an integer program with SCIP (through OR-Tools): its linear relaxation
is nearly tight, so it proves the choice optimal for hundreds of sites and places
in tens of milliseconds (CP-SAT, tried first, could not prove 300 x 300 in 10 s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp

#: Seconds the solver may spend; it answers with the best choice found, flagged if unproven.
TIME_LIMIT_S = 10.0


@dataclass(frozen=True)
class Cover:
    """The chosen sites (indices), the demands they newly cover, and the weight covered."""

    sites: list[int]
    covered: list[int]
    weight: int
    optimal: bool


def max_cover(covers: npt.ArrayLike, weights: npt.ArrayLike, count: int,
              *, already: npt.ArrayLike | None = None) -> Cover:
    """Choose at most ``count`` sites; ``covers[s, d]`` says site ``s`` covers demand ``d``.

    Demands marked in ``already`` are covered by what exists and bring nothing new.
    Weights are whole numbers (a risk level, people seen there last winter ...).
    """
    table = np.asarray(covers, dtype=bool)
    weight = np.asarray(weights, dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != weight.shape[0]:
        raise ValueError(f"covers must be sites x demands ({weight.shape[0]} demands), "
                         f"got shape {table.shape}")
    if count < 0:
        raise ValueError(f"the number of sites to open must be 0 or more, got {count}")
    open_demand = ~np.asarray(already, dtype=bool) if already is not None else \
        np.ones(weight.shape[0], dtype=bool)
    solver = pywraplp.Solver.CreateSolver("SCIP")
    solver.SetTimeLimit(int(TIME_LIMIT_S * 1000))
    chosen = [solver.BoolVar(f"site{s}") for s in range(table.shape[0])]
    solver.Add(solver.Sum(chosen) <= count)
    # A demand's variable may stay continuous: at an optimum it is 0 or 1 anyway.
    reached = {}
    for d in np.flatnonzero(open_demand & (weight > 0) & table.any(axis=0)):
        reached[int(d)] = solver.NumVar(0.0, 1.0, f"demand{d}")
        solver.Add(reached[int(d)] <= solver.Sum([chosen[int(s)]
                                                  for s in np.flatnonzero(table[:, d])]))
    # Weight first; among equal covers the fewest sites (each unit of weight outweighs them all).
    scale = count + 1
    solver.Maximize(solver.Sum([scale * int(weight[d]) * var for d, var in reached.items()])
                    - solver.Sum(chosen))
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return Cover([], [], 0, optimal=False)
    sites = [s for s, var in enumerate(chosen) if var.solution_value() > 0.5]
    covered = sorted(d for d in reached if table[sites, d].any()) if sites else []
    return Cover(sites, covered, int(weight[covered].sum()) if covered else 0,
                 optimal=status == pywraplp.Solver.OPTIMAL)
