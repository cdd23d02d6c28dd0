"""Signing in and out, and replacing a password (a one-time one first of all)."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import (
    Blueprint,
    Flask,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from dispatch.accounts import authenticate, get_account, password_matches, set_password
from dispatch.errors import FieldErrors
from webapp.access import Audience, allow
from webapp.auth import sign_in_as, sign_out_here
from webapp.limits import attempts
from webapp.resources import resources

bp = Blueprint("auth", __name__)

REFUSED = "用户名或密码不对 The name or the password is wrong"


@bp.get("/login")
@allow(Audience.PUBLIC)
def login() -> str:
    """The sign-in form (or, when signed in, who is signed in and a way out)."""
    return render_template("login.html", next=_next_page(), error=None, name="")


@bp.post("/login")
@allow(Audience.PUBLIC)
def sign_in() -> Response | tuple[str, int]:
    """Sign in and go where the person was going; a wrong pair gets one message for both."""
    name = request.form.get("username", "").strip()
    keys = (f"addr:{request.remote_addr}", f"name:{name.lower()}")
    _check_rate(keys)
    with resources().sessions.begin() as db:
        account = authenticate(db, name, request.form.get("password", ""))
    if account is None:
        for key in keys:
            attempts("login").hit(key)
        return render_template("login.html", next=_next_page(), error=REFUSED, name=name), 401
    session.clear()  # a fresh session: nothing of an earlier visitor's carries over
    session.permanent = True
    user = sign_in_as(account)
    if user.must_change:
        return redirect(url_for("auth.password"))
    return redirect(_next_page())


@bp.post("/logout")
@allow(Audience.PUBLIC)
def sign_out() -> Response:
    if current_user.is_authenticated:
        sign_out_here(current_user)
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(Audience.READ)
def password() -> Response | str | tuple[str, int]:
    """Replace one's own password, after giving the current one (a copied cookie alone
    cannot take the account over); a one-time password leads here before anything else.
    Every session of the account ends; this browser gets a new one."""
    if request.method == "GET":
        return render_template("password.html", errors={})
    new = request.form.get("password", "")
    errors: dict[str, str] = {}
    with resources().sessions.begin() as db:
        account = get_account(db, current_user.account_id)
        if not password_matches(account, request.form.get("current", "")):
            errors["current"] = "当前密码不对 The current password is wrong"
        elif new != request.form.get("again", ""):
            errors["again"] = "两次输入的密码不一致 The two passwords differ"
        else:
            try:
                account = set_password(db, current_user.account_id, new)
            except FieldErrors as exc:
                errors = exc.fields
    if errors:
        return render_template("password.html", errors=errors), 400
    sign_in_as(account)
    return redirect(url_for("dispatcher.overview"))


def _next_page() -> str:
    """Where to go after signing in: a path on this site only."""
    wanted = request.values.get("next") or url_for("dispatcher.overview")
    parsed = urlparse(wanted)
    if parsed.scheme or parsed.netloc or not wanted.startswith("/") or wanted.startswith("//"):
        return url_for("dispatcher.overview")
    return wanted


def _check_rate(keys: tuple[str, ...]) -> None:
    """Slow down guessing: ``LOGIN_RATE`` failed attempts per client address and per name."""
    for key in keys:
        wait = attempts("login").waiting(key)
        if wait:
            abort(429, f"尝试次数过多，请 {int(wait) + 1} 秒后再试 Too many attempts; try again "
                       f"in {int(wait) + 1} s")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
