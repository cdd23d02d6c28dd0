"""Files a planned night is written to: JSON, GeoJSON and map pages that open offline."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd

from dispatch.nightplan import NightPlan
from maps.assets import copy_leaflet
from maps.export import plan_geojson
from maps.overview import build_overview_map
from maps.render import standalone_html
from maps.team_route import build_team_route_map

#: Where exported pages find Leaflet, relative to the page itself.
EXPORT_ASSETS = "assets/leaflet"


def write_plan_outputs(
    plan: NightPlan, out_dir: Path, roads: gpd.GeoDataFrame | None = None
) -> list[Path]:
    """Write plan.json, plan.geojson, overview.html and team-<id>.html into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    copy_leaflet(out_dir / EXPORT_ASSETS)
    written = [
        _write_json(out_dir / "plan.json", plan.to_document()),
        _write_json(out_dir / "plan.geojson", plan_geojson(plan)),
        _write_text(out_dir / "overview.html", standalone_html(
            build_overview_map(plan, roads=roads, asset_base=EXPORT_ASSETS))),
    ]
    for route in plan.routes:
        page = build_team_route_map(plan, route.team_id, roads=roads, asset_base=EXPORT_ASSETS)
        written.append(_write_text(out_dir / f"team-{route.team_id}.html", standalone_html(page)))
    return written


def _write_json(path: Path, document: object) -> Path:
    return _write_text(path, json.dumps(document, ensure_ascii=False, indent=1))


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
