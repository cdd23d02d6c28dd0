"""What one team's link may send in a while is bounded (PATROL_TEAM_RATE): past it the
phone gets 429 and keeps the check-in to send again; other teams go on."""

from __future__ import annotations

import shutil
import uuid
from datetime import timedelta
from pathlib import Path

from tests.webapp.conftest import make_app
from webapp.resources import resources
from webapp.teamlinks import team_link_url


def test_a_link_that_sends_too_much_is_slowed_and_others_are_not(planned_dir: Path,
                                                                 tmp_path: Path) -> None:
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    app = make_app({"DATA_DIR": str(root), "TEAM_RATE": "3/60"}, worker=False)
    with app.test_request_context():
        plan = resources().latest_plan()
        assert plan is not None
        tokens = {t: team_link_url(plan, t).rsplit("/t/", 1)[1] for t in ("T1", "T2")}
        visits = {t: [v.key for v in plan.route(t).visits] for t in ("T1", "T2")}
    phone = app.test_client(role=None)

    def send(team: str, k: int) -> int:
        at = plan.shift_start + timedelta(minutes=10 + k)
        return phone.post(f"/api/t/{tokens[team]}/checkins", json={
            "id": str(uuid.uuid4()), "visit": visits[team][k % len(visits[team])],
            "outcome": "checked_nobody", "recorded_at": at.isoformat()}).status_code

    assert [send("T1", k) for k in range(3)] == [201, 201, 201]
    refused = phone.post(f"/api/t/{tokens['T1']}/checkins", json={})
    assert refused.status_code == 429
    assert "sends again" in refused.get_json()["error"]["message"]
    assert send("T2", 0) == 201
    assert phone.get(f"/t/{tokens['T1']}").status_code == 200  # reading is not limited
