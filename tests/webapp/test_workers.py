"""Real worker processes: the embedded set-up that ``patrol serve`` starts, a worker killed
mid-search, and the scale set-up (Redis, two web processes, two workers) on SQLite and on
PostGIS. Each test starts the real processes (``patrol serve``, ``patrol worker``,
``redis-server``) and talks to them over HTTP."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from dispatch.models import Job, SavedPlan
from dispatch.store import open_engine, session_factory
from tests.conftest import bench_module
from tests.dispatch.conftest import postgis_schema
from tests.webapp.conftest import password_of

pytestmark = pytest.mark.slow

load_driver = bench_module("load_driver")
NEEDS_REDIS = "the scale tests start Debian's redis-server: run `make test` as root, or " \
              "`sudo apt-get install redis-server`"
SETTINGS = {"teams": ["T1", "T2", "T3"], "start": "20:00", "end": "06:00", "temperature": -12}


@pytest.fixture()
def city(planned_dir: Path, tmp_path: Path) -> Path:
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    return root


def _night(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def _dispatcher(base_url: str) -> requests.Session:
    session = requests.Session()
    load_driver.sign_in(session, base_url, "dispatcher", password_of("dispatcher"))
    return session


def _wait(session: requests.Session, url: str, until: tuple[str, ...],
          timeout_s: float = 120) -> dict[str, object]:
    limit = time.monotonic() + timeout_s
    while time.monotonic() < limit:
        status = session.get(url, timeout=10).json()
        if status["state"] in until:
            return dict(status)
        time.sleep(0.2)
    raise AssertionError(f"{url} did not reach {until} in {timeout_s} s: {status}")


def _job_row(database_url: str, job_id: str) -> Job:
    engine = open_engine(database_url)
    try:
        with session_factory(engine)() as session:
            row = session.get(Job, job_id)
            assert row is not None
            return row
    finally:
        engine.dispose()


def test_a_worker_killed_mid_search_ends_the_job_failed_and_frees_the_night(
        city: Path) -> None:
    """SIGKILL the process searching: within its budget and the grace after it the job ends
    failed with a message, no version is kept, and the next plan of that night is made by
    the worker process that replaced it."""
    night = _night(3)
    with load_driver.Server(city, env={"PATROL_PLAN_SECONDS": "6"}) as server:
        session = _dispatcher(server.url)
        answer = session.post(f"{server.url}/api/plan/{night}/run", json=SETTINGS, timeout=10)
        assert answer.status_code == 202, answer.text
        status_url = server.url + answer.json()["status_url"]
        _wait(session, status_url, ("running",), timeout_s=60)
        time.sleep(1.0)
        worker = _job_row(f"sqlite:///{city}/patrol.db", answer.json()["job"]).worker
        assert worker is not None
        os.kill(int(worker.rsplit(":", 1)[1]), signal.SIGKILL)
        killed = time.monotonic()
        status = _wait(session, status_url, ("done", "failed"), timeout_s=6 + 30 + 30)
        assert status["state"] == "failed", status
        assert any("stopped before the search ended" in m or "计算进程" in m
                   for m in status["messages"]), status  # type: ignore[union-attr]
        print(f"\njob ended failed {time.monotonic() - killed:.1f} s after the kill")
        engine = open_engine(f"sqlite:///{city}/patrol.db")
        with session_factory(engine)() as db:
            assert db.scalar(select(func.count(SavedPlan.id)).where(
                SavedPlan.night == date.fromisoformat(night))) == 0
        engine.dispose()
        again = session.post(f"{server.url}/api/plan/{night}/run", json=SETTINGS, timeout=10)
        assert again.status_code == 202, again.text
        done = _wait(session, server.url + again.json()["status_url"], ("done", "failed"))
        assert done["state"] == "done" and done["version"] == 1, done


@pytest.fixture(params=["sqlite", "postgis"])
def scale_city(request: pytest.FixtureRequest, city: Path,
               tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """The planned city on SQLite (its file shared by the processes of this machine), or
    built into a schema of its own in the PostGIS database."""
    if request.param == "sqlite":
        yield city, {}
        return
    with postgis_schema("scale") as url:
        env = {"DATABASE_URL": url}
        root = tmp_path / "pg-city"
        subprocess.run([sys.executable, "-m", "webapp.cli", "--data-dir", str(root), "-q",
                        "demo", "--no-serve", "--teams", "3"], env=os.environ | env, check=True,
                       capture_output=True)
        for role in ("dispatcher", "manager"):
            subprocess.run([sys.executable, "-m", "webapp.cli", "--data-dir", str(root), "-q",
                            "user", "add", "--role", role, role, "--password-stdin"],
                           input=password_of(role) + "\n", text=True, check=True,
                           capture_output=True, env=os.environ | env)
        yield root, env


def test_two_web_processes_and_two_workers_share_one_redis(
        scale_city: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """A plan asked through one web process is followed through another, and outlives the
    one that asked; sign-in failures count across processes; Redis gone: 503 for searches
    and every other page still answers."""
    if shutil.which("redis-server") is None:
        pytest.skip(NEEDS_REDIS)
    root, database = scale_city
    with load_driver.RedisServer(tmp_path / "redis") as redis:
        env = {**database, "PATROL_QUEUE_URL": redis.url, "PATROL_PLAN_SECONDS": "4",
               "PATROL_LOGIN_RATE": "3/300"}
        with load_driver.WorkerProcess(root, env=env), load_driver.WorkerProcess(root, env=env), \
                load_driver.Server(root, processes=2, workers=0, env=env) as one, \
                load_driver.Server(root, workers=0, env=env) as two:
            session = _dispatcher(one.url)
            asked = [session.post(f"{one.url}/api/plan/{_night(k)}/run", json=SETTINGS,
                                  timeout=10) for k in (4, 5)]
            assert [a.status_code for a in asked] == [202, 202], [a.text for a in asked]
            ended = [_wait(session, two.url + a.json()["status_url"], ("done", "failed"))
                     for a in asked]
            assert [e["state"] for e in ended] == ["done", "done"], ended
            page = session.get(f"{two.url}/plan/?date={_night(4)}&v={ended[0]['version']}",
                               timeout=10)
            assert page.status_code == 200

            # A job outlives the web process that asked for it.
            late = session.post(f"{one.url}/api/plan/{_night(6)}/run", json=SETTINGS,
                                timeout=10)
            assert late.status_code == 202
            one.kill()
            assert _wait(session, two.url + late.json()["status_url"],
                         ("done", "failed"))["state"] == "done"

            # Sign-in failures are counted in Redis: three in one process lock the name in
            # another process started afterwards.
            nobody = requests.Session()
            for url in (two.url,) * 3:
                form = nobody.get(f"{url}/login", timeout=10).text
                token = form.split('name="csrf_token" value="')[1].split('"')[0]
                wrong = nobody.post(f"{url}/login", timeout=10, allow_redirects=False,
                                    data={"username": "manager", "password": "guess",
                                          "csrf_token": token})
                assert wrong.status_code == 401
            with load_driver.Server(root, processes=2, workers=0, env=env) as three:
                form = nobody.get(f"{three.url}/login", timeout=10).text
                token = form.split('name="csrf_token" value="')[1].split('"')[0]
                right = nobody.post(f"{three.url}/login", timeout=10, allow_redirects=False,
                                    data={"username": "manager",
                                          "password": password_of("manager"),
                                          "csrf_token": token})
                assert right.status_code == 429, right.status_code

            # The queue gone: searches answer 503 and say why; other pages answer as usual.
            redis.stop()
            down = session.post(f"{two.url}/api/plan/{_night(7)}/run", json=SETTINGS,
                                timeout=30)
            assert down.status_code == 503, down.text
            assert down.json()["error"]["message"]
            for path in ("/report", "/login", "/", f"/plan/?date={_night(4)}"):
                assert session.get(two.url + path, timeout=30).status_code == 200, path
