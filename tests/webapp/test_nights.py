"""Each night keeps its own plan: planning tomorrow leaves tonight's team links and the
overview on tonight; another night is shown when asked for."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask

from tests.webapp.conftest import make_app, wait_for_job
from webapp.resources import resources
from webapp.tokens import make_team_token
from webapp.views.pages import current_plan

SETTINGS = {"teams": ["T1", "T2"], "start": "20:00", "end": "06:00", "temperature": -12}


def _app(planned_dir: Path, tmp_path: Path) -> Flask:
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    return make_app({"DATA_DIR": str(root), "PLAN_SECONDS": 60, "PLAN_SOLUTION_LIMIT": 10})


def test_planning_tomorrow_leaves_tonights_links_and_overview_on_tonight(
        planned_dir: Path, tmp_path: Path) -> None:
    app = _app(planned_dir, tmp_path)
    dispatcher = app.test_client()
    with app.test_request_context():
        tonight = current_plan()
        token = make_team_token("T1", tonight.date, tonight.shift_end + timedelta(hours=6))
    team = app.test_client(role=None)
    assert team.get(f"/t/{token}").status_code == 200
    tomorrow = (tonight.date + timedelta(days=1)).isoformat()
    answer = dispatcher.post(f"/api/plan/{tomorrow}/run", json=SETTINGS)
    assert answer.status_code == 202
    assert wait_for_job(dispatcher, answer.get_json()["status_url"])["state"] == "done"
    # Tonight is still a draft; tomorrow's plan is the newest of all.
    assert team.get(f"/t/{token}").status_code == 200
    assert team.get(f"/api/t/{token}/checkins").status_code == 200
    assert dispatcher.get("/api/plan").get_json()["night"]["date"] == tonight.date.isoformat()
    asked = dispatcher.get(f"/api/plan?date={tomorrow}").get_json()
    assert asked["night"]["date"] == tomorrow
    assert tonight.date.isoformat() in dispatcher.get("/").get_data(as_text=True)
    assert dispatcher.get("/api/plan?date=2019-01-01").status_code == 404
    assert dispatcher.get("/api/plan?date=soon").status_code == 400


def test_a_link_of_a_night_without_a_plan(planned_dir: Path, tmp_path: Path) -> None:
    """A past night never planned: the link is over (410); a future one: not yet (404)."""
    app = _app(planned_dir, tmp_path)
    team = app.test_client(role=None)
    later = datetime.now(UTC) + timedelta(days=3)
    with app.test_request_context():
        tonight = resources().tonight()
        past = make_team_token("T1", tonight - timedelta(days=9), later)
        future = make_team_token("T1", tonight + timedelta(days=9), later)
    assert team.get(f"/t/{past}").status_code == 410
    assert team.get(f"/t/{future}").status_code == 404
