"""A dispatcher reissues one team's link of the night (a lost or forwarded phone): the old
link stops at once, the new one works, other teams' links are untouched."""

from __future__ import annotations

import re

from flask import Flask

from webapp.resources import resources
from webapp.teamlinks import team_link_url


def _links(app: Flask) -> dict[str, str]:
    with app.test_request_context():
        plan = resources().latest_plan()
        assert plan is not None
        return {t: team_link_url(plan, t).rsplit("/t/", 1)[1] for t in ("T1", "T2")}


def test_reissuing_a_link_ends_the_old_one_only(private_app: Flask) -> None:
    before = _links(private_app)
    dispatcher = private_app.test_client()
    page = dispatcher.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert "New link" in page
    answer = dispatcher.post("/teams/T1/reissue", data={"csrf_token": token})
    assert answer.status_code == 302 and "#link-T1" in answer.headers["Location"]
    after = _links(private_app)
    phone = private_app.test_client(role=None)
    old = phone.get(f"/t/{before['T1']}")
    assert old.status_code == 403 and "replaced" in old.get_data(as_text=True)
    assert phone.get(f"/api/t/{before['T1']}/checkins").status_code == 403
    assert phone.get(f"/t/{after['T1']}").status_code == 200
    assert after["T2"] == before["T2"] and phone.get(f"/t/{before['T2']}").status_code == 200
    assert after["T1"] in dispatcher.get("/").get_data(as_text=True)
    # A manager may not reissue links.
    assert private_app.test_client(role="manager").post(
        "/teams/T2/reissue", data={"csrf_token": token}).status_code in (400, 403)
