"""Exporting the registry: each format round-trips geometry and attributes, and the
GeoPackage is what QGIS expects (EPSG:4326, readable attribute names, three layers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any

import networkx as nx
import pyogrio
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.errors import ValidationError
from dispatch.exporting import HOTSPOT_COLUMNS, export_layers
from dispatch.importing import import_file
from dispatch.models import City, Hotspot, Shelter, TeamBase
from dispatch.registry import add_hotspot, retire_hotspot
from dispatch.store import session_factory
from routes.problem import Mode
from tests.dispatch.conftest import open_city_database

#: Attributes a round trip must keep (ids too: a re-import updates by id).
KEPT = ("id", "name", "category", "risk", "service_min", "checks_per_night", "district",
        "window_start", "window_end", "skill", "active", "access_lon", "access_lat",
        "access_manual")


@pytest.fixture()
def filled(registry_session: Session, networks: dict[Mode, nx.MultiDiGraph]) -> Session:
    """A registry with every shape, Chinese names, a window, a skill, an access point set by
    hand, a retired hotspot, a shelter and a base."""
    walk = networks[Mode.WALK]
    shapes: list[tuple[str, str, Any, dict[str, Any]]] = [
        ("中央车站 Central station", "station", Point(24.9403151, 60.1722962),
         {"district": "克卢维 Kluuvi", "skill": "police"}),
        ("长桥 Pitkäsilta", "bridge", LineString([(24.9497123, 60.1763456),
                                                 (24.9502345, 60.1771234)]), {}),
        ("在建工地 Site", "construction", Polygon([(24.9440001, 60.1671001), (24.9452, 60.1671),
                                               (24.9452, 60.1676), (24.944, 60.1676)]),
         {"window_start": "19:30", "window_end": "05:00"}),
        ("公园 两块 Park in two", "park", MultiPolygon([
            Polygon([(24.9380, 60.1656), (24.9385, 60.1656), (24.9385, 60.1659)]),
            Polygon([(24.9390, 60.1656), (24.9395, 60.1656), (24.9395, 60.1659)])]), {}),
    ]
    for name, category, geometry, extra in shapes:
        add_hotspot(registry_session, {"name": name, "category": category, "geometry": geometry,
                                       **extra}, who="w", network=walk)
    hand = add_hotspot(registry_session, {"name": "集市 Market", "category": "market",
                                          "geometry": Point(24.9525831, 60.1661862),
                                          "access": (24.9524, 60.1663)}, who="w", network=walk)
    retire_hotspot(registry_session, hand.id, who="w")
    registry_session.add(Shelter(name="避寒点 Warming room", kind="community",
                                 geometry=Point(24.943, 60.169), beds=12, osm_ref=None))
    registry_session.add(TeamBase(name="指挥中心 Command post", lon=24.9528, lat=60.1683))
    registry_session.commit()
    return registry_session


def _attributes(session: Session) -> list[dict[str, Any]]:
    return [{c: getattr(h, c) for c in KEPT}
            for h in session.scalars(select(Hotspot).order_by(Hotspot.id))]


@pytest.mark.parametrize("format", ["gpkg", "geojson", "csv"])
def test_a_round_trip_keeps_geometry_and_attributes(
    filled: Session, new_database: Callable[[], str], demo_city: City,
    networks: dict[Mode, nx.MultiDiGraph], tmp_path: Path, format: str,
) -> None:
    """Export, then import into an empty database: every geometry within 1e-7 degrees and
    every attribute (Chinese names, windows, access points set by hand, retired) the same."""
    out = tmp_path / f"registry.{format}"
    written = export_layers(filled, out, format=format)
    layers = ("hotspots", "shelters", "bases")
    files = ({layer: out for layer in layers} if format == "gpkg"
             else {p.stem.rsplit("-", 1)[1]: p for p in written})
    assert sorted(files) == sorted(layers)
    engine = open_city_database(new_database(), demo_city)
    with session_factory(engine)() as target:
        for layer, path in files.items():
            import_file(target, path, layer=layer, who="w", network=networks[Mode.WALK])
        target.commit()
        assert _attributes(target) == _attributes(filled)
        pairs = zip(target.scalars(select(Hotspot).order_by(Hotspot.id)),
                    filled.scalars(select(Hotspot).order_by(Hotspot.id)), strict=True)
        for copy, original in pairs:
            assert copy.geometry.equals_exact(original.geometry, 1e-7), original.name
        shelter = target.scalars(select(Shelter)).one()
        assert (shelter.name, shelter.beds, shelter.geometry.wkt) == (
            "避寒点 Warming room", 12, "POINT (24.943 60.169)")
        base = target.scalars(select(TeamBase)).one()
        assert (base.name, base.lon, base.lat) == ("指挥中心 Command post", 24.9528, 60.1683)
    engine.dispose()


def test_the_geopackage_opens_in_qgis_with_wgs84_and_named_attributes(
    filled: Session, tmp_path: Path
) -> None:
    """Three layers, each EPSG:4326, hotspots with their attribute names as written here."""
    out = tmp_path / "registry.gpkg"
    export_layers(filled, out, format="gpkg")
    assert [name for name, _ in pyogrio.list_layers(out)] == ["hotspots", "shelters", "bases"]
    info = pyogrio.read_info(out, layer="hotspots")
    assert info["crs"] == "EPSG:4326" and info["features"] == 5
    assert tuple(info["fields"]) == HOTSPOT_COLUMNS


def test_the_csv_holds_wkt_and_the_access_point_and_opens_in_excel(
    filled: Session, tmp_path: Path
) -> None:
    """UTF-8 with a BOM (Excel shows the Chinese names), a WKT column, access lon/lat."""
    (path,) = export_layers(filled, tmp_path / "h.csv", format="csv", layers=["hotspots"])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header, first = data.decode("utf-8-sig").splitlines()[:2]
    assert header.split(",")[-1] == "wkt" and "access_lon" in header
    assert first.startswith("1,中央车站 Central station,station,") and "POINT (24.9403151" in first
    window = filled.scalars(select(Hotspot).where(Hotspot.category == "construction")).one()
    assert (window.window_start, window.window_end) == (time(19, 30), time(5, 0))


def test_an_unknown_format_or_layer_is_refused(filled: Session, tmp_path: Path) -> None:
    """The error names what is allowed."""
    with pytest.raises(ValidationError, match="gpkg, geojson, csv"):
        export_layers(filled, tmp_path / "x.shp", format="shp")
    with pytest.raises(ValidationError, match="roads"):
        export_layers(filled, tmp_path / "x.gpkg", format="gpkg", layers=["roads"])
