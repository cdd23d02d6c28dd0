"""Geometry columns stored as WKT text, so the SQLite file needs no extension.

Every geometry is WGS-84 (EPSG:4326) in (lon, lat) order.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class WKTGeometry(TypeDecorator[BaseGeometry]):
    """A shapely geometry kept as well-known text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> str | None:
        return None if value is None else shapely.to_wkt(value, rounding_precision=7)

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        return None if value is None else shapely.from_wkt(value)
