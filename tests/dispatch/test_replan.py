"""Re-planning the rest of a night: done stays done, the rest starts from where teams are."""

from __future__ import annotations

from datetime import timedelta

import networkx as nx
import pytest
from sqlalchemy.orm import Session

from dispatch.categories import load_categories
from dispatch.cold import DEFAULT_LEVELS
from dispatch.errors import ValidationError
from dispatch.nightplan import NightPlan
from dispatch.replan import replan_rest
from dispatch.workspace import Workspace
from routes.problem import Mode
from routes.solve import SolveParams

QUICK = SolveParams(time_limit_s=120, solution_limit=30)
MILD = DEFAULT_LEVELS[-1]


@pytest.fixture()
def rest(demo_plan: NightPlan, demo_session: Session, demo_workspace: Workspace,
         networks: dict[Mode, nx.MultiDiGraph]) -> tuple[set[str], NightPlan]:
    """The demo night re-planned an hour in, after each team's first two checks."""
    done = {v.key for r in demo_plan.routes for v in r.visits[:2]}
    now = demo_plan.shift_start + timedelta(hours=1)
    again = replan_rest(demo_session, demo_plan, now=now, done=done, networks=networks,
                        categories=load_categories(demo_workspace.root), level=MILD,
                        params=QUICK)
    return done, again


def test_done_visits_stay_first_and_unchanged(demo_plan: NightPlan, rest) -> None:  # type: ignore[no-untyped-def]
    """Each team's done checks open its re-planned route, at the times they were made."""
    done, again = rest
    for route in again.routes:
        before = demo_plan.route(route.team_id)
        kept = [v for v in before.visits if v.key in done]
        assert [(v.key, v.arrival) for v in route.visits[:len(kept)]] == \
            [(v.key, v.arrival) for v in kept]
        assert [v.seq for v in route.visits] == list(range(1, len(route.visits) + 1))


def test_the_rest_starts_after_now_from_the_last_check(demo_plan: NightPlan, rest) -> None:  # type: ignore[no-untyped-def]
    """New visits come after the re-plan time; the first new leg leaves the last check."""
    done, again = rest
    now = demo_plan.shift_start + timedelta(hours=1)
    for route in again.routes:
        new = [v for v in route.visits if v.key not in done]
        assert all(v.arrival >= now for v in new)
        kept = [v for v in route.visits if v.key in done]
        if kept and new:
            assert route.leg_to(new[0].key).from_id == kept[-1].key


def test_nothing_is_lost_or_doubled(demo_plan: NightPlan, rest) -> None:  # type: ignore[no-untyped-def]
    """Every check of the night is planned once or left out with a reason."""
    _, again = rest
    before = {v.key for r in demo_plan.routes for v in r.visits}
    before |= {f"{d.hotspot_id}#{d.check}" for d in demo_plan.dropped}
    after = [v.key for r in again.routes for v in r.visits]
    after += [f"{d.hotspot_id}#{d.check}" for d in again.dropped]
    assert sorted(after) == sorted(before)


def test_replanning_outside_the_shift_is_refused(
    demo_plan: NightPlan, demo_session: Session, demo_workspace: Workspace,
    networks: dict[Mode, nx.MultiDiGraph],
) -> None:
    """A re-plan time after the shift ends says to re-plan during the night."""
    with pytest.raises(ValidationError, match="outside the shift"):
        replan_rest(demo_session, demo_plan, now=demo_plan.shift_end + timedelta(hours=1),
                    done=set(), networks=networks,
                    categories=load_categories(demo_workspace.root), level=MILD)
