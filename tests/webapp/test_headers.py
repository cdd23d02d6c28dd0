"""Security headers: a policy that runs only our own scripts, on every answer of the app."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask

from maps.basemap import choose_basemap
from tests.webapp.conftest import make_app
from tests.webapp.hostile_city import HostileCity, build_hostile_city, role_for
from webapp.headers import content_security_policy, tile_origins, with_nonce

TEMPLATES = Path(__file__).parents[2] / "webapp" / "templates"
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's parser reads them."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handlers(self) -> list[tuple[str, str]]:
        """``(tag, attribute)`` of each inline event handler (``onclick=...``)."""
        return [(tag, name) for tag, attrs in self.tags for name in attrs
                if name.startswith("on")]

    def inline_scripts(self) -> list[dict[str, str | None]]:
        """The attributes of each script that runs its own text (not a file, not data)."""
        return [attrs for tag, attrs in self.tags if tag == "script"
                and "src" not in attrs and attrs.get("type") != "application/json"]


@pytest.fixture(scope="module")
def city(demo_workspace, tmp_path_factory: pytest.TempPathFactory) -> HostileCity:  # type: ignore[no-untyped-def]
    """The demo city with hostile texts, planned for tonight."""
    return build_hostile_city(demo_workspace, tmp_path_factory.mktemp("headers") / "city",
                              make_app)


def _policy(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in header.split("; ")}


def test_every_page_carries_the_policy_and_its_companions(city: HostileCity) -> None:
    """Each page answers 200 with the CSP (own scripts, no framing), nosniff, and no
    referrer to other sites."""
    for name, url in city.pages().items():
        answer = city.app.test_client(role=role_for(name)).get(url, follow_redirects=True)
        assert answer.status_code == 200, name
        policy = _policy(answer.headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["script-src"][0] == "'self'" and len(policy["script-src"]) == 2
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["script-src"]
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert "geolocation=(self)" in answer.headers["Permissions-Policy"]


def test_every_inline_script_carries_this_answers_nonce(city: HostileCity) -> None:
    """Inline scripts run only with the answer's nonce, new on each answer; data blocks
    (``application/json``) and our own files need none; no tag has an inline handler."""
    seen = set()
    for name, url in city.pages().items():
        answer = city.app.test_client(role=role_for(name)).get(url, follow_redirects=True)
        source = _policy(answer.headers["Content-Security-Policy"])["script-src"][1]
        nonce = source.removeprefix("'nonce-").removesuffix("'")
        seen.add(nonce)
        tags = Tags(answer.get_data(as_text=True))
        assert tags.handlers() == [], name
        for attributes in tags.inline_scripts():
            assert attributes.get("nonce") == nonce, (name, attributes)
    assert len(seen) == len(city.pages())


def test_templates_hold_no_inline_script_or_handler() -> None:
    """A template's scripts are files or JSON data, or carry the nonce; no on...= handlers."""
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for attributes in _SCRIPT.findall(text):
            assert ("src=" in attributes or "application/json" in attributes
                    or "csp_nonce()" in attributes), (template.name, attributes)
        assert not re.search(r"\son[a-z]+=", text), template.name


def test_static_files_and_errors_carry_the_headers_too(app: Flask) -> None:
    """A script file and a 404 answer also forbid sniffing and framing."""
    client = app.test_client()
    for url in ("/static/team.js", "/no/such/page"):
        answer = client.get(url)
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("kind", "settings", "origins"), [
    ("roads", {}, []),
    ("tiles", {"tiles": "https://tiles.example.gov.cn:8443/{z}/{x}/{y}.png"},
     ["https://tiles.example.gov.cn:8443"]),
    ("tiles", {"tiles": "/tiles/{z}/{x}/{y}.png"}, []),
    ("tiles", {"tiles": "https://{s}.tile.example.org/{z}/{x}/{y}.png"},
     ["https://a.tile.example.org", "https://b.tile.example.org", "https://c.tile.example.org"]),
    ("amap", {}, [f"https://webrd0{n}.is.autonavi.com" for n in "1234"]),
    ("tianditu", {"tianditu_key": "abc123"}, [f"https://t{n}.tianditu.gov.cn" for n in "01234567"]),
])
def test_tile_hosts_of_the_basemap_may_send_images(kind: str, settings: dict[str, str],
                                                   origins: list[str]) -> None:
    """Only the configured basemap's tile servers join ``img-src``; no tiles, no hosts."""
    found = tile_origins(choose_basemap(kind, **settings))
    assert found == origins
    policy = _policy(content_security_policy("n0nce", found))
    assert policy["img-src"] == ["'self'", "data:", "blob:", *origins]
    assert policy["connect-src"] == ["'self'"]


def test_a_city_tile_server_is_allowed_in_the_apps_policy(planned_dir: Path) -> None:
    """With PATROL_TILES set, the app's pages allow that server's images and no other."""
    app = make_app({"DATA_DIR": str(planned_dir),
                    "TILES": "https://tiles.example.gov.cn/{z}/{x}/{y}.png"})
    header = app.test_client().get("/").headers["Content-Security-Policy"]
    assert _policy(header)["img-src"][-1] == "https://tiles.example.gov.cn"


def test_with_nonce_marks_every_script_tag(app: Flask) -> None:
    """A rendered map header's script tags, inline or not, get the request's nonce."""
    with app.test_request_context():
        marked = with_nonce('<script src="/a.js"></script><SCRIPT>x()</SCRIPT><scripts>')
        nonce = re.findall(r'nonce="([^"]+)"', marked)
    assert len(nonce) == 2 and nonce[0] == nonce[1] and "<scripts>" in marked
