"""A report comes in: time to a ranked recommendation (target < 1 s) and to the re-planned
route once it is assigned (target < 3 s), for 20 teams and 300 visits on a real city.

On Yuma's drive network (``../shared``; the Helsinki demo extract when absent). The
night is first planned (20 s); two hours in, a report arrives at a random road node.
Printed beside the figures, as the reference measured in the same run: a full
warm-started re-plan of the night with the report open to every team (what the
recommendation would cost if each team's option were found by re-planning).

Run: ``python bench/recommend.py`` (``make bench``).
"""

from __future__ import annotations

import dataclasses
import random
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from replan import city_network, night_problem

from dispatch.replan import REPLAN_PARAMS
from routes.insertion import rank_insertions
from routes.plan import Plan
from routes.problem import Problem, Stop
from routes.solve import SolveParams, prepare, solve

TEAMS = 20
RECOMMEND_TARGET_S, ASSIGN_TARGET_S = 1.0, 3.0


def two_hours_in(problem: Problem, plan: Plan) -> tuple[Problem, set[str]]:
    """Visits begun in the first two hours are done; each team leaves from its last one."""
    now = problem.origin + timedelta(hours=2)
    stops = {s.id: s for s in problem.stops}
    done: set[str] = set()
    teams = []
    for team, route in zip(problem.teams, plan.routes, strict=True):
        finished = [v for v in route.visits if v.arrival < now]
        done |= {v.stop_id for v in finished}
        where = stops[finished[-1].stop_id] if finished else None
        teams.append(dataclasses.replace(
            team, start_lon=where.lon if where else team.start_lon,
            start_lat=where.lat if where else team.start_lat, shift_start=now))
    earlier = {r.team_id: tuple(v.stop_id for v in r.visits if v.stop_id not in done)
               for r in plan.routes}
    rest = dataclasses.replace(problem, stops=tuple(s for s in problem.stops
                                                    if s.id not in done),
                               teams=tuple(teams), initial_routes=earlier)
    return rest, done


def main() -> None:
    name, mode, graph = city_network()
    base = night_problem(graph, ZoneInfo("America/Phoenix"))
    team = base.teams[0]
    teams = tuple(dataclasses.replace(team, id=f"T{k}", mode=mode) for k in range(1, TEAMS + 1))
    problem = dataclasses.replace(base, teams=teams)
    networks = {mode: graph}
    plan = solve(problem, networks, SolveParams(time_limit_s=20, solution_limit=300))
    rest, _ = two_hours_in(problem, plan)
    node = random.Random(5).choice(list(graph.nodes))
    now = rest.teams[0].shift_start
    report = Stop("report", graph.nodes[node]["x"], graph.nodes[node]["y"],
                  service=timedelta(minutes=20), window=(now, now + timedelta(hours=8)),
                  penalty=10**7)
    with_report = dataclasses.replace(rest, stops=(*rest.stops, report))
    print(f"{name}: {graph.number_of_nodes()} nodes; {len(problem.stops)} visits, {TEAMS} teams; "
          f"{len(rest.stops)} visits left two hours in")

    began = time.perf_counter()
    prepared = prepare(with_report, networks)
    ranked = rank_insertions(prepared.model, prepared.model.initial_routes or [],
                             prepared.nodes_of("report"), response_weight=10.0,
                             ready_s=round((now - rest.origin).total_seconds()))
    recommend_s = time.perf_counter() - began
    best = ranked[0]
    chosen = rest.teams[best.vehicle].id

    pinned = dataclasses.replace(report, teams=frozenset({chosen}))
    routes = dict(rest.initial_routes or {})
    order = list(routes[chosen])
    order.insert(best.position, "report")
    routes[chosen] = tuple(order)
    assigned = dataclasses.replace(rest, stops=(*rest.stops, pinned), initial_routes=routes)
    began = time.perf_counter()
    after = solve(assigned, networks, REPLAN_PARAMS)
    assign_s = time.perf_counter() - began
    served = any(v.stop_id == "report" for r in after.routes if r.team_id == chosen
                 for v in r.visits)

    began = time.perf_counter()
    solve(with_report, networks, REPLAN_PARAMS)
    reference_s = time.perf_counter() - began

    met = "met" if recommend_s < RECOMMEND_TARGET_S else "MISSED"
    print(f"  ranked recommendation ({len(ranked)} options) {recommend_s:6.2f} s  "
          f"target < {RECOMMEND_TARGET_S:g} s {met}"
          f"; reference re-plan {reference_s:.2f} s, ratio {reference_s / recommend_s:.1f}x")
    print(f"  assigned to {chosen}, re-planned    {assign_s:6.2f} s  "
          f"target < {ASSIGN_TARGET_S:g} s {'met' if assign_s < ASSIGN_TARGET_S else 'MISSED'}"
          f"; report served by {chosen}: {served}")


if __name__ == "__main__":
    main()
