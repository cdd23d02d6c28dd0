"""Escort trips: the shelter chosen by travel time and free beds, the trip first on the team's
re-planned night, beds counted down, refused requests changing nothing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import networkx as nx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyproj import Geod
from shapely.geometry import Point
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from dispatch.escort import ranked_shelters
from dispatch.models import Hotspot, Report, SavedPlan, Shelter
from dispatch.nightplan import PlannedBreak, PlannedReport, PlannedVisit
from dispatch.replan import moment_of
from routes.problem import Mode
from tests.webapp.conftest import NOW, serve, wait_for_job
from tests.webapp.test_live import _assign, _check_rules, _plan, _report
from webapp.resources import resources
from webapp.teamlinks import team_link_url

GEOD = Geod(ellps="WGS84")


def _seconds(graph: nx.MultiDiGraph, lon: float, lat: float,
             shelters: list[Shelter]) -> dict[int, float]:
    """Travel times to each shelter, found here without the routing package: the nearest
    node by geodesic distance, then Dijkstra over the edges' travel times."""
    nodes = list(graph.nodes)

    def nearest(x: float, y: float) -> Any:
        xs = [graph.nodes[n]["x"] for n in nodes]
        ys = [graph.nodes[n]["y"] for n in nodes]
        _, _, metres = GEOD.inv([x] * len(nodes), [y] * len(nodes), xs, ys)
        return nodes[min(range(len(nodes)), key=lambda k: metres[k])]

    lengths = nx.single_source_dijkstra_path_length(graph, nearest(lon, lat),
                                                    weight="travel_time")
    return {s.id: lengths[nearest(s.geometry.x, s.geometry.y)] for s in shelters
            if nearest(s.geometry.x, s.geometry.y) in lengths}


def _begins(item: PlannedVisit | PlannedBreak | PlannedReport) -> datetime:
    return item.start if isinstance(item, PlannedBreak) else item.arrival


def _beds(app: Flask) -> dict[int, tuple[int | None, Any]]:
    with app.app_context(), resources().sessions() as session:
        return {s.id: (s.beds_free, s.beds_reported_at)
                for s in session.scalars(select(Shelter))}


def _versions(app: Flask) -> int:
    with app.app_context(), resources().sessions() as session:
        return int(session.scalar(select(func.count(SavedPlan.id))) or 0)


def _assigned(live: FlaskClient, app: Flask) -> tuple[str, str, str, tuple[float, float]]:
    """A report assigned to the best team, the team at the report: (reference, team,
    the team's link token, where the report is)."""
    reference = _report(live, app)
    team = live.get("/api/dispatch/board").get_json()["reports"][0]["options"][0]["team"]
    _assign(live, reference, team)
    plan = _plan(app)
    with app.test_request_context():
        token = team_link_url(plan, team).rsplit("/", 1)[1]
    with app.app_context(), resources().sessions() as session:
        row = session.scalars(select(Report).where(Report.reference == reference)).one()
        where = (row.lon, row.lat)
    steps = f"/api/t/{token}/reports/{reference}/steps"
    assert live.post(steps, json={"status": "arrived"}).status_code == 200
    return reference, team, token, where


def _escort(app: Flask, answer: TestResponse, token: str) -> dict[str, Any]:
    """The trip's job, queued by a step or check-in that takes people somewhere, followed
    to its end as the team's phone follows it: with the team's link alone, no session."""
    trip = answer.get_json()["escort"]
    assert trip["queued"] is True, trip
    assert trip["status_url"] == f"/api/t/{token}/jobs/{trip['job']}"
    return wait_for_job(app.test_client(role=None), trip["status_url"])


def test_escort_goes_to_the_nearest_shelter_with_free_beds_first(
        live: FlaskClient, live_app: Flask) -> None:
    """The nearest shelter is full: the trip goes to the nearest with beds, it is the team's
    next stop, every rule holds, the bed count goes down, the board and phone show it."""
    reference, team, token, where = _assigned(live, live_app)
    before = _plan(live_app)
    with live_app.app_context(), resources().sessions() as session:
        shelters = list(session.scalars(select(Shelter)))
        hotspots = {h.id: h for h in session.scalars(select(Hotspot))}
        graph = resources().networks[Mode(before.route(team).mode)]
    times = _seconds(graph, *where, shelters)
    nearest, second, *_ = sorted(times, key=lambda k: times[k])
    assert live.post(f"/api/dispatch/shelters/{nearest}/beds",
                     json={"beds_free": 0}).status_code == 200
    assert live.post(f"/api/dispatch/shelters/{second}/beds",
                     json={"beds_free": 3}).get_json()["beds_free"] == 3
    answer = live.post(f"/api/t/{token}/reports/{reference}/steps",
                       json={"status": "outcome", "outcome": "shelter"})
    assert answer.status_code == 200, answer.get_json()
    status = _escort(live_app, answer, token)
    assert status["state"] == "done", status
    trip = status["result"]
    name = next(s.name for s in shelters if s.id == second)
    assert trip["added"] and trip["place"] == name, trip
    after = _plan(live_app)
    assert status["version"] == _versions(live_app) == 3
    route = after.route(team)
    now = moment_of(after, NOW)
    ahead = [i for i in route.timeline() if _begins(i) >= now]
    trip_stop = ahead[0]
    assert isinstance(trip_stop, PlannedReport) and trip_stop.key == f"escort:{reference}"
    assert trip_stop.place == name and "护送 Escort to" in trip_stop.note
    assert route.leg_to(trip_stop.key).to_id == trip_stop.key
    done_call = next(c for c in route.reports if c.kind == "report")
    assert done_call.departure == now, "the report shows when it was done"
    _check_rules(after, before, hotspots)
    beds = _beds(live_app)
    assert beds[second][0] == 2 and beds[nearest][0] == 0
    board = live.get("/api/dispatch/board").get_json()
    assert [e["place"] for e in board["escorts"]] == [name]
    assert {s["id"]: s["beds_free"] for s in board["shelters"]}[second] == 2
    page = live.get(f"/t/{token}").get_data(as_text=True)
    assert page.index(f"护送 Escort to {name}") < page.index('<ol class="stops">')


def test_unknown_beds_rank_after_known_free_ones(live_app: Flask) -> None:
    """A shelter that never reported comes after any with beds reported free, however near;
    full ones are left out; each group in order of travel time computed independently."""
    plan = _plan(live_app)
    with live_app.app_context(), resources().sessions() as session:
        shelters = list(session.scalars(select(Shelter)))
        graph = resources().networks[Mode(plan.routes[0].mode)]
    lon, lat = plan.hotspots[sorted(plan.hotspots)[0]].access or (0.0, 0.0)
    times = _seconds(graph, lon, lat, shelters)
    order = sorted(times, key=lambda k: times[k])
    free = {order[-1]: 4, order[1]: 1}
    full = {order[2]: 0} if len(order) > 3 else {}
    made = [Shelter(id=s.id, name=s.name, geometry=Point(s.geometry.x, s.geometry.y),
                    beds_free=free.get(s.id, full.get(s.id))) for s in shelters]
    ranked = ranked_shelters(graph, lon, lat, made, 1)
    expected = [k for k in order if k in free] + [k for k in order
                                                  if k not in free and k not in full]
    assert [o.shelter_id for o in ranked] == expected
    assert ranked[0].shelter_id == order[1] and ranked[1].shelter_id == order[-1]
    assert abs(ranked[0].seconds - times[order[1]]) < 60
    assert [o.shelter_id for o in ranked_shelters(graph, lon, lat, made, 2)][0] == order[-1]


def test_refused_requests_change_nothing(live: FlaskClient, live_app: Flask) -> None:
    """Wrong bed counts are named and kept out; with every shelter full no trip is added,
    the team is told why, and neither the plan nor any bed count changes."""
    shelter = _beds(live_app)
    first = min(shelter)
    for bad in (-1, "lots", True, None):
        answer = live.post(f"/api/dispatch/shelters/{first}/beds", json={"beds_free": bad})
        assert answer.status_code == 400 and "beds_free" in answer.get_json()["error"]["fields"]
    assert live.post("/api/dispatch/shelters/99999/beds",
                     json={"beds_free": 1}).status_code == 404
    assert _beds(live_app) == shelter
    reference, _, token, _ = _assigned(live, live_app)
    for shelter_id in shelter:
        assert live.post(f"/api/dispatch/shelters/{shelter_id}/beds",
                         json={"beds_free": 0}).status_code == 200
    full, versions = _beds(live_app), _versions(live_app)
    answer = live.post(f"/api/t/{token}/reports/{reference}/steps",
                       json={"status": "outcome", "outcome": "shelter"})
    assert answer.status_code == 200, answer.get_json()
    status = _escort(live_app, answer, token)
    assert status["state"] == "failed" and status["version"] is None, status
    assert any("free beds" in m for m in status["messages"]), status
    assert _beds(live_app) == full and _versions(live_app) == versions
    home = live.post(f"/api/t/{token}/reports/{reference}/steps",
                     json={"status": "outcome", "outcome": "home"})
    assert home.status_code == 409 and _versions(live_app) == versions


def test_a_check_in_taking_people_to_a_shelter_adds_the_trip(
        live: FlaskClient, live_app: Flask) -> None:
    """A person found at a check and taken to a shelter: the only shelter reporting free beds
    is chosen, its beds go down by the people taken; hospital without a place adds no trip."""
    plan = _plan(live_app)
    route = plan.routes[0]
    with live_app.test_request_context():
        token = team_link_url(plan, route.team_id).rsplit("/", 1)[1]
    shelters = _beds(live_app)
    chosen = max(shelters)
    assert live.post(f"/api/dispatch/shelters/{chosen}/beds",
                     json={"beds_free": "5"}).status_code == 200
    versions = _versions(live_app)
    no_place = _found(live, token, route.visits[0], "hospital", 1)
    assert no_place.status_code == 201, no_place.get_json()
    status = _escort(live_app, no_place, token)
    assert status["state"] == "done" and status["version"] is None, status
    assert status["result"]["added"] is False and "no trip" in status["result"]["message"]
    assert _versions(live_app) == versions
    sent = _found(live, token, route.visits[1], "shelter", 2)
    assert sent.status_code == 201
    status = _escort(live_app, sent, token)
    assert status["state"] == "done", status
    trip = status["result"]
    with live_app.app_context(), resources().sessions() as session:
        name = session.get(Shelter, chosen).name  # type: ignore[union-attr]
    assert trip["added"] and trip["place"] == name, trip
    assert status["version"] == _versions(live_app) == versions + 1
    assert _beds(live_app)[chosen][0] == 3
    after = _plan(live_app).route(route.team_id)
    now = moment_of(plan, NOW)
    ahead = [i for i in after.timeline() if _begins(i) >= now]
    assert ahead[0].key == f"escort:{sent.get_json()['id']}"


def _found(live: FlaskClient, token: str, visit: PlannedVisit, action: str,
           people: int) -> TestResponse:
    """People found at a check who accept help, and what the team did."""
    return live.post(f"/api/t/{token}/checkins", json={
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{visit.key}/{action}")), "visit": visit.key,
        "outcome": "person_found", "found_count": people, "found_category": "elderly",
        "accepts_help": True, "action": action, "recorded_at": visit.arrival.isoformat()})


@pytest.mark.browser
def test_the_board_takes_a_shelters_free_beds(live_app: Flask, open_page: Any) -> None:
    """In chromium: the shelter table lists every shelter; a count typed and sent is kept and
    shown; a wrong one is named and changes nothing."""
    first = min(_beds(live_app))
    with serve(live_app) as url:
        page, _, errors = open_page(f"{url}/dispatch", {"width": 1280, "height": 900})
        row = page.locator(f'form.beds[data-shelter="{first}"]')
        row.wait_for()
        assert page.locator("#shelters tr").count() == len(_beds(live_app))
        row.locator("input").fill("7")
        row.locator("button").click()
        page.wait_for_function(
            "() => document.getElementById('beds-result').textContent.includes('7')")
        assert _beds(live_app)[first][0] == 7
        page.wait_for_function(
            f"() => document.querySelector('form.beds[data-shelter=\"{first}\"] input').value"
            " === '7'")
        row = page.locator(f'form.beds[data-shelter="{first}"]')
        row.locator("input").fill("")
        row.locator("button").click()
        page.wait_for_function(
            "() => document.getElementById('beds-result').textContent.includes('whole number')")
        assert _beds(live_app)[first][0] == 7
        assert [e for e in errors if "status of 400" not in e] == []


def test_trips_of_one_team_made_within_seconds_are_one_replan(planned_dir: Any,
                                                              tmp_path: Any) -> None:
    """Three people taken to shelters by one team before a worker is free: one re-plan, one
    new version holding the three trips, each job done with it; beds counted across them."""
    import shutil

    from tests.webapp.conftest import ThreadWorker, make_app

    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    app = make_app({"DATA_DIR": str(root), "DISPATCH_NOW": NOW, "ASSIGN_SECONDS": 1},
                   worker=False)
    live = app.test_client()
    plan = _plan(app)
    route = plan.routes[0]
    with app.test_request_context():
        token = team_link_url(plan, route.team_id).rsplit("/", 1)[1]
    shelters = sorted(_beds(app))
    for shelter in shelters:
        assert live.post(f"/api/dispatch/shelters/{shelter}/beds",
                         json={"beds_free": 0}).status_code == 200
    assert live.post(f"/api/dispatch/shelters/{shelters[-1]}/beds",
                     json={"beds_free": 5}).status_code == 200
    versions = _versions(app)
    answers = [_found(live, token, route.visits[k], "shelter", people)
               for k, people in enumerate((2, 2, 2))]
    assert [a.status_code for a in answers] == [201, 201, 201]
    worker = ThreadWorker(app)
    try:
        ended = [wait_for_job(app.test_client(role=None), a.get_json()["escort"]["status_url"])
                 for a in answers]
    finally:
        worker.close()
    assert _versions(app) == versions + 1, ended
    done = [e for e in ended if e["state"] == "done"]
    assert len(done) == 2 and len({e["version"] for e in done}) == 1, ended
    (refused,) = [e for e in ended if e["state"] == "failed"]
    assert any("free beds" in m for m in refused["messages"]), refused  # 5 beds, 6 people
    assert _beds(app)[shelters[-1]][0] == 1
    after = _plan(app).route(route.team_id)
    assert len([c for c in after.reports if c.key.startswith("escort:")]) == 2
