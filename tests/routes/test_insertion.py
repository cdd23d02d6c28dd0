"""Pricing a new stop into running routes: the best found equals a brute-force search."""

from __future__ import annotations

import itertools
import random

import pytest

from routes.insertion import rank_insertions
from routes.model import IntegerModel


def random_model(seed: int, visits: int = 7, vehicles: int = 3) -> tuple[IntegerModel, list]:
    """Visits 0..visits-1 and a new stop ``visits`` on a plane; depots after them."""
    rng = random.Random(seed)
    n = visits + 1
    points = [(rng.uniform(0, 3000), rng.uniform(0, 3000)) for _ in range(n + 2 * vehicles)]
    travel = [[round(((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5) for bx, by in points]
              for ax, ay in points]
    windows = [(0, rng.choice([5000, 8000, 20_000])) for _ in range(visits)] + [(0, 20_000)]
    model = IntegerModel(
        n_visits=n, travel=[travel], matrix_of=[0] * vehicles,
        service=[rng.choice([300, 600]) for _ in range(n)] + [0] * (2 * vehicles),
        windows=windows, groups=[[i] for i in range(n)],
        penalties=[rng.choice([3600, 7200]) for _ in range(n)],
        allowed=[list(range(vehicles)) for _ in range(n)],
        starts=[n + 2 * v for v in range(vehicles)], ends=[n + 2 * v + 1 for v in range(vehicles)],
        vehicle_windows=[(0, rng.choice([12_000, 20_000])) for _ in range(vehicles)],
    )
    order = list(range(visits))
    rng.shuffle(order)
    cuts = sorted(rng.sample(range(1, visits), vehicles - 1))
    routes = [order[a:b] for a, b in zip([0, *cuts], [*cuts, visits], strict=True)]
    return model, routes


def walk(model: IntegerModel, vehicle: int, sequence: list[int]) -> tuple[dict[int, int], int]:
    """Begin times of a sequence that must be feasible as a whole, and the time home."""
    travel = model.travel[0]
    here, clock = model.starts[vehicle], model.vehicle_windows[vehicle][0]
    begins = {}
    for node in sequence:
        clock = max(clock + travel[here][node], model.windows[node][0])
        begins[node] = clock
        clock += model.service[node]
        here = node
    return begins, clock + travel[here][model.ends[vehicle]]


def feasible(model: IntegerModel, vehicle: int, sequence: list[int]) -> bool:
    begins, home = walk(model, vehicle, sequence)
    return (all(begins[n] <= model.windows[n][1] for n in sequence)
            and home <= model.vehicle_windows[vehicle][1])


def brute_force(model: IntegerModel, routes: list, new: int, weight: float) -> float:
    """Every vehicle, every position, every set of old visits to give up: the least cost."""
    best = float("inf")
    for vehicle, route in enumerate(routes):
        if not feasible(model, vehicle, route):
            continue
        _, old_home = walk(model, vehicle, route)
        for position in range(len(route) + 1):
            for k in range(len(route) + 1):
                for gone in itertools.combinations(route, k):
                    rest = [n for n in route if n not in gone]
                    at = len([n for n in route[:position] if n not in gone])
                    sequence = [*rest[:at], new, *rest[at:]]
                    if not feasible(model, vehicle, sequence):
                        continue
                    begins, home = walk(model, vehicle, sequence)
                    cost = (weight * begins[new] + max(0, home - old_home)
                            + sum(model.penalties[n] for n in gone))
                    best = min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("weight", [1.0, 10.0])
def test_best_insertion_matches_brute_force(seed: int, weight: float) -> None:
    model, routes = random_model(seed)
    new = model.n_visits - 1
    for v, route in enumerate(routes):  # running routes are feasible: trim the random ones
        while not feasible(model, v, route):
            route.pop()
    ranked = rank_insertions(model, routes, [new], response_weight=weight, ready_s=0)
    assert ranked, "some team can always take the new stop in these cases"
    assert ranked[0].cost == pytest.approx(brute_force(model, routes, new, weight))
    for option in ranked:
        assert feasible(model, option.vehicle, list(option.nodes))
        assert new in option.nodes
        assert [c for c in ranked] == sorted(ranked, key=lambda o: (o.cost, o.begin_s,
                                                                      o.vehicle, o.position))


def test_a_visit_whose_window_closes_falls_out_and_costs_its_penalty() -> None:
    travel = [[0, 100, 100, 100, 100],
              [100, 0, 500, 100, 100],
              [100, 500, 0, 100, 100],
              [100, 100, 100, 0, 0],
              [100, 100, 100, 0, 0]]
    model = IntegerModel(
        n_visits=3, travel=[travel], matrix_of=[0], service=[60, 600, 60, 0, 0],
        windows=[(0, 200), (0, 5000), (0, 5000)], groups=[[0], [1], [2]],
        penalties=[5000, 1000, 99], allowed=[[0], [0], [0]], starts=[3], ends=[4],
        vehicle_windows=[(0, 5000)],
    )
    # Route: visit 0 (closes at 200 s), then 2. The new stop 1 first makes 0 too late.
    ranked = rank_insertions(model, [[0, 2]], [1], response_weight=10.0, ready_s=0)
    first = next(o for o in ranked if o.position == 0)
    assert first.dropped == (0,) and first.nodes == (1, 2)
    assert first.begin_s == 100
    later = next(o for o in ranked if o.position == 1)
    assert later.dropped == () and later.begin_s == 100 + 60 + 100
    assert first.cost == 10 * 100 + 940 + 5000
    assert later.cost == 10 * 260 + 1100
    assert ranked[0].position == 1  # reaching the report 160 s later beats giving up visit 0
