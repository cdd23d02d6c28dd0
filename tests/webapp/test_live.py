"""Live dispatch on the demo city: public reports, the board, one-click assignment, team steps."""

from __future__ import annotations

import html
import re
import shutil
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dispatch.categories import load_categories
from dispatch.cold import level_for, load_levels
from dispatch.models import Hotspot, Report
from dispatch.nightplan import NightPlan, report_key
from dispatch.planning import latest_plan
from dispatch.recommend import REPORT_ID, report_problem, urgency_of
from dispatch.replan import moment_of, replan_rest
from dispatch.versions import latest_version
from routes.solve import prepare
from tests.webapp.conftest import make_app, wait_for_job
from webapp.resources import resources
from webapp.teamlinks import team_link_url


def _plan(app: Flask) -> NightPlan:
    with app.app_context(), resources().sessions() as session:
        plan = latest_plan(session)
    assert plan is not None
    return plan


def _hotspot_point(app: Flask, index: int = 0) -> tuple[float, float, str]:
    plan = _plan(app)
    place = sorted(plan.hotspots.values(), key=lambda p: p.id)[index]
    assert place.access is not None
    return place.access[0], place.access[1], place.name


def _report(client: FlaskClient, app: Flask, **extra: Any) -> str:
    lon, lat, _ = _hotspot_point(app, 3)
    body = {"lon": lon + 0.0004, "lat": lat, "seen": "一位老人躺在长椅上 an old man on a bench",
            "people": 1, "categories": ["elderly"], "not_moving": True, **extra}
    answer = client.post("/api/reports", json=body)
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["reference"])


def _assign(client: FlaskClient, reference: str, team: str) -> dict[str, Any]:
    """Send ``team`` to a report as the board's button does: the claim answers 202 at once
    and a worker re-plans the night; the job's last status, once it is done."""
    answer = client.post(f"/api/dispatch/reports/{reference}/assign", json={"team": team})
    assert answer.status_code == 202, answer.get_json()
    return _assigned_job(client, answer.get_json(), reference, team)


def _assigned_job(client: FlaskClient, accepted: dict[str, Any], reference: str,
                 team: str) -> dict[str, Any]:
    """Wait for the re-plan of an accepted assignment: it must end done, on ``team``."""
    assert (accepted["reference"], accepted["team"]) == (reference, team), accepted
    assert accepted["status_url"] == f"/api/jobs/{accepted['job']}"
    status = wait_for_job(client, accepted["status_url"])
    assert status["state"] == "done", status
    assert status["result"]["team"] == team and isinstance(status["version"], int), status
    return status


def _count(app: Flask) -> int:
    with app.app_context(), resources().sessions() as session:
        return int(session.scalar(select(func.count(Report.id))) or 0)


def test_public_report_gets_a_reference_and_a_status_without_personal_details(
        live: FlaskClient, live_app: Flask) -> None:
    """A report answers 201 with a reference; its status names no person and no team."""
    reference = _report(live, live_app, contact="138 0000 0000")
    assert len(reference) == 8 and reference.isalnum()
    status = live.get(f"/api/reports/{reference.lower()}").get_json()
    assert status["status"] == "reported" and status["steps"][0]["status"] == "reported"
    # Times are left out of the text searched: an ISO time such as 10:13:38 contains "T1".
    shown = {k: v for k, v in status.items() if k != "reported_at"}
    shown["steps"] = [{k: v for k, v in step.items() if k != "at"} for step in status["steps"]]
    text = str(shown)
    assert "138" not in text and "bench" not in text and "T1" not in text
    page = live.get(f"/report/{reference}")
    assert page.status_code == 200 and reference in page.get_data(as_text=True)
    assert live.get("/api/reports/ZZZZZZZZ").status_code == 404


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"seen": "someone"}, "lon", "No location"),
    ({"lon": 116.0, "lat": 36.4, "seen": "x"}, "lon", "outside"),
    ({"place": "no such landmark anywhere", "seen": "x"}, "place", "not a place we know"),
    ({"lon": 24.94, "lat": 60.17, "seen": "<script>alert(1)</script>"}, "seen", "HTML"),
    ({"lon": 24.94, "lat": 60.17, "seen": "x" * 1001}, "seen", "at most 1000"),
    ({"lon": 24.94, "lat": 60.17, "seen": "bell\x07"}, "seen", "control"),
    ({"lon": 24.94, "lat": 60.17, "people": 0}, "people", "1 to 50"),
    ({"lon": 24.94, "lat": 60.17, "contact": "call me"}, "contact", "phone"),
])
def test_public_form_refuses_bad_reports_and_keeps_nothing(
        live: FlaskClient, live_app: Flask, body: dict[str, Any], field: str,
        words: str) -> None:
    """No location, far outside the city, a script, an over-long text ...: 400 naming the field."""
    answer = live.post("/api/reports", json=body)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert words in error["fields"][field]
    assert _count(live_app) == 0


def test_swapped_coordinates_are_named(live: FlaskClient, live_app: Flask) -> None:
    """Latitude given as longitude: the message says they look swapped."""
    lon, lat, _ = _hotspot_point(live_app)
    error = live.post("/api/reports", json={"lon": lat, "lat": lon}).get_json()["error"]
    assert "swapped" in error["fields"]["lon"]


def test_typed_landmark_and_gcj02_point_are_placed(live: FlaskClient, live_app: Flask) -> None:
    """A typed hotspot name stands for its access point; a GCJ-02 tap is converted to WGS-84."""
    lon, lat, name = _hotspot_point(live_app, 1)
    assert live.post("/api/reports", json={"place": name, "seen": "x"}).status_code == 201
    from dispatch.chinacoords import point_from_wgs84

    g_lon, g_lat = point_from_wgs84(lon, lat, "gcj02")
    assert live.post("/api/reports", json={"lon": g_lon, "lat": g_lat, "datum": "gcj02"}
                     ).status_code == 201
    with live_app.app_context(), resources().sessions() as session:
        rows = list(session.scalars(select(Report).order_by(Report.id)))
    assert (rows[0].lon, rows[0].lat) == pytest.approx((lon, lat))
    assert (rows[1].lon, rows[1].lat) == pytest.approx((lon, lat), abs=1e-5)


def test_public_reports_are_rate_limited_per_address(planned_dir: Path, tmp_path: Path) -> None:
    """The third report within the window from one address is a 429 saying when to retry."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    app = make_app({"DATA_DIR": str(root), "REPORT_RATE": "2/600"})
    client = app.test_client()
    lon, lat, _ = _hotspot_point(app)
    for _ in range(2):
        assert client.post("/api/reports", json={"lon": lon, "lat": lat}).status_code == 201
    refused = client.post("/api/reports", json={"lon": lon, "lat": lat})
    assert refused.status_code == 429 and "Too many" in refused.get_json()["error"]["message"]
    other = client.post("/api/reports", json={"lon": lon, "lat": lat},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 201


def test_board_ranks_teams_as_a_brute_force_search_does(
        live: FlaskClient, live_app: Flask) -> None:
    """The board's first team is the one trying every team at every place in its route finds."""
    reference = _report(live, live_app)
    board = live.get("/api/dispatch/board").get_json()
    row = next(r for r in board["reports"] if r["reference"] == reference)
    assert row["urgency"] == "urgent" and row["options"]
    plan = _plan(live_app)
    with live_app.app_context(), resources().sessions() as session:
        report = session.scalars(select(Report)).one()
        now = datetime.fromisoformat(board["now"])
        level = level_for(load_levels(resources().workspace.root), plan.temperature)
        problem = report_problem(session, plan, lon=report.lon, lat=report.lat, now=now,
                                 done=set(), level=level, positions={})
        prepared = prepare(problem, resources().networks)
    weight = urgency_of(["elderly"], not_moving=True, temperature=plan.temperature).weight
    best = _brute_force(prepared, weight, round((now - problem.origin).total_seconds()))
    first = row["options"][0]
    if not first["left_out"]:
        assert (first["team"], first["cost"]) == (best[1], pytest.approx(best[0], abs=1))
    assert first["cost"] <= best[0] + 1


def _brute_force(prepared: Any, weight: float, now_s: int) -> tuple[float, str]:
    """Every team, every place, keeping every visit it can still make: the least cost."""
    model = prepared.model
    node = prepared.nodes_of(REPORT_ID)[0]
    best = (float("inf"), "")
    for vehicle, planned in enumerate(model.initial_routes):
        route = _reachable(model, vehicle, list(planned))
        base = _walk(model, vehicle, route)
        if base is None:
            continue
        for position in range(len(route) + 1):
            walked = _walk(model, vehicle, [*route[:position], node, *route[position:]])
            if walked is None:
                continue
            begins, home = walked
            cost = weight * max(0, begins[node] - now_s) + max(0, home - base[1])
            best = min(best, (cost, prepared.problem.teams[vehicle].id))
    return best


def _reachable(model: Any, vehicle: int, sequence: list[int]) -> list[int]:
    """The route less the visits whose windows close before the team can get there."""
    travel = model.travel[model.matrix_of[vehicle]]
    here, clock, kept = model.starts[vehicle], model.vehicle_windows[vehicle][0], []
    for node in sequence:
        begin = max(clock + travel[here][node], model.windows[node][0])
        if begin <= model.windows[node][1]:
            kept.append(node)
            here, clock = node, begin + model.service[node]
    return kept


def _walk(model: Any, vehicle: int, sequence: list[int]) -> tuple[dict[int, int], int] | None:
    travel = model.travel[model.matrix_of[vehicle]]
    here, clock = model.starts[vehicle], model.vehicle_windows[vehicle][0]
    begins = {}
    for node in sequence:
        clock = max(clock + travel[here][node], model.windows[node][0])
        if clock > model.windows[node][1]:
            return None
        begins[node] = clock
        clock += model.service[node]
        here = node
    home = clock + travel[here][model.ends[vehicle]]
    return (begins, home) if home <= model.vehicle_windows[vehicle][1] else None


def test_assignment_replans_the_night_and_keeps_every_rule(
        live: FlaskClient, live_app: Flask) -> None:
    """One click: a new version with the report on the chosen team; windows, skills, modes,
    legs and once-only visits all hold, checked here rather than by the solver."""
    reference = _report(live, live_app)
    before = _plan(live_app)
    board = live.get("/api/dispatch/board").get_json()
    team = board["reports"][0]["options"][0]["team"]
    answer = live.post(f"/api/dispatch/reports/{reference}/assign", json={"team": team})
    assert answer.status_code == 202, answer.get_json()
    # The click claims the report at once: the board shows it sent before the re-plan ends.
    claimed = next(r for r in live.get("/api/dispatch/board").get_json()["reports"]
                   if r["reference"] == reference)
    assert (claimed["status"], claimed["team"]) == ("assigned", team)
    status = _assigned_job(live, answer.get_json(), reference, team)
    after = _plan(live_app)
    assert status["version"] == 2 and _latest_version_of(live_app) == 2
    route = after.route(team)
    assert [c.reference for c in route.reports] == [reference]
    assert "old man" in route.reports[0].note
    with live_app.app_context(), resources().sessions() as session:
        hotspots = {h.id: h for h in session.scalars(select(Hotspot))}
    _check_rules(after, before, hotspots)
    board = live.get("/api/dispatch/board").get_json()
    row = next(r for r in board["reports"] if r["reference"] == reference)
    assert row["status"] == "assigned" and row["team"] == team and row["options"] == []


def _latest_version_of(app: Flask) -> int:
    """The number of the night's latest version."""
    with app.app_context(), resources().sessions() as session:
        return latest_version(session, _plan(app).date).version


def _check_rules(plan: NightPlan, before: NightPlan, hotspots: dict[int, Hotspot]) -> None:
    """Every rule of a plan, read from the plan document and the registry alone."""
    seen: set[str] = set()
    for route in plan.routes:
        earlier = before.route(route.team_id)
        assert (route.mode, route.skills) == (earlier.mode, earlier.skills)
        items = route.timeline()
        for item in route.visits:
            assert item.key not in seen, f"{item.key} planned twice"
            seen.add(item.key)
            hotspot = hotspots[item.hotspot_id]
            assert plan.shift_start <= item.arrival <= plan.shift_end
            if hotspot.skill:
                assert hotspot.skill in route.skills, f"{item.key} needs {hotspot.skill}"
            if hotspot.window_start is not None and hotspot.window_end is not None:
                local = (item.arrival + item.wait).astimezone(plan.shift_start.tzinfo).time()
                start, end = hotspot.window_start, hotspot.window_end
                inside = start <= local <= end if start <= end else (local >= start
                                                                      or local <= end)
                assert inside, f"{item.key} at {local} outside {start}-{end}"
        for first, then in zip(items, items[1:], strict=False):
            leaving = first.end if hasattr(first, "end") else first.departure
            arriving = then.start if hasattr(then, "start") else then.arrival
            assert arriving >= leaving - timedelta(seconds=1), f"{then.key} before {first.key}"
            assert route.leg_to(then.key).travel <= arriving - leaving + timedelta(seconds=61)
        assert route.end <= plan.shift_end + timedelta(seconds=1)
    planned = {v.key for r in before.routes for v in r.visits}
    dropped = {f"{d.hotspot_id}#{d.check}" for d in plan.dropped}
    assert planned <= seen | dropped, "a visit vanished without being listed as left out"


def test_two_dispatchers_assigning_at_once_one_wins(live_app: Flask) -> None:
    """The same report sent to two teams at the same moment: one claim wins (202, and its
    re-plan makes the night's next version), the other is a 409 naming the winning team."""
    reference = _report(live_app.test_client(), live_app)
    teams = [r.team_id for r in _plan(live_app).routes][:2]
    answers: dict[str, Any] = {}
    start = threading.Barrier(2)

    def send(team: str) -> None:
        client = live_app.test_client()
        start.wait()
        answers[team] = client.post(f"/api/dispatch/reports/{reference}/assign",
                                    json={"team": team})

    threads = [threading.Thread(target=send, args=(t,)) for t in teams]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(a.status_code for a in answers.values())
    assert codes == [202, 409]
    winner = next(t for t, a in answers.items() if a.status_code == 202)
    loser = next(a for a in answers.values() if a.status_code == 409)
    assert f"already assigned to {winner}" in loser.get_json()["error"]["message"]
    client = live_app.test_client()
    status = _assigned_job(client, answers[winner].get_json(), reference, winner)
    assert status["version"] == 2
    with live_app.app_context(), resources().sessions() as session:
        assert len(list(session.scalars(select(Report.id)))) == 1
        assert latest_version(session, _plan(live_app).date).version == 2
    assert [c.reference for c in _plan(live_app).route(winner).reports] == [reference]


def test_a_report_sent_while_the_team_checks_in_loses_nothing(live_app: Flask) -> None:
    """A check-in and a report (and the report's assignment) at once: all of them are kept."""
    plan = _plan(live_app)
    route = plan.routes[0]
    with live_app.test_request_context():
        token = team_link_url(plan, route.team_id).rsplit("/", 1)[1]
    reference = _report(live_app.test_client(), live_app)
    visit = route.visits[0]
    checkin = {"id": "6f1d7f0e-6a51-4bb0-9a43-0a8f6c1f1111", "visit": visit.key,
               "outcome": "checked_nobody", "recorded_at": visit.arrival.isoformat(),
               "lon": 24.94, "lat": 60.17}
    answers: dict[str, Any] = {}
    start = threading.Barrier(3)

    def call(name: str, path: str, body: dict[str, Any]) -> None:
        client = live_app.test_client()
        start.wait()
        answers[name] = client.post(path, json=body)

    lon, lat, _ = _hotspot_point(live_app, 5)
    jobs = [("checkin", f"/api/t/{token}/checkins", checkin),
            ("report", "/api/reports", {"lon": lon, "lat": lat, "seen": "two people"}),
            ("assign", f"/api/dispatch/reports/{reference}/assign", {"team": route.team_id})]
    threads = [threading.Thread(target=call, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {k: a.status_code for k, a in answers.items()} == {
        "checkin": 201, "report": 201, "assign": 202}
    _assigned_job(live_app.test_client(), answers["assign"].get_json(), reference, route.team_id)
    assert _count(live_app) == 2
    checkins = live_app.test_client().get(f"/api/t/{token}/checkins").get_json()["checkins"]
    assert [c["visit"] for c in checkins] == [visit.key]
    assert reference in {c.reference for c in _plan(live_app).route(route.team_id).reports}


def test_team_steps_follow_up_and_safety_timer(live: FlaskClient, live_app: Flask) -> None:
    """The team sees the report on its phone, marks each step (each timed); a person who
    declined gets a follow-up on the board; a team silent too long is flagged."""
    reference = _report(live, live_app, seen="<b>not markup</b>"[3:-4] + " & cold")
    plan = _plan(live_app)
    team, other = plan.routes[0].team_id, plan.routes[1].team_id
    _assign(live, reference, team)
    with live_app.test_request_context():
        token = team_link_url(plan, team).rsplit("/", 1)[1]
        stranger = team_link_url(plan, other).rsplit("/", 1)[1]
    page = live.get(f"/t/{token}").get_data(as_text=True)
    assert reference in page and "not markup &amp; cold" in page
    data_url = re.search(r'<link rel="preload" href="([^"]+)"', page)
    assert data_url is not None
    drawn = live.get(html.unescape(data_url.group(1))).get_json()["features"]["features"]
    assert [f["properties"]["layer"] for f in drawn].count("report") == 1
    assert 'data-step="on_the_way"' in page
    steps = f"/api/t/{token}/reports/{reference}/steps"
    assert live.post(f"/api/t/{stranger}/reports/{reference}/steps",
                     json={"status": "on_the_way"}).status_code == 409
    assert live.post(steps, json={"status": "outcome", "outcome": "declined"}).status_code == 409
    assert live.post(steps, json={"status": "on_the_way"}).status_code == 200
    assert live.post(steps, json={"status": "arrived"}).status_code == 200
    assert live.post(steps, json={"status": "outcome", "outcome": "nope"}).status_code == 400
    done = live.post(steps, json={"status": "outcome", "outcome": "declined"}).get_json()
    assert [s["status"] for s in done["steps"]] == [
        "reported", "assigned", "on_the_way", "arrived", "outcome"]
    public = live.get(f"/api/reports/{reference}").get_json()
    assert public["status"] == "outcome" and len(public["steps"]) == 5
    board = live.get("/api/dispatch/board").get_json()
    follow = [r for r in board["reports"] if r["source"] == "follow_up"]
    assert len(follow) == 1 and follow[0]["due_at"] and reference in follow[0]["seen"]
    assert [r["reference"] for r in board["closed"]] == [reference]
    # An hour into the shift: the team that checked in at 20:40 is fine, the others flagged.
    visit = plan.route(other).visits[0]
    moment = datetime.fromisoformat(board["now"]) - timedelta(minutes=20)
    assert live.post(f"/api/t/{stranger}/checkins", json={
        "id": "6f1d7f0e-6a51-4bb0-9a43-0a8f6c1f2222", "visit": visit.key,
        "outcome": "checked_nobody", "recorded_at": moment.isoformat(), "lon": 24.95,
        "lat": 60.17}).status_code == 201
    teams = {t["id"]: t for t in live.get("/api/dispatch/board").get_json()["teams"]}
    assert not teams[other]["flagged"] and teams[other]["lon"] == 24.95
    assert teams[team]["flagged"] and teams[team]["silent_min"] == 60


def test_board_and_forms_render(live: FlaskClient, live_app: Flask) -> None:
    """/dispatch and /report are served with their scripts; a form sent without script works."""
    page = live.get("/dispatch").get_data(as_text=True)
    assert "live.js" in page and "call-form" in page and "live-map" in page
    reference = _report(live, live_app)
    [row] = live.get("/api/dispatch/board").get_json()["reports"]
    assert row["reference"] == reference
    assert row["drawn"] == [round(row["lat"], 6), round(row["lon"], 6)]  # WGS-84 basemap
    form = live.get("/report").get_data(as_text=True)
    assert "report.js" in form and "leaflet.js" in form and "unpkg" not in form
    lon, lat, _ = _hotspot_point(live_app)
    bad = live.post("/report", data={"seen": "<script>x</script>"})
    assert bad.status_code == 400 and "No location" in bad.get_data(as_text=True)
    assert "<script>x" not in bad.get_data(as_text=True)
    sent = live.post("/report", data={"lon": str(lon), "lat": str(lat), "seen": "cold",
                                      "categories": ["minor"]})
    assert sent.status_code == 303 and "/report/" in sent.headers["Location"]


def test_open_reports_stay_with_their_teams_across_replans(
        live: FlaskClient, live_app: Flask) -> None:
    """A second assignment, and a later re-plan of the rest of the night, keep the first
    report on its team with what was reported; a reached report stays in the history."""
    first = _report(live, live_app, seen="first person")
    lon, lat, _ = _hotspot_point(live_app, 9)
    second = live.post("/api/reports", json={"lon": lon, "lat": lat, "seen": "second"}
                       ).get_json()["reference"]
    teams = [r.team_id for r in _plan(live_app).routes]
    for reference, team in ((first, teams[0]), (second, teams[1])):
        _assign(live, reference, team)
    plan = _plan(live_app)
    assert [c.reference for c in plan.route(teams[0]).reports] == [first]
    assert [c.reference for c in plan.route(teams[1]).reports] == [second]
    with live_app.app_context(), resources().sessions() as session:
        workspace = resources().workspace
        later = replan_rest(session, plan, now=moment_of(plan, "21:30"),
                            done={report_key(second)}, networks=resources().networks,
                            categories=load_categories(workspace.root),
                            level=level_for(load_levels(workspace.root), plan.temperature))
    kept = later.route(teams[0]).reports
    assert [c.reference for c in kept] == [first] and "first person" in kept[0].note
    assert kept[0].arrival >= moment_of(plan, "21:30")
    assert [c.reference for c in later.route(teams[1]).reports] == [second]
    assert NightPlan.from_document(later.to_document()).route(teams[0]).reports == kept


def test_a_person_who_declined_at_a_check_gets_a_follow_up_later(
        live: FlaskClient, live_app: Flask) -> None:
    """A check-in 'declined help' makes a follow-up report on the board; once assigned, the
    team goes no sooner than it is due."""
    plan = _plan(live_app)
    route = plan.routes[0]
    with live_app.test_request_context():
        token = team_link_url(plan, route.team_id).rsplit("/", 1)[1]
    visit = route.visits[0]
    sent = live.post(f"/api/t/{token}/checkins", json={
        "id": "6f1d7f0e-6a51-4bb0-9a43-0a8f6c1f3333", "visit": visit.key,
        "outcome": "person_found", "found_count": 2, "found_category": "elderly",
        "accepts_help": False, "action": "declined", "recorded_at": visit.arrival.isoformat()})
    assert sent.status_code == 201
    board = live.get("/api/dispatch/board").get_json()
    [follow] = board["reports"]
    name = plan.hotspots[visit.hotspot_id].name
    assert (follow["source"], follow["place"], follow["people"]) == ("follow_up", name, 2)
    assert follow["options"], "a follow-up is offered to the teams like any report"
    due = datetime.fromisoformat(follow["due_at"])
    assert due == visit.arrival + timedelta(hours=2) > datetime.fromisoformat(board["now"])
    _assign(live, follow["reference"], follow["options"][0]["team"])
    [call] = _plan(live_app).route(follow["options"][0]["team"]).reports
    assert call.arrival >= due - timedelta(seconds=1)
