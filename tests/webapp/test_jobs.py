"""Searches as jobs on the queue: the plan API, one plan per night, bounded jobs per person,
a queue that is down, and a worker that dies mid-search."""

from __future__ import annotations

import shutil
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from dispatch.jobs import records
from dispatch.jobs.context import city_of
from dispatch.models import Job, Report, RosterTeam, SavedPlan
from tests.webapp.conftest import make_app, wait_for_job
from webapp.resources import resources
from webapp.views.pages import current_plan

SETTINGS = {"teams": ["T1", "T2"], "start": "20:00", "end": "06:00", "temperature": -12}


def _copy(planned_dir: Path, tmp_path: Path) -> str:
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    return str(root)


def _night(app: Flask) -> str:
    with app.test_request_context():
        return current_plan().date.isoformat()


def _jobs(app: Flask) -> list[Job]:
    with app.app_context(), resources().sessions() as session:
        return list(session.scalars(select(Job)))


@pytest.fixture()
def idle_app(planned_dir: Path, tmp_path: Path) -> Flask:
    """No worker reads this app's queue: every job it takes stays queued."""
    return make_app({"DATA_DIR": _copy(planned_dir, tmp_path), "JOBS_PER_USER": 2},
                    worker=False)


def test_command_line_teams_are_roster_teams_under_the_plans_ids(app: Flask) -> None:
    """`patrol plan --teams 3` put T1..T3 on the roster, so the web can plan them again."""
    with app.app_context(), resources().sessions() as session:
        ids = sorted(session.scalars(select(RosterTeam.id)))
    assert [f"T{i}" for i in ids] == [r.team_id for r in current_plan_of(app).routes]


def current_plan_of(app: Flask):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        return current_plan()


def test_the_plan_api_queues_a_job_and_its_status_url_follows_it(
        planned_dir: Path, tmp_path: Path) -> None:
    """202 with the job and where to poll; the job ends done with a version the page shows."""
    app = make_app({"DATA_DIR": _copy(planned_dir, tmp_path), "PLAN_SECONDS": 60,
                    "PLAN_SOLUTION_LIMIT": 20})
    client = app.test_client()
    night = _night(app)
    answer = client.post(f"/api/plan/{night}/run", json=SETTINGS)
    assert answer.status_code == 202, answer.get_json()
    body = answer.get_json()
    assert body["status_url"] == f"/api/jobs/{body['job']}"
    first = client.get(body["status_url"]).get_json()
    assert first["state"] in ("queued", "running", "done") and first["budget_s"] == 60
    status = wait_for_job(client, body["status_url"])
    assert status["state"] == "done" and status["messages"] == [], status
    assert {"elapsed_s", "budget_s", "version", "messages"} <= set(status)
    page = client.get(f"/plan/?date={night}&v={status['version']}")
    assert page.status_code == 200
    with app.app_context(), resources().sessions() as session:
        row = session.scalars(select(SavedPlan).where(
            SavedPlan.version == status["version"], SavedPlan.night == night)).one()
        assert {t["id"] for t in row.document["night"]["teams"]} == {"T1", "T2"}


def test_bad_fields_get_422_naming_each_field(idle_app: Flask) -> None:
    """As the form does: each wrong field named, and nothing queued."""
    client = idle_app.test_client()
    answer = client.post(f"/api/plan/{_night(idle_app)}/run",
                         json={"teams": [], "start": "25:00", "temperature": "cold"})
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert {"teams", "start", "temperature"} <= set(fields)
    assert client.post(f"/api/plan/{_night(idle_app)}/run", data="teams").status_code == 400
    too_many = client.post(f"/api/plan/{_night(idle_app)}/run",
                           json={**SETTINGS, "teams": [f"T{k}" for k in range(1, 80)]})
    assert too_many.status_code == 422 and "60" in too_many.get_json()["error"]["fields"]["teams"]
    assert _jobs(idle_app) == []


def test_two_dispatchers_pressing_plan_make_one_job(idle_app: Flask) -> None:
    """The second is told a plan is being made (409); a change to the night waits too."""
    night = _night(idle_app)
    first = idle_app.test_client().post(f"/api/plan/{night}/run", json=SETTINGS)
    other = idle_app.test_client(role="admin")
    second = other.post(f"/api/plan/{night}/run", json=SETTINGS)
    assert first.status_code == 202 and second.status_code == 409
    assert "正在生成这一晚的计划" in second.get_json()["error"]["message"]
    assert len(_jobs(idle_app)) == 1
    status = other.get(first.get_json()["status_url"]).get_json()
    assert status["state"] == "queued"


def test_a_person_may_have_only_a_few_jobs_waiting(idle_app: Flask) -> None:
    """JOBS_PER_USER=2: the third search is refused with 429 and a message saying why."""
    client = idle_app.test_client()
    day = datetime.fromisoformat(_night(idle_app))
    codes = [client.post(f"/api/plan/{(day + timedelta(days=k)).date()}/run",
                         json=SETTINGS).status_code for k in range(3)]
    assert codes == [202, 202, 429]
    refused = client.post(f"/api/plan/{(day + timedelta(days=5)).date()}/run", json=SETTINGS)
    assert "2 个搜索在等待或进行中" in refused.get_json()["error"]["message"]
    client.set_cookie("lang", "en")
    english = client.post(f"/api/plan/{(day + timedelta(days=5)).date()}/run", json=SETTINGS)
    assert "2 searches waiting or running" in english.get_json()["error"]["message"]
    # Another person is not held up by them.
    assert idle_app.test_client(role="admin").post(
        f"/api/plan/{(day + timedelta(days=7)).date()}/run", json=SETTINGS).status_code == 202


def test_a_queue_that_is_down_answers_503_and_other_pages_work(
        planned_dir: Path, tmp_path: Path) -> None:
    """Redis unreachable: the plan API and button answer 503 with a message, nothing is kept,
    and every page that needs no search answers as usual (sign-in and its limits too)."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app({"DATA_DIR": _copy(planned_dir, tmp_path),
                    "QUEUE_URL": f"redis://127.0.0.1:{port}/0"}, worker=False)
    client = app.test_client()
    night = _night(app)
    answer = client.post(f"/api/plan/{night}/run", json=SETTINGS)
    assert answer.status_code == 503
    assert "cannot be reached" in answer.get_json()["error"]["message"] or \
        "无法连接" in answer.get_json()["error"]["message"]
    assert _jobs(app) == []
    page = client.get(f"/plan/?date={night}")
    token = page.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    assert client.post(f"/plan/{night}/replan", data={"token": token}).status_code == 503
    for path in ("/", f"/plan/?date={night}", "/report", "/dispatch", "/api/plan", "/login"):
        assert client.get(path).status_code == 200, path
    nobody = app.test_client(role=None)
    wrong = nobody.post("/login", data={"username": "dispatcher", "password": "wrong",
                                        "csrf_token": ""})
    assert wrong.status_code in (400, 401)


def test_a_silent_worker_ends_its_job_failed_and_frees_the_night(
        planned_dir: Path, tmp_path: Path) -> None:
    """A job whose worker went silent for its budget and the grace after it is failed with
    a message; the night takes a new plan, and an assignment's report goes back to the board."""
    app = make_app({"DATA_DIR": _copy(planned_dir, tmp_path)}, worker=False)
    night = _night(app)
    client = app.test_client()
    job_id = client.post(f"/api/plan/{night}/run", json=SETTINGS).get_json()["job"]
    report = app.test_client(role=None).post("/api/reports", json={
        "lon": 24.9413, "lat": 60.1715, "seen": "someone on a bench", "people": 1})
    reference = report.get_json()["reference"]
    assigned = client.post(f"/api/dispatch/reports/{reference}/assign", json={"team": "T1"})
    assert assigned.status_code in (202, 404), assigned.get_json()  # 404: no plan tonight
    with app.app_context(), resources().sessions.begin() as session:
        for row in session.scalars(select(Job)):
            assert records.take(session, row.id, "elsewhere:1") is not None
            row.heartbeat_at = datetime.now(UTC) - timedelta(seconds=row.budget_s) \
                - records.LOST_GRACE - timedelta(seconds=1)
    status = client.get(f"/api/jobs/{job_id}").get_json()
    assert status["state"] == "failed"
    assert any("stopped before the search ended" in m or "计算进程" in m
               for m in status["messages"])
    again = client.post(f"/api/plan/{night}/run", json=SETTINGS)
    assert again.status_code == 202
    if assigned.status_code == 202:
        with app.app_context(), resources().sessions() as session:
            row = session.scalars(select(Report).where(Report.reference == reference)).one()
            assert row.status == "reported" and row.team_id is None


def test_a_worker_opens_each_city_once_and_keeps_its_networks(planned_dir: Path,
                                                             tmp_path: Path) -> None:
    """The second job of a city reuses its database engine and road networks."""
    root = _copy(planned_dir, tmp_path)
    url = f"sqlite:///{root}/patrol.db"
    city = city_of(root, url)
    first = city.networks
    assert city_of(root, url) is city
    assert all(city.networks[m] is g for m, g in first.items())
    with city.sessions() as session:
        assert session.scalar(select(func.count(SavedPlan.id)))


def test_an_upload_is_imported_by_a_worker_not_the_request(idle_app: Flask) -> None:
    """The form answers at once with the job's page; nothing is imported until a worker
    takes the job, and the uploaded copy waits in the data directory."""
    import io

    client = idle_app.test_client()
    data = "name,category,lon,lat\n中央车站东口,station,24.9420,60.1712\n".encode()
    answer = client.post("/hotspots/import", content_type="multipart/form-data",
                         data={"layer": "hotspots", "file": (io.BytesIO(data), "a.csv")})
    assert answer.status_code == 303 and "job=" in answer.headers["Location"]
    page = client.get(answer.headers["Location"])
    assert page.status_code == 200 and 'id="job-wait"' in page.get_data(as_text=True)
    (job,) = _jobs(idle_app)
    assert job.kind == "import" and job.state == "queued"
    assert Path(job.payload["path"]).read_bytes() == data


def test_a_worker_keeps_only_the_cities_it_used_last(planned_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for one city, opening another closes the first (its networks go too)."""
    from dispatch.jobs import context

    monkeypatch.setattr(context, "KEPT_CITIES", 1)
    first, second = (_copy(planned_dir, tmp_path / name) for name in ("a", "b"))
    opened = context.city_of(first, f"sqlite:///{first}/patrol.db")
    context.city_of(second, f"sqlite:///{second}/patrol.db")
    assert (first, f"sqlite:///{first}/patrol.db") not in context._cities
    assert context.city_of(first, f"sqlite:///{first}/patrol.db") is not opened
