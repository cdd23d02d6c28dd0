"""What the page views share: the latest plan or a clear 404, and the basemap settings."""

from __future__ import annotations

from flask import abort, current_app

from dispatch.nightplan import NightPlan
from webapp.resources import resources

ASSET_BASE = "/assets/leaflet"


def current_plan() -> NightPlan:
    """The latest plan, or 404 telling the dispatcher how to make one."""
    plan = resources().latest_plan()
    if plan is None:
        abort(404, description="还没有巡查计划 No plan yet: run `patrol plan --teams 4` "
                               "(or `patrol demo`) first")
    return plan


def map_options() -> dict[str, object]:
    """Basemap settings every map of this app uses."""
    return {
        "roads": resources().roads,
        "asset_base": ASSET_BASE,
        "tiles": current_app.config["TILES"],
        "attribution": current_app.config["TILES_ATTRIBUTION"],
    }

