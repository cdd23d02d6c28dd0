"""Security headers on every answer: a content security policy that runs only our own scripts.

Reports and check-ins describe vulnerable people, and the pages open on phones on
public networks. If a hostile name ever slipped past escaping, the browser still
must not run it: the policy allows scripts from our own origin and inline scripts
that carry this request's nonce (the map scripts our templates place), nothing
else. Images may also come from the tile servers of the configured basemap. No
other site may frame a page, and no URL leaves for another site in a ``Referer``
(a team's token lives in its URL; tile servers would see it). Our own origin still
gets one: on HTTPS, Flask-WTF's CSRF check refuses a form sent without it.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from markupsafe import Markup

from maps.basemap import Basemap

#: 128 bits, as the CSP specification recommends for a nonce.
NONCE_BYTES = 16
#: Leaflet's subdomains when a tile layer names none.
LEAFLET_SUBDOMAINS = "abc"
#: No URL (a team's token) in a Referer to another site; our own origin keeps it for CSRF.
REFERRER_POLICY = "same-origin"
#: Location for phones (the team page's position, the report form's GPS button); nothing else.
PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"
_SCRIPT_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)


def csp_nonce() -> str:
    """This request's nonce: every inline ``<script>`` of a page carries it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(NONCE_BYTES)
    nonce: str = g.csp_nonce
    return nonce


def with_nonce(trusted_html: str) -> Markup:
    """``trusted_html`` (a rendered map's header) with the nonce on each ``<script>`` tag."""
    return Markup(_SCRIPT_TAG.sub(f'<script nonce="{csp_nonce()}"', trusted_html))


def tile_origins(chosen: Basemap) -> list[str]:
    """The origins a browser fetches ``chosen``'s tiles from (``{s}`` expanded), in order.

    A tile URL on our own server (a path) needs none: ``'self'`` covers it.
    """
    origins: dict[str, None] = {}
    for layer in chosen.layers:
        subdomains = layer.subdomains or LEAFLET_SUBDOMAINS
        for sub in subdomains if "{s}" in layer.url else " ":
            parts = urlsplit(layer.url.replace("{s}", sub.strip()))
            if parts.scheme in ("http", "https") and parts.netloc:
                origins[f"{parts.scheme}://{parts.netloc}"] = None
    return list(origins)


def content_security_policy(nonce: str, tiles: list[str]) -> str:
    """The policy: our own scripts and the nonce's, our styles inline, tiles as images."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # Leaflet and Folium style elements inline
        "img-src": ["'self'", "data:", "blob:", *tiles],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


#: Answers with personal details (phone numbers, accounts, people found): never kept by a
#: browser or a proxy on the way.
NO_STORE = {"manager.case_log_download", "accounts.page", "accounts.add", "accounts.reset",
            "accounts.role", "accounts.remove", "live.board_page", "live.board"}


def set_security_headers(response: Response, tiles: list[str]) -> Response:
    """Add the policy and its companions to ``response`` (any answer, pages and files alike)."""
    if request.endpoint in NO_STORE:
        response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce(), tiles)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    return response


def init_app(app: Flask) -> None:
    """Set the headers on every answer; ``csp_nonce()`` and ``|with_nonce`` for templates.

    Call after :func:`webapp.views.pages.init_app`, which chooses the basemap.
    """
    tiles = tile_origins(app.extensions["patrol-basemap"])
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["with_nonce"] = with_nonce
    app.after_request(lambda response: set_security_headers(response, tiles))
