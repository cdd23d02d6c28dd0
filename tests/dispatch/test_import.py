"""Importing hotspots, shelters and bases: every format, Chinese spreadsheets, datums, and
every kind of bad input refused as a whole with each problem named."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pytest
from pyproj import Geod
from shapely import normalize
from shapely.geometry import LineString, Point, Polygon
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.errors import ImportProblems, ValidationError
from dispatch.importing import import_file
from dispatch.models import City, Hotspot, HotspotChange, Shelter, TeamBase
from dispatch.store import session_factory
from routes.problem import Mode
from tests.dispatch.conftest import open_city_database

#: Three hotspots of central Helsinki: a station point, a bridge line and a park area.
PLACES = [
    {"name": "中央车站 Central station", "category": "station",
     "geometry": Point(24.940315, 60.172296)},
    {"name": "长桥 Pitkäsilta", "category": "bridge",
     "geometry": LineString([(24.9497, 60.1763), (24.9502, 60.1771)])},
    {"name": "滨海公园 Esplanadi", "category": "park",
     "geometry": Polygon([(24.9440, 60.1671), (24.9452, 60.1671), (24.9452, 60.1676),
                          (24.9440, 60.1676)])},
]
CSV_HEADER = "名称,类别,经度,纬度,区\n"
CSV_ROWS = ("中央车站,station,24.940315,60.172296,克卢维\n"
            "老集市 Vanha kauppahalli,market,24.952583,60.166186,卡尔蒂\n")


@pytest.fixture()
def walk(networks: dict[Mode, nx.MultiDiGraph]) -> nx.MultiDiGraph:
    """The demo city's walk network, where access points are computed."""
    return networks[Mode.WALK]


def _import(session: Session, path: Path, walk: nx.MultiDiGraph | None = None,
            **options: Any) -> Any:
    summary = import_file(session, path, who="导入员", network=walk, **options)
    session.commit()
    return summary


def _state(session: Session) -> tuple[int, ...]:
    """How many rows each registry table holds: an import that fails must not change it."""
    return tuple(int(session.scalar(select(func.count()).select_from(t)) or 0)
                 for t in (Hotspot, HotspotChange, Shelter, TeamBase))


def _frame(rows: list[dict[str, Any]] | None = None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows or PLACES, geometry="geometry", crs="EPSG:4326")


def _write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write with GDAL as a GIS program would; a Shapefile is zipped with its side files."""
    if path.suffix == ".zip":
        folder = path.with_suffix("")
        folder.mkdir()
        frame.to_file(folder / "hotspots.shp", engine="pyogrio", encoding="UTF-8")
        with zipfile.ZipFile(path, "w") as archive:
            for part in folder.iterdir():
                archive.write(part, part.name)
        return path
    driver = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".kml": "KML"}[path.suffix]
    frame.to_file(path, driver=driver, engine="pyogrio")
    return path


def _names_and_shapes(session: Session) -> list[tuple[str, str, str]]:
    return [(h.name, h.category, h.geometry.wkt)
            for h in session.scalars(select(Hotspot).order_by(Hotspot.name))]


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".zip", ".kml"])
def test_each_gis_format_imports_the_same_hotspots(
    registry_session: Session, walk: nx.MultiDiGraph, tmp_path: Path, suffix: str
) -> None:
    """GeoJSON, GeoPackage, a zipped Shapefile and KML give the same names, categories and
    shapes (within 1e-7 degrees), Chinese names included; access points are computed."""
    places = PLACES[2:] if suffix == ".zip" else PLACES  # a Shapefile holds one kind of shape
    frame = _frame(places)
    if suffix == ".kml":  # as Google Earth writes it
        frame = frame.rename(columns={"name": "Name"})
    summary = _import(registry_session, _write(frame, tmp_path / f"h{suffix}"), walk)
    assert len(summary.added) == len(places)
    stored = {h.name: h for h in registry_session.scalars(select(Hotspot))}
    for place in places:
        hotspot = stored[place["name"]]
        assert hotspot.category == place["category"]
        # normalized: a Shapefile turns outer rings clockwise
        assert normalize(hotspot.geometry).equals_exact(normalize(place["geometry"]), 1e-7)
        assert hotspot.access_manual is False
    assert {c.action for c in registry_session.scalars(select(HotspotChange))} == {"import"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_csv_in_any_usual_encoding_imports_the_same(
    registry_session: Session, walk: nx.MultiDiGraph, tmp_path: Path, encoding: str
) -> None:
    """A CSV with 名称/类别/经度/纬度 columns reads the same from UTF-8, UTF-8 with BOM (Excel's
    "CSV UTF-8") and GBK/GB18030 (Chinese Excel's plain CSV), without saying which."""
    path = tmp_path / "hotspots.csv"
    path.write_bytes((CSV_HEADER + CSV_ROWS).encode(encoding))
    summary = _import(registry_session, path, walk)
    assert len(summary.added) == 2
    assert _names_and_shapes(registry_session) == [
        ("中央车站", "station", "POINT (24.940315 60.172296)"),
        ("老集市 Vanha kauppahalli", "market", "POINT (24.952583 60.166186)")]
    assert {h.district for h in registry_session.scalars(select(Hotspot))} == {"克卢维", "卡尔蒂"}


def test_a_csv_with_a_wkt_column_and_english_names(
    registry_session: Session, walk: nx.MultiDiGraph, tmp_path: Path
) -> None:
    """Lines and areas come through a WKT column; clock windows and skills are read too."""
    path = tmp_path / "h.csv"
    path.write_text('name;category;wkt;window_start;window_end;skill\n'
                    '工地;construction;"POLYGON ((24.944 60.1671, 24.9452 60.1671, 24.9452 '
                    '60.1676, 24.944 60.1671))";19:00;05:30;Police\n', encoding="utf-8")
    _import(registry_session, path, walk)
    site = registry_session.scalars(select(Hotspot)).one()
    assert site.geometry.geom_type == "Polygon" and site.skill == "police"
    assert (site.window_start.isoformat(), site.window_end.isoformat()) == (  # type: ignore[union-attr]
        "19:00:00", "05:30:00")


def test_a_row_with_a_stored_id_updates_it_and_history_says_import(
    registry_session: Session, walk: nx.MultiDiGraph, tmp_path: Path
) -> None:
    """Re-importing a hotspot by id changes it in place, keeps its id and records the import;
    an unchanged row is counted as unchanged."""
    path = tmp_path / "h.csv"
    path.write_text("id,name,category,lon,lat\n7,中央车站,station,24.940315,60.172296\n"
                    "8,长桥,bridge,24.9499,60.1767\n", encoding="utf-8")
    assert _import(registry_session, path, walk).added == [7, 8]
    path.write_text("id,name,category,risk,lon,lat\n7,中央车站 南口,station,4,24.940315,60.172296\n"
                    "8,长桥,bridge,,24.9499,60.1767\n", encoding="utf-8")
    summary = _import(registry_session, path, walk)
    assert (summary.updated, summary.unchanged) == ([7], [8])
    (last,) = [c for c in registry_session.scalars(select(HotspotChange)
                                                   .where(HotspotChange.hotspot_id == 7))][1:]
    assert (last.action, last.who) == ("import", "导入员")
    assert last.changes == {"name": ["中央车站", "中央车站 南口"], "risk": [5, 4]}
    added = import_file(registry_session, _csv(tmp_path, "name,category,lon,lat\n"
                                                         "新点,market,24.9450,60.1700\n"),
                        who="w", network=walk)
    assert added.added == [9]  # the id sequence follows ids a file gave, on PostGIS too


def test_an_inactive_row_imports_retired(
    registry_session: Session, walk: nx.MultiDiGraph, tmp_path: Path
) -> None:
    """A row marked inactive (active=false, 否) is stored retired, its history saying so."""
    path = _csv(tmp_path, "name,category,lon,lat,active\n旧站,station,24.940315,60.172296,否\n")
    _import(registry_session, path, walk)
    hotspot = registry_session.scalars(select(Hotspot)).one()
    assert hotspot.active is False and hotspot.retired_at is not None
    assert [c.action for c in registry_session.scalars(select(HotspotChange))] == [
        "import", "retire"]


def test_shelters_and_bases_are_points(registry_session: Session, tmp_path: Path) -> None:
    """The shelters and bases layers read name, kind, beds and a point each."""
    shelters = _csv(tmp_path, "名称,床位,经度,纬度\n社区避寒点,12,24.9430,60.1690\n", "s.csv")
    bases = _csv(tmp_path, "name,lon,lat\n指挥中心,24.9528,60.1683\n", "b.csv")
    _import(registry_session, shelters, layer="shelters")
    _import(registry_session, bases, layer="bases")
    shelter = registry_session.scalars(select(Shelter)).one()
    assert (shelter.name, shelter.kind, shelter.beds) == ("社区避寒点", "community", 12)
    base = registry_session.scalars(select(TeamBase)).one()
    assert (base.name, base.lon, base.lat) == ("指挥中心", 24.9528, 60.1683)


def test_a_projected_csv_is_converted_when_its_crs_is_given(
    registry_session: Session, walk: nx.MultiDiGraph, tmp_path: Path
) -> None:
    """x/y in EPSG:3067 (Finland's TM35FIN) with --crs EPSG:3067 arrive as WGS-84."""
    path = _csv(tmp_path, "name,category,x,y\n车站,station,385725.871,6672381.821\n")
    summary = _import(registry_session, path, walk, crs="EPSG:3067")
    point = registry_session.scalars(select(Hotspot)).one().geometry
    distance = Geod(ellps="WGS84").inv(point.x, point.y, 24.940315, 60.172296)[2]
    assert distance < 1.0
    assert any("EPSG:3067" in note for note in summary.notes)


def test_a_gcj02_point_of_a_known_place_lands_within_a_metre_of_its_wgs84_position(
    new_database: Any, demo_city: City, tmp_path: Path
) -> None:
    """Beijing, from the test vectors of the eviltransform reference implementation
    (github.com/googollee/eviltransform, python/test.py): WGS-84 39.911954 N 116.377817 E is
    GCJ-02 39.91334545536069 N 116.38404722455657 E. Imported with --crs gcj02 (a shelter
    copied from Amap) it is stored within a metre of the WGS-84 position."""
    engine = open_city_database(new_database(), demo_city)
    with session_factory(engine)() as session:
        city = session.scalars(select(City)).one()
        city.west, city.south, city.east, city.north = 116.30, 39.85, 116.45, 39.95
        path = _csv(tmp_path, "name,经度,纬度\n避寒点,116.38404722455657,39.91334545536069\n")
        summary = _import(session, path, layer="shelters", crs="gcj02")
        point = session.scalars(select(Shelter)).one().geometry
        distance = Geod(ellps="WGS84").inv(point.x, point.y, 116.377817, 39.911954)[2]
        assert distance < 1.0
        assert any("GCJ02" in note for note in summary.notes)
        path = _csv(tmp_path, "name,经度,纬度\n避寒点2,116.38404722455657,39.91334545536069\n")
        _import(session, path, layer="shelters")
        plain = session.scalars(select(Shelter).where(Shelter.name == "避寒点2")).one()
        assert plain.geometry.x == 116.3840472  # nothing converted unless asked
    engine.dispose()


def test_every_bad_row_is_listed_and_nothing_is_written(
    registry_session: Session, walk: nx.MultiDiGraph, tmp_path: Path
) -> None:
    """One file with a bad row of every kind: the error names each row, field and problem,
    offers the repaired polygon, and the database stays as it was."""
    _import(registry_session, _csv(tmp_path, "id,name,category,lon,lat\n"
                                             "3,中央车站,station,24.940315,60.172296\n"), walk)
    before = _state(registry_session)
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,name,category,lon,lat,wkt\n"
        "3,好的,station,24.940315,60.172296,\n"                                   # line 2 fine
        "4,自交,park,,,\"POLYGON ((24.944 60.1671, 24.9452 60.1676, 24.9452 60.1671, "
        "24.944 60.1676, 24.944 60.1671))\"\n"                                    # line 3
        "5,无几何,park,,,\n"                                                      # line 4
        "6,越界,park,190.0,60.17,\n"                                              # line 5
        "7,远处,park,116.0,36.4,\n"                                               # line 6
        "8,颠倒,park,60.172296,24.940315,\n"                                      # line 7
        "9,赌场,casino,24.9403,60.1723,\n"                                        # line 8
        "9,重复,park,24.9403,60.1723,\n"                                          # line 9
        "10,,park,abc,60.17,\n",                                                  # line 10
        encoding="utf-8")
    with pytest.raises(ImportProblems) as caught:
        import_file(registry_session, path, who="w", network=walk)
    registry_session.rollback()
    found = {(p.number, p.field): p.message for p in caught.value.problems}
    assert "self-intersecting" in found[(3, "geometry")] and "repaired" in found[(3, "geometry")]
    assert "MULTIPOLYGON" in found[(3, "geometry")]
    assert "empty" in found[(4, "geometry")]
    assert "out of range" in found[(5, "geometry")]
    assert "far outside" in found[(6, "geometry")]
    assert "swapped" in found[(7, "geometry")]
    assert "casino" in found[(8, "category")]
    assert "also on 8" in found[(9, "id")]
    assert "must be numbers" in found[(10, "geometry")] and (10, "name") in found
    assert not any(number == 2 for number, _ in found)
    assert "line 3, geometry" in str(caught.value) and "nothing was imported" in str(caught.value)
    assert _state(registry_session) == before


def test_missing_required_columns_are_named(registry_session: Session, tmp_path: Path) -> None:
    """A file without a category column is refused before any row, naming the column."""
    path = _csv(tmp_path, "name,lon,lat\n车站,24.940315,60.172296\n")
    with pytest.raises(ImportProblems, match="category"):
        import_file(registry_session, path, who="w")
    path = _csv(tmp_path, "name,category\n车站,station\n")
    with pytest.raises(ValidationError, match="经度"):
        import_file(registry_session, path, who="w")
    assert _state(registry_session) == (0, 0, 0, 0)


@pytest.mark.parametrize(("crs", "words"), [
    ("EPSG:99999", "unsupported CRS"),
    ("mars", "unsupported CRS"),
    ("EPSG:3857", "declares"),
])
def test_an_unsupported_or_conflicting_crs_is_refused(
    registry_session: Session, tmp_path: Path, crs: str, words: str
) -> None:
    """An unknown CRS, or one that contradicts the file's own, is refused with the fix."""
    path = _write(_frame(), tmp_path / "h.gpkg")
    with pytest.raises(ValidationError, match=words):
        import_file(registry_session, path, who="w", crs=crs)
    assert _state(registry_session) == (0, 0, 0, 0)


@pytest.mark.parametrize(("name", "content"), [
    ("h.gpkg", b"name,lon,lat\n"),
    ("h.zip", b"not a zip at all"),
    ("h.geojson", b"name,category\n"),
    ("h.kml", b"\x89PNG\r\n\x1a\n"),
    ("h.csv", b"\x89PNG\r\n\x1a\n\0\0\0"),
])
def test_a_file_that_is_not_what_its_name_says_is_refused(
    registry_session: Session, tmp_path: Path, name: str, content: bytes
) -> None:
    """Bytes that do not match the extension get a message saying so."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationError, match="is not a"):
        import_file(registry_session, path, who="w")
    assert _state(registry_session) == (0, 0, 0, 0)


def test_a_file_over_the_size_limit_is_refused(registry_session: Session, tmp_path: Path) -> None:
    """A file bigger than the limit is refused before it is read."""
    path = _csv(tmp_path, CSV_HEADER + CSV_ROWS * 50)
    with pytest.raises(ValidationError, match="limit"):
        import_file(registry_session, path, who="w", max_bytes=1000)
    assert _state(registry_session) == (0, 0, 0, 0)


def test_an_unknown_layer_or_extension_is_refused(
    registry_session: Session, tmp_path: Path
) -> None:
    """Only hotspots, shelters and bases; only the formats listed."""
    with pytest.raises(ValidationError, match="unknown layer"):
        import_file(registry_session, _csv(tmp_path, CSV_HEADER), who="w", layer="roads")
    path = tmp_path / "h.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(ValidationError, match=r"\.csv"):
        import_file(registry_session, path, who="w")


def test_unknown_columns_are_reported_not_silently_dropped(
    registry_session: Session, walk: nx.MultiDiGraph, tmp_path: Path
) -> None:
    """A column the registry does not keep (备注) is named in the summary."""
    path = _csv(tmp_path, "name,category,lon,lat,备注\n车站,station,24.940315,60.172296,夜间\n")
    summary = _import(registry_session, path, walk)
    assert any("备注" in note for note in summary.notes)
    assert registry_session.scalars(select(Hotspot)).one().name == "车站"


def _csv(folder: Path, content: str, name: str = "h.csv") -> Path:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def test_null_geometries_and_json_that_is_not_geojson_are_refused(
    registry_session: Session, tmp_path: Path
) -> None:
    """A feature with a null geometry is named; JSON that is no GeoJSON cannot be read."""
    path = tmp_path / "h.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "甲", "category": "park"}, "geometry": None},
        {"type": "Feature", "properties": {"name": "乙", "category": "park"},
         "geometry": {"type": "Point", "coordinates": [24.9450, 60.1700]}}]}), encoding="utf-8")
    with pytest.raises(ImportProblems) as caught:
        import_file(registry_session, path, who="w")
    assert [(p.number, p.field) for p in caught.value.problems] == [(1, "geometry")]
    assert "empty or missing" in str(caught.value)
    path.write_text('{"rows": [1, 2, 3]}', encoding="utf-8")
    with pytest.raises(ValidationError, match="could not be"):
        import_file(registry_session, path, who="w")
    assert _state(registry_session) == (0, 0, 0, 0)
