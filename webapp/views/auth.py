"""Signing in and out, and replacing a password (a one-time one first of all)."""

from __future__ import annotations

import time
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
#: Seconds each attempt on a name waits once that name has failed LOGIN_RATE times (from
#: any addresses): guessing slows down, the person keeps signing in.
SLOW_S = 2.0

REFUSED = "用户名或密码不对 The name or the password is wrong"


@bp.get("/login")
@allow(Audience.PUBLIC)
def login() -> str:
    """The sign-in form (or, when signed in, who is signed in and a way out)."""
    return render_template("login.html", next=_next_page(), error=None, name="")


@bp.post("/login")
@allow(Audience.PUBLIC)
def sign_in() -> Response | tuple[str, int]:
    """Sign in and go where the person was going; a wrong pair gets one message for both.

    Each try of a name from an address is counted before the password is checked (atomic
    in the limiter's storage, so parallel guesses cannot slip past ``LOGIN_RATE``), and a
    correct password forgives the tries before it; failed tries are counted per address
    too. Guessing from one address locks out that address, never the person at another
    one; a name failing from many addresses makes each further try on it wait instead.
    """
    name = request.form.get("username", "").strip()
    address = f"addr:{request.remote_addr or 'unknown'}"
    pair = f"name:{name.lower()}|{address}"
    _refuse_if_waiting(attempts("login").waiting(address))
    _refuse_if_waiting(attempts("login").hit(pair))
    if attempts("login").waiting(f"name:{name.lower()}"):
        time.sleep(SLOW_S)
    with resources().sessions.begin() as db:
        account = authenticate(db, name, request.form.get("password", ""))
    if account is None:
        attempts("login").hit(address)
        attempts("login").hit(f"name:{name.lower()}")
        return render_template("login.html", next=_next_page(), error=REFUSED, name=name), 401
    attempts("login").clear(pair)
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


def _refuse_if_waiting(wait: float) -> None:
    """429 saying how long to wait, when the limiter says to."""
    if wait:
        seconds = int(wait) + 1
        abort(429, f"尝试次数过多，请 {seconds} 秒后再试 Too many attempts; try again in "
                   f"{seconds} s")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
