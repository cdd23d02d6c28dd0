"""Geometry columns on both backends, and the checks a geometry passes before it is stored.

Every geometry is WGS-84 (EPSG:4326) in (lon, lat) order. On SQLite a column is
well-known text, so the file needs no extension; on PostgreSQL it is a real
PostGIS ``geometry(Geometry, 4326)`` that QGIS reads directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from geoalchemy2 import Geometry
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

#: Decimal places kept: 1e-7 degrees is about a centimetre.
PRECISION = 7
GRID = 10.0**-PRECISION
SRID = 4326
#: The shapes a hotspot may have.
GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                  "MultiPolygon")


class GeometryColumn(TypeDecorator[BaseGeometry]):
    """A shapely geometry: PostGIS geometry on PostgreSQL, well-known text elsewhere."""

    impl = Text
    cache_ok = True
    #: Read by geoalchemy2's table events; the migrations own every index.
    spatial_index = False

    def load_dialect_impl(self, dialect: Dialect | None) -> TypeEngine[Any]:
        if dialect is None:  # geoalchemy2 asks without one; it need not manage the column
            return Text()
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Geometry(srid=SRID, spatial_index=False))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        text = shapely.to_wkt(value, rounding_precision=PRECISION)
        return f"SRID={SRID};{text}" if dialect.name == "postgresql" else text

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return _from_postgis(value)
        return shapely.from_wkt(value)


def _from_postgis(value: Any) -> BaseGeometry:
    """PostGIS hands back (extended) well-known binary, as bytes or as hex text."""
    data = getattr(value, "data", value)  # geoalchemy2's WKBElement
    if isinstance(data, memoryview):
        data = bytes(data)
    geometry: BaseGeometry = shapely.from_wkb(data)
    return shapely.set_srid(geometry, 0)


@dataclass(frozen=True)
class GeometryProblem:
    """What is wrong with a geometry, bilingual, and a repaired one when there is one."""

    message: str
    repaired: BaseGeometry | None = None


#: The most vertices one hotspot's shape may have: every page that shows the registry
#: carries them (a park's outline needs hundreds, not a million).
MAX_VERTICES = 20_000


def check_geometry(
    geometry: BaseGeometry | None,
    bounds: tuple[float, float, float, float] | None = None,
    *, margin_deg: float = 0.05,
) -> GeometryProblem | None:
    """The first thing that keeps ``geometry`` out of the database, or ``None``.

    ``bounds`` (west, south, east, north) is the city's network; a geometry further
    than ``margin_deg`` outside it is refused, and when swapping its longitude and
    latitude would put it inside, the message says so.
    """
    if geometry is None or geometry.is_empty:
        return GeometryProblem("几何为空 / the geometry is empty: draw or give a shape")
    if geometry.geom_type not in GEOMETRY_TYPES:
        return GeometryProblem(
            f"不支持的几何类型 {geometry.geom_type} / {geometry.geom_type} is not supported: "
            f"use {', '.join(GEOMETRY_TYPES)}")
    vertices = int(shapely.get_num_coordinates(geometry))
    if vertices > MAX_VERTICES:
        return GeometryProblem(
            f"形状顶点过多 / the shape has {vertices} vertices, more than {MAX_VERTICES}: "
            "simplify it (in QGIS: Vector > Geometry Tools > Simplify, 1 m tolerance)")
    if not np.isfinite(shapely.get_coordinates(geometry)).all():
        return GeometryProblem("坐标须为有限数 / a coordinate is NaN or infinite: give every "
                               "longitude and latitude as a number in degrees")
    if not shapely.is_valid(geometry):
        reason = shapely.is_valid_reason(geometry)
        return GeometryProblem(
            f"几何无效（{reason}）/ the geometry is invalid ({reason}), e.g. a self-intersecting "
            "polygon: fix it, or accept the repaired geometry offered",
            repaired=repair(geometry))
    if on_grid(geometry).is_empty:
        return GeometryProblem("几何过小 / the geometry is smaller than a centimetre: draw it "
                               "larger")
    return _check_place(geometry, bounds, margin_deg)


def on_grid(geometry: BaseGeometry) -> BaseGeometry:
    """A valid geometry with its vertices on the stored 1e-7 degree grid (still valid).

    Rounding keeps the vertex order a user drew; only when rounding makes two edges
    cross does GEOS snap-round it into a valid shape.
    """
    rounded: BaseGeometry = shapely.transform(geometry, lambda xy: np.round(xy, PRECISION))
    if shapely.is_valid(rounded) or not shapely.is_valid(geometry):
        return rounded
    snapped: BaseGeometry = shapely.set_precision(geometry, GRID)
    return snapped


def repair(geometry: BaseGeometry) -> BaseGeometry:
    """A valid geometry of the same kind, where shapely can make one, on the stored grid."""
    if shapely.is_valid(geometry):
        return on_grid(geometry)
    polygonal = geometry.geom_type in ("Polygon", "MultiPolygon")
    fixed = (shapely.make_valid(geometry, method="structure", keep_collapsed=False) if polygonal
             else shapely.make_valid(geometry))
    return on_grid(fixed)


def _check_place(
    geometry: BaseGeometry, bounds: tuple[float, float, float, float] | None, margin: float
) -> GeometryProblem | None:
    west, south, east, north = geometry.bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        return GeometryProblem(
            f"坐标超出范围 / coordinates out of range ({west:.6f}, {south:.6f}): longitude must "
            "be -180..180 and latitude -90..90 in WGS-84 degrees")
    if bounds is None or _inside(geometry.bounds, bounds, margin):
        return None
    swapped = shapely.transform(geometry, lambda xy: xy[:, ::-1])
    if _inside(swapped.bounds, bounds, margin):
        return GeometryProblem(
            "经纬度似乎颠倒 / longitude and latitude look swapped: the point lies inside the "
            "city once swapped; give longitude first (x = 经度) and latitude second (y = 纬度)")
    return GeometryProblem(
        f"位置远离本市路网 / ({west:.6f}, {south:.6f}) is far outside the city's network "
        f"({bounds[0]:.4f}, {bounds[1]:.4f} to {bounds[2]:.4f}, {bounds[3]:.4f}): check the "
        "coordinates and their datum (--crs gcj02 or bd09 for Amap or Baidu)")


def _inside(shape: tuple[float, ...], bounds: tuple[float, float, float, float],
            margin: float) -> bool:
    west, south, east, north = bounds
    return (shape[0] >= west - margin and shape[2] <= east + margin
            and shape[1] >= south - margin and shape[3] <= north + margin)
