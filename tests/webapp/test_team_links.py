"""Team links: signed per-team, per-night tokens, their QR codes, and what they open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import make_app
from webapp.teamlinks import team_links
from webapp.tokens import (
    SECRET_FILE,
    TokenExpired,
    TokenRefused,
    make_team_token,
    read_team_token,
)
from webapp.views.pages import current_plan

NIGHT = date(2026, 1, 10)
END = datetime(2026, 1, 11, 2, 0, tzinfo=UTC)


def test_a_token_reads_back_its_team_night_and_expiry(app: Flask) -> None:
    """What goes into a token comes out of it, to the second."""
    with app.app_context():
        found = read_team_token(make_team_token("T2", NIGHT, END), now=END - timedelta(hours=1))
    assert (found.team_id, found.night, found.expires_at) == ("T2", NIGHT, END)


def test_a_changed_token_is_refused(app: Flask) -> None:
    """One changed character, or a token signed with another key, is a 403."""
    with app.app_context():
        token = make_team_token("T1", NIGHT, END)
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        with pytest.raises(TokenRefused):
            read_team_token(tampered, now=END - timedelta(hours=1))
    other = make_app({"DATA_DIR": app.config["DATA_DIR"],
                        "SECRET_KEY": "another key"})
    with other.app_context(), pytest.raises(TokenRefused):
        read_team_token(token, now=END - timedelta(hours=1))


def test_a_token_stops_working_when_it_expires(app: Flask) -> None:
    """At its expiry a token answers 410, with the night in the message."""
    with app.app_context():
        token = make_team_token("T1", NIGHT, END)
        with pytest.raises(TokenExpired, match="2026-01-10"):
            read_team_token(token, now=END)


def test_the_key_is_kept_so_links_survive_a_restart(tmp_path: Path) -> None:
    """Without PATROL_SECRET_KEY the key is made once in the data directory and reused."""
    first = make_app({"DATA_DIR": str(tmp_path)})
    with first.app_context():
        token = make_team_token("T1", NIGHT, END)
    second = make_app({"DATA_DIR": str(tmp_path)})
    with second.app_context():
        assert read_team_token(token, now=END - timedelta(hours=1)).team_id == "T1"
    assert (tmp_path / SECRET_FILE).stat().st_mode & 0o777 == 0o600


def test_team_links_give_an_absolute_url_and_a_qr_code_per_team(app: Flask) -> None:
    """Every team of the plan gets an absolute /t/ link and an inline SVG QR code."""
    with app.test_request_context(base_url="http://patrol.example:8080"):
        plan = current_plan()
        links = team_links(plan)
    assert [link.team_id for link in links] == [r.team_id for r in plan.routes]
    for link in links:
        assert link.url.startswith("http://patrol.example:8080/t/")
        assert link.qr_svg.startswith("<svg") and "<path" in link.qr_svg
    assert len({link.url for link in links}) == len(links)


def test_overview_shows_each_team_link_that_opens_only_that_team(client: FlaskClient) -> None:
    """The dispatcher's page carries each link; each opens its own team's route."""
    page = client.get("/").get_data(as_text=True)
    assert "队伍链接 Team links" in page and page.count('class="qr"') == 3
    plan = client.get("/api/plan").get_json()
    with client.application.test_request_context():
        links = team_links(current_plan())
    for link in links:
        assert link.url in page
        team_page = client.get(link.url)
        assert team_page.status_code == 200
        text = team_page.get_data(as_text=True)
        names = {r["team"]: r["team_name"] for r in plan["routes"]}
        assert names[link.team_id] in text
        assert all(name not in text for team, name in names.items() if team != link.team_id)


def test_refused_links_answer_clearly(client: FlaskClient) -> None:
    """A changed link is a bilingual 403; a link of an earlier night is a 410."""
    answer = client.get("/t/not-a-token")
    assert answer.status_code == 403
    assert "链接无效" in answer.get_data(as_text=True)
    plan = client.get("/api/plan").get_json()
    night = date.fromisoformat(plan["night"]["date"])
    with client.application.app_context():
        old = make_team_token("T1", night - timedelta(days=1),
                              datetime.now(UTC) + timedelta(hours=1))
    answer = client.get(f"/t/{old}")
    assert answer.status_code == 410
    assert "链接已过期" in answer.get_data(as_text=True)


def test_dispatcher_preview_redirects_to_the_team_link(client: FlaskClient) -> None:
    """/teams/<id> sends the dispatcher to the same page the team opens."""
    answer = client.get("/teams/T1")
    assert answer.status_code == 302
    assert "/t/" in answer.headers["Location"]
