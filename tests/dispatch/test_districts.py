"""Districts and no-go areas: a team checks only the hotspots its areas allow."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import networkx as nx
import pytest
from shapely.geometry import Point, box

from dispatch.categories import load_categories
from dispatch.closures import read_area
from dispatch.errors import ValidationError
from dispatch.night import Night, with_areas
from dispatch.planning import plan_night
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.problem import Mode
from routes.solve import SolveParams

QUICK = SolveParams(time_limit_s=120, solution_limit=30)
#: The south-west of the demo extract: the Esplanadi and the old church park.
SOUTH_WEST = box(24.930, 60.160, 24.945, 60.172)


@pytest.fixture(scope="module")
def zoned(demo_workspace: Workspace, demo_night: Night,
          networks: dict[Mode, nx.MultiDiGraph]) -> tuple[Night, object]:
    """T3 keeps to the south-west; T1 keeps out of it."""
    teams = with_areas(demo_night.teams, {"T3": SOUTH_WEST}, {"T1": SOUTH_WEST})
    night = dataclasses.replace(demo_night, teams=teams)
    engine = open_engine(demo_workspace.database_url)
    with session_factory(engine)() as session:
        plan = plan_night(session, night, networks, load_categories(demo_workspace.root), QUICK)
    engine.dispose()
    return night, plan


def test_a_district_team_checks_only_inside(zoned) -> None:  # type: ignore[no-untyped-def]
    """Every hotspot the district team checks touches its district."""
    _, plan = zoned
    route = plan.route("T3")
    assert route.visits
    for visit in route.visits:
        assert SOUTH_WEST.intersects(plan.hotspots[visit.hotspot_id].geometry)


def test_a_team_checks_nothing_in_its_no_go_area(zoned) -> None:  # type: ignore[no-untyped-def]
    """No access point the keep-out team visits lies in its no-go area."""
    _, plan = zoned
    for visit in plan.route("T1").visits:
        access = plan.hotspots[visit.hotspot_id].access
        assert not SOUTH_WEST.contains(Point(access))


def test_areas_survive_the_plan_document(zoned) -> None:  # type: ignore[no-untyped-def]
    """The document keeps each team's areas, so a re-plan keeps them too."""
    _, plan = zoned
    again = type(plan).from_document(json.loads(json.dumps(plan.to_document())))
    assert again.route("T3").district.equals(SOUTH_WEST)
    assert again.route("T1").keep_out.equals(SOUTH_WEST)


def test_an_area_for_an_absent_team_is_refused(demo_night: Night) -> None:
    """Naming a team that is not on duty says which teams there are."""
    with pytest.raises(ValidationError, match="T9.*T1, T2, T3, T4"):
        with_areas(demo_night.teams, {"T9": SOUTH_WEST}, {})


def test_a_district_file_must_hold_areas(tmp_path: Path) -> None:
    """A district drawn as a line is refused with the feature named."""
    path = tmp_path / "district.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": [[24.93, 60.16], [24.94, 60.17]]}},
    ]}), encoding="utf-8")
    with pytest.raises(ValidationError, match="feature 1 is a line"):
        read_area(path)
