"""Leaflet served by our own app or shipped beside an exported page, never from a CDN.

Phones on a weak signal and closed government networks must still get the map,
so every script and stylesheet a map page loads comes from ``asset_base``: the
web app serves :data:`LEAFLET_DIR` under ``/assets/leaflet`` and an exported page
carries a copy next to it (:func:`copy_leaflet`). The drawing plugin of the
hotspot editor, Leaflet-Geoman, is vendored the same way into :data:`GEOMAN_DIR`
and served under ``/assets/geoman`` (:func:`use_geoman`); Leaflet.heat, for the
managers' map of where people were found, into :data:`HEAT_DIR` (``/assets/heat``).
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import folium
import folium.plugins

logger = logging.getLogger(__name__)

#: The Leaflet release the maps are written and tested against.
LEAFLET_VERSION = "1.9.4"
#: Where ``python -m maps.vendor`` (``make assets``) puts Leaflet's dist files.
LEAFLET_DIR = Path(__file__).resolve().parent / "static" / "leaflet"
#: The files a page needs; the images are the layer-control and marker icons.
LEAFLET_FILES = ("leaflet.js", "leaflet.css")
#: The Leaflet-Geoman (free) release the hotspot editor draws and edits shapes with.
GEOMAN_VERSION = "2.20.2"
#: Where ``make assets`` puts Leaflet-Geoman's script and stylesheet.
GEOMAN_DIR = Path(__file__).resolve().parent / "static" / "geoman"
#: Geoman's icons are inline SVG in its stylesheet: these two files are all it needs.
GEOMAN_FILES = ("leaflet-geoman.min.js", "leaflet-geoman.css")
#: Leaflet.heat (BSD-2-Clause), which draws where people were found as a heat layer.
HEAT_VERSION = "0.2.0"
HEAT_DIR = Path(__file__).resolve().parent / "static" / "heat"
HEAT_FILES = ("leaflet-heat.js",)
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
    base = _local_base(asset_base, "leaflet")
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


def geoman_available(directory: Path = GEOMAN_DIR) -> bool:
    """Whether Leaflet-Geoman's script and stylesheet are in ``directory``."""
    return all((directory / name).is_file() for name in GEOMAN_FILES)


def use_geoman(m: folium.Map, asset_base: str) -> folium.Map:
    """Make ``m`` also load Leaflet-Geoman from ``asset_base`` (after Leaflet).

    Call it after :func:`use_local_assets`, whose links it extends.

    Parameters
    ----------
    m
        The map to change (in place).
    asset_base
        URL prefix of the Geoman files on our own server, ``"/assets/geoman"``.
    """
    base = _local_base(asset_base, "geoman")
    m.default_js = [*m.default_js, ("leaflet_geoman", f"{base}/{GEOMAN_FILES[0]}")]
    m.default_css = [*m.default_css, ("leaflet_geoman_css", f"{base}/{GEOMAN_FILES[1]}")]
    return m


def use_heat(layer: folium.plugins.HeatMap, asset_base: str) -> folium.plugins.HeatMap:
    """Make a heat layer load Leaflet.heat from ``asset_base`` (folium's own links a CDN)."""
    layer.default_js = [("leaflet-heat.js", f"{_local_base(asset_base, 'heat')}/{HEAT_FILES[0]}")]
    return layer


def heat_available(directory: Path = HEAT_DIR) -> bool:
    """Whether Leaflet.heat's script is in ``directory``."""
    return all((directory / name).is_file() for name in HEAT_FILES)


def _local_base(asset_base: str, name: str) -> str:
    """``asset_base`` without its trailing slash, if it is a path on our own server."""
    base = asset_base.rstrip("/")
    if not base or base.startswith("//") or _UNSAFE_BASE.search(base):
        raise ValueError(f"asset_base {asset_base!r} is not a path on our own server: give "
                         f"'/assets/{name}' (the web app) or 'assets/{name}' (an exported page)")
    return base
