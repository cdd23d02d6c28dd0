"""Who may use each route: every view declares its audience, and a request is checked first.

A view says ``@allow(Audience.DISPATCH)`` under its route decorator. Before each
request the declared audience is looked up; a view that declares none is refused
(403) and logged, so a new route is closed until somebody decides who may use it.
Without a session, an API route answers 401 and a page sends the browser to the
sign-in page; a signed-in person whose role is not in the audience gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TypeVar
from urllib.parse import urlencode

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from dispatch.accounts import Role

F = TypeVar("F", bound=Callable[..., object])


class Audience(Enum):
    """Who a route is for; the value lists the roles that may use it (None: no sign-in)."""

    #: Anyone: sign-in, the public report form, a report's status, static assets.
    PUBLIC = None
    #: Whoever holds a team's per-night link; the view checks the token itself.
    TEAM = ()
    #: Read-only figures and maps: managers, and everyone who dispatches.
    READ = (Role.ADMIN, Role.DISPATCHER, Role.MANAGER)
    #: Planning and dispatching.
    DISPATCH = (Role.ADMIN, Role.DISPATCHER)
    #: Accounts and personal details in exports.
    ADMIN = (Role.ADMIN,)

    @property
    def open(self) -> bool:
        """True when no account is needed."""
        return self in (Audience.PUBLIC, Audience.TEAM)

    def admits(self, role: str) -> bool:
        return self.open or role in (self.value or ())


#: Where a view keeps its audience.
_ATTRIBUTE = "patrol_audience"
#: Flask's own static files: no view of ours to decorate.
_BUILTIN_PUBLIC = {"static"}


def allow(audience: Audience) -> Callable[[F], F]:
    """Declare who may use a view (put it under the route decorator)."""

    def mark(view: F) -> F:
        setattr(view, _ATTRIBUTE, audience)
        return view

    return mark


def audience_of(app: Flask, endpoint: str) -> Audience | None:
    """The audience a view declares, or None when it declares none."""
    if endpoint in _BUILTIN_PUBLIC:
        return Audience.PUBLIC
    view = app.view_functions.get(endpoint)
    found = getattr(view, _ATTRIBUTE, None)
    return found if isinstance(found, Audience) else None


def is_api_request() -> bool:
    """API callers get JSON and status codes; people get pages and redirects."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def init_app(app: Flask) -> None:
    """Check every request against its view's declared audience."""

    @app.before_request
    def _check() -> Response | None:
        endpoint = request.endpoint
        if endpoint is None:  # no route matched: the 404 or 405 follows
            return None
        audience = audience_of(app, endpoint)
        if audience is None:
            app.logger.error("route %s declares no audience; refused", endpoint)
            abort(403, "此页面尚未设定访问权限 This page has no access rule yet")
        if audience.open:
            return None
        if not current_user.is_authenticated:
            if is_api_request():
                abort(401, "请先登录 Sign in first (POST /login)")
            return redirect(url_for("auth.login") + "?" + urlencode({"next": _here()}))
        if current_user.must_change and endpoint not in ("auth.password", "auth.logout"):
            return redirect(url_for("auth.password"))
        if not audience.admits(current_user.role):
            abort(403, f"{current_user.name} 的角色无权访问 the role {current_user.role} "
                       "may not use this page; ask an administrator")
        return None


def _here() -> str:
    """The path and query asked for, to come back to after signing in."""
    return request.full_path.rstrip("?")
