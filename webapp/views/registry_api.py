"""The hotspot registry as JSON: list (GeoJSON), add, edit, move the access point, retire, history.

Every change is kept under the signed-in account and runs in one transaction: a refused
request answers 400 with a message per field and leaves the database as it was.
Coordinates are WGS-84 unless ``?datum=gcj02`` (or ``bd09``) says the client draws
on Amap or Baidu tiles: then they are converted both ways here, at the edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, request
from flask_login import current_user
from sqlalchemy.orm import Session

from dispatch.categories import Category, load_categories
from dispatch.chinacoords import Datum, geometry_to_wgs84, parse_datum, point_to_wgs84
from dispatch.errors import FieldErrors
from dispatch.hotspot_values import parse_geometry
from dispatch.models import Hotspot
from dispatch.registry import (
    add_hotspot,
    hotspot_history,
    list_hotspots,
    restore_hotspot,
    retire_hotspot,
    set_access_point,
    update_hotspot,
)
from maps.registry import change_document, hotspot_collection, hotspot_feature
from webapp.access import Audience, allow
from webapp.resources import resources

bp = Blueprint("registry_api", __name__, url_prefix="/api/hotspots")

_FILTERS = {"true": True, "false": False}


@bp.get("")
@allow(Audience.READ)
def collection() -> dict[str, Any]:
    """Hotspots as a GeoJSON FeatureCollection; ``category``, ``risk``, ``district`` and
    ``active`` (true/false) narrow it down."""
    datum = _datum()
    with resources().sessions() as session:
        hotspots = list_hotspots(session, **_filters(request.args))
        return hotspot_collection(hotspots, _categories(), datum)


@bp.post("")
@allow(Audience.DISPATCH)
def create() -> tuple[dict[str, Any], int]:
    """Add a hotspot; answers 201 with its feature (access point computed if not given).

    ``geometry`` is a GeoJSON geometry (or WKT); ``access`` an optional ``[lon, lat]``.
    """
    datum = _datum()
    values, who = _body()
    categories = _categories()
    with _change() as session:
        hotspot = add_hotspot(session, _to_wgs84(values, datum), who=who,
                              categories=categories, network=resources().walk_network_if_built())
        return hotspot_feature(hotspot, categories, datum), 201


@bp.patch("/<int:hotspot_id>")
@allow(Audience.DISPATCH)
def update(hotspot_id: int) -> dict[str, Any]:
    """Change some of a hotspot's fields or its shape."""
    datum = _datum()
    changes, who = _body()
    categories = _categories()
    with _change() as session:
        hotspot = update_hotspot(session, hotspot_id, _to_wgs84(changes, datum), who=who,
                                 categories=categories, network=resources().walk_network_if_built())
        return hotspot_feature(hotspot, categories, datum)


@bp.put("/<int:hotspot_id>/access")
@allow(Audience.DISPATCH)
def move_access(hotspot_id: int) -> dict[str, Any]:
    """Put the access point where a team really stops: ``{"lon": ..., "lat": ...}``."""
    datum = _datum()
    body, who = _body()
    lon, lat = point_to_wgs84(*_position(body), datum)
    with _change() as session:
        return hotspot_feature(set_access_point(session, hotspot_id, lon, lat, who=who),
                               _categories(), datum)


@bp.post("/<int:hotspot_id>/retire")
@allow(Audience.DISPATCH)
def retire(hotspot_id: int) -> dict[str, Any]:
    """Retire a hotspot: off the map for new plans, kept in past plans and statistics."""
    return _set_active(retire_hotspot, hotspot_id)


@bp.post("/<int:hotspot_id>/restore")
@allow(Audience.DISPATCH)
def restore(hotspot_id: int) -> dict[str, Any]:
    """Bring a retired hotspot back into new plans (a retirement made by mistake)."""
    return _set_active(restore_hotspot, hotspot_id)


@bp.get("/<int:hotspot_id>/history")
@allow(Audience.READ)
def history(hotspot_id: int) -> dict[str, Any]:
    """Who changed the hotspot, when, and what changed, oldest first."""
    with resources().sessions() as session:
        changes = hotspot_history(session, hotspot_id)
        return {"hotspot": hotspot_id, "changes": [change_document(c) for c in changes]}


def _set_active(service: Callable[..., Hotspot], hotspot_id: int) -> dict[str, Any]:
    """Retire or restore (``service``) in one transaction, naming the editor."""
    datum = _datum()
    _, who = _body()
    with _change() as session:
        return hotspot_feature(service(session, hotspot_id, who=who), _categories(), datum)


@contextmanager
def _change() -> Iterator[Session]:
    """One transaction: committed if the block returns, rolled back if it raises."""
    with resources().sessions.begin() as session:
        yield session


def _categories() -> dict[str, Category]:
    return load_categories(resources().workspace.root)


def _body() -> tuple[dict[str, Any], str]:
    """The JSON object sent, and who makes the change: the signed-in account, never a name
    the request gives (an old client's ``who`` is ignored)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise FieldErrors({"body": "请求须为 JSON 对象 / send Content-Type: application/json "
                                   'and an object, e.g. {"name": "..."}'})
    body.pop("who", None)
    return body, str(current_user.name)


def _datum() -> Datum:
    """The datum the client draws in (``?datum=``), WGS-84 when not given."""
    try:
        return parse_datum(request.args.get("datum", "wgs84"))
    except ValueError as exc:
        raise FieldErrors({"datum": str(exc)}) from exc


def _to_wgs84(values: dict[str, Any], datum: Datum) -> dict[str, Any]:
    """``geometry`` and ``access`` drawn in ``datum`` as WGS-84; values that cannot be
    read are passed on unchanged, for the registry's checks to name."""
    if datum == "wgs84":
        return values
    converted = dict(values)
    if converted.get("geometry") is not None:
        try:
            converted["geometry"] = geometry_to_wgs84(parse_geometry(converted["geometry"]),
                                                      datum)
        except ValueError:
            pass
    access = converted.get("access")
    if isinstance(access, list | tuple) and len(access) == 2:
        try:
            converted["access"] = point_to_wgs84(float(access[0]), float(access[1]), datum)
        except (TypeError, ValueError):
            pass
    return converted


def _position(body: Mapping[str, Any]) -> tuple[float, float]:
    """``lon`` and ``lat`` as numbers, or a message per missing or wrong one."""
    found: dict[str, float] = {}
    errors: dict[str, str] = {}
    for key, example in (("lon", "115.98"), ("lat", "36.45")):
        value = body.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors[key] = f"须为数字 / {key} must be a number in degrees, e.g. {example}"
        else:
            found[key] = float(value)
    if errors:
        raise FieldErrors(errors)
    return found["lon"], found["lat"]


def _filters(args: Mapping[str, str]) -> dict[str, Any]:
    """Query parameters as the keyword filters of ``list_hotspots``."""
    filters: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in ("category", "district"):
        if args.get(key):
            filters[key] = args[key]
    if args.get("risk"):
        if args["risk"].isdigit():
            filters["risk"] = int(args["risk"])
        else:
            errors["risk"] = f"风险为 1–5 / risk {args['risk']!r} is not a level: give 1 to 5"
    if args.get("active"):
        if args["active"].lower() in _FILTERS:
            filters["active"] = _FILTERS[args["active"].lower()]
        else:
            errors["active"] = (f"状态 / active {args['active']!r}: give true (active) or "
                                "false (retired)")
    unknown = set(args) - {"category", "district", "risk", "active", "datum"}
    errors.update({key: "未知筛选 / unknown filter: use category, risk, district or active"
                   for key in unknown})
    if errors:
        raise FieldErrors(errors)
    return filters
