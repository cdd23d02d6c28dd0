"""Read an import file into rows of attributes and a geometry each, whatever its format.

GeoJSON, GeoPackage, zipped Shapefile and KML go through pyogrio (GDAL); CSV is
read here, because Chinese spreadsheets need encoding detection (UTF-8, UTF-8
with BOM, GBK/GB18030) and Chinese column names (经度/纬度) that GDAL does not know.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from dispatch.cells import from_text_cell
from dispatch.errors import ValidationError

#: Largest file accepted (bytes); a bigger one is refused before it is read.
MAX_IMPORT_BYTES = 50 * 1024 * 1024
# A large polygon's WKT (as our own CSV export writes it) is longer than the csv module's
# default field limit of 128 KiB; no field can be longer than the whole file.
csv.field_size_limit(MAX_IMPORT_BYTES)
#: Rows or features one file may hold and what a zipped file may expand to: each bounds
#: the memory and time one import takes (a shape's vertices: dispatch.geometry).
MAX_ROWS = 20_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage",
           ".zip": "zipped Shapefile", ".kml": "KML", ".csv": "CSV"}
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "几何")
#: Tried in this order: UTF-8 (with or without BOM), then GB18030, a superset of GBK.
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class Row:
    """One feature or CSV row: its number as a person counts it, attributes and geometry."""

    number: int
    attributes: dict[str, Any]
    geometry: BaseGeometry | None
    #: Why the geometry could not be read, when it could not.
    geometry_error: str | None = None


@dataclass
class Table:
    """What a file held: rows, the CRS it declares (if any) and how it was read."""

    rows: list[Row]
    crs: CRS | None
    format: str
    notes: list[str] = field(default_factory=list)
    #: "row" for CSV lines, "feature" for GIS formats, in messages.
    unit: str = "feature"


def readable_suffix(name: str) -> str:
    """The file type a name's ending says (``.csv`` ...), or an error listing those read."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(
            f"不支持的文件类型 / {name}: unsupported file type {suffix or '(none)'}; use "
            ".geojson, .gpkg, .zip (a zipped Shapefile), .kml or .csv")
    return suffix


def read_table(path: Path, *, layer: str | None = None,
               max_bytes: int = MAX_IMPORT_BYTES) -> Table:
    """Read ``path`` by its extension, or say why it cannot be read."""
    suffix = readable_suffix(path.name)
    if not path.is_file():
        raise ValidationError(f"找不到文件 / {path} does not exist")
    size = path.stat().st_size
    if size > max_bytes:
        raise ValidationError(
            f"文件过大 / {path.name} is {size / 1e6:.1f} MB, more than the {max_bytes / 1e6:.0f} "
            "MB limit: split it into smaller files")
    _check_signature(path, suffix)
    if suffix == ".zip":
        _check_unpacked(path)
    table = _read(path, suffix, layer)
    if len(table.rows) > MAX_ROWS:
        raise ValidationError(
            f"记录过多 / {path.name} holds {len(table.rows)} rows or features, more than "
            f"{MAX_ROWS}: split it into smaller files")
    return table


def _read(path: Path, suffix: str, layer: str | None) -> Table:
    if suffix == ".csv":
        return read_csv(path.read_bytes())
    return _read_gis(path, suffix, layer)


def read_csv(data: bytes) -> Table:
    """Rows of a CSV with lon/lat (English or Chinese names) or a WKT column."""
    text, encoding = _decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=_dialect(text))
    headers = [h.strip() for h in (reader.fieldnames or []) if h is not None]
    lon, lat, wkt = (_column(headers, names) for names in (LON_NAMES, LAT_NAMES, WKT_NAMES))
    if wkt is None and (lon is None or lat is None):
        raise ValidationError(
            f"缺少坐标列 / the CSV has no coordinate columns (found {', '.join(headers)}): add "
            "lon and lat (or 经度 and 纬度) columns, or a WKT column")
    rows = []
    try:
        for number, raw in enumerate(reader, start=1):
            record = {(k or "").strip(): from_text_cell((v or "").strip())
                      for k, v in raw.items() if k}
            geometry, problem = _csv_geometry(record, lon, lat, wkt)
            for name in (lon, lat, wkt):
                record.pop(name or "", None)
            rows.append(Row(number + 1, record, geometry, problem))
    except csv.Error as exc:
        raise ValidationError(f"CSV 第 {reader.line_num} 行无法读取 / line {reader.line_num} of "
                              f"the CSV cannot be read ({exc}); save it again as CSV from the "
                              "spreadsheet") from None
    return Table(rows, None, "CSV", [f"encoding {encoding}"], unit="line")


def _check_unpacked(path: Path) -> None:
    """A zipped file that expands past :data:`MAX_UNPACKED_BYTES` is refused unread."""
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationError(
            f"解压后过大 / {path.name} expands to {unpacked / 1e6:.0f} MB, more than "
            f"{MAX_UNPACKED_BYTES / 1e6:.0f} MB: split it, or drop unused columns of its .dbf")


def _check_signature(path: Path, suffix: str) -> None:
    """A file whose bytes do not match its name is refused with what it looks like."""
    with path.open("rb") as file:
        head = file.read(512)
    expected = FORMATS[suffix]
    wrong = (
        (suffix == ".gpkg" and not head.startswith(b"SQLite format 3\0"))
        or (suffix == ".zip" and not zipfile.is_zipfile(path))
        or (suffix in (".geojson", ".json") and not head.lstrip(b"\xef\xbb\xbf \t\r\n")
            .startswith(b"{"))
        or (suffix == ".kml" and b"<" not in head[:100])
        or (suffix == ".csv" and b"\0" in head)
    )
    if wrong:
        raise ValidationError(
            f"文件内容与扩展名不符 / {path.name} is not a {expected} file (its content does not "
            f"match its name): export it again as {expected}, or rename it to what it is")


def _read_gis(path: Path, suffix: str, layer: str | None) -> Table:
    source = f"/vsizip/{path}" if suffix == ".zip" else str(path)
    chosen = _choose_layer(source, path.name, layer)
    try:
        try:
            frame = gpd.read_file(source, layer=chosen, engine="pyogrio")
            shape_errors: list[str | None] = [None] * len(frame)
        except shapely.errors.GEOSException:
            frame, shape_errors = _read_each_shape(source, chosen)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise ValidationError(
            f"无法读取 / {path.name} could not be read as {FORMATS[suffix]} "
            f"({_without(str(exc), source, path.name)}): export it again from the GIS program"
        ) from exc
    notes = [f"layer {chosen}"] if chosen else []
    if suffix == ".kml" and "id" in frame.columns:
        # A KML id is the placemark's XML id (e.g. "layer.1"), not a registry id.
        frame = frame.drop(columns="id")
        notes.append("KML 的 id 不作编号 / KML placemark ids are not registry ids")
    rows = [Row(number, _plain_attributes(record), geometry, problem)
            for number, ((record, geometry), problem)
            in enumerate(zip(_records(frame), shape_errors, strict=True), start=1)]
    return Table(rows, frame.crs, FORMATS[suffix], notes)


def _read_each_shape(source: str, layer: str | None) -> tuple[gpd.GeoDataFrame, list[str | None]]:
    """The table with its shapes decoded one by one, when GEOS refuses one of them (a line
    of a single point): that feature's problem is named, the others are read as usual."""
    attributes = pyogrio.read_dataframe(source, layer=layer, read_geometry=False)
    meta, _, shapes, _ = pyogrio.raw.read(source, layer=layer, columns=[])
    geometries: list[BaseGeometry | None] = []
    errors: list[str | None] = []
    for wkb in shapes:
        try:
            geometries.append(None if wkb is None else shapely.from_wkb(wkb))
            errors.append(None)
        except shapely.errors.GEOSException as exc:
            geometries.append(None)
            errors.append(f"几何无法读取 / the shape cannot be read ({str(exc).strip()}): a "
                          "line needs two points or more and a polygon a closed ring; fix it in "
                          "the GIS program")
    frame = gpd.GeoDataFrame(attributes, geometry=gpd.GeoSeries(geometries, crs=meta["crs"]))
    return frame, errors


def _without(message: str, source: str, name: str) -> str:
    """GDAL's message naming the file as its user does, not by where the server keeps it."""
    return message.replace(source, name)


def _choose_layer(source: str, name: str, wanted: str | None) -> str | None:
    """The only layer, or the one named like ``wanted`` (hotspots, shelters, bases)."""
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(source)]
    except pyogrio.errors.DataSourceError as exc:
        raise ValidationError(
            f"无法读取 / {name} could not be opened ({_without(str(exc), source, name)}): check "
            "that it is the file its name says") from exc
    if not layers:
        raise ValidationError(f"文件中没有图层 / {name} holds no layer")
    if len(layers) == 1:
        return None if layers[0] == "" else layers[0]
    for layer in layers:
        if wanted and layer.lower().startswith(wanted.rstrip("s").lower()):
            return layer
    raise ValidationError(
        f"文件有多个图层 / {name} holds layers {', '.join(layers)}: name one of them "
        f"{wanted!r} or keep one layer per file")


def _records(frame: gpd.GeoDataFrame) -> Iterator[tuple[dict[str, Any], BaseGeometry | None]]:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for values, geometry in zip(frame[columns].itertuples(index=False, name=None),
                                frame.geometry, strict=True):
        yield dict(zip(columns, values, strict=True)), geometry


def _plain_attributes(record: dict[str, Any]) -> dict[str, Any]:
    """Attributes with blanks as ``None`` and numpy scalars as Python ones."""
    plain = {}
    for name, value in record.items():
        if isinstance(value, np.ndarray):  # a GDAL list field (a JSON array in GeoJSON)
            value = value.tolist()
        elif hasattr(value, "item"):
            value = value.item()
        if value is None or (isinstance(value, float) and math.isnan(value)):
            value = None
        plain[str(name).strip()] = value
    return plain


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), "UTF-8" if encoding == "utf-8-sig" else "GBK/GB18030"
        except UnicodeDecodeError:
            continue
    raise ValidationError("无法识别编码 / the CSV is neither UTF-8 nor GBK/GB18030 text: save it "
                          "again as CSV UTF-8")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _column(headers: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.lower(): h for h in headers}
    return next((lowered[n] for n in names if n in lowered), None)


def _csv_geometry(record: dict[str, str], lon: str | None, lat: str | None,
                  wkt: str | None) -> tuple[BaseGeometry | None, str | None]:
    if wkt is not None and record.get(wkt):
        try:
            return shapely.from_wkt(record[wkt]), None
        except shapely.errors.GEOSException as exc:
            return None, f"WKT 无法读取 / the WKT cannot be read ({exc})"
    if lon is None or lat is None or not (record.get(lon) or record.get(lat)):
        return None, None
    try:
        return Point(float(record[lon]), float(record[lat])), None
    except ValueError:
        return None, (f"坐标应为数字 / {lon}={record[lon]!r}, {lat}={record[lat]!r} must be "
                      "numbers in degrees")
