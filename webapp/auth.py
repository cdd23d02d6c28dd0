"""Signed-in sessions for staff: Flask-Login for who is signed in, Flask-WTF for CSRF.

Sessions are permanent cookies that end ``SESSION_HOURS`` after the last request
(a night shift); they are HttpOnly, SameSite=Lax, and Secure whenever the request
came over HTTPS (directly or through a proxy that says so). A new password ends
every session signed in with the old one (:func:`dispatch.accounts.session_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFError, CSRFProtect

from dispatch.accounts import account_for_key, session_key
from dispatch.models import Account
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
    def of(cls, account: Account) -> StaffUser:
        return cls(session_key(account), account.id, account.name, account.role,
                   account.must_change)

    def get_id(self) -> str:
        return self.key


class HttpsAwareSessions(SecureCookieSessionInterface):
    """The session cookie is Secure when the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _load_user(key: str) -> StaffUser | None:
    with resources().sessions() as session:
        account = account_for_key(session, key)
        return StaffUser.of(account) if account is not None else None


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
