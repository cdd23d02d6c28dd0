"""Links that start navigation to a stop in the phone's own map app.

Amap (高德) takes GCJ-02 and Baidu Maps (百度) BD-09 coordinates, so the stop's
WGS-84 position is converted for each (:mod:`dispatch.chinacoords`); outside
China both offsets are zero. The plain ``geo:`` URI (RFC 5870) opens whatever map
app an Android phone has. The web forms (``uri.amap.com``, ``api.map.baidu.com``)
open the app when it is installed and a web map otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from dispatch.chinacoords import point_from_wgs84

#: Names this product in the ``src`` parameter both Chinese map apps ask for.
SOURCE = "cold-night-patrol"
#: Amap's names of a team's way of travel.
_AMAP_MODES = {"drive": "car", "walk": "walk"}


@dataclass(frozen=True)
class NavLinks:
    """One stop's navigation links: Amap, Baidu Maps and a plain ``geo:`` URI."""

    amap: str
    baidu: str
    geo: str


def nav_links(lon: float, lat: float, name: str, *, mode: str = "drive") -> NavLinks:
    """Links that navigate to (``lon``, ``lat``) in WGS-84, named ``name``, by ``mode``."""
    g_lon, g_lat = point_from_wgs84(lon, lat, "gcj02")
    b_lon, b_lat = point_from_wgs84(lon, lat, "bd09")
    amap = "https://uri.amap.com/navigation?" + urlencode({
        "to": f"{g_lon:.6f},{g_lat:.6f},{name}", "mode": _AMAP_MODES.get(mode, "car"),
        "coordinate": "gaode", "callnative": 1, "src": SOURCE})
    # Baidu's web "direction" needs a typed origin; its marker page has a "go there" button.
    baidu = "https://api.map.baidu.com/marker?" + urlencode({
        "location": f"{b_lat:.6f},{b_lon:.6f}", "title": name, "content": name,
        "output": "html", "coord_type": "bd09ll", "src": SOURCE})
    geo = f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({quote(name)})"
    return NavLinks(amap, baidu, geo)
