"""Pages for managers: are the warming shelters where the people at risk are?"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from dispatch.errors import ValidationError
from dispatch.shelter_reach import DEFAULT_MINUTES, ShelterReach, shelter_reach
from maps.render import map_parts
from maps.shelter_reach import build_reach_map, reach_geojson
from webapp.resources import resources
from webapp.views.pages import map_options

bp = Blueprint("manager", __name__)


@bp.get("/coverage/shelters")
def shelters() -> str:
    """Walking bands around each shelter, at-risk hotspots beyond them, suggested sites."""
    settings = _settings()
    found = _reach(settings)
    parts = map_parts(build_reach_map(found, **map_options()))
    return render_template("shelter_reach.html", reach=found, map=parts, settings=settings)


@bp.get("/api/shelter-reach.geojson")
def shelters_geojson() -> dict[str, Any]:
    """The same answer as GeoJSON (walk_area, outside, suggested_site features)."""
    return reach_geojson(_reach(_settings()))


def _reach(settings: dict[str, Any]) -> ShelterReach:
    res = resources()
    with res.sessions() as session:
        return shelter_reach(session, res.walk_network, **settings)


def _settings() -> dict[str, Any]:
    """The query's settings, or a 400 naming the field that is not a number."""
    args = request.args
    try:
        minutes = [float(p) for p in args.get("minutes", "").split(",") if p.strip()]
        return {
            "minutes": minutes or list(DEFAULT_MINUTES),
            "within": float(args.get("within", 15)),
            "new_sites": int(args.get("new_sites", 3)),
            "min_risk": int(args.get("min_risk", 3)),
        }
    except ValueError as exc:
        raise ValidationError(
            "设置须为数字 settings must be numbers: minutes like 10,15,20, within in minutes, "
            "new_sites and min_risk whole numbers") from exc
