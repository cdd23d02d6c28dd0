"""Sessions end when they should: sign-out, a new password or role, a removed account end
them on the server, so a copied cookie stops working; the cookie holds nothing of the
password, and changing one's password asks for the current one."""

from __future__ import annotations

import json
import re

from flask import Flask
from flask.testing import FlaskClient

from dispatch.models import Account
from tests.webapp.conftest import password_of
from webapp.resources import resources


def _form_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _sign_in(app: Flask, name: str) -> FlaskClient:
    client = app.test_client(role=None)
    answer = client.post("/login", data={"username": name, "password": password_of(name),
                                         "csrf_token": _form_token(client, "/login")})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def _copy(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client(role=None)
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_copied_cookie_stops_working_at_sign_out(private_app: Flask) -> None:
    desk = _sign_in(private_app, "dispatcher")
    thief = _copy(private_app, desk)
    assert thief.get("/roster/").status_code == 200
    assert desk.post("/logout", data={"csrf_token": _form_token(desk, "/roster/")}
                     ).status_code == 302
    assert thief.get("/roster/").status_code == 302
    assert thief.get("/api/plan").status_code == 401
    refused = thief.post("/account/password", data={"password": "taken-over-123",
                                                    "again": "taken-over-123"})
    assert refused.status_code in (400, 401, 302)
    with private_app.app_context(), resources().sessions() as session:
        account = session.query(Account).filter_by(name="dispatcher").one()
        from dispatch.accounts import password_matches

        assert password_matches(account, password_of("dispatcher"))


def test_changing_ones_password_asks_for_the_current_one(private_app: Flask) -> None:
    desk = _sign_in(private_app, "manager")
    laptop = _sign_in(private_app, "manager")
    wrong = desk.post("/account/password", data={
        "current": "not-it", "password": "a-brand-new-one-2", "again": "a-brand-new-one-2",
        "csrf_token": _form_token(desk, "/account/password")})
    assert wrong.status_code == 400 and "current password" in wrong.get_data(as_text=True)
    right = desk.post("/account/password", data={
        "current": password_of("manager"), "password": "a-brand-new-one-2",
        "again": "a-brand-new-one-2", "csrf_token": _form_token(desk, "/account/password")})
    assert right.status_code == 302
    assert desk.get("/figures").status_code == 200
    assert laptop.get("/figures").status_code == 302


def test_a_new_role_or_a_removed_account_ends_its_sessions(private_app: Flask) -> None:
    manager = _sign_in(private_app, "manager")
    admin = private_app.test_client(role="admin")
    with private_app.app_context(), resources().sessions() as session:
        account_id = session.query(Account).filter_by(name="manager").one().id
    token = _form_token(admin, "/users")
    assert admin.post(f"/users/{account_id}/role", data={"role": "dispatcher",
                                                         "csrf_token": token}).status_code < 400
    assert manager.get("/figures").status_code == 302
    dispatcher = _sign_in(private_app, "manager")
    assert dispatcher.get("/roster/").status_code == 200
    assert admin.post(f"/users/{account_id}/remove",
                      data={"csrf_token": token}).status_code < 400
    assert dispatcher.get("/roster/").status_code == 302
    with private_app.app_context(), resources().sessions() as session:
        assert session.get(Account, account_id) is None


def test_the_cookie_holds_no_password_material(private_app: Flask) -> None:
    desk = _sign_in(private_app, "dispatcher")
    cookie = desk.get_cookie("session")
    assert cookie is not None
    serializer = private_app.session_interface.get_signing_serializer(  # type: ignore[attr-defined]
        private_app)
    held = json.dumps(serializer.loads(cookie.value))
    with private_app.app_context(), resources().sessions() as session:
        digest = session.query(Account).filter_by(name="dispatcher").one().password_hash
        account_id = session.query(Account).filter_by(name="dispatcher").one().id
    for part in (digest[-12:], digest[-8:], "argon2"):
        assert part not in held
    user_id = serializer.loads(cookie.value)["_user_id"]
    assert not user_id.startswith(f"{account_id}:")  # a random token, not the account's id
