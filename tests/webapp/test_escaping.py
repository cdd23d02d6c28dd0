"""Hostile text typed by users reaches every page as text and every JSON answer as data."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.webapp.conftest import make_app, wait_for_job
from tests.webapp.hostile_city import HOSTILE, HostileCity, build_hostile_city, role_for
from tests.webapp.test_headers import Tags

#: Pages that show user text in their HTML (not only in a map), and the hostile texts each
#: must show as text (the shelter page its shelters' names, once its search is done).
SHOWN = {"overview": HOSTILE, "plan": HOSTILE, "roster": HOSTILE[:1], "coverage": HOSTILE,
         "phone": HOSTILE, "print": HOSTILE, "compare": HOSTILE[:2],
         "roster team": HOSTILE[:1], "shelters": HOSTILE[2:]}


@pytest.fixture(scope="module")
def city(demo_workspace, tmp_path_factory: pytest.TempPathFactory) -> HostileCity:  # type: ignore[no-untyped-def]
    """The demo city with hostile texts, the live board's clock at 21:00 tonight."""
    return build_hostile_city(demo_workspace, tmp_path_factory.mktemp("escaping") / "city",
                              make_app, DISPATCH_NOW="21:00")


def test_no_page_carries_hostile_markup(city: HostileCity) -> None:
    """No page holds a hostile text raw, nor an element or handler it would inject; pages
    that show names show them escaped, readable as the text that was typed."""
    for name, url in city.pages().items():
        client = city.app.test_client(role=role_for(name))
        page = _answered(client, url).get_data(as_text=True)
        for text in HOSTILE:
            assert text not in page, (name, text)
        tags = Tags(page)
        assert tags.handlers() == [], name
        assert not [t for t, attrs in tags.tags if t == "svg" and "onload" in attrs], name
        assert not [t for t, attrs in tags.tags if t == "img" and attrs.get("src") == "x"], name
        shown = html.unescape(page)
        for text in SHOWN.get(name, ()):
            assert text in shown, (name, text)


def test_json_answers_carry_the_text_unchanged_as_json(city: HostileCity) -> None:
    """The API hands the typed text back exactly, as JSON the browser will not sniff as HTML."""
    client = city.app.test_client()
    token = city.team_link.rsplit("/", 1)[1]
    for url in ("/api/plan", "/api/plan.geojson", "/api/hotspots", "/api/dispatch/board",
                f"/t/{token}/route.json", f"/api/t/{token}/checkins",
                "/api/shelter-reach.geojson"):
        answer = _answered(client, url)
        assert answer.status_code == 200, url
        assert answer.mimetype in ("application/json", "application/geo+json"), url
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        values = "\n".join(_strings(answer.get_json()))
        assert any(h in values for h in HOSTILE), url


def test_the_public_status_page_shows_no_report_text(city: HostileCity) -> None:
    """A reporter's status page shows the reference and status, never what was reported."""
    client = city.app.test_client(role=None)
    page = client.get(city.pages()["status"]).get_data(as_text=True)
    assert city.reports[0] in page
    for text in HOSTILE:
        assert text not in html.unescape(page)


def _answered(client: FlaskClient, url: str) -> TestResponse:
    """``url``'s answer once the search it waits for is done: a worker searches shelter
    reach, and until then the page shows a box polling the job, the API a 202 naming it."""
    answer = client.get(url, follow_redirects=True)
    if answer.status_code == 202:
        status_url = answer.get_json()["status_url"]
    else:
        box = re.search(r'id="job-wait" data-status-url="([^"]+)"', answer.get_data(as_text=True))
        if box is None:
            return answer
        status_url = html.unescape(box.group(1))
    status = wait_for_job(client, status_url)
    assert status["state"] == "done", (url, status)
    answer = client.get(url, follow_redirects=True)
    assert "job-wait" not in answer.get_data(as_text=True), url
    return answer


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
