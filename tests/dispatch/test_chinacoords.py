"""GCJ-02 and BD-09 conversions: offsets inside China, none outside, exact round trips."""

from __future__ import annotations

import pytest
from pyproj import Geod
from shapely.geometry import LineString

from dispatch.chinacoords import (
    geometry_from_wgs84,
    geometry_to_wgs84,
    parse_datum,
    point_from_wgs84,
    point_to_wgs84,
)

GEOD = Geod(ellps="WGS84")
#: Liaocheng, Dongchangfu district (WGS-84).
LIAOCHENG = (115.985, 36.457)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_offset_in_china_is_hundreds_of_metres_and_round_trips(datum):
    shifted = point_from_wgs84(*LIAOCHENG, datum)
    assert 100 < metres(shifted, LIAOCHENG) < 1500
    assert metres(point_to_wgs84(*shifted, datum), LIAOCHENG) < 0.01


def test_outside_china_nothing_moves():
    helsinki = (24.94, 60.17)
    assert point_from_wgs84(*helsinki, "gcj02") == pytest.approx(helsinki)


def test_geometries_convert_vertex_by_vertex():
    line = LineString([LIAOCHENG, (115.99, 36.46)])
    there = geometry_from_wgs84(line, "gcj02")
    back = geometry_to_wgs84(there, "gcj02")
    assert there.geom_type == "LineString"
    assert back.equals_exact(line, 1e-7)
    assert geometry_to_wgs84(line, "wgs84") is line


def test_datum_names():
    assert parse_datum("GCJ-02") == "gcj02"
    assert parse_datum("baidu") == "bd09"
    with pytest.raises(ValueError, match="unknown coordinate datum"):
        parse_datum("EPSG:3857")
