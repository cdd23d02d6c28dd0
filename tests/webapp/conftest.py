"""Fixtures for the web app and the command line: a demo city planned once per session."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from dispatch.city import build_city, demo_source
from dispatch.night import NightOptions
from dispatch.planning import plan_and_save
from dispatch.workspace import Workspace
from routes.solve import SolveParams
from webapp import create_app
from webapp.cli import cli


@pytest.fixture(scope="session")
def planned_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the demo city and one planned night (3 teams, 1 on foot)."""
    workspace = Workspace.locate(tmp_path_factory.mktemp("webapp-city"))
    build_city(workspace, demo_source(workspace), "赫尔辛基 Helsinki (demo)")
    plan_and_save(workspace, NightOptions(teams=3, on_foot=1),
                  params=SolveParams(time_limit_s=120, solution_limit=100))
    return workspace.root


@pytest.fixture()
def app(planned_dir: Path) -> Flask:
    """The app on the planned demo city."""
    return create_app({"TESTING": True, "DATA_DIR": str(planned_dir)})


@pytest.fixture()
def private_app(planned_dir: Path, tmp_path: Path) -> Flask:
    """The app on a private copy of the planned city, for tests that write to it."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    return create_app({"TESTING": True, "DATA_DIR": str(root)})


#: The live board's clock in tests: 21:00 of the planned night.
NOW = "21:00"


@pytest.fixture()
def live_app(planned_dir: Path, tmp_path: Path) -> Flask:
    """A private copy of the planned demo city, its clock held at 21:00 of the planned night."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    return create_app({"TESTING": True, "DATA_DIR": str(root), "DISPATCH_NOW": NOW,
                       "ASSIGN_SECONDS": 1, "REPORT_RATE": "50/600"})


@pytest.fixture()
def live(live_app: Flask) -> FlaskClient:
    return live_app.test_client()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def empty_app(tmp_path: Path) -> Flask:
    """The app on a data directory with nothing built."""
    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "empty")})


@pytest.fixture()
def run_cli():  # type: ignore[no-untyped-def]
    """Run ``patrol`` with arguments; returns the click Result."""
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return run


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """``app`` served on a free local port (threaded, as waitress serves it); yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless chromium through Playwright (never a browser Playwright downloads)."""
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed: run `make test` as root, or "
                    "`sudo apt-get install chromium`")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def open_page(browser):  # type: ignore[no-untyped-def]
    """Open a URL in a new page, recording every host asked for and every console error.

    Returns ``(page, hosts, errors)``; ``before`` is a script run before the page's own.
    """
    pages = []

    def open_url(url: str, viewport: dict[str, int], before: str | None = None):  # type: ignore[no-untyped-def]
        page = browser.new_page(viewport=viewport)
        pages.append(page)
        hosts: set[str] = set()
        errors: list[str] = []
        page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        if before:
            page.add_init_script(before)
        page.goto(url, wait_until="networkidle")
        return page, hosts, errors

    yield open_url
    for page in pages:
        page.close()
