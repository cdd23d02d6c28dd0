"""Where a new stop fits best into routes already running: every team, every position.

When a report of a person in the cold comes in at night, each team is somewhere in
its route. Putting the new stop into a team's route at a position delays what
follows; a visit whose window closes before the team can now get there, or that
would bring the team home after its shift, falls out (as the re-planning would
let it). Each option is priced in the solver's units (seconds; a visit left out
costs its penalty) with the time until someone reaches the person weighted by
urgency, and every option is returned, best first, so a dispatcher sees the
trade-off: who gets there soonest, and what each choice costs the rest of the night.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from routes.model import IntegerModel


@dataclass(frozen=True)
class Insertion:
    """The new stop placed in ``vehicle``'s route before its ``position``-th visit."""

    vehicle: int
    position: int
    node: int  # which alternative of the new stop (a swept line has two directions)
    #: Seconds from the model's origin when the team starts at the new stop.
    begin_s: int
    #: The route's visits, in order, with the new stop among them; visits that fall out are not.
    nodes: tuple[int, ...]
    #: Visits of the old route that fall out with this insertion.
    dropped: tuple[int, ...]
    #: Per visit kept from the old route: seconds later than before (0 if not later).
    later_s: tuple[int, ...]
    #: How much later the team is back at its end than before.
    longer_s: int
    cost: float


def rank_insertions(model: IntegerModel, routes: Sequence[Sequence[int]],
                    alternatives: Sequence[int], *, response_weight: float = 1.0,
                    ready_s: int | None = None) -> list[Insertion]:
    """Every feasible placement of one new stop (one of ``alternatives``), best first.

    ``routes`` are each vehicle's current visit nodes in order. ``cost`` is
    ``response_weight`` x seconds until the new stop begins (from ``ready_s``, default
    the earliest shift start), plus how much longer the route gets, plus the penalty
    of every visit that falls out. Ties go to the earlier arrival, then the vehicle.
    """
    now = min(w[0] for w in model.vehicle_windows) if ready_s is None else ready_s
    group_of = {n: g for g, members in enumerate(model.groups) for n in members}
    found = []
    for vehicle, route in enumerate(routes):
        old_begin, old_end = _timeline(model, vehicle, route)
        for node in alternatives:
            if vehicle not in model.allowed[node]:
                continue
            for position in range(len(route) + 1):
                option = _insert(model, vehicle, route, node, position, old_begin, old_end)
                if option is None:
                    continue
                begin, nodes, dropped, later, longer = option
                penalty = sum(model.penalties[group_of[d]] for d in dropped)
                cost = response_weight * max(0, begin - now) + longer + penalty
                found.append(Insertion(vehicle, position, node, begin, nodes, dropped, later,
                                       longer, cost))
    found.sort(key=lambda i: (i.cost, i.begin_s, i.vehicle, i.position))
    return found


def _insert(model: IntegerModel, vehicle: int, route: Sequence[int], node: int, position: int,
            old_begin: dict[int, int], old_end: int,
            ) -> tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...], int] | None:
    """The route with ``node`` at ``position``: what it keeps, when, and what falls out."""
    wanted = [*route[:position], node, *route[position:]]
    kept, begins, end = _fit(model, vehicle, wanted, must_keep=node)
    if node not in kept:
        return None
    begin_of = dict(zip(kept, begins, strict=True))
    dropped = tuple(n for n in route if n in old_begin and n not in begin_of)
    later = tuple(max(0, begin_of[n] - old_begin.get(n, begin_of[n]))
                  for n in route if n in begin_of)
    return begin_of[node], tuple(kept), dropped, later, max(0, end - old_end)


def _timeline(model: IntegerModel, vehicle: int,
              route: Sequence[int]) -> tuple[dict[int, int], int]:
    """When each visit of the current route begins, and when the team is back."""
    kept, begins, end = _fit(model, vehicle, route, must_keep=None)
    return dict(zip(kept, begins, strict=True)), end


def _fit(model: IntegerModel, vehicle: int, wanted: Sequence[int],
         must_keep: int | None) -> tuple[list[int], list[int], int]:
    """Walk ``wanted`` in order, skipping a visit its window no longer allows; then drop
    visits from the end (never ``must_keep``) until the team is home within its shift."""
    travel = model.travel[model.matrix_of[vehicle]]
    open_s, close_s = model.vehicle_windows[vehicle]
    start, home = model.starts[vehicle], model.ends[vehicle]
    kept: list[int] = []
    begins: list[int] = []
    while True:
        kept.clear()
        begins.clear()
        here, ready = start, open_s
        for node in wanted:
            begin = max(ready + travel[here][node], model.windows[node][0])
            if begin > model.windows[node][1]:
                continue
            kept.append(node)
            begins.append(begin)
            here, ready = node, begin + model.service[node]
        end = ready + travel[here][home]
        if end <= close_s or not kept:
            return kept, begins, end
        # Too late home: give up the last visit that may go, and walk the rest again.
        removable = [n for n in kept if n != must_keep]
        if not removable:
            return [], [], end
        last = removable[-1]
        wanted = [n for n in wanted if n != last]
