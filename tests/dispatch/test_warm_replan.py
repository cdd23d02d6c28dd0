"""Re-planning a cold night starts from the earlier routes, bridges walked either way."""

from __future__ import annotations

import dataclasses
import logging

import networkx as nx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.cold import DEFAULT_LEVELS, level_for
from dispatch.models import Hotspot, Shelter, TeamBase
from dispatch.night import Night
from dispatch.visits import build_problem
from routes.problem import Mode
from routes.solve import SolveParams, solve


def test_earlier_routes_are_the_first_solution(
        demo_session: Session, demo_night: Night, networks: dict[Mode, nx.MultiDiGraph],
        caplog: pytest.LogCaptureFixture) -> None:
    """At −12 °C (spaced checks, sweeps of bridges and underpasses) a search that stops at
    its first solution gives back the earlier routes exactly."""
    night = dataclasses.replace(demo_night, temperature=-12.0, break_minutes=0)
    hotspots = list(demo_session.scalars(select(Hotspot).where(Hotspot.active)))
    bases = {b.id: b for b in demo_session.scalars(select(TeamBase))}
    shelters = list(demo_session.scalars(select(Shelter)))
    problem = build_problem(night, hotspots, bases, shelters, level_for(DEFAULT_LEVELS, -12))
    assert any(s.sweep is not None for s in problem.stops) and problem.spacing
    first = solve(problem, networks, SolveParams(time_limit_s=30, solution_limit=30))
    earlier = {r.team_id: tuple(v.stop_id for v in r.visits) for r in first.routes}
    with caplog.at_level(logging.INFO, logger="routes.model"):
        again = solve(dataclasses.replace(problem, initial_routes=earlier), networks,
                      SolveParams(time_limit_s=30, solution_limit=1))
    assert "do not fit" not in caplog.text
    assert {r.team_id: tuple(v.stop_id for v in r.visits) for r in again.routes} == earlier
