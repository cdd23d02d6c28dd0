"""Staff accounts: signing in and out, one-time passwords, CSRF, sessions that end."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from dispatch.models import Account
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from tests.webapp.conftest import make_app, password_of


def _form_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def _sign_in(client: FlaskClient, name: str, password: str, next_page: str = ""):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": _form_token(client), "next": next_page})


def test_signing_in_goes_back_to_the_page_asked_for(app: Flask) -> None:
    client = app.test_client(role=None)
    first = client.get("/coverage?night=x")
    assert first.status_code == 302
    assert first.headers["Location"] == "/login?next=%2Fcoverage%3Fnight%3Dx"
    answer = _sign_in(client, "manager", password_of("manager"), "/coverage")
    assert answer.status_code == 302 and answer.headers["Location"] == "/coverage"
    assert client.get("/figures").status_code == 200
    assert client.get("/roster/").status_code == 403  # a manager only reads


def test_a_wrong_name_and_a_wrong_password_get_the_same_answer(app: Flask) -> None:
    client = app.test_client(role=None)
    wrong_password = _sign_in(client, "dispatcher", "not-the-password")
    wrong_name = _sign_in(client, "nobody-here", "not-the-password")
    assert wrong_password.status_code == wrong_name.status_code == 401
    assert "用户名或密码不对" in wrong_password.get_data(as_text=True)
    assert "用户名或密码不对" in wrong_name.get_data(as_text=True)
    assert client.get("/api/plan").status_code == 401


def test_signing_in_never_leads_off_the_site(app: Flask) -> None:
    client = app.test_client(role=None)
    answer = _sign_in(client, "dispatcher", password_of("dispatcher"), "https://evil.example/")
    assert answer.headers["Location"] == "/"
    again = _sign_in(app.test_client(role=None), "dispatcher", password_of("dispatcher"),
                     "//evil.example/x")
    assert again.headers["Location"] == "/"


def test_guessing_is_slowed_down_per_name(planned_dir: Path, tmp_path: Path) -> None:
    """After LOGIN_RATE failures a name is refused for a while, even with the right password."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    app = make_app({"DATA_DIR": str(root), "LOGIN_RATE": "3/300"})
    client = app.test_client(role=None)
    for _ in range(3):
        assert _sign_in(client, "admin", "guess-guess-guess").status_code == 401
    blocked = _sign_in(client, "admin", password_of("admin"))
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(
        private_app: Flask) -> None:
    client = private_app.test_client()
    before = client.get("/api/hotspots").get_json()
    refused = client.post("/api/hotspots", json={"name": "x"},
                          headers={"X-CSRFToken": "forged"})
    assert refused.status_code == 400
    assert "reload the page" in refused.get_json()["error"]["message"]
    form = client.post("/roster/", data={"name": "Team X"}, headers={"X-CSRFToken": ""})
    assert form.status_code == 400
    assert client.get("/api/hotspots").get_json() == before


def test_signing_out_ends_the_session(app: Flask) -> None:
    client = app.test_client(role=None)
    _sign_in(client, "dispatcher", password_of("dispatcher"))
    assert client.get("/roster/").status_code == 200
    client.post("/logout", data={"csrf_token": _form_token(client, "/roster/")})
    assert client.get("/roster/").status_code == 302


def test_sessions_end_and_their_cookie_is_guarded(app: Flask) -> None:
    client = app.test_client(role=None)
    answer = _sign_in(client, "dispatcher", password_of("dispatcher"))
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert app.permanent_session_lifetime.total_seconds() == 12 * 3600


def test_a_new_password_ends_the_other_sessions(private_app: Flask) -> None:
    desk = private_app.test_client(role=None)
    laptop = private_app.test_client(role=None)
    for client in (desk, laptop):
        _sign_in(client, "dispatcher", password_of("dispatcher"))
    changed = desk.post("/account/password", data={
        "current": password_of("dispatcher"),
        "password": "a-brand-new-one-2", "again": "a-brand-new-one-2",
        "csrf_token": _form_token(desk, "/account/password")})
    assert changed.status_code == 302
    assert desk.get("/roster/").status_code == 200
    assert laptop.get("/roster/").status_code == 302
    mismatch = desk.post("/account/password", data={
        "current": "a-brand-new-one-2",
        "password": "another-new-one-3", "again": "different-one-4",
        "csrf_token": _form_token(desk, "/account/password")})
    assert mismatch.status_code == 400 and "differ" in mismatch.get_data(as_text=True)


def test_user_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from webapp.cli import cli

    runner = CliRunner()
    added = runner.invoke(cli, ["--data-dir", str(tmp_path), "user", "add", "--role",
                                "dispatcher", "li.wei", "--password-stdin"],
                          input="night-shift-2026\n")
    assert added.exit_code == 0, added.output
    assert "li.wei" in added.output
    short = runner.invoke(cli, ["--data-dir", str(tmp_path), "user", "add", "--role",
                                "manager", "zhang", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    taken = runner.invoke(cli, ["--data-dir", str(tmp_path), "user", "add", "--role",
                                "manager", "LI.WEI", "--password-stdin"],
                          input="another-password\n")
    assert taken.exit_code == 1 and "taken" in taken.output
    listed = runner.invoke(cli, ["--data-dir", str(tmp_path), "user", "list"])
    assert "li.wei" in listed.output and "zhang" not in listed.output
    app = make_app({"DATA_DIR": str(tmp_path)})
    client = app.test_client(role=None)
    assert _sign_in(client, "li.wei", "night-shift-2026").status_code == 302
    assert client.get("/api/dispatch/board").status_code != 401


def test_the_first_run_prints_a_one_time_administrator_password(tmp_path: Path) -> None:
    """Without a terminal the first administrator gets a password that must be replaced."""
    from webapp.usercli import ensure_administrator

    workspace = Workspace.locate(tmp_path / "fresh")
    import click.testing

    runner = click.testing.CliRunner()
    with runner.isolation() as (out, _err, _log):
        ensure_administrator(workspace)
        ensure_administrator(workspace)  # only the first run makes one
    printed = out.getvalue().decode()
    assert printed.count("one-time password") == 1
    once = re.search(r"one-time password (\S+)", printed).group(1)  # type: ignore[union-attr]
    engine = open_engine(workspace.database_url)
    with session_factory(engine)() as session:
        admin = session.scalars(select(Account)).one()
    engine.dispose()
    assert admin.role == "admin" and admin.must_change and once not in admin.password_hash

    from webapp import create_app

    app = create_app({"TESTING": True, "DATA_DIR": str(workspace.root)})
    client = app.test_client()
    answer = _sign_in(client, "admin", once)
    assert answer.headers["Location"] == "/account/password"
    assert client.get("/figures").headers["Location"] == "/account/password"
    client.post("/account/password", data={
        "current": once, "password": "my-own-password-1", "again": "my-own-password-1",
        "csrf_token": _form_token(client, "/account/password")})
    assert client.get("/figures").status_code != 302


def test_the_case_log_keeps_phone_numbers_for_administrators_only(private_app: Flask) -> None:
    """A manager's export leaves out the reporter's phone and phones typed into the text."""
    from tests.webapp.test_live import _hotspot_point

    lon, lat, _ = _hotspot_point(private_app)
    public = private_app.test_client(role=None)
    sent = public.post("/api/reports", json={
        "lon": lon, "lat": lat, "people": 1, "contact": "13800138000",
        "seen": "老人在桥下，家属电话 139-1234-5678 an old man under the bridge"})
    assert sent.status_code == 201, sent.get_json()
    night = private_app.test_client().get("/api/dispatch/board").get_json()["night"]
    query = f"?from={night}&to={night}"
    manager = private_app.test_client(role="manager")
    plain = manager.get("/cases.csv" + query)
    assert plain.status_code == 200
    text = plain.get_data().decode("utf-8-sig")
    assert sent.get_json()["reference"] in text and "老人在桥下" in text
    assert "13800138000" not in text and "1234-5678" not in text and "phone withheld" in text
    assert manager.get("/cases.csv" + query + "&personal=1").status_code == 403
    assert private_app.test_client().get("/cases.xlsx" + query + "&personal=1").status_code == 403
    admin = private_app.test_client(role="admin").get("/cases.csv" + query + "&personal=1")
    assert admin.status_code == 200 and "13800138000" in admin.get_data().decode("utf-8-sig")
    excel = manager.get("/cases.xlsx" + query)
    assert excel.status_code == 200 and excel.data[:2] == b"PK"


def test_a_manager_sees_the_overview_without_the_teams_links(app: Flask) -> None:
    """A team's link is its key: the overview hands links out to dispatchers only."""
    managers = app.test_client(role="manager").get("/").get_data(as_text=True)
    dispatchers = app.test_client().get("/").get_data(as_text=True)
    assert "/t/" not in managers and "队伍链接 Team links" not in managers
    assert "/t/" in dispatchers and "队伍链接 Team links" in dispatchers


def test_an_administrator_manages_accounts_on_the_page(private_app: Flask) -> None:
    """Add with a one-time password shown once, reset, change a role; the last admin stays."""
    admin = private_app.test_client(role="admin")
    page = admin.get("/users").get_data(as_text=True)
    assert 'data-account="dispatcher"' in page and 'data-account="manager"' in page
    added = admin.post("/users", data={"name": "zhao.lei", "role": "manager"})
    once = re.search(r'<code id="one-time">([^<]+)</code>', added.get_data(as_text=True))
    assert added.status_code == 200 and once
    newcomer = private_app.test_client(role=None)
    assert _sign_in(newcomer, "zhao.lei", once.group(1)).headers["Location"] == \
        "/account/password"
    taken = admin.post("/users", data={"name": "ZHAO.LEI", "role": "manager"})
    assert taken.status_code == 400 and "taken" in taken.get_data(as_text=True)

    with private_app.app_context():
        from webapp.resources import resources

        with resources().sessions() as session:
            ids = {a.name: a.id for a in session.scalars(select(Account))}
    dispatcher = private_app.test_client()
    assert dispatcher.get("/roster/").status_code == 200
    admin.post(f"/users/{ids['dispatcher']}/reset")
    assert dispatcher.get("/roster/").status_code == 302  # its session ended
    admin.post(f"/users/{ids['manager']}/role", data={"role": "dispatcher"})
    assert private_app.test_client(role="manager").get("/roster/").status_code == 200
    last = admin.post(f"/users/{ids['admin']}/role", data={"role": "manager"})
    assert last.status_code == 400 and "keep at least one administrator" in last.get_data(
        as_text=True)
    assert admin.post(f"/users/{ids['admin']}/remove").status_code == 400
    assert private_app.test_client(role="manager").get("/users").status_code == 403
