"""The hotspot registry services, on SQLite and on PostGIS: add, edit, access points, retire,
history, and refusals that leave the database as it was."""

from __future__ import annotations

from datetime import date
from typing import Any

import networkx as nx
import pytest
from shapely.geometry import LineString, Point, Polygon
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.categories import DEFAULT_CATEGORIES
from dispatch.errors import FieldErrors, NotFoundError, ValidationError
from dispatch.models import Hotspot, HotspotChange, SavedPlan
from dispatch.night import NightOptions
from dispatch.nightplan import NightPlan
from dispatch.planning import plan_and_save
from dispatch.registry import (
    add_hotspot,
    hotspot_history,
    list_hotspots,
    restore_hotspot,
    retire_hotspot,
    set_access_point,
    update_hotspot,
)
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.problem import Mode
from routes.solve import SolveParams

#: A January night, as the planning tests use.
JANUARY = date(2025, 1, 15)
#: Esplanadi park, central Helsinki, as a small square around its middle.
ESPLANADI = Polygon([(24.9440, 60.1671), (24.9452, 60.1671), (24.9452, 60.1676),
                     (24.9440, 60.1676)])
BOWTIE = Polygon([(24.9440, 60.1671), (24.9452, 60.1676), (24.9452, 60.1671),
                  (24.9440, 60.1676)])


@pytest.fixture()
def walk(networks: dict[Mode, nx.MultiDiGraph]) -> nx.MultiDiGraph:
    """The demo city's walk network, where access points are computed."""
    return networks[Mode.WALK]


def _park(**extra: Any) -> dict[str, Any]:
    return {"name": "滨海公园 Esplanadi", "category": "park", "geometry": ESPLANADI, **extra}


def _count(session: Session, table: type) -> int:
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_new_hotspot_takes_its_categorys_defaults_and_a_network_access_point(
    registry_session: Session, walk: nx.MultiDiGraph
) -> None:
    """Adding a park fills risk, service time and checks from the category, and puts its
    access point on a node of the walk network."""
    hotspot = add_hotspot(registry_session, _park(district="Kluuvi"), who="王调度",
                          network=walk)
    registry_session.commit()
    park = DEFAULT_CATEGORIES["park"]
    assert (hotspot.risk, hotspot.service_min, hotspot.checks_per_night) == (
        park.risk, park.service_min, park.checks_per_night)
    nodes = {(d["x"], d["y"]) for _, d in walk.nodes(data=True)}
    assert (hotspot.access_lon, hotspot.access_lat) in nodes
    assert hotspot.access_manual is False and hotspot.sweep_m > 0
    stored = registry_session.get(Hotspot, hotspot.id)
    assert stored is not None and stored.geometry.equals_exact(ESPLANADI, 1e-7)


def test_a_construction_site_gets_its_categorys_clock_window(
    registry_session: Session, walk: nx.MultiDiGraph
) -> None:
    """A construction site is checked after the workers leave unless told otherwise."""
    site = add_hotspot(registry_session, {"name": "工地", "category": "construction",
                                          "geometry": ESPLANADI}, who="w", network=walk)
    assert DEFAULT_CATEGORIES["construction"].clock_window == (site.window_start,
                                                               site.window_end)


def test_every_change_is_in_the_history_with_old_and_new_values(
    registry_session: Session, walk: nx.MultiDiGraph
) -> None:
    """Add, update, access, retire and restore each leave one history row naming who and what."""
    hotspot = add_hotspot(registry_session, _park(), who="王调度", network=walk)
    update_hotspot(registry_session, hotspot.id, {"risk": 5, "name": "公园"}, who="李",
                   network=walk)
    set_access_point(registry_session, hotspot.id, 24.9446, 60.1670, who="张")
    retire_hotspot(registry_session, hotspot.id, who="李")
    restore_hotspot(registry_session, hotspot.id, who="李")
    registry_session.commit()
    history = hotspot_history(registry_session, hotspot.id)
    assert [(c.action, c.who) for c in history] == [
        ("add", "王调度"), ("update", "李"), ("access", "张"), ("retire", "李"), ("restore", "李")]
    assert history[1].changes == {"risk": [3, 5], "name": ["滨海公园 Esplanadi", "公园"]}
    assert history[2].changes["access_lon"][1] == 24.9446
    assert history[2].changes["access_manual"] == [False, True]
    assert history[3].changes["active"] == [True, False]
    assert history[0].changes["category"] == [None, "park"]


def test_a_new_geometry_moves_a_computed_access_point_but_not_one_set_by_hand(
    registry_session: Session, walk: nx.MultiDiGraph
) -> None:
    """Redrawing a hotspot recomputes its access point unless a dispatcher placed it."""
    far = LineString([(24.9500, 60.1760), (24.9505, 60.1770)])
    hotspot = add_hotspot(registry_session, _park(), who="w", network=walk)
    first = (hotspot.access_lon, hotspot.access_lat)
    update_hotspot(registry_session, hotspot.id, {"geometry": far}, who="w", network=walk)
    moved = (hotspot.access_lon, hotspot.access_lat)
    assert moved != first and Point(moved).distance(far) < 0.005
    assert hotspot.sweep_m == pytest.approx(112, abs=5)  # the line's length in metres
    set_access_point(registry_session, hotspot.id, 24.9503, 60.1766, who="w")
    update_hotspot(registry_session, hotspot.id, {"geometry": ESPLANADI}, who="w", network=walk)
    assert (hotspot.access_lon, hotspot.access_lat) == (24.9503, 60.1766)
    update_hotspot(registry_session, hotspot.id, {"access": None}, who="w", network=walk)
    assert hotspot.access_manual is False and (hotspot.access_lon, hotspot.access_lat) == first


def test_retired_hotspots_keep_their_row_and_leave_the_active_list(
    registry_session: Session, walk: nx.MultiDiGraph
) -> None:
    """Retiring sets active off and the time; the row stays for past plans and statistics."""
    kept = add_hotspot(registry_session, _park(), who="w", network=walk)
    gone = add_hotspot(registry_session, _park(name="旧桥", category="bridge",
                                               geometry=LineString([(24.9500, 60.1760),
                                                                    (24.9505, 60.1770)])),
                       who="w", network=walk)
    retire_hotspot(registry_session, gone.id, who="w")
    registry_session.commit()
    assert [h.id for h in list_hotspots(registry_session, active=True)] == [kept.id]
    assert [h.id for h in list_hotspots(registry_session)] == [kept.id, gone.id]
    assert gone.retired_at is not None and registry_session.get(Hotspot, gone.id) is not None


def test_the_list_filters_by_category_risk_and_district(
    registry_session: Session, walk: nx.MultiDiGraph
) -> None:
    """Each filter narrows the list; together they all apply."""
    park = add_hotspot(registry_session, _park(district="Kluuvi"), who="w", network=walk)
    bridge = add_hotspot(registry_session, _park(name="桥", category="bridge", district="Kruunu",
                                                 risk=5), who="w", network=walk)
    assert [h.id for h in list_hotspots(registry_session, category="bridge")] == [bridge.id]
    assert [h.id for h in list_hotspots(registry_session, risk=3)] == [park.id]
    assert [h.id for h in list_hotspots(registry_session, district="Kluuvi")] == [park.id]
    assert list_hotspots(registry_session, category="park", district="Kruunu") == []


def test_bad_values_are_refused_field_by_field_and_nothing_is_stored(
    registry_session: Session, walk: nx.MultiDiGraph
) -> None:
    """Every bad field gets its own bilingual message in one error; no row is written."""
    with pytest.raises(FieldErrors) as caught:
        add_hotspot(registry_session, {"name": " ", "category": "casino", "risk": 9,
                                       "geometry": Point(24.94, 60.17), "service_min": "x",
                                       "window_start": "25:00", "colour": "red"},
                    who="w", network=walk)
    fields = caught.value.fields
    assert set(fields) == {"name", "category", "risk", "service_min", "window_start", "colour"}
    assert "casino" in fields["category"] and "park" in fields["category"]
    assert "必填" in fields["name"] and "name is required" in fields["name"]
    assert _count(registry_session, Hotspot) == _count(registry_session, HotspotChange) == 0


def test_a_self_intersecting_polygon_is_refused_with_the_repair_offered(
    registry_session: Session, walk: nx.MultiDiGraph
) -> None:
    """A bow-tie polygon is never stored; the error carries shapely's repaired geometry."""
    with pytest.raises(FieldErrors) as caught:
        add_hotspot(registry_session, _park(geometry=BOWTIE), who="w", network=walk)
    assert "self-intersecting" in caught.value.fields["geometry"]
    repaired = caught.value.repaired["geometry"]
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon" and len(repaired.geoms) == 2
    assert _count(registry_session, Hotspot) == 0


@pytest.mark.parametrize(("geometry", "words"), [
    (Point(60.1671, 24.9440), "swapped"),
    (Point(116.0, 36.4), "far outside"),
    (Point(200.0, 60.0), "out of range"),
    (Polygon(), "empty"),
])
def test_a_geometry_in_the_wrong_place_is_refused(
    registry_session: Session, walk: nx.MultiDiGraph, geometry: Any, words: str
) -> None:
    """Swapped lon/lat, a place far from the city, out-of-range and empty geometries."""
    with pytest.raises(FieldErrors) as caught:
        add_hotspot(registry_session, _park(geometry=geometry), who="w", network=walk)
    assert words in caught.value.fields["geometry"]


def test_an_update_is_all_or_nothing(registry_session: Session, walk: nx.MultiDiGraph) -> None:
    """One bad field in an update leaves every field and the history as they were."""
    hotspot = add_hotspot(registry_session, _park(), who="w", network=walk)
    registry_session.commit()
    with pytest.raises(FieldErrors) as caught:
        update_hotspot(registry_session, hotspot.id, {"name": "新名", "risk": 0,
                                                      "window_start": "18:00"}, who="w")
    assert set(caught.value.fields) == {"risk", "window_end"}
    registry_session.rollback()
    assert registry_session.get(Hotspot, hotspot.id).name == "滨海公园 Esplanadi"  # type: ignore[union-attr]
    assert len(hotspot_history(registry_session, hotspot.id)) == 1


def test_unknown_ids_and_anonymous_changes_are_refused(registry_session: Session) -> None:
    """A missing hotspot and a change without a name both say what to do."""
    with pytest.raises(NotFoundError, match="999"):
        retire_hotspot(registry_session, 999, who="w")
    with pytest.raises(ValidationError, match="who"):
        add_hotspot(registry_session, _park(), who="  ")
    hotspot = add_hotspot(registry_session, _park(access=(24.9446, 60.1670)), who="w")
    with pytest.raises(FieldErrors, match="access"):
        set_access_point(registry_session, hotspot.id, 0.0, 95.0, who="w")


def test_an_access_point_given_needs_no_network(registry_session: Session) -> None:
    """A hotspot added with its access point is stored without loading a network."""
    hotspot = add_hotspot(registry_session, _park(access=(24.9446, 60.1670)), who="w")
    assert (hotspot.access_lon, hotspot.access_lat, hotspot.access_manual) == (
        24.9446, 60.1670, True)
    with pytest.raises(ValidationError, match="network"):
        add_hotspot(registry_session, _park(), who="w")


def test_a_retired_hotspot_stays_in_past_plans_and_leaves_new_ones(
    workspace_copy: Workspace,
) -> None:
    """A plan made before retiring still names the hotspot; the next plan leaves it out."""
    quick = SolveParams(time_limit_s=10, solution_limit=5)
    before = plan_and_save(workspace_copy, NightOptions(teams=2, date=JANUARY), params=quick)
    target = max(before.hotspots.values(), key=lambda h: h.risk)
    engine = open_engine(workspace_copy.database_url)
    with session_factory(engine).begin() as session:
        retire_hotspot(session, target.id, who="w")
    with session_factory(engine)() as session:
        kept = session.scalars(select(SavedPlan).order_by(SavedPlan.id)).one()
        assert NightPlan.from_document(kept.document).hotspots[target.id].name == target.name
        assert session.get(Hotspot, target.id) is not None
    engine.dispose()
    after = plan_and_save(workspace_copy, NightOptions(teams=2, date=JANUARY), params=quick)
    assert target.id not in after.hotspots and len(after.hotspots) == len(before.hotspots) - 1
