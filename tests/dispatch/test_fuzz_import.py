"""Fuzzing the importers with Hypothesis: whatever a file holds, an import either takes every
row or refuses with the project's error naming the problem, and a refused import leaves the
database exactly as it was.

Inputs are random bytes behind each format's signature and documents that are well formed but
wrong: wrong types, NaN, infinite or huge coordinates, missing fields, empty geometries, nested
junk, wrong encodings. Every case runs in the transaction the callers use; a successful import
is rolled back afterwards so each example starts from the same registry.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import sqlite3
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import geopandas as gpd
import networkx as nx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from shapely.geometry import LineString, Point, Polygon
from sqlalchemy import Engine, select

from dispatch.categories import Category, load_categories
from dispatch.errors import ImportProblems, ValidationError
from dispatch.importing import LAYERS, ImportSummary, import_file
from dispatch.models import Base, City
from dispatch.readers import read_table
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.problem import Mode
from tests.dispatch.conftest import open_city_database, postgis_schema

#: GDAL's warnings about a broken file (pyogrio passes them on as RuntimeWarning) are not
#: failures: the import still answers with its own error or its rows.
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:Could not parse column:UserWarning")]

FUZZ = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Inside the demo extract (central Helsinki), so a well-formed row can be imported.
LON = st.floats(24.936, 24.954)
LAT = st.floats(60.166, 60.177)
#: Numbers a file should never hold as coordinates, and a few that it may.
ODD_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 1e-320, 181.0, -91.0, 0.0, 2**63, -(2**63) - 1]),
    st.integers(min_value=-(2**80), max_value=2**80),
)
SCALARS = st.one_of(st.none(), st.booleans(), ODD_NUMBERS, st.text(max_size=12))
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)
CATEGORY = st.one_of(st.sampled_from(["station", "park", "bridge", "market", "construction"]),
                     JUNK)
#: Values of the fields the importer reads, right and wrong.
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": st.one_of(st.integers(1, 12), st.integers(-5, 2**70), st.just("inf"), JUNK),
    "name": st.one_of(st.text(min_size=1, max_size=30), JUNK),
    "category": CATEGORY,
    "risk": st.one_of(st.integers(-2, 8), JUNK),
    "service_min": st.one_of(st.integers(-5, 300), ODD_NUMBERS, JUNK),
    "checks_per_night": st.one_of(st.integers(-1, 30), ODD_NUMBERS, JUNK),
    "window_start": st.one_of(st.sampled_from(["20:00", "25:61", "", "8pm", "23:59:59"]), JUNK),
    "window_end": st.one_of(st.sampled_from(["06:00", "24:00", "", "-1:00"]), JUNK),
    "access_lon": st.one_of(LON, ODD_NUMBERS, JUNK),
    "access_lat": st.one_of(LAT, ODD_NUMBERS, JUNK),
    "access_manual": JUNK,
    "active": st.one_of(st.sampled_from(["是", "否", "yes", "maybe"]), JUNK),
    "district": JUNK,
    "skill": st.one_of(st.sampled_from(["medical", "police", "none"]), JUNK),
    "kind": JUNK,
    "beds": st.one_of(st.integers(-3, 200), ODD_NUMBERS, JUNK),
}
PROPERTIES = st.fixed_dictionaries(
    {"name": FIELD_VALUES["name"], "category": CATEGORY},
    optional={**{k: v for k, v in FIELD_VALUES.items() if k not in ("name", "category")},
              "备注": JUNK},
) | st.dictionaries(st.text(max_size=8), JUNK, max_size=4)


def _position(good: bool = True) -> st.SearchStrategy[list[Any]]:
    right = st.tuples(LON, LAT).map(list)
    return right if good else st.one_of(right, st.lists(ODD_NUMBERS, max_size=4),
                                        st.lists(JUNK, max_size=3))


GEOJSON_GEOMETRY = st.one_of(
    st.builds(lambda p: {"type": "Point", "coordinates": p}, _position()),
    st.builds(lambda p: {"type": "Point", "coordinates": p}, _position(good=False)),
    st.builds(lambda ps: {"type": "LineString", "coordinates": ps},
              st.lists(_position(), max_size=3)),
    st.builds(lambda ps: {"type": "Polygon", "coordinates": [ps]},
              st.lists(_position(), max_size=5)),
    st.builds(lambda ps: {"type": "MultiPoint", "coordinates": ps},
              st.lists(_position(good=False), max_size=3)),
    st.just({"type": "GeometryCollection", "geometries": []}),
    st.just({"type": "Point", "coordinates": []}),
    st.builds(lambda kind, c: {"type": kind, "coordinates": c},
              st.text(max_size=12), JUNK),
    st.none(),
    JUNK,
)

@st.composite
def near_valid_features(draw: st.DrawFn) -> dict[str, Any]:
    """A feature that would import, but for (at most) one field or its shape."""
    properties: dict[str, Any] = {
        "name": draw(st.text(min_size=1, max_size=20).filter(str.strip)),
        "category": draw(st.sampled_from(["station", "park", "bridge", "market"]))}
    field_name = draw(st.sampled_from([*FIELD_VALUES, "geometry", "none"]))
    geometry: Any = {"type": "Point", "coordinates": draw(_position())}
    if field_name == "geometry":
        geometry = draw(GEOJSON_GEOMETRY)
    elif field_name != "none":
        properties[field_name] = draw(FIELD_VALUES[field_name])
    return {"type": "Feature", "properties": properties, "geometry": geometry}


FEATURE = near_valid_features() | near_valid_features() | st.builds(
    lambda props, geometry: {"type": "Feature", "properties": props, "geometry": geometry},
    PROPERTIES, GEOJSON_GEOMETRY) | st.dictionaries(
    st.sampled_from(["type", "properties", "geometry", "id"]), JUNK, max_size=4)
GEOJSON = st.one_of(
    st.builds(lambda features: {"type": "FeatureCollection", "features": features},
              st.lists(FEATURE, max_size=4)),
    st.builds(lambda feature: feature, FEATURE),
    st.dictionaries(st.sampled_from(["type", "features", "crs", "bbox"]), JUNK, max_size=4),
    st.builds(lambda crs, features: {"type": "FeatureCollection", "features": features,
                                     "crs": {"type": "name", "properties": {"name": crs}}},
              st.sampled_from(["EPSG:3857", "urn:ogc:def:crs:EPSG::4490", "nonsense", ""]),
              st.lists(FEATURE, min_size=1, max_size=2)),
)
#: Encodings a file may wrongly come in; undecodable text is dropped as a careless tool would.
ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16", "latin-1", "big5"])
#: Mostly none given (the file's own, or WGS-84), else a datum, a CRS or junk.
CRS_GIVEN = st.sampled_from([None, None, None, None, None, "gcj02", "bd09", "EPSG:4326",
                             "EPSG:3857", "EPSG:32635", "EPSG:99999", "wgs84", ""]) \
    | st.text(max_size=10)
LAYER = st.sampled_from(LAYERS)

CSV_COLUMNS = ["名称", "name", "类别", "category", "经度", "纬度", "lon", "lat", "x", "y", "wkt",
               "几何", "id", "编号", "风险", "risk", "active", "beds", "床位", "开始时间",
               "service_min", "通行点经度", "通行点纬度"]
#: A park of 7,000 vertices as WKT: over 128 KiB in one cell.
LONG_WKT = Polygon([(24.9445 + 0.002 * math.cos(2 * math.pi * k / 7000),
                     60.1673 + 0.001 * math.sin(2 * math.pi * k / 7000))
                    for k in range(7000)]).wkt
CSV_CELLS = st.one_of(
    LON.map(str), LAT.map(str), st.sampled_from([
        "nan", "inf", "-inf", "1e999", "", " ", "POINT (24.94 60.17)", "POINT EMPTY",
        "POINT (nan nan)", "LINESTRING (24.94 60.17)", "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))",
        "GEOMETRYCOLLECTION EMPTY", "POINT (1e400 60)", "station", "park", "是", "20:00",
        "99999999999999999999", "-1", "1.5", "中央车站",
        # Past the csv module's default field limit of 128 KiB, as our own export writes a
        # large polygon's WKT, and a name as long.
        "x" * 140_000, LONG_WKT]),
    st.text(max_size=15),
)


#: Columns of a spreadsheet that would import, and a good row for them.
CSV_LAYOUTS = [(["名称", "类别", "经度", "纬度"], ["中央车站", "station", "24.9403", "60.1723"]),
               (["name", "category", "lon", "lat"], ["Esplanadi", "park", "24.9445", "60.1673"]),
               (["name", "category", "wkt"], ["Pitkäsilta", "bridge",
                                              "LINESTRING (24.9497 60.1763, 24.9502 60.1771)"])]


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A spreadsheet's CSV: good rows with a wrong cell here and there, or columns and cells
    drawn from the importer's names and junk; in the right encoding or a wrong one."""
    if draw(st.booleans()):
        header, good = draw(st.sampled_from(CSV_LAYOUTS))
        header = header + draw(st.lists(st.sampled_from(CSV_COLUMNS), max_size=2))
        rows = []
        for _ in range(draw(st.integers(1, 3))):
            row = good + [""] * (len(header) - len(good))
            if draw(st.booleans()):
                row[draw(st.integers(0, len(row) - 1))] = draw(CSV_CELLS)
            rows.append(row)
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk"]) | ENCODING)
    else:
        header = draw(st.lists(st.sampled_from(CSV_COLUMNS) | st.text(max_size=6), min_size=1,
                               max_size=7))
        rows = draw(st.lists(st.lists(CSV_CELLS, min_size=0, max_size=len(header) + 1),
                             max_size=4))
        encoding = draw(ENCODING)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=draw(st.sampled_from([",", ";", "\t"])))
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding, errors="ignore")


@st.composite
def kml_files(draw: st.DrawFn) -> bytes:
    """KML placemarks with names, extended data and coordinates of every kind."""
    marks = []
    for _ in range(draw(st.integers(0, 3))):
        coordinates = draw(st.one_of(
            st.builds(lambda x, y: f"{x},{y},0", LON, LAT),
            st.builds(lambda x, y: f"{x},{y}", ODD_NUMBERS, ODD_NUMBERS),
            st.text(max_size=20)))
        shape = draw(st.sampled_from(["Point", "LineString", "Polygon", "Nothing"]))
        body = (f"<{shape}><coordinates>{escape(coordinates)}</coordinates></{shape}>"
                if shape != "Polygon" else
                f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{escape(coordinates)}"
                "</coordinates></LinearRing></outerBoundaryIs></Polygon>")
        data = "".join(f'<Data name="{escape(k, {chr(34): "&quot;"})}"><value>{escape(str(v))}'
                       "</value></Data>"
                       for k, v in draw(st.dictionaries(st.sampled_from(CSV_COLUMNS), SCALARS,
                                                        max_size=4)).items())
        marks.append(f"<Placemark><name>{escape(draw(st.text(max_size=12)))}</name>"
                     f"<ExtendedData>{data}</ExtendedData>{body}</Placemark>")
    document = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
                f"<Document>{''.join(marks)}</Document></kml>")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(document)))
        document = document[:cut]
    return document.encode(draw(ENCODING), errors="ignore")


SHAPES = st.one_of(
    st.builds(Point, LON, LAT),
    st.builds(lambda x, y: Point(x, y), ODD_NUMBERS.filter(lambda v: isinstance(v, float)),
              ODD_NUMBERS.filter(lambda v: isinstance(v, float))),
    st.just(Point()),
    st.just(Polygon()),
    st.builds(lambda a, b: LineString([a, b]), st.tuples(LON, LAT), st.tuples(LON, LAT)),
    st.just(Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])),
    st.none(),
)
FRAME_VALUES = st.one_of(st.none(), st.integers(-(2**40), 2**40), st.floats(),
                         st.text(max_size=12))


@st.composite
def frames(draw: st.DrawFn) -> gpd.GeoDataFrame:
    """A table a GIS program could write: a column per name, one type a column."""
    columns = draw(st.lists(st.sampled_from([c for c in CSV_COLUMNS if c not in ("x", "y")]),
                            unique=True, max_size=5))
    size = draw(st.integers(0, 3))
    data: dict[str, list[Any]] = {}
    for column in columns:
        kind = draw(st.sampled_from(["int", "float", "text"]))
        cell = {"int": st.integers(-(2**40), 2**40), "float": st.floats(),
                "text": st.text(max_size=12)}[kind]
        data[column] = draw(st.lists(cell | st.none() if kind == "text" else cell,
                                     min_size=size, max_size=size))
    shapes = draw(st.lists(SHAPES, min_size=size, max_size=size))
    crs = draw(st.sampled_from(["EPSG:4326", "EPSG:3857", None]))
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(shapes, crs=crs))


def _junk_bytes(prefix: bytes) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=600).map(lambda tail: prefix + tail)


@pytest.fixture(scope="module")
def registry(demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[Engine, dict[str, Category]]]:
    """A private copy of the demo city's database (hotspots 1.. exist), and its categories."""
    root = tmp_path_factory.mktemp("fuzz-import-city")
    shutil.copytree(demo_workspace.root, root, dirs_exist_ok=True)
    workspace = Workspace(root)
    engine = open_engine(workspace.database_url)
    yield engine, load_categories(workspace.root)
    engine.dispose()


@pytest.fixture(scope="module")
def postgis_registry(demo_workspace: Workspace, demo_city: City
                     ) -> Iterator[tuple[Engine, dict[str, Category]]]:
    """The demo city's record in a schema of its own in the PostGIS database (no hotspots)."""
    with postgis_schema("fuzz") as url:
        engine = open_city_database(url, demo_city)
        try:
            yield engine, load_categories(demo_workspace.root)
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def walk(networks: dict[Mode, nx.MultiDiGraph]) -> nx.MultiDiGraph:
    return networks[Mode.WALK]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-files")


class _Undo(Exception):
    """Raised inside the transaction after a successful import, to keep the registry as it was."""


def database_dump(engine: Engine) -> list[str]:
    """Every row of every table, in key order, on SQLite and PostGIS alike: equal dumps,
    equal databases."""
    with engine.connect() as connection:
        return [f"{table.name}: {row!r}" for table in Base.metadata.sorted_tables
                for row in connection.execute(select(table).order_by(*table.primary_key))]


def assert_all_or_nothing(registry: tuple[Engine, dict[str, Category]], walk: nx.MultiDiGraph,
                          path: Path, *, layer: str = "hotspots",
                          crs: str | None = None) -> ImportSummary | None:
    """Import ``path``: every row taken, or the project's error and an unchanged database."""
    engine, categories = registry
    before = database_dump(engine)
    summary = None
    try:
        with session_factory(engine).begin() as session:
            summary = import_file(session, path, layer=layer, crs=crs, who="fuzz",
                                  network=walk if layer == "hotspots" else None,
                                  categories=categories)
            raise _Undo
    except _Undo:
        assert summary is not None
        rows = len(read_table(path, layer=layer).rows)
        assert len(summary.added) + len(summary.updated) + len(summary.unchanged) == rows
        _count("imported")
    except ValidationError as exc:
        assert str(exc).strip(), "a refusal names its problem"
        _count(f"refused: {type(exc).__name__} {str(exc)[:50]}")
        summary = None
    assert database_dump(engine) == before
    return summary


def _count(outcome: str) -> None:
    """How often each outcome came up (``--hypothesis-show-statistics``)."""
    if currently_in_test_context():
        event(outcome)


def _save(frame: gpd.GeoDataFrame, path: Path, **options: Any) -> None:
    """Write as a GIS program would, without geopandas' advice about a missing CRS."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        frame.to_file(path, engine="pyogrio", **options)


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@FUZZ
@given(document=GEOJSON, layer=LAYER, crs=CRS_GIVEN, encoding=ENCODING,
       allow_nan=st.booleans())
def test_geojson_documents_import_whole_or_not_at_all(
    registry: Any, walk: nx.MultiDiGraph, folder: Path, document: Any, layer: str,
    crs: str | None, encoding: str, allow_nan: bool,
) -> None:
    """GeoJSON with wrong types, odd numbers, missing fields or junk: all rows or a clear error."""
    try:
        text = json.dumps(document, allow_nan=allow_nan, ensure_ascii=False)
    except ValueError:
        text = json.dumps(document, allow_nan=True)
    path = _write(folder, "fuzz.geojson", text.encode(encoding, errors="ignore"))
    assert_all_or_nothing(registry, walk, path, layer=layer, crs=crs)


@FUZZ
@given(data=csv_files(), layer=LAYER, crs=CRS_GIVEN)
def test_csv_files_import_whole_or_not_at_all(registry: Any, walk: nx.MultiDiGraph,
                                              folder: Path, data: bytes, layer: str,
                                              crs: str | None) -> None:
    """CSV in any encoding, English or Chinese columns, lon/lat or WKT, cells right and wrong."""
    assert_all_or_nothing(registry, walk, _write(folder, "fuzz.csv", data), layer=layer, crs=crs)


@settings(FUZZ, max_examples=30)
@given(data=csv_files(), layer=LAYER, crs=CRS_GIVEN)
def test_csv_files_import_whole_or_not_at_all_on_postgis(
        postgis_registry: Any, walk: nx.MultiDiGraph, folder: Path, data: bytes, layer: str,
        crs: str | None) -> None:
    """The same CSV files against PostGIS: all rows or a clear error, nothing kept."""
    assert_all_or_nothing(postgis_registry, walk, _write(folder, "fuzz.csv", data),
                          layer=layer, crs=crs)


@settings(FUZZ, max_examples=30)
@given(document=GEOJSON, layer=LAYER)
def test_geojson_documents_import_whole_or_not_at_all_on_postgis(
        postgis_registry: Any, walk: nx.MultiDiGraph, folder: Path, document: Any,
        layer: str) -> None:
    """GeoJSON with wrong types, odd numbers, missing fields or junk, against PostGIS."""
    text_ = json.dumps(document, allow_nan=True, ensure_ascii=False)
    assert_all_or_nothing(postgis_registry, walk, _write(folder, "fuzz.geojson",
                                                         text_.encode()), layer=layer)


@FUZZ
@given(data=kml_files(), layer=LAYER)
def test_kml_files_import_whole_or_not_at_all(registry: Any, walk: nx.MultiDiGraph,
                                              folder: Path, data: bytes, layer: str) -> None:
    """KML placemarks with any coordinates, cut short or in the wrong encoding."""
    assert_all_or_nothing(registry, walk, _write(folder, "fuzz.kml", data), layer=layer)


@FUZZ
@given(frame=frames(), layer=LAYER, as_shapefile=st.booleans(), prj=st.none() | st.binary(
    max_size=40))
def test_gis_tables_import_whole_or_not_at_all(registry: Any, walk: nx.MultiDiGraph,
                                               folder: Path, frame: gpd.GeoDataFrame, layer: str,
                                               as_shapefile: bool, prj: bytes | None) -> None:
    """GeoPackages and zipped Shapefiles with odd columns, empty, invalid or far-off shapes."""
    for old in folder.glob("table*"):
        old.unlink()
    if as_shapefile:
        shp = folder / "table.shp"
        try:
            _save(frame, shp, encoding="UTF-8")
        except Exception:  # a frame GDAL cannot write as a Shapefile is no import case
            return
        if prj is not None:
            shp.with_suffix(".prj").write_bytes(prj)
        path = folder / "fuzz.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for part in folder.glob("table.*"):
                archive.write(part, part.name)
    else:
        path = folder / "fuzz.gpkg"
        path.unlink(missing_ok=True)
        _save(frame, path, driver="GPKG", layer=layer)
    assert_all_or_nothing(registry, walk, path, layer=layer)


@FUZZ
@given(suffix=st.sampled_from([".geojson", ".json", ".csv", ".kml", ".gpkg", ".zip"]),
       data=st.one_of(st.binary(max_size=800), _junk_bytes(b"{"), _junk_bytes(b"<"),
                      _junk_bytes(b"SQLite format 3\0")),
       layer=LAYER)
def test_random_bytes_are_refused_with_a_reason(registry: Any, walk: nx.MultiDiGraph,
                                                folder: Path, suffix: str, data: bytes,
                                                layer: str) -> None:
    """Bytes that match no format, or only its first bytes, are refused and change nothing."""
    assert_all_or_nothing(registry, walk, _write(folder, f"fuzz{suffix}", data), layer=layer)


@FUZZ
@given(members=st.dictionaries(
    st.sampled_from(["a.shp", "a.shx", "a.dbf", "a.prj", "a.cpg", "b.shp", "readme.txt",
                     "dir/a.shp", "../a.shp"]), st.binary(max_size=300), max_size=4))
def test_zips_of_broken_shapefiles_are_refused(registry: Any, walk: nx.MultiDiGraph,
                                               folder: Path, members: dict[str, bytes]) -> None:
    """A zip with missing, extra or corrupt Shapefile parts is refused and changes nothing."""
    path = folder / "fuzz.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    assert assert_all_or_nothing(registry, walk, path) is None


def test_a_sqlite_database_that_is_no_geopackage_is_refused(
        registry: Any, walk: nx.MultiDiGraph, folder: Path) -> None:
    """A SQLite file renamed .gpkg (the app's own database) is refused and changes nothing."""
    path = folder / "patrol.gpkg"
    with sqlite3.connect(path) as database:
        database.execute("CREATE TABLE hotspots (name TEXT, lon REAL, lat REAL)")
        database.execute("INSERT INTO hotspots VALUES ('车站', 24.94, 60.17)")
    database.close()
    assert assert_all_or_nothing(registry, walk, path) is None


# Found by the fuzzing above, kept as named cases.

def test_a_kml_line_of_one_point_is_named_not_a_crash(
        registry: Any, walk: nx.MultiDiGraph, folder: Path) -> None:
    """GEOS refuses a line of one point: that placemark is named, the good one is not."""
    line = "<LineString><coordinates>24.9375,60.1718,0</coordinates></LineString>"
    point = "<Point><coordinates>24.9403,60.1723,0</coordinates></Point>"
    path = _write(folder, "one-point-line.kml", (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document><Placemark><name>车站</name>{point}</Placemark>"
        f"<Placemark><name>桥</name>{line}</Placemark></Document></kml>").encode())
    with pytest.raises(ImportProblems) as caught:
        import_file(session_factory(registry[0])(), path, layer="bases", who="w")
    assert [(p.number, p.field) for p in caught.value.problems] == [(2, "geometry")]
    assert "two points" in str(caught.value)
    assert assert_all_or_nothing(registry, walk, path, layer="bases") is None


@pytest.mark.parametrize("cells", ["nan,60.1723", "24.9403,inf", "1e999,60.17"])
def test_nan_or_infinite_coordinates_are_named(registry: Any, walk: nx.MultiDiGraph,
                                               folder: Path, cells: str) -> None:
    """A CSV's NaN or infinite coordinate is that line's problem (was an internal error)."""
    path = _write(folder, "nan.csv", f"名称,类别,经度,纬度\n中央车站,station,{cells}\n".encode())
    with pytest.raises(ImportProblems, match="NaN or infinite") as caught:
        import_file(session_factory(registry[0])(), path, who="w", categories=registry[1])
    assert [(p.number, p.field) for p in caught.value.problems] == [(2, "geometry")]
    assert assert_all_or_nothing(registry, walk, path) is None


def test_gdal_messages_name_the_file_not_where_the_server_keeps_it(folder: Path) -> None:
    """A file GDAL cannot open is named by its own name (an upload's temporary path is not)."""
    path = _write(folder, "rows.geojson", b'{"rows": [1, 2]}')
    with pytest.raises(ValidationError) as caught:
        read_table(path)
    assert "rows.geojson" in str(caught.value) and str(folder) not in str(caught.value)


@pytest.mark.parametrize("given_id", ["inf", "1e400", str(2**70), "-inf"])
def test_ids_no_database_can_hold_are_named(registry: Any, walk: nx.MultiDiGraph,
                                             folder: Path, given_id: str) -> None:
    """An infinite id or one past the database's integers is that line's problem (was an
    internal error: float infinity or an int SQLite cannot hold)."""
    path = _write(folder, "ids.csv", ("id,名称,类别,经度,纬度\n"
                                      f"{given_id},中央车站,station,24.9403,60.1723\n").encode())
    with pytest.raises(ImportProblems, match="whole number") as caught:
        import_file(session_factory(registry[0])(), path, who="w", categories=registry[1])
    assert [(p.number, p.field) for p in caught.value.problems] == [(2, "id")]
    assert assert_all_or_nothing(registry, walk, path) is None


def test_a_geojson_array_property_is_read_as_a_list(registry: Any, walk: nx.MultiDiGraph,
                                                    folder: Path) -> None:
    """A property holding a JSON array (a GDAL list field) is read, not an internal error."""
    path = _write(folder, "list.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "集市", "category": "market",
                                           "district": [1.5, 2.5]},
         "geometry": {"type": "Point", "coordinates": [24.9526, 60.1662]}}]}).encode())
    assert read_table(path).rows[0].attributes["district"] == [1.5, 2.5]
    assert assert_all_or_nothing(registry, walk, path) is not None, "the feature imports"
