"""Walking areas agree with shortest paths on the real demo network."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from routes.matrix import travel_matrix
from routes.problem import Mode
from routes.reach import STRIP_M, ReachMap, reach_seconds
from routes.snap import Snapper, local_metric_crs


@pytest.fixture(scope="module")
def walk(networks):
    return networks[Mode.WALK]


@pytest.fixture(scope="module")
def station_node(walk, helsinki_places):
    return Snapper(walk).nearest([Point(helsinki_places["central_station"])])[0][0]


def test_limited_times_match_the_full_matrix_within_the_limit(walk, station_node):
    targets = list(walk.nodes)[::7]
    full = travel_matrix(walk, [station_node], targets)[0]
    limited = reach_seconds(walk, [station_node], targets, within_s=300)[0]
    inside = full <= 300
    assert inside.any() and (~inside).any()
    np.testing.assert_allclose(limited[inside], full[inside])
    assert np.isinf(limited[~inside]).all()


@pytest.mark.parametrize("minutes", [3.0, 6.0])
def test_nodes_reached_in_time_are_inside_and_far_ones_outside(walk, station_node, minutes):
    (area,) = [a.area for a in ReachMap(walk).areas([station_node], [minutes])]
    nodes = list(walk.nodes)
    seconds = travel_matrix(walk, [station_node], nodes)[0]
    lon = np.array([walk.nodes[n]["x"] for n in nodes])
    lat = np.array([walk.nodes[n]["y"] for n in nodes])
    crs = local_metric_crs(float(lon.mean()), float(lat.mean()))
    to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = to_metric.transform(lon, lat)
    reached = seconds <= minutes * 60
    assert reached.sum() > 20 and (~reached).sum() > 20
    for i in np.flatnonzero(reached):
        assert area.covers(Point(lon[i], lat[i])), nodes[i]
    # A node well beyond the time, and further from every reached node than the strip,
    # cannot be inside: the area is the reached paths and nothing more.
    reached_xy = np.column_stack([xs[reached], ys[reached]])
    for i in np.flatnonzero(seconds > minutes * 60 * 1.5):
        gap = np.hypot(*(reached_xy - [xs[i], ys[i]]).T).min()
        if gap > 2 * STRIP_M + 150:
            assert not area.covers(Point(lon[i], lat[i])), nodes[i]


def test_areas_grow_with_time_and_keep_source_order(walk, station_node, helsinki_places):
    other = Snapper(walk).nearest([Point(helsinki_places["city_hall"])])[0][0]
    areas = ReachMap(walk).areas([station_node, other], [6, 3])
    assert [(a.source, a.minutes) for a in areas] == [
        (station_node, 3.0), (station_node, 6.0), (other, 3.0), (other, 6.0)]
    assert areas[1].area.area > areas[0].area.area
    assert areas[1].area.covers(areas[0].area.buffer(-1e-6))


def test_times_must_be_positive(walk, station_node):
    with pytest.raises(ValueError, match="positive minutes"):
        ReachMap(walk).areas([station_node], [0])
