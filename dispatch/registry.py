"""The hotspot registry: list, add, edit, move access points, retire, and each one's history.

Every change writes a :class:`HotspotChange` in the caller's transaction, so a
change and its record are stored together or not at all. Nothing is deleted: a
retired hotspot keeps its row (past plans and statistics still name it) and is
left out of new plans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

import networkx as nx
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.categories import DEFAULT_CATEGORIES, Category
from dispatch.errors import FieldErrors, NotFoundError, ValidationError
from dispatch.geometry import PRECISION
from dispatch.hotspot_values import Bounds, Checked, check_point, check_values
from dispatch.models import City, Hotspot, HotspotChange

#: An access point (lon, lat) and the metres walked to sweep a hotspot.
Placement = tuple[tuple[float, float], float]

#: Columns a change may touch, in the order history shows them.
TRACKED = ("name", "category", "risk", "geometry", "service_min", "checks_per_night",
           "district", "window_start", "window_end", "skill", "access_lon", "access_lat",
           "access_manual", "sweep_m", "active", "retired_at")


def list_hotspots(
    session: Session, *, category: str | None = None, risk: int | None = None,
    district: str | None = None, active: bool | None = None,
) -> list[Hotspot]:
    """Hotspots by id, filtered by whichever of the arguments are given."""
    query = select(Hotspot).order_by(Hotspot.id)
    if category is not None:
        query = query.where(Hotspot.category == category)
    if risk is not None:
        query = query.where(Hotspot.risk == risk)
    if district is not None:
        query = query.where(Hotspot.district == district)
    if active is not None:
        query = query.where(Hotspot.active.is_(active))
    return list(session.scalars(query))


def get_hotspot(session: Session, hotspot_id: int) -> Hotspot:
    """The hotspot with this id, or a clear error."""
    hotspot = session.get(Hotspot, hotspot_id)
    if hotspot is None:
        raise NotFoundError(f"没有编号为 {hotspot_id} 的巡查点 / no hotspot has id {hotspot_id}")
    return hotspot


def add_hotspot(
    session: Session, values: Mapping[str, Any], *, who: str,
    network: nx.MultiDiGraph | None = None, categories: Mapping[str, Category] | None = None,
    action: str = "add", hotspot_id: int | None = None, placed: Placement | None = None,
) -> Hotspot:
    """Store a new hotspot from checked ``values`` and record who added it.

    Without ``access`` the access point is computed on ``network`` (the walk
    network) as a city build does; ``service_min``, ``checks_per_night``, ``risk``
    and the clock window default to the category's. ``placed`` is an access point
    and sweep already computed on the network (an import computes every row's at once).
    """
    who = _who(who)
    table = categories or DEFAULT_CATEGORIES
    checked = check_values(values, table, bounds=city_bounds(session))
    if checked.errors:
        raise FieldErrors(checked.errors, checked.repaired)
    clean = checked.values
    hotspot = Hotspot(id=hotspot_id, active=True, osm_ref=None, retired_at=None)
    _assign(hotspot, clean)
    _place(hotspot, clean.get("access"), network, placed)
    session.add(hotspot)
    session.flush()
    _record(session, hotspot, who, action, {name: [None, value] for name, value
                                            in snapshot(hotspot).items() if value is not None})
    return hotspot


def update_hotspot(
    session: Session, hotspot_id: int, changes: Mapping[str, Any], *, who: str,
    network: nx.MultiDiGraph | None = None, categories: Mapping[str, Category] | None = None,
    action: str = "update", placed: Placement | None = None,
) -> Hotspot:
    """Change some of a hotspot's values; a new geometry moves a computed access point too."""
    who = _who(who)
    hotspot = get_hotspot(session, hotspot_id)
    table = categories or DEFAULT_CATEGORIES
    checked = check_changes(hotspot, changes, table, bounds=city_bounds(session))
    if checked.errors:
        raise FieldErrors(checked.errors, checked.repaired)
    before = snapshot(hotspot)
    clean = checked.values
    _assign(hotspot, clean)
    if "access" in clean and clean["access"] is None:
        hotspot.access_manual = False  # asked to compute it again
    if "access" in clean or "geometry" in clean:
        _place(hotspot, clean.get("access"), network, placed)
    _record_diff(session, hotspot, who, action, before)
    return hotspot


def set_access_point(
    session: Session, hotspot_id: int, lon: float, lat: float, *, who: str
) -> Hotspot:
    """Put the access point where a team really stops; later edits keep it there."""
    who = _who(who)
    hotspot = get_hotspot(session, hotspot_id)
    try:
        x, y = check_point(lon, lat, city_bounds(session))
    except ValueError as exc:
        raise FieldErrors({"access": str(exc)}) from exc
    before = snapshot(hotspot)
    hotspot.access_lon, hotspot.access_lat, hotspot.access_manual = x, y, True
    _record_diff(session, hotspot, who, "access", before)
    return hotspot


def retire_hotspot(session: Session, hotspot_id: int, *, who: str) -> Hotspot:
    """Leave a hotspot out of new plans, keeping its row and its history."""
    who = _who(who)
    hotspot = get_hotspot(session, hotspot_id)
    if not hotspot.active:
        return hotspot
    before = snapshot(hotspot)
    hotspot.active, hotspot.retired_at = False, datetime.now(UTC)
    _record_diff(session, hotspot, who, "retire", before)
    return hotspot


def restore_hotspot(session: Session, hotspot_id: int, *, who: str) -> Hotspot:
    """Bring a retired hotspot back into new plans."""
    who = _who(who)
    hotspot = get_hotspot(session, hotspot_id)
    if hotspot.active:
        return hotspot
    before = snapshot(hotspot)
    hotspot.active, hotspot.retired_at = True, None
    _record_diff(session, hotspot, who, "restore", before)
    return hotspot


def hotspot_history(session: Session, hotspot_id: int) -> list[HotspotChange]:
    """Every change to a hotspot, oldest first."""
    get_hotspot(session, hotspot_id)
    query = (select(HotspotChange).where(HotspotChange.hotspot_id == hotspot_id)
             .order_by(HotspotChange.at, HotspotChange.id))
    return list(session.scalars(query))


def city_bounds(session: Session) -> Bounds | None:
    """West, south, east, north of the city's network, or ``None`` before a city is built."""
    city = session.scalars(select(City)).first()
    return None if city is None else (city.west, city.south, city.east, city.north)


def _who(who: str) -> str:
    text = (who or "").strip()
    if not text:
        raise ValidationError("请说明修改人 / say who makes the change (a name or login)")
    return text[:120]


def _assign(hotspot: Hotspot, clean: Mapping[str, Any]) -> None:
    for name, value in clean.items():
        if name != "access":
            setattr(hotspot, name, value)


def check_changes(hotspot: Hotspot, changes: Mapping[str, Any],
                  categories: Mapping[str, Category], *, bounds: Bounds | None) -> Checked:
    """Changes checked on their own and against the values they leave unchanged."""
    checked = check_values(changes, categories, bounds=bounds, partial=True)
    start = checked.values.get("window_start", hotspot.window_start)
    end = checked.values.get("window_end", hotspot.window_end)
    if (start is None) != (end is None) and "window_start" not in checked.errors:
        checked.errors["window_end" if start is not None else "window_start"] = (
            "时段需起止都填 / give both window_start and window_end, or neither")
    return checked


def place_hotspots(network: nx.MultiDiGraph,
                   geometries: Sequence[BaseGeometry]) -> list[Placement]:
    """Access point and sweep metres of each geometry, on the walk network, in one pass."""
    from dispatch.city import access_points
    from routes.measure import sweep_metres

    points = access_points(network, list(geometries))
    # A point is checked where it stands: only lines and areas need the network's paths.
    swept = [k for k, g in enumerate(geometries) if "Point" not in g.geom_type]
    sweeps = [0.0] * len(geometries)
    for k, metres in zip(swept, sweep_metres(network, [geometries[k] for k in swept]),
                         strict=True):
        sweeps[k] = metres
    return [((p.x, p.y), round(m, 1)) for p, m in zip(points, sweeps, strict=True)]


def _place(hotspot: Hotspot, access: tuple[float, float] | None,
           network: nx.MultiDiGraph | None, placed: Placement | None) -> None:
    """Access point and sweep length: given by hand, kept when set by hand, else computed."""
    if access is not None:
        hotspot.access_lon, hotspot.access_lat = access
        hotspot.access_manual = True
    if placed is None and network is not None:
        (placed,) = place_hotspots(network, [hotspot.geometry])
    if placed is None:
        if access is None and not hotspot.access_manual:
            raise ValidationError(
                "计算通行点需要路网 / the walk network is needed to compute the access point: "
                "give an access point (lon, lat) or build the city first")
        hotspot.sweep_m = round(hotspot.sweep_m or 0.0, 1)
        return
    (lon, lat), hotspot.sweep_m = placed
    if access is None and not hotspot.access_manual:
        hotspot.access_lon, hotspot.access_lat = lon, lat


def snapshot(hotspot: Hotspot) -> dict[str, Any]:
    """The tracked values of a hotspot as its history records them."""
    return {name: _plain(getattr(hotspot, name)) for name in TRACKED}


def _record_diff(session: Session, hotspot: Hotspot, who: str, action: str,
                 before: Mapping[str, Any]) -> None:
    after = snapshot(hotspot)
    changed = {name: [before[name], after[name]] for name in TRACKED
               if before[name] != after[name]}
    if changed:
        session.flush()
        _record(session, hotspot, who, action, changed)


def _record(session: Session, hotspot: Hotspot, who: str, action: str,
            changes: dict[str, Any]) -> None:
    session.add(HotspotChange(hotspot_id=hotspot.id, at=datetime.now(UTC), who=who,
                              action=action, changes=changes))


def _plain(value: Any) -> Any:
    """A value as JSON keeps it in the history."""
    if isinstance(value, BaseGeometry):
        return shapely.to_wkt(value, rounding_precision=PRECISION)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, datetime):
        return value.isoformat()
    return value
