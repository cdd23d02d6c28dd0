"""Leaflet and its drawing plugin served by the app itself: phones on weak signal or closed
networks still get them."""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_from_directory

from maps.assets import GEOMAN_DIR, LEAFLET_DIR, geoman_available, leaflet_available

bp = Blueprint("assets", __name__, url_prefix="/assets")


@bp.get("/leaflet/<path:filename>")
def leaflet(filename: str) -> Response:
    """A file of the vendored Leaflet build (cached by the browser for a day)."""
    if not leaflet_available():
        abort(503, description="Leaflet is not installed; run `make assets`")
    return send_from_directory(LEAFLET_DIR, filename, max_age=86400)


@bp.get("/geoman/<path:filename>")
def geoman(filename: str) -> Response:
    """A file of the vendored Leaflet-Geoman build, which the hotspot editor draws with."""
    if not geoman_available():
        abort(503, description="Leaflet-Geoman is not installed; run `make assets`")
    return send_from_directory(GEOMAN_DIR, filename, max_age=86400)
