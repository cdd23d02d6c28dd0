"""A plan's figures are counted from the plan document itself."""

from __future__ import annotations

import dataclasses

from dispatch.nightplan import NightPlan
from dispatch.planfigures import compare_figures, plan_figures


def test_figures_add_up(demo_plan: NightPlan) -> None:
    """Planned plus left out is required, per risk and in all; km and hours from the routes."""
    figures = plan_figures(demo_plan)
    visits = sum(len(r.visits) for r in demo_plan.routes)
    assert figures.planned == visits
    assert figures.required == visits + len(demo_plan.dropped)
    assert sum(r.planned for r in figures.by_risk) == figures.planned
    assert sum(r.required for r in figures.by_risk) == figures.required
    assert figures.km == round(sum(r.distance_m for r in demo_plan.routes) / 1000, 2)
    assert 0 < figures.team_hours <= 4 * 10
    assert sum(n for _, n in figures.left_out_by_reason) == figures.left_out


def test_comparing_says_what_a_change_cost(demo_plan: NightPlan) -> None:
    """Dropping a team's route shows as fewer checks, fewer km and fewer team-hours."""
    fewer = dataclasses.replace(demo_plan, routes=demo_plan.routes[1:])
    changes = {c.key: c for c in compare_figures(plan_figures(demo_plan), plan_figures(fewer))}
    lost = len(demo_plan.routes[0].visits)
    assert changes["checks planned"].delta == -lost
    assert changes["km"].delta < 0 and changes["team-hours"].delta < 0
