"""Chinese map datums: GCJ-02 (Amap, Tencent) and BD-09 (Baidu) to and from WGS-84.

Coordinates copied from Amap or Baidu are offset by hundreds of metres from
WGS-84 inside China; the phone apps expect their own datum in navigation links.
The conversions come from ``prcoords`` (the inverse ones iterate to centimetres).
Outside China the offsets are zero by definition, so converting there is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import prcoords
from shapely import transform
from shapely.geometry.base import BaseGeometry

Datum = Literal["wgs84", "gcj02", "bd09"]
DATUMS: tuple[Datum, ...] = ("wgs84", "gcj02", "bd09")

_Convert = Callable[..., prcoords.Coords]


_TO_WGS84: dict[Datum, _Convert | None] = {
    "wgs84": None, "gcj02": prcoords.gcj_wgs_bored, "bd09": prcoords.bd_wgs_bored,
}
_FROM_WGS84: dict[Datum, _Convert | None] = {
    "wgs84": None, "gcj02": prcoords.wgs_gcj, "bd09": prcoords.wgs_bd,
}


def _to_wgs84_of(datum: Datum) -> _Convert | None:
    return _TO_WGS84[datum]


def _from_wgs84_to(datum: Datum) -> _Convert | None:
    return _FROM_WGS84[datum]


def parse_datum(text: str) -> Datum:
    """``gcj02``/``GCJ-02``/``amap`` and the like to a datum, or a clear error."""
    key = text.strip().lower().replace("-", "").replace("_", "")
    aliases: dict[str, Datum] = {
        "wgs84": "wgs84", "epsg:4326": "wgs84", "gcj02": "gcj02", "amap": "gcj02",
        "gaode": "gcj02", "tencent": "gcj02", "bd09": "bd09", "baidu": "bd09",
    }
    if key not in aliases:
        raise ValueError(f"unknown coordinate datum {text!r}: use wgs84, gcj02 (Amap) "
                         "or bd09 (Baidu)")
    return aliases[key]


def point_to_wgs84(lon: float, lat: float, datum: Datum) -> tuple[float, float]:
    """A (lon, lat) in ``datum`` as WGS-84."""
    return _convert_point(lon, lat, _to_wgs84_of(datum))


def point_from_wgs84(lon: float, lat: float, datum: Datum) -> tuple[float, float]:
    """A WGS-84 (lon, lat) in ``datum``, as Amap or Baidu expect it."""
    return _convert_point(lon, lat, _from_wgs84_to(datum))


def geometry_to_wgs84(geometry: BaseGeometry, datum: Datum) -> BaseGeometry:
    """Every vertex of a geometry in ``datum`` converted to WGS-84."""
    return _convert_geometry(geometry, _to_wgs84_of(datum))


def geometry_from_wgs84(geometry: BaseGeometry, datum: Datum) -> BaseGeometry:
    """Every vertex of a WGS-84 geometry converted to ``datum`` (to draw on Amap tiles)."""
    return _convert_geometry(geometry, _from_wgs84_to(datum))


def _convert_point(lon: float, lat: float, convert: _Convert | None) -> tuple[float, float]:
    coords = prcoords.Coords(lat, lon)
    if convert is None or not prcoords.sanity_in_china_p(coords):
        return lon, lat
    out = convert(coords, check_china=False)
    return float(out.lon), float(out.lat)


def _convert_geometry(geometry: BaseGeometry, convert: _Convert | None) -> BaseGeometry:
    if convert is None:
        return geometry

    def each(coords):  # type: ignore[no-untyped-def]
        for row in coords:
            row[0], row[1] = _convert_point(float(row[0]), float(row[1]), convert)
        return coords

    return transform(geometry, each)
