"""The JSON API: the same plan document that ``patrol plan`` writes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from maps.export import plan_geojson
from webapp.access import Audience, allow
from webapp.views.pages import current_plan

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/plan")
@allow(Audience.READ)
def plan() -> dict[str, Any]:
    """Tonight's latest plan: night, routes with visits, and what was left out."""
    return current_plan().to_document()


@bp.get("/plan.geojson")
@allow(Audience.READ)
def plan_features() -> dict[str, Any]:
    """Hotspots, access points and route legs as GeoJSON, for QGIS or another map."""
    return plan_geojson(current_plan())
