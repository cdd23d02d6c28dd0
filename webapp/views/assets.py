"""Scripts and styles served by the app itself, under versioned URLs cached for a year.

Phones on weak signal or closed networks must still get every asset, and get it
once: :func:`asset_url` adds ``?v=<hash of the file>`` to an asset's URL, and a
response to a URL with the current version is ``immutable`` for a year, so a
repeat visit asks for nothing but the page. A new file is a new URL.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    request,
    send_from_directory,
    url_for,
)

from maps.assets import (
    GEOMAN_DIR,
    HEAT_DIR,
    LEAFLET_DIR,
    geoman_available,
    heat_available,
    leaflet_available,
)
from webapp.access import Audience, allow

bp = Blueprint("assets", __name__, url_prefix="/assets")

#: A year: the longest cache lifetime browsers honour.
YEAR_S = 31_536_000


@bp.get("/leaflet/<path:filename>")
@allow(Audience.PUBLIC)
def leaflet(filename: str) -> Response:
    """A file of the vendored Leaflet build (cached by the browser for a day, or a year
    under its versioned URL)."""
    if not leaflet_available():
        abort(503, description="Leaflet is not installed; run `make assets`")
    return send_from_directory(LEAFLET_DIR, filename, max_age=86400)


@bp.get("/geoman/<path:filename>")
@allow(Audience.PUBLIC)
def geoman(filename: str) -> Response:
    """A file of the vendored Leaflet-Geoman build, which the hotspot editor draws with."""
    if not geoman_available():
        abort(503, description="Leaflet-Geoman is not installed; run `make assets`")
    return send_from_directory(GEOMAN_DIR, filename, max_age=86400)


@bp.get("/heat/<path:filename>")
@allow(Audience.PUBLIC)
def heat(filename: str) -> Response:
    """A file of the vendored Leaflet.heat build, for the map of where people were found."""
    if not heat_available():
        abort(503, description="Leaflet.heat is not installed; run `make assets`")
    return send_from_directory(HEAT_DIR, filename, max_age=86400)


#: Vendored packages by the ``kind`` :func:`asset_url` takes, with their folders.
VENDORED = {"leaflet": LEAFLET_DIR, "geoman": GEOMAN_DIR, "heat": HEAT_DIR}


def asset_url(kind: str, filename: str) -> str:
    """The versioned URL of ``filename``: ``kind`` is ``"static"`` (the app's own),
    ``"leaflet"``, ``"geoman"`` or ``"heat"``."""
    if kind in VENDORED:
        return url_for(f"assets.{kind}", filename=filename,
                       v=file_version(VENDORED[kind] / filename))
    folder = Path(current_app.static_folder or "")
    return url_for("static", filename=filename, v=file_version(folder / filename))


def file_version(path: Path) -> str:
    """A short hash of the file's content (recomputed when the file changes)."""
    stat = path.stat()
    return _hash_file(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _hash_file(path: Path, _mtime_ns: int, _size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def long_cache(response: Response) -> Response:
    """A year and ``immutable`` for a versioned URL whose version is the file's current one."""
    version = request.args.get("v")
    if not version or response.status_code != 200:
        return response
    path = _asset_path()
    if path is not None and path.is_file() and file_version(path) == version:
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR_S
        response.cache_control.immutable = True
    return response


def _asset_path() -> Path | None:
    """The file a static or Leaflet request is for, or None for other endpoints."""
    filename = (request.view_args or {}).get("filename", "")
    if request.endpoint == "static":
        return Path(current_app.static_folder or "") / filename
    kind = (request.endpoint or "").removeprefix("assets.")
    if request.endpoint != kind and kind in VENDORED:
        return VENDORED[kind] / filename
    return None


def init_app(app: Flask) -> None:
    """Register :func:`asset_url` for templates and the long caching of versioned files."""
    app.add_template_global(asset_url)
    app.after_request(long_cache)
