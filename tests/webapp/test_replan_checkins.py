"""Check-ins flow back into the plan: ``patrol replan --from-checkins``."""

from __future__ import annotations

import shutil
import uuid
from datetime import timedelta
from pathlib import Path

from dispatch.checkins import checked_visits, parse_checkin, record_checkin
from dispatch.nightplan import NightPlan
from dispatch.planning import latest_plan
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace


def _report(workspace: Workspace, plan: NightPlan, visit: str, outcome: str) -> None:
    arrival = next(v.arrival for r in plan.routes for v in r.visits if v.key == visit)
    data = {"id": str(uuid.uuid4()), "visit": visit, "outcome": outcome, "reason": "locked",
            "recorded_at": (arrival + timedelta(minutes=5)).isoformat()}
    engine = open_engine(workspace.database_url)
    try:
        with session_factory(engine).begin() as session:
            report = parse_checkin(data, team_id=plan.routes[0].team_id, night=plan.date,
                                   visits={visit})
            record_checkin(session, report)
    finally:
        engine.dispose()


def test_replan_counts_visits_the_phones_reported(run_cli, planned_dir: Path,
                                                   tmp_path: Path) -> None:
    """A visit checked on a phone stays done after the re-plan; one that could not be
    checked is planned again."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    workspace = Workspace(root)
    planned = run_cli("--data-dir", str(root), "plan", "--teams", "2", "--time-limit", "5",
                      "--date", "2026-01-15", "--out", str(root / "out"))
    assert planned.exit_code == 0, planned.output
    engine = open_engine(workspace.database_url)
    with session_factory(engine)() as session:
        plan = latest_plan(session)
    assert plan is not None
    first, second = (v.key for v in plan.routes[0].visits[:2])
    _report(workspace, plan, first, "checked_nobody")
    _report(workspace, plan, second, "could_not_check")
    with session_factory(engine)() as session:
        assert checked_visits(session, plan) == [first]
    engine.dispose()
    # After both visits were due: without the check-in the first would be planned again.
    moment = (max(v.arrival for v in plan.routes[0].visits[:2])
              + timedelta(minutes=10)).replace(second=0, microsecond=0)
    now = moment.strftime("%H:%M")
    result = run_cli("--data-dir", str(root), "replan", "--now", now, "--from-checkins")
    assert result.exit_code == 0, result.output
    engine = open_engine(workspace.database_url)
    with session_factory(engine)() as session:
        rest = latest_plan(session)
    engine.dispose()
    assert rest is not None and rest.created_at >= plan.created_at
    planned_first = next(v for r in plan.routes for v in r.visits if v.key == first)
    done_first = next(v for r in rest.routes for v in r.visits if v.key == first)
    assert done_first.arrival == planned_first.arrival  # done stays where it was
    assert any(v.key == second and v.arrival >= moment
               for r in rest.routes for v in r.visits) or any(
        f"{d.hotspot_id}#{d.check}" == second for d in rest.dropped)
