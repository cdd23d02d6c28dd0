"""A built map as text: parts for our own page templates, or one standalone page.

Folium renders a whole page whose header also styles ``html, body`` for a
full-screen map and forbids zooming the page on phones. Neither is right inside
our pages, so the map's own header block is replaced by one that only sizes the
map: to fill its container when embedded, or the window in a standalone page.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

import folium
from branca.element import Element, Figure

logger = logging.getLogger(__name__)

_EMBEDDED_CSS = "<style>#{name} {{ position: relative; width: 100%; height: 100%; }}</style>"
_STANDALONE_CSS = (
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<style>html, body {{ height: 100%; margin: 0; }}"
    " #{name} {{ position: absolute; top: 0; right: 0; bottom: 0; left: 0; }}</style>"
)
_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}</title>
{header}
</head>
<body>
{html}
<script>
{script}
</script>
</body>
</html>
"""


@dataclass(frozen=True)
class MapParts:
    """A rendered map, split the way a page template needs it.

    Attributes
    ----------
    header
        ``<link>``, ``<script src>`` and ``<style>`` tags for the page's ``<head>``
        (Leaflet from ``asset_base``, and the map's own styles).
    html
        The map's ``<div>``, to place inside a sized container.
    script
        JavaScript that draws the map, without ``<script>`` tags; it must run
        after ``html`` is in the page, so put it at the end of ``<body>``.
    """

    header: str
    html: str
    script: str


def map_parts(m: folium.Map) -> MapParts:
    """Render ``m`` for embedding into one of our pages; the map fills its container."""
    return _render(m, _EMBEDDED_CSS.format(name=m.get_name()))


def standalone_html(m: folium.Map, *, title: str = "寒夜巡查 Cold-night patrol") -> str:
    """A whole UTF-8 page with the map filling the window, for exported files."""
    parts = _render(m, _STANDALONE_CSS.format(name=m.get_name()))
    return _PAGE.format(title=html.escape(title), header=parts.header, html=parts.html,
                        script=parts.script)


def _render(m: folium.Map, map_css: str) -> MapParts:
    """Render ``m`` into a fresh figure, swap its header block for ``map_css``, split the parts.

    A fresh figure each time, because Folium appends (never replaces) some script
    lines when a figure renders twice. Folium adds each element's header block
    to the figure under the element's name, so adding ours under the map's name
    replaces Folium's. The figure's ``meta_http`` tag is dropped: our pages
    declare UTF-8 themselves.
    """
    root = Figure()
    root.add_child(m)
    root.render()
    root.header.add_child(Element(map_css), name=m.get_name())
    root.header.add_child(Element(""), name="meta_http")
    return MapParts(header=root.header.render(), html=root.html.render(),
                    script=root.script.render())
