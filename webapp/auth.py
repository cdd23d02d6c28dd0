"""Signed-in sessions for staff: Flask-Login for who is signed in, Flask-WTF for CSRF.

Sessions live on the server (:mod:`dispatch.staffsessions`): the cookie carries only a
random token, the database a hash of it. A session ends ``SESSION_HOURS`` after its last
request (a night shift), at sign-out, and, for every browser of the account, at a new
password, a new role or the account's removal. The cookie is HttpOnly, SameSite=Lax, and
Secure whenever the request came over HTTPS (directly or through a proxy that says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from dispatch.models import Account
from dispatch.staffsessions import account_of_session, end_session, open_session
from webapp.resources import resources

csrf = CSRFProtect()


@dataclass(frozen=True)
class StaffUser(UserMixin):  # type: ignore[misc]
    """The signed-in person as a request sees them (no database object kept around)."""

    key: str
    account_id: int
    name: str
    role: str
    must_change: bool

    @classmethod
    def of(cls, account: Account, token: str) -> StaffUser:
        return cls(token, account.id, account.name, account.role, account.must_change)

    def get_id(self) -> str:
        return self.key


class HttpsAwareSessions(SecureCookieSessionInterface):
    """The session cookie is Secure when the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def sign_in_as(account: Account) -> StaffUser:
    """A new server-side session for ``account``, signed in on this browser."""
    with resources().sessions.begin() as session:
        token = open_session(session, account)
    user = StaffUser.of(account, token)
    login_user(user)
    return user


def sign_out_here(user: StaffUser) -> None:
    """End this browser's session on the server, then forget it here."""
    with resources().sessions.begin() as session:
        end_session(session, user.key)
    logout_user()


def _load_user(token: str) -> StaffUser | None:
    idle = timedelta(hours=float(current_app.config["SESSION_HOURS"]))
    with resources().sessions.begin() as session:
        account = account_of_session(session, token, idle=idle)
        return StaffUser.of(account, token) if account is not None else None


def init_app(app: Flask) -> None:
    """Sessions, the signed-in user and CSRF checks on every unsafe request."""
    app.config.update(
        PERMANENT_SESSION_LIFETIME=timedelta(hours=float(app.config["SESSION_HOURS"])),
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        # A form stays valid as long as the session: a dispatcher may leave a page open all night.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.session_interface = HttpsAwareSessions()
    manager = LoginManager(app)
    manager.user_loader(_load_user)
    manager.session_protection = "basic"
    csrf.init_app(app)

    @app.errorhandler(CSRFError)
    def _csrf_refused(exc: CSRFError):  # type: ignore[no-untyped-def]
        from webapp.errors import error_response

        return error_response(400, "表单已过期或来源不明，请刷新页面后重试 The form expired or "
                              "did not come from this site; reload the page and try again "
                              f"({exc.description})")
