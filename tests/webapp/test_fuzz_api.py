"""Fuzzing every JSON endpoint with Hypothesis: never a 5xx; a 4xx carries a clear JSON error
and leaves the database exactly as it was.

The endpoints come from the app's own URL map, so a new POST/PUT/PATCH/DELETE route under
``/api/`` without a body strategy here fails :func:`test_every_json_endpoint_is_fuzzed`.
Bodies are random JSON, good bodies with a field removed or made wrong (NaN, infinities, huge
numbers, digits Python cannot read, nested junk), and non-JSON bytes under any content type.
The same holds for the importers through ``patrol import`` and the upload page.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from dispatch.models import Hotspot, Shelter
from dispatch.nightplan import NightPlan
from dispatch.pins import KINDS
from dispatch.planning import latest_plan
from dispatch.store import open_engine
from dispatch.versions import latest_version, state_token
from dispatch.workspace import Workspace
from tests.conftest import HELSINKI_PLACES
from tests.dispatch.conftest import database_dump as whole_dump
from tests.dispatch.test_fuzz_import import csv_files, kml_files
from tests.webapp.conftest import ThreadWorker, import_through_page, make_app
from tests.webapp.test_live import _assign
from webapp.cli import cli
from webapp.resources import resources
from webapp.teamlinks import team_link_url

#: GDAL's warnings about a broken upload are not failures (see tests/dispatch/test_fuzz_import.py).
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

#: No shrinking: an example runs against the live app once, and its failure is shown as found.
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Strings that look like what a field wants and are not: ``"²".isdigit()`` is true, yet
#: ``int("²")`` fails; a date past the calendar; an id past SQLite's integers.
ODD_TEXT = st.sampled_from(["²", "١٢", "𝟓", "3.5", "-1", "1e999", "nan", "NaN", "Infinity",
                            "99999999999999999999999", "", " ", "\x00", "T1\n", "<b>x</b>",
                            "9999-12-31T23:59:59+14:00", "2025-13-45T99:99", "0001-01-01",
                            "24.94,60.17", "POINT (24.94 60.17)", "null"])
NUMBERS = st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=True,
                                                            allow_infinity=True),
                    st.sampled_from([0, -1, 1e308, 2**63, -(2**63) - 1, 2**64]))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=20), ODD_TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=8)
CONTENT_TYPES = st.sampled_from([None, "text/plain", "application/json",
                                 "application/json; charset=gbk", "multipart/form-data",
                                 "application/x-www-form-urlencoded", "application/xml"])


@dataclass(frozen=True)
class Night:
    """What a fuzzed request may name: a team's token, a report on its way, places."""

    plan: NightPlan
    token: str
    stranger: str
    reference: str
    hotspot_id: int
    shelter_id: int


@dataclass(frozen=True)
class Endpoint:
    """A JSON route: the path to call, and good bodies to spoil."""

    rule: str
    method: str
    path: Callable[[Night], str]
    good: st.SearchStrategy[dict[str, Any]]


@dataclass(frozen=True)
class Visit:
    """The n-th stop of team T1's route, named once the night is known."""

    index: int


@dataclass(frozen=True)
class Minutes:
    """A time this many minutes after T1's first arrival, once the night is known."""

    after: int


def resolve(body: Any, night: Night) -> Any:
    """``body`` with its :class:`Visit` and :class:`Minutes` as the night's own values."""
    if not isinstance(body, dict):
        return body
    visits = night.plan.routes[0].visits
    found = {Visit: lambda v: visits[v.index % len(visits)].key,
             Minutes: lambda m: (visits[0].arrival + timedelta(minutes=m.after)).isoformat()}
    return {k: found[type(v)](v) if type(v) in found else v for k, v in body.items()}


#: Reports near the central station and new hotspots near the university (central Helsinki).
STATION, UNIVERSITY = HELSINKI_PLACES["central_station"], HELSINKI_PLACES["university"]


def _near(place: tuple[float, float], spread: float) -> st.SearchStrategy[tuple[float, float]]:
    return st.tuples(st.floats(place[0] - spread, place[0] + spread),
                     st.floats(place[1] - spread, place[1] + spread))


REPORT = st.builds(
    lambda where, rest: {"lon": where[0], "lat": where[1], **rest}, _near(STATION, 0.001),
    st.fixed_dictionaries({
        "seen": st.text(min_size=1, max_size=40), "people": st.integers(1, 4),
        "categories": st.lists(st.sampled_from(["elderly", "minor", "disabled", "other"]),
                               max_size=2, unique=True),
        "not_moving": st.booleans(), "place": st.sampled_from(["", "中央车站"]),
        "contact": st.sampled_from(["", "138 0000 0000"])}))
CHECKIN = st.fixed_dictionaries({
    "id": st.uuids().map(str), "visit": st.integers(0, 99).map(Visit),
    "outcome": st.sampled_from(["checked_nobody", "person_found", "could_not_check"]),
    "recorded_at": st.integers(0, 300).map(Minutes),
    "lon": st.floats(24.93, 24.96), "lat": st.floats(60.16, 60.18),
}, optional={
    "reason": st.text(max_size=30), "found_count": st.integers(1, 3),
    "found_category": st.sampled_from(["elderly", "minor"]), "accepts_help": st.booleans(),
    # Not a trip to a shelter, hospital or home: each would re-plan the night (slow).
    "action": st.sampled_from(["helped_on_site", "declined"]), "accuracy_m": st.floats(0, 100)})
_lon, _lat = UNIVERSITY
HOTSPOT = st.fixed_dictionaries({
    "who": st.sampled_from(["王明", "dispatcher"]), "name": st.text(min_size=1, max_size=30),
    "category": st.sampled_from(["station", "park", "bridge"]),
    "geometry": st.one_of(
        _near(UNIVERSITY, 0.002).map(lambda p: {"type": "Point", "coordinates": list(p)}),
        st.just(f"POINT ({_lon} {_lat})"),
        st.just({"type": "LineString", "coordinates": [[_lon, _lat], [_lon + 0.001, _lat]]})),
}, optional={"risk": st.integers(1, 5), "service_min": st.integers(1, 60),
             "checks_per_night": st.integers(1, 4), "district": st.text(max_size=10),
             "window_start": st.just("20:00"), "window_end": st.just("05:00"),
             "access": st.just([_lon, _lat])})
CHANGE = HOTSPOT.map(lambda body: {k: v for k, v in body.items()
                                   if k not in ("geometry", "access")})
WHO = st.fixed_dictionaries({"who": st.sampled_from(["王明", "dispatcher"])})
STEP = st.fixed_dictionaries(
    {"status": st.sampled_from(["on_the_way", "arrived", "outcome", "cancelled"])},
    optional={"outcome": st.sampled_from(["helped_on_site", "declined", "nobody_found"]),
              "note": st.text(max_size=30), "people": st.integers(1, 3)})

#: A night's plan as the plan API takes it (each good body is queued as a search).
PLAN_RUN = st.fixed_dictionaries({
    "teams": st.lists(st.sampled_from(["T1", "T2", "T3"]), min_size=1, max_size=3, unique=True),
    "start": st.sampled_from(["20:00", "21:30"]), "end": st.sampled_from(["06:00", "05:00"]),
    "temperature": st.integers(-30, 5),
}, optional={"break_minutes": st.sampled_from([0, 30, "45"])})

ENDPOINTS = [
    Endpoint("/api/hotspots", "POST", lambda n: "/api/hotspots", HOTSPOT),
    Endpoint("/api/hotspots/<int:hotspot_id>", "PATCH",
             lambda n: f"/api/hotspots/{n.hotspot_id}", CHANGE),
    Endpoint("/api/hotspots/<int:hotspot_id>/access", "PUT",
             lambda n: f"/api/hotspots/{n.hotspot_id}/access",
             st.fixed_dictionaries({"who": st.just("王明"), "lon": st.floats(24.94, 24.95),
                                    "lat": st.floats(60.165, 60.175)})),
    Endpoint("/api/hotspots/<int:hotspot_id>/retire", "POST",
             lambda n: f"/api/hotspots/{n.hotspot_id}/retire", WHO),
    Endpoint("/api/hotspots/<int:hotspot_id>/restore", "POST",
             lambda n: f"/api/hotspots/{n.hotspot_id}/restore", WHO),
    Endpoint("/api/reports", "POST", lambda n: "/api/reports", REPORT),
    Endpoint("/api/dispatch/reports", "POST", lambda n: "/api/dispatch/reports",
             REPORT.map(lambda b: {**b, "source": "hotline"})),
    Endpoint("/api/dispatch/reports/<reference>/assign", "POST",
             lambda n: f"/api/dispatch/reports/{n.reference}/assign",
             st.fixed_dictionaries({"team": st.sampled_from(["T2", "T3", "T9"])})),
    Endpoint("/api/dispatch/shelters/<int:shelter_id>/beds", "POST",
             lambda n: f"/api/dispatch/shelters/{n.shelter_id}/beds",
             st.fixed_dictionaries({"beds_free": st.integers(0, 20)})),
    Endpoint("/api/t/<token>/checkins", "POST", lambda n: f"/api/t/{n.token}/checkins", CHECKIN),
    Endpoint("/api/t/<token>/reports/<reference>/steps", "POST",
             lambda n: f"/api/t/{n.token}/reports/{n.reference}/steps", STEP),
    Endpoint("/api/plan/<day>/run", "POST", lambda n: f"/api/plan/{n.plan.date}/run", PLAN_RUN),
]


@st.composite
def spoiled(draw: st.DrawFn, good: st.SearchStrategy[dict[str, Any]]) -> Any:
    """A good body, or one with some fields dropped or made wrong, or any JSON at all."""
    body = dict(draw(good))  # spoiled on a copy: a drawn value is not changed in place
    kind = draw(st.sampled_from(["good", "spoiled", "spoiled", "spoiled", "any"]))
    if kind == "any":
        return draw(JSON)
    if kind == "spoiled":
        for key in draw(st.lists(st.sampled_from(sorted([*body, "extra"])), min_size=1, max_size=3,
                                 unique=True)):
            if draw(st.booleans()) and key in body:
                del body[key]
            else:
                body[key] = draw(JSON)
    return body


@pytest.fixture(scope="module")
def fuzz_app(planned_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """A private copy of the planned demo city, its clock at 21:00, reports not rate limited;
    its test clients are signed in as a dispatcher and send the CSRF token.

    No worker reads its queue while the bodies are sent: a search a good body queued would
    otherwise save a version while a later example compares the database before and after.
    """
    root = tmp_path_factory.mktemp("fuzz-api") / "city"
    shutil.copytree(planned_dir, root)
    return make_app({"DATA_DIR": str(root), "DISPATCH_NOW": "21:00", "ASSIGN_SECONDS": 1,
                     "REPORT_RATE": "100000/600"}, worker=False)


@pytest.fixture(scope="module")
def night(fuzz_app: Flask) -> Night:
    """Team T1's token, a report assigned to T1 (its steps may follow), a hotspot, a shelter.

    A worker runs only while the report is assigned: the night's next version holds it."""
    with fuzz_app.app_context(), resources().sessions() as session:
        plan = latest_plan(session)
        assert plan is not None
        hotspot_id = session.scalars(select(Hotspot.id).order_by(Hotspot.id)).first()
        shelter_id = session.scalars(select(Shelter.id).order_by(Shelter.id)).first()
    assert hotspot_id is not None and shelter_id is not None
    with fuzz_app.test_request_context():
        token = team_link_url(plan, plan.routes[0].team_id).rsplit("/", 1)[1]
        stranger = team_link_url(plan, plan.routes[1].team_id).rsplit("/", 1)[1]
    client = fuzz_app.test_client()
    lon, lat = sorted(plan.hotspots.values(), key=lambda p: p.id)[3].access or (0.0, 0.0)
    made = client.post("/api/reports", json={"lon": lon, "lat": lat, "seen": "一位老人"})
    assert made.status_code == 201, made.get_json()
    reference = made.get_json()["reference"]
    worker = ThreadWorker(fuzz_app)
    try:
        _assign(client, reference, plan.routes[0].team_id)
    finally:
        worker.close()
    return Night(plan, token, stranger, reference, hotspot_id, shelter_id)


@pytest.fixture(scope="module")
def start_again(fuzz_app: Flask, night: Night) -> Iterator[Callable[[], None]]:
    """Puts the database back as the night began, so every example starts alike."""
    engine = fuzz_app.extensions["patrol"].engine
    kept = sqlite3.connect(":memory:")
    with _driver(engine) as database:
        database.backup(kept)

    def restore() -> None:
        with _driver(engine) as database:
            # Test clients signed in since the night began stay signed in.
            sessions = database.execute("SELECT * FROM staff_session").fetchall()
            kept.backup(database)
            database.executemany("INSERT OR REPLACE INTO staff_session VALUES (?, ?, ?, ?)",
                                 sessions)
            database.commit()

    yield restore
    kept.close()


def database_dump(engine: Engine) -> list[str]:
    """The database as SQL, but for the staff sessions table: signing in and being seen
    are the session's own bookkeeping, not a change a refused request made."""
    return [line for line in whole_dump(engine) if '"staff_session"' not in line]


@contextmanager
def _driver(engine: Engine) -> Iterator[sqlite3.Connection]:
    connection = engine.raw_connection()
    try:
        yield connection.driver_connection  # type: ignore[misc]
    finally:
        connection.close()


def assert_answer_is_clear(app: Flask, send: Callable[[], Any],
                           start_again: Callable[[], None]) -> int:
    """Send a request: no 5xx; a 4xx names its problem in JSON and changes nothing."""
    engine = app.extensions["patrol"].engine
    before = database_dump(engine)
    try:
        answer = send()
        after = database_dump(engine)
    finally:
        start_again()
    status = answer.status_code
    assert status < 500, answer.get_data(as_text=True)
    body = answer.get_json(silent=True)
    assert isinstance(body, dict), f"{status} without a JSON body: {answer.get_data()[:200]!r}"
    if status >= 400:
        message = body.get("error", {}).get("message")
        assert isinstance(message, str) and message.strip(), body
        assert after == before, f"{status} {message} changed the database"
    return int(status)


def test_every_json_endpoint_is_fuzzed(fuzz_app: Flask) -> None:
    """Every route under /api/ that takes a body is in ENDPOINTS, so none is left out."""
    taking = {(rule.rule, method) for rule in fuzz_app.url_map.iter_rules()
              if rule.rule.startswith("/api/")
              for method in (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}}
    assert taking == {(e.rule, e.method) for e in ENDPOINTS}


def failures_of(check: Callable[[Any], None], values: st.SearchStrategy[Any],
                chosen: settings = FUZZ) -> list[str]:
    """Run ``check`` on generated values; the failures, each with the value that caused it.

    Failures are gathered rather than raised: Hypothesis then never replays a request
    against the live app (whose answers may depend on what came before), and the report
    lists the first few values that failed, as sent.
    """
    found: list[str] = []

    @chosen
    @given(values)
    def run(value: Any) -> None:
        try:
            check(value)
        except AssertionError as exc:
            found.append(f"{value!r}\n    {exc}")

    run()
    return found


def statuses_of_bodies(client: FlaskClient, night: Night, endpoint: Endpoint,
                       start_again: Callable[[], None], chosen: settings = FUZZ) -> list[int]:
    """Send generated JSON bodies to ``endpoint``: every answer as
    :func:`assert_answer_is_clear` wants it (else the test fails), and their statuses."""
    statuses: list[int] = []

    def check(body: Any) -> None:
        statuses.append(assert_answer_is_clear(client.application, lambda: client.open(
            endpoint.path(night), method=endpoint.method, json=resolve(body, night)),
            start_again))

    failed = failures_of(check, spoiled(endpoint.good), chosen)
    assert not failed, f"{len(failed)} bodies failed:\n" + "\n".join(failed[:5])
    return statuses


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.rule}")
def test_json_bodies_never_fail_the_server(fuzz_app: Flask, night: Night,
                                           start_again: Callable[[], None],
                                           endpoint: Endpoint) -> None:
    """Good, spoiled and random JSON bodies: an answer below 500, and a 4xx changes nothing."""
    statuses = statuses_of_bodies(fuzz_app.test_client(), night, endpoint, start_again)
    # The bodies reach both sides: some are stored (the report T1 is on is assigned already,
    # so an assignment can only be refused), some refused.
    seen = Counter(status // 100 for status in statuses)
    assert seen[4] and (seen[2] or endpoint.rule.endswith("/assign")), seen


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.rule}")
def test_bodies_that_are_not_json_are_refused(fuzz_app: Flask, night: Night,
                                              start_again: Callable[[], None],
                                              endpoint: Endpoint) -> None:
    """Bytes under any content type (JSON's included): never a 5xx, a refusal says why."""
    client = fuzz_app.test_client()

    def check(sent: tuple[bytes, str | None]) -> None:
        raw, content_type = sent
        assert_answer_is_clear(fuzz_app, lambda: client.open(
            endpoint.path(night), method=endpoint.method, data=raw,
            content_type=content_type), start_again)

    failed = failures_of(check, st.tuples(st.binary(max_size=200) | st.text(max_size=100).map(
        str.encode), CONTENT_TYPES), settings(FUZZ, max_examples=15))
    assert not failed, f"{len(failed)} bodies failed:\n" + "\n".join(failed[:5])


#: Routes anyone may call: the public report and a team's token API (the token is the key).
OPEN_TO_ALL = ("/api/reports", "/api/t/")


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.rule}")
@pytest.mark.parametrize("caller", ["nobody", "no CSRF token"])
def test_callers_without_a_session_or_a_csrf_token_change_nothing(
        fuzz_app: Flask, night: Night, start_again: Callable[[], None], endpoint: Endpoint,
        caller: str) -> None:
    """Without a session (401) or without the CSRF token (400), a staff route answers with a
    JSON error and changes nothing, whatever the body; open routes answer as usual."""
    client = fuzz_app.test_client(role=None if caller == "nobody" else "dispatcher")
    client.csrf = ""  # type: ignore[attr-defined]
    statuses = statuses_of_bodies(client, night, endpoint, start_again,
                                  settings(FUZZ, max_examples=10))
    if not endpoint.rule.startswith(OPEN_TO_ALL):
        assert set(statuses) == {401 if caller == "nobody" else 400}


@pytest.mark.slow
def test_uploads_import_whole_or_not_at_all(fuzz_app: Flask, start_again: Callable[[], None]
                                            ) -> None:
    """/hotspots/import: any CSV or KML is imported, or refused (400) with nothing changed."""
    engine = fuzz_app.extensions["patrol"].engine
    client = fuzz_app.test_client()

    def check(data: bytes) -> None:
        before = database_dump(engine)
        name = "fuzz.kml" if data.lstrip().startswith(b"<") else "fuzz.csv"
        if len(data) % 2:  # a name with a NUL and control characters, as some tools send
            name = "fu\x00z\x1bz" + name[4:]
        try:
            answer = import_through_page(client, {
                "layer": "hotspots", "crs": "", "file": (io.BytesIO(data), name)})
            after = [line for line in database_dump(engine) if '"job"' not in line]
        finally:
            start_again()
        assert answer.status_code in (200, 400), answer.get_data(as_text=True)[:500]
        assert answer.status_code == 200 or after == [
            line for line in before if '"job"' not in line]

    worker = ThreadWorker(fuzz_app)  # the upload page leaves the import to a worker
    try:
        failed = failures_of(check, csv_files() | kml_files())
    finally:
        worker.close()
    assert not failed, f"{len(failed)} files failed:\n" + "\n".join(failed[:5])


FORM_TEXT = st.text(max_size=30) | ODD_TEXT
_station_line = [list(STATION), [STATION[0] + 0.001, STATION[1] + 0.0005]]
#: What the /plan page's change form sends, right and wrong (every field is text).
PLAN_CHANGE = st.fixed_dictionaries({"kind": st.sampled_from(KINDS) | FORM_TEXT}, optional={
    "visit": st.integers(0, 99).map(Visit) | FORM_TEXT,
    "team": st.sampled_from(["T1", "T2", "T9"]) | FORM_TEXT,
    "at": st.sampled_from(["23:30", "04:00", "12:00", "25:00"]) | FORM_TEXT,
    "hotspot": st.integers(0, 30).map(str) | FORM_TEXT,
    "geometry": st.sampled_from([
        {"type": "LineString", "coordinates": _station_line},
        {"type": "LineString", "coordinates": _station_line[:1]},
        {"type": "Polygon", "coordinates": [_station_line]},
        {"type": "LineString", "coordinates": [[float("nan"), 60.17], [24.94, 1e400]]},
        {"type": "Point", "coordinates": list(STATION)}, {"type": "LineString"}, [1, 2],
    ]).map(lambda g: json.dumps(g)) | FORM_TEXT,
    "label": FORM_TEXT, "index": st.sampled_from(["0", "1", "²", "9" * 5000]) | FORM_TEXT})


@pytest.mark.slow
def test_plan_changes_never_fail_the_server(fuzz_app: Flask, night: Night,
                                            start_again: Callable[[], None]) -> None:
    """/plan/<day>/change (a form): a change is kept (303/302), or refused (409, 422) with
    the database as it was; never a 5xx."""
    engine = fuzz_app.extensions["patrol"].engine
    client = fuzz_app.test_client()
    day = night.plan.date.isoformat()

    def check(form: dict[str, Any]) -> None:
        with fuzz_app.app_context(), resources().sessions() as session:
            token = state_token(latest_version(session, night.plan.date))
        before = database_dump(engine)
        try:
            answer = client.post(f"/plan/{day}/change",
                                 data={"token": token, **resolve(form, night)})
            after = database_dump(engine)
        finally:
            start_again()
        assert answer.status_code < 500, answer.get_data(as_text=True)[:300]
        assert answer.status_code < 400 or after == before

    failed = failures_of(check, PLAN_CHANGE)
    assert not failed, f"{len(failed)} forms failed:\n" + "\n".join(failed[:5])


@pytest.fixture(scope="module")
def cli_city(planned_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("fuzz-cli") / "city"
    shutil.copytree(planned_dir, root)
    yield root


@pytest.mark.slow
@settings(FUZZ, max_examples=10)
@given(data=csv_files())
def test_patrol_import_refuses_with_a_message_and_changes_nothing(cli_city: Path,
                                                                 data: bytes) -> None:
    """``patrol import``: a file is imported, or refused with exit status 1 and a message."""
    path = cli_city.parent / f"{uuid.uuid4().hex}.csv"
    path.write_bytes(data)
    engine = open_engine(Workspace(cli_city).database_url)
    try:
        before = database_dump(engine)
        result = CliRunner().invoke(cli, ["--data-dir", str(cli_city), "-q", "import",
                                          str(path)])
        assert result.exit_code in (0, 1), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            result.exception
        if result.exit_code == 1:
            assert "Error:" in result.output
            assert database_dump(engine) == before
    finally:
        engine.dispose()


# Found by the fuzzing above, kept as named cases (on the usual live app, not slow).

def _refused(app: Flask, path: str, body: Any, field: str | None = None) -> dict[str, Any]:
    """``body`` sent to ``path`` is a 400 with a JSON error (naming ``field``), nothing kept."""
    engine = app.extensions["patrol"].engine
    before = database_dump(engine)
    answer = app.test_client().post(path, json=body)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["message"].strip()
    if field is not None:
        assert field in error["fields"], error
    assert database_dump(engine) == before
    return dict(error)


def _token(app: Flask, team: int = 0) -> tuple[NightPlan, str]:
    with app.app_context(), resources().sessions() as session:
        plan = latest_plan(session)
    assert plan is not None
    with app.test_request_context():
        return plan, team_link_url(plan, plan.routes[team].team_id).rsplit("/", 1)[1]


@pytest.mark.parametrize("body", [[1, 2], 5, "T1", {"team": ["T1"]}, {"team": {"id": "T1"}}])
def test_an_assignment_that_is_no_object_with_a_team_is_refused(live_app: Flask,
                                                                body: Any) -> None:
    """A list, a number or a team that is not text: 400 saying what to send (was a 500)."""
    error = _refused(live_app, "/api/dispatch/reports/ABCDEFGH/assign", body)
    assert '{"team": "T1"}' in error["message"]


@pytest.mark.parametrize("outcome", [["checked_nobody"], {"a": 1}])
def test_a_checkin_outcome_that_is_no_text_is_named(live_app: Flask, outcome: Any) -> None:
    """A check-in's outcome given as a list or an object: 400 naming ``outcome`` (was a 500)."""
    plan, token = _token(live_app)
    visit = plan.routes[0].visits[0]
    _refused(live_app, f"/api/t/{token}/checkins", {
        "id": str(uuid.uuid4()), "visit": visit.key, "outcome": outcome,
        "recorded_at": visit.arrival.isoformat()}, "outcome")


def test_a_step_outcome_that_is_no_text_is_named(live_app: Flask) -> None:
    """A team's outcome step with a list as its outcome: 400 naming ``outcome`` (was a 500)."""
    _, token = _token(live_app)
    _refused(live_app, f"/api/t/{token}/reports/ABCDEFGH/steps",
             {"status": "outcome", "outcome": ["declined"]}, "outcome")


@pytest.mark.parametrize("categories", [5, True, 1.5, {"elderly": 1}])
def test_report_categories_that_are_no_list_are_named(live_app: Flask, categories: Any) -> None:
    """Categories as a number or an object: 400 naming ``categories`` (a number was a 500)."""
    lon, lat = HELSINKI_PLACES["central_station"]
    _refused(live_app, "/api/reports", {"lon": lon, "lat": lat, "seen": "一位老人",
                                        "categories": categories}, "categories")


@pytest.mark.parametrize("beds", ["²", "9" * 5000, -1, True, 2.5])
def test_free_beds_that_python_cannot_count_are_refused(live_app: Flask, beds: Any) -> None:
    """"²" passes ``isdigit`` and 5000 digits pass it too, yet ``int`` refuses both: 400."""
    with live_app.app_context(), resources().sessions() as session:
        shelter = session.scalars(select(Shelter.id)).first()
    _refused(live_app, f"/api/dispatch/shelters/{shelter}/beds", {"beds_free": beds},
             "beds_free")


def _assigned(app: Flask) -> tuple[NightPlan, str]:
    """A report sent to team T1 (the night's next version holds it); its reference."""
    lon, lat = HELSINKI_PLACES["central_station"]
    client = app.test_client()
    reference = client.post("/api/reports", json={"lon": lon, "lat": lat,
                                                  "seen": "一位老人"}).get_json()["reference"]
    plan, _ = _token(app)
    _assign(client, reference, plan.routes[0].team_id)
    return _token(app)[0], reference


def test_the_plan_page_and_print_sheet_show_an_assigned_report(live_app: Flask) -> None:
    """A report in a team's route is a row of /plan and of its print sheet (both were a 500:
    the page took every stop that is not a visit for a break)."""
    plan, reference = _assigned(live_app)
    client = live_app.test_client()
    page = client.get(f"/plan/?date={plan.date.isoformat()}")
    assert page.status_code == 200
    assert f"<code>{reference}</code>" in page.get_data(as_text=True)
    with live_app.app_context(), resources().sessions() as session:
        version = latest_version(session, plan.date).version
    sheet = client.get(f"/plan/{plan.date.isoformat()}/v{version}/print/"
                       f"{plan.routes[0].team_id}")
    assert sheet.status_code == 200 and reference in sheet.get_data(as_text=True)


@pytest.mark.parametrize("form", [
    {"kind": "reopen", "index": "²"}, {"kind": "reopen", "index": "9" * 5000},
    {"kind": "exclude", "hotspot": "²"},
    {"kind": "close", "geometry": json.dumps({"type": "LineString",
                                             "coordinates": [[24.94, 60.17]]})},
])
def test_plan_changes_python_cannot_read_are_refused(live_app: Flask,
                                                     form: dict[str, str]) -> None:
    """"²" passes ``isdigit`` but not ``int``; GEOS refuses a line of one point: each is a
    422 naming the field, and nothing is kept (each was a 500)."""
    plan, _ = _token(live_app)
    engine = live_app.extensions["patrol"].engine
    with live_app.app_context(), resources().sessions() as session:
        token = state_token(latest_version(session, plan.date))
    before = database_dump(engine)
    answer = live_app.test_client().post(f"/plan/{plan.date.isoformat()}/change",
                                         data={"token": token, **form})
    assert answer.status_code == 422
    assert database_dump(engine) == before
