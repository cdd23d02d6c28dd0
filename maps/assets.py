"""Leaflet served by our own app or shipped beside an exported page, never from a CDN.

Phones on a weak signal and closed government networks must still get the map,
so every script and stylesheet a map page loads comes from ``asset_base``: the
web app serves :data:`LEAFLET_DIR` under ``/assets/leaflet`` and an exported page
carries a copy next to it (:func:`copy_leaflet`).
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import folium

logger = logging.getLogger(__name__)

#: The Leaflet release the maps are written and tested against.
LEAFLET_VERSION = "1.9.4"
#: Where ``python -m maps.vendor`` (``make assets``) puts Leaflet's dist files.
LEAFLET_DIR = Path(__file__).resolve().parent / "static" / "leaflet"
#: The files a page needs; the images are the layer-control and marker icons.
LEAFLET_FILES = ("leaflet.js", "leaflet.css")
#: A scheme (``https:``) or characters that would break out of an HTML attribute.
_UNSAFE_BASE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|[\s\"'<>`\\]")


def leaflet_available(directory: Path = LEAFLET_DIR) -> bool:
    """Whether Leaflet's script, stylesheet and images are in ``directory``."""
    return all((directory / name).is_file() for name in LEAFLET_FILES) and (
        directory / "images"
    ).is_dir()


def require_leaflet(directory: Path = LEAFLET_DIR) -> Path:
    """Return ``directory`` if Leaflet is in it; otherwise say how to get it.

    Raises
    ------
    FileNotFoundError
        If the vendored files are missing (a fresh checkout before ``make assets``).
    """
    if not leaflet_available(directory):
        raise FileNotFoundError(
            f"Leaflet {LEAFLET_VERSION} is not in {directory}: run `make assets` "
            "(or `python -m maps.vendor`) to vendor it from npm"
        )
    return directory


def use_local_assets(m: folium.Map, asset_base: str) -> folium.Map:
    """Make ``m`` load Leaflet from ``asset_base`` and nothing else.

    Folium's :class:`folium.Map` links Leaflet, jQuery, Bootstrap and
    awesome-markers from CDNs through its class attributes ``default_js`` and
    ``default_css``. Instance attributes replace them for this map only, so the
    rendered page links exactly ``{asset_base}/leaflet.js`` and
    ``{asset_base}/leaflet.css``. The maps therefore use only elements that need
    nothing beyond Leaflet (see :mod:`maps.elements`).

    Parameters
    ----------
    m
        The map to change (in place).
    asset_base
        URL prefix of the Leaflet files: ``"/assets/leaflet"`` in the web app,
        a relative ``"assets/leaflet"`` in an exported page.
    """
    base = asset_base.rstrip("/")
    if not base or base.startswith("//") or _UNSAFE_BASE.search(base):
        raise ValueError(f"asset_base {asset_base!r} is not a path on our own server: give "
                         "'/assets/leaflet' (the web app) or 'assets/leaflet' (an exported page)")
    m.default_js = [("leaflet", f"{base}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{base}/leaflet.css")]
    return m


def copy_leaflet(target_dir: Path, source_dir: Path = LEAFLET_DIR) -> Path:
    """Copy Leaflet's files into ``target_dir`` so an exported page opens offline.

    Returns
    -------
    Path
        ``target_dir``, holding ``leaflet.js``, ``leaflet.css`` and ``images/``.
    """
    require_leaflet(source_dir)
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    for name in LEAFLET_FILES:
        shutil.copy2(source_dir / name, target_dir / name)
    shutil.copytree(source_dir / "images", target_dir / "images", dirs_exist_ok=True)
    if (source_dir / "LICENSE").is_file():
        shutil.copy2(source_dir / "LICENSE", target_dir / "LICENSE")
    logger.debug("copied Leaflet into %s", target_dir)
    return target_dir
