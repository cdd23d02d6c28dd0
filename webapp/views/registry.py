"""The dispatcher's hotspot registry: the map editing page, file upload and downloads."""

from __future__ import annotations

from flask import Blueprint, render_template

from dispatch.categories import load_categories
from dispatch.registry import list_hotspots
from dispatch.store import get_city
from maps.registry import build_registry_map, category_choices
from maps.render import map_parts
from webapp.resources import resources
from webapp.views.pages import basemap, map_options

bp = Blueprint("registry", __name__, url_prefix="/hotspots")

GEOMAN_BASE = "/assets/geoman"


@bp.get("")
def page() -> str:
    """Every hotspot on a map, with filters, drawing tools and the edit form."""
    with resources().sessions() as session:
        city = get_city(session)
        bounds = (city.west, city.south, city.east, city.north)
        districts = sorted({h.district for h in list_hotspots(session) if h.district})
    m = build_registry_map(bounds=bounds, geoman_base=GEOMAN_BASE, **map_options())
    categories = category_choices(load_categories(resources().workspace.root))
    return render_template("hotspots.html", map=map_parts(m), map_name=m.get_name(),
                           datum=basemap().datum, city=city.name, categories=categories,
                           districts=districts)
