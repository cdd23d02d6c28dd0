"""The administrator's accounts page: who may sign in, with which role.

A new account, or a forgotten password, gets a one-time password shown once on
this page; its holder chooses their own on first sign-in, so the administrator
never knows anyone's password.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from dispatch.accounts import (
    ROLE_NAMES,
    Role,
    add_account,
    change_role,
    get_account,
    list_accounts,
    one_time_password,
    remove_account,
    reset_password,
)
from dispatch.errors import FieldErrors
from webapp.access import Audience, allow
from webapp.resources import resources

bp = Blueprint("accounts", __name__, url_prefix="/users")


@bp.get("")
@allow(Audience.ADMIN)
def page() -> str:
    """Every account, and a form to add one."""
    return _page()


@bp.post("")
@allow(Audience.ADMIN)
def add() -> str | tuple[str, int]:
    """Add an account with a one-time password, shown once."""
    name = request.form.get("name", "").strip()
    role = request.form.get("role", "")
    once = one_time_password()
    try:
        with resources().sessions.begin() as session:
            add_account(session, name, role, once, must_change=True)
    except FieldErrors as exc:
        return _page(errors=exc.fields, form={"name": name, "role": role}), 400
    return _page(issued=(name, once))


@bp.post("/<int:account_id>/reset")
@allow(Audience.ADMIN)
def reset(account_id: int) -> str:
    """A forgotten password: a new one-time one; the account's sessions end."""
    with resources().sessions.begin() as session:
        once = reset_password(session, account_id)
        name = get_account(session, account_id).name
    return _page(issued=(name, once))


@bp.post("/<int:account_id>/role")
@allow(Audience.ADMIN)
def role(account_id: int) -> str | tuple[str, int]:
    """Give an account another role (it applies from the holder's next request)."""
    try:
        with resources().sessions.begin() as session:
            change_role(session, account_id, request.form.get("role", ""))
    except FieldErrors as exc:
        return _page(errors=exc.fields), 400
    return _page()


@bp.post("/<int:account_id>/remove")
@allow(Audience.ADMIN)
def remove(account_id: int) -> str | tuple[str, int]:
    """Remove an account; nobody removes their own, and the last administrator stays."""
    if account_id == current_user.account_id:
        abort(400, "不能删除自己的账户 You cannot remove your own account")
    try:
        with resources().sessions.begin() as session:
            remove_account(session, account_id)
    except FieldErrors as exc:
        return _page(errors=exc.fields), 400
    return _page()


def _page(*, issued: tuple[str, str] | None = None, errors: dict[str, str] | None = None,
          form: dict[str, str] | None = None) -> str:
    with resources().sessions() as session:
        accounts = list_accounts(session)
    return render_template("users.html", accounts=accounts, roles=ROLE_NAMES, issued=issued,
                           errors=errors or {}, form=form or {"role": Role.DISPATCHER.value})
