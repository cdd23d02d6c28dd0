"""Fixtures for the web app and the command line: a demo city planned once per session."""

from __future__ import annotations

import re
import shutil
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from dispatch.accounts import Role
from dispatch.city import build_city, demo_source
from dispatch.models import Account
from dispatch.night import NightOptions
from dispatch.planning import plan_and_save
from dispatch.staffsessions import open_session
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.solve import SolveParams
from webapp import create_app
from webapp.cli import cli

#: The staff accounts every test data directory holds: one per role, named for it.
ROLES = tuple(r.value for r in Role)


def password_of(role: str) -> str:
    return f"{role}-password-1"


@cache
def _hash_of(role: str) -> str:
    """Argon2 hashes made once per test session (hashing is slow on purpose)."""
    return PasswordHasher().hash(password_of(role))


def seed_accounts(root: Path) -> None:
    """An ``admin``, a ``dispatcher`` and a ``manager`` in the data directory, if missing."""
    engine = open_engine(Workspace.locate(root).ensure().database_url)
    with session_factory(engine).begin() as session:
        have = set(session.scalars(select(Account.name)))
        session.add_all(Account(name=role, role=role, password_hash=_hash_of(role),
                                created_at=datetime.now(UTC))
                        for role in ROLES if role not in have)
    engine.dispose()


class RoleClient(FlaskClient):
    """A test client signed in as ``role`` (None: nobody) that sends the CSRF token itself.

    The session is opened directly on the server (signing in through the form is tested
    on its own); the CSRF token is read from a page, as a browser's script reads it.
    """

    def __init__(self, *args: Any, role: str | None = "dispatcher", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.csrf = ""
        if role is not None:
            with self.application.extensions["patrol"].sessions.begin() as db:
                account = db.scalar(select(Account).where(Account.name == role))
                assert account is not None, f"no {role} account: make the app with make_app"
                key = open_session(db, account)
            with self.session_transaction() as session:
                session["_user_id"] = key
                session["_fresh"] = True
                session.permanent = True
        page = super().open("/login", method="GET")
        found = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        self.csrf = found.group(1) if found else ""

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def,override]
        method = str(kwargs.get("method", "GET")).upper()
        if self.csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


class ThreadWorker:
    """Huey's own worker loop on the app's queue, in a thread of the test process.

    The queue and every job are real (the SQLite queue in the data directory, the job's
    record, its search); only the worker runs in a thread instead of the process that
    ``patrol serve`` starts, so a test needs no second interpreter. The tests of the
    worker process itself start ``patrol worker``.
    """

    def __init__(self, app: Flask) -> None:
        from huey.consumer import Worker

        self.stop = threading.Event()
        self.worker = Worker(app.extensions["patrol"].queue.huey, self.stop, 0.02, 0.5, 1.5)
        self.thread = threading.Thread(target=self._run, daemon=True, name="test-worker")
        self.thread.start()

    def _run(self) -> None:
        self.worker.initialize()
        while not self.stop.is_set():
            self.worker.loop()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


_WORKERS: list[ThreadWorker] = []


@pytest.fixture(autouse=True, scope="session")
def _stop_workers() -> Iterator[None]:
    """Workers still running at the end of the session stop (those of module apps)."""
    yield
    while _WORKERS:
        _WORKERS.pop().close()


@pytest.fixture(autouse=True)
def _stop_workers_of_the_test() -> Iterator[None]:
    """The workers a test's own apps started stop with the test (a module's app is made
    before this runs, so its worker goes on): idle workers would otherwise keep polling
    and slow every later search of the session."""
    first = len(_WORKERS)
    yield
    while len(_WORKERS) > first:
        _WORKERS.pop().close()


def make_app(config: dict[str, Any], *, worker: bool = True) -> Flask:
    """The app with staff accounts in its data directory and signed-in test clients; its
    jobs are run by a worker thread unless ``worker`` is False."""
    app = create_app({"TESTING": True, **config})
    seed_accounts(app.config["WORKSPACE"].root)
    app.test_client_class = RoleClient
    if worker:
        started = ThreadWorker(app)
        _WORKERS.append(started)
        weakref.finalize(app, started.stop.set)  # the worker ends when its app is gone
    return app


def import_through_page(client: FlaskClient, form: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Upload on /hotspots/import as a person does: the form leads to the job's page, which
    shows the outcome once the worker is done; that final page is returned."""
    answer = client.post("/hotspots/import", data=form, content_type="multipart/form-data")
    if answer.status_code != 303:
        return answer
    location = answer.headers["Location"]
    job = location.split("job=")[1].split("&")[0]
    wait_for_job(client, f"/api/jobs/{job}")
    return client.get(location)


def wait_for_job(client: FlaskClient, status_url: str, timeout_s: float = 180) -> dict[str, Any]:
    """Poll a job's status URL until it ends; its last status."""
    limit = time.monotonic() + timeout_s
    while time.monotonic() < limit:
        status = client.get(status_url).get_json()
        if status["state"] in ("done", "failed"):
            return dict(status)
        time.sleep(0.1)
    raise AssertionError(f"job {status_url} still {status['state']} after {timeout_s} s")


@pytest.fixture(scope="session")
def planned_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the demo city and one planned night (3 teams, 1 on foot)."""
    workspace = Workspace.locate(tmp_path_factory.mktemp("webapp-city"))
    build_city(workspace, demo_source(workspace), "赫尔辛基 Helsinki (demo)")
    plan_and_save(workspace, NightOptions(teams=3, on_foot=1),
                  params=SolveParams(time_limit_s=120, solution_limit=100))
    seed_accounts(workspace.root)
    return workspace.root


@pytest.fixture()
def app(planned_dir: Path) -> Flask:
    """The app on the planned demo city."""
    return make_app({"DATA_DIR": str(planned_dir)})


@pytest.fixture()
def private_app(planned_dir: Path, tmp_path: Path) -> Flask:
    """The app on a private copy of the planned city, for tests that write to it."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    return make_app({"DATA_DIR": str(root)})


#: The live board's clock in tests: 21:00 of the planned night.
NOW = "21:00"


@pytest.fixture()
def live_app(planned_dir: Path, tmp_path: Path) -> Flask:
    """A private copy of the planned demo city, its clock held at 21:00 of the planned night."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    return make_app({"DATA_DIR": str(root), "DISPATCH_NOW": NOW,
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
    return make_app({"DATA_DIR": str(tmp_path / "empty")})


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


def sign_in(page: Any, base_url: str, role: str = "dispatcher") -> None:
    """Sign ``page``'s browser context in as the test account of ``role``, through the form."""
    page.goto(base_url + "/login")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", password_of(role))
    with page.expect_navigation():
        page.click("form.stacked button")


#: Paths that need no account: a team's link, the public report form.
_OPEN_PATHS = ("/t/", "/report", "/login")


@pytest.fixture()
def open_page(browser):  # type: ignore[no-untyped-def]
    """Open a URL in a new page, recording every host asked for and every console error.

    Returns ``(page, hosts, errors)``; ``before`` is a script run before the page's own.
    Staff pages are opened signed in as ``role``.
    """
    pages = []

    def open_url(url: str, viewport: dict[str, int], before: str | None = None,  # type: ignore[no-untyped-def]
                 role: str | None = "dispatcher"):
        page = browser.new_page(viewport=viewport)
        pages.append(page)
        parts = urlparse(url)
        if role is not None and not parts.path.startswith(_OPEN_PATHS):
            sign_in(page, f"{parts.scheme}://{parts.netloc}", role)
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
