"""What the page views share: the latest plan or a clear 404, and the basemap settings."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from flask import Flask, abort, current_app, request

from dispatch.nightplan import NightPlan
from maps.basemap import Basemap, choose_basemap, plan_in_datum, roads_in_datum
from maps.overview import build_overview_map
from maps.render import MapParts, map_parts
from webapp.resources import resources

ASSET_BASE = "/assets/leaflet"
#: Overview maps kept per web process (a night's recent versions, a few nights).
DRAWN_KEPT = 8
_DRAWN_LOCK = threading.Lock()


def current_plan() -> NightPlan:
    """The plan of the night ``?date=`` asks for, else tonight's (published, else its latest
    version), else the latest of any night; 404 telling the dispatcher how to make one."""
    asked = request.args.get("date", "").strip()
    if asked:
        try:
            night = date.fromisoformat(asked)
        except ValueError:
            abort(400, description=f"日期格式为 YYYY-MM-DD {asked!r} is not a date: give "
                                   "YYYY-MM-DD")
        plan = resources().night_plan(night)
        if plan is None:
            abort(404, description=f"{night} 还没有计划 The night of {night} has no plan")
        return plan
    res = resources()
    latest = res.latest_plan()
    if latest is None:
        abort(404, description="还没有巡查计划 No plan yet: run `patrol plan --teams 4` "
                               "(or `patrol demo`) first")
    return res.night_plan(res.tonight()) or latest


def map_options() -> dict[str, object]:
    """Basemap settings every map of this app uses (roads in the basemap's datum)."""
    chosen = basemap()
    return {
        "roads": datum_roads(chosen),
        "asset_base": ASSET_BASE,
        "basemap": chosen,
    }


def basemap() -> Basemap:
    """The city's basemap, checked at start-up (:func:`init_app`)."""
    chosen: Basemap = current_app.extensions["patrol-basemap"]
    return chosen


def datum_roads(chosen: Basemap):  # type: ignore[no-untyped-def]
    """The road basemap in ``chosen``'s datum, converted once per app."""
    if chosen.datum == "wgs84":
        return resources().roads
    cache = current_app.extensions.setdefault("patrol-datum-roads", {})
    if chosen.datum not in cache:
        cache[chosen.datum] = roads_in_datum(resources().roads, chosen.datum)
    return cache[chosen.datum]


def drawn_plan(plan: NightPlan) -> NightPlan:
    """``plan`` in the basemap's datum: on GCJ-02 tiles, everything is drawn converted."""
    return plan_in_datum(plan, basemap().datum)


def overview_parts(plan: NightPlan) -> tuple[MapParts, str]:
    """The overview map of ``plan`` and its name, drawn once per version and web process.

    Drawing it takes Folium about 0.3 s of CPU; a saved version never changes, so every
    later page of it (the overview, the plan page, each dispatcher's reload) reuses it.
    """
    key = (plan.date.isoformat(), plan.created_at.isoformat(), len(plan.routes))
    drawn: OrderedDict[tuple[str, str, int], tuple[MapParts, str]] = \
        current_app.extensions.setdefault("patrol-overview-maps", OrderedDict())
    with _DRAWN_LOCK:
        if key in drawn:
            drawn.move_to_end(key)
            return drawn[key]
    built = build_overview_map(drawn_plan(plan), **map_options())  # type: ignore[arg-type]
    found = (map_parts(built), built.get_name())
    with _DRAWN_LOCK:
        drawn[key] = found
        while len(drawn) > DRAWN_KEPT:
            drawn.popitem(last=False)
    return found


def init_app(app: Flask) -> None:
    """Choose the basemap from PATROL_BASEMAP, PATROL_TILES and PATROL_TIANDITU_KEY once;
    a wrong setting stops the start with a message saying what to set."""
    app.extensions["patrol-basemap"] = choose_basemap(
        app.config["BASEMAP"], tiles=app.config["TILES"],
        attribution=app.config["TILES_ATTRIBUTION"], tianditu_key=app.config["TIANDITU_KEY"])

