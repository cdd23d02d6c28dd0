"""Staff preview a team's page through a link that only shows: a manager (or a dispatcher)
cannot record check-ins or close reports in the team's name through it."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Flask

from dispatch.models import CheckIn
from webapp.resources import resources


def _checkin(visit: str, at: datetime) -> dict[str, object]:
    return {"id": str(uuid.uuid4()), "visit": visit, "outcome": "checked_nobody",
            "recorded_at": at.isoformat()}


def test_a_managers_preview_link_shows_but_never_records(private_app: Flask) -> None:
    manager = private_app.test_client(role="manager")
    answer = manager.get("/teams/T1")
    assert answer.status_code == 302
    link = answer.headers["Location"]
    token = link.rsplit("/t/", 1)[1]
    page = manager.get(f"/t/{token}")
    assert page.status_code == 200 and "Preview" in page.get_data(as_text=True)
    with private_app.app_context():
        plan = resources().latest_plan()
        assert plan is not None
        visit = plan.route("T1").visits[0].key
        at = plan.shift_start
        with resources().sessions() as session:
            before = session.query(CheckIn).count()
    refused = manager.post(f"/api/t/{token}/checkins", json=_checkin(visit, at))
    assert refused.status_code == 403
    assert "preview" in refused.get_json()["error"]["message"].lower()
    step = manager.post(f"/api/t/{token}/reports/XXXX0000/steps", json={"status": "arrived"})
    assert step.status_code == 403
    with private_app.app_context(), resources().sessions() as session:
        assert session.query(CheckIn).count() == before
    # The dispatcher's preview is a preview too; the team's own link still records.
    dispatcher_link = private_app.test_client().get("/teams/T1").headers["Location"]
    assert private_app.test_client(role=None).post(
        f"/api/t/{dispatcher_link.rsplit('/t/', 1)[1]}/checkins",
        json=_checkin(visit, at)).status_code == 403
    with private_app.test_request_context():
        from webapp.teamlinks import team_link_url

        own = team_link_url(plan, "T1").rsplit("/t/", 1)[1]
    assert private_app.test_client(role=None).post(
        f"/api/t/{own}/checkins", json=_checkin(visit, at)).status_code == 201
