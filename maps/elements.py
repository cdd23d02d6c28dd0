"""Map elements that need nothing but Leaflet and that escape every text they show.

Folium's own :class:`folium.Popup` builds its content with jQuery (``$(...)``),
which we do not serve, and :class:`folium.Tooltip` pastes its text into a
JavaScript template literal, where a hotspot name such as ``${...}`` would run
as code. These replacements take plain text, escape it with :func:`html.escape`
and hand it to Leaflet as a JSON string literal.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from branca.element import MacroElement
from folium.template import Template

logger = logging.getLogger(__name__)

_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}")
_FALLBACK_COLOR = "#757575"

#: Classes used by the stop numbers, badges, legend and popups of our maps.
_CSS = """
#{map} {{ background: #f3f2ee; }}
#{map} .patrol-info {{ font: 13px/1.45 system-ui, sans-serif; color: #1d2329; }}
#{map} .patrol-info strong {{ font-size: 14px; }}
#{map} .patrol-warn {{ color: #b00020; font-weight: 600; }}
#{map} .patrol-legend {{ background: rgba(255,255,255,.94); color: #1d2329; padding: 6px 10px;
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,.35); font: 12px/1.5 system-ui, sans-serif;
  max-height: 45vh; max-width: 250px; overflow-y: auto; }}
#{map} .patrol-legend summary {{ font-weight: 600; cursor: pointer; }}
#{map} .patrol-legend h4 {{ margin: 6px 0 2px; font-size: 12px; }}
#{map} .patrol-legend ul {{ list-style: none; margin: 0; padding: 0; }}
#{map} .patrol-swatch {{ display: inline-block; width: 16px; height: 10px; margin-right: 6px;
  vertical-align: middle; border-radius: 2px; }}
#{map} .patrol-swatch.line {{ height: 4px; }}
#{map} .patrol-swatch.dot {{ width: 8px; height: 8px; border-radius: 50%;
  border: 1.5px solid #37474f; }}
#{map} .patrol-swatch.dropped {{ background: none; border: 2px dashed #d50000; height: 8px; }}
#{map} .patrol-stop div {{ width: 100%; height: 100%; box-sizing: border-box; border-radius: 50%;
  border: 2px solid #fff; box-shadow: 0 1px 4px rgba(0,0,0,.5); color: #fff;
  font-family: system-ui, sans-serif; font-weight: 700; text-align: center; }}
#{map} .patrol-badge div {{ width: 100%; height: 100%; box-sizing: border-box; border-radius: 5px;
  border: 2px solid #fff; box-shadow: 0 1px 4px rgba(0,0,0,.5); color: #fff;
  font-family: system-ui, sans-serif; font-weight: 700; text-align: center; }}
"""


def safe_color(color: str) -> str:
    """``color`` if it is a hex code or a CSS colour name, else a neutral grey.

    Category colours are edited by users; only a plain colour may reach a style.
    """
    if _COLOR.fullmatch(color or ""):
        return color
    logger.warning("colour %r is neither #hex nor a colour name; using grey", color)
    return _FALLBACK_COLOR


def info_html(title: str, lines: Sequence[str] = (), *, warning: str | None = None) -> str:
    """An escaped block: bold ``title``, one line each of ``lines``, ``warning`` in red."""
    parts = [f"<strong>{html.escape(title)}</strong>"]
    parts += [html.escape(line) for line in lines]
    if warning:
        parts.append(f'<span class="patrol-warn">{html.escape(warning)}</span>')
    return f'<div class="patrol-info">{"<br>".join(parts)}</div>'


class InfoTooltip(MacroElement):
    """A tooltip of escaped text bound to its parent layer (marker, line, shape)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip(
                {{ this.html|tojavascript }}, {{ this.options|tojavascript }});
        {% endmacro %}
    """)

    def __init__(self, title: str, lines: Sequence[str] = (), *,
                 warning: str | None = None) -> None:
        super().__init__()
        self._name = "InfoTooltip"
        self.html = info_html(title, lines, warning=warning)
        self.options = {"sticky": True, "direction": "auto"}


class InfoPopup(MacroElement):
    """A popup of escaped text bound to its parent layer, opened by a tap."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindPopup(
                {{ this.html|tojavascript }}, {{ this.options|tojavascript }});
        {% endmacro %}
    """)

    def __init__(self, title: str, lines: Sequence[str] = (), *,
                 warning: str | None = None, max_width: int = 300) -> None:
        super().__init__()
        self._name = "InfoPopup"
        self.html = info_html(title, lines, warning=warning)
        self.options = {"max_width": max_width}


@dataclass(frozen=True)
class LegendEntry:
    """One row of a legend: a swatch (``line``, ``fill``, ``dot`` or ``dropped``) and text."""

    label: str
    color: str
    swatch: str = "fill"


class Legend(MacroElement):
    """A collapsible legend drawn as a Leaflet control, so it stays inside the map box."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create("div", "patrol-legend");
                div.innerHTML = {{ this.html|tojavascript }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, title: str, sections: Sequence[tuple[str, Sequence[LegendEntry]]], *,
                 position: str = "bottomright", expanded: bool = True) -> None:
        super().__init__()
        self._name = "Legend"
        self.position = position
        self.html = _legend_html(title, sections, expanded=expanded)


def _legend_html(title: str, sections: Sequence[tuple[str, Sequence[LegendEntry]]], *,
                 expanded: bool) -> str:
    """The legend's escaped HTML: a ``<details>`` block, so a phone can fold it away."""
    out = [f"<details{' open' if expanded else ''}><summary>{html.escape(title)}</summary>"]
    for heading, entries in sections:
        if not entries:
            continue
        out.append(f"<h4>{html.escape(heading)}</h4><ul>")
        for entry in entries:
            color = html.escape(safe_color(entry.color), quote=True)
            swatch = html.escape(entry.swatch, quote=True)
            paint = "border-color" if entry.swatch == "dropped" else "background"
            out.append(f'<li><span class="patrol-swatch {swatch}" style="{paint}:{color}">'
                       f"</span>{html.escape(entry.label)}</li>")
        out.append("</ul>")
    out.append("</details>")
    return "".join(out)


class Badge(MacroElement):
    """A marker drawn as a coloured badge with a short text (a stop number, ``暖``, ``基``).

    Folium's ``Marker`` with a ``DivIcon`` adds one more ``setIcon`` line every
    time a map renders; this element writes the icon into the marker once.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.marker({{ this.location|tojson }}, {
                icon: L.divIcon({{ this.icon|tojavascript }}),
                zIndexOffset: {{ this.z_index_offset|tojson }},
                keyboard: false
            }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, location: tuple[float, float], text: str, color: str, *, size: int,
                 shape: Literal["round", "square"], z_index_offset: int = 0) -> None:
        super().__init__()
        self._name = "Badge"
        self.location = list(location)
        self.z_index_offset = z_index_offset
        background = html.escape(safe_color(color), quote=True)
        inner = (f'<div style="background:{background};font-size:{max(11, size // 2)}px;'
                 f'line-height:{size - 4}px">{html.escape(text)}</div>')
        self.icon = {"html": inner, "icon_size": [size, size],
                     "icon_anchor": [size // 2, size // 2],
                     "class_name": "patrol-stop" if shape == "round" else "patrol-badge"}


class MapStyle(MacroElement):
    """The stylesheet of our badges, legend and popups, scoped to one map's element id."""

    _template = Template("""
        {% macro header(this, kwargs) %}
            <style>{{ this.css() }}</style>
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "MapStyle"

    def css(self) -> str:
        """The rules, with ``#<map id>`` in front so they touch nothing else on the page."""
        if self._parent is None:
            raise ValueError("MapStyle styles one map: add it to a folium.Map first")
        return _CSS.format(map=self._parent.get_name())
