"""A team opens its route while the dispatcher's plan is being searched: the page does not
wait for the search (it runs on the worker process that ``patrol serve`` started)."""

from __future__ import annotations

import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from tests.conftest import bench_module
from tests.webapp.conftest import password_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]

load_driver = bench_module("load_driver")
SETTINGS = {"teams": ["T1", "T2", "T3"], "start": "20:00", "end": "06:00", "temperature": -12}


def test_a_team_page_loads_in_under_a_second_while_a_plan_is_searched(
        planned_dir: Path, tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    drill = load_driver.prepare_drill(root)
    with load_driver.Server(root, env={"PATROL_PLAN_SECONDS": "20"}) as server:
        session = requests.Session()
        load_driver.sign_in(session, server.url, "dispatcher", password_of("dispatcher"))
        night = (date.today() + timedelta(days=2)).isoformat()
        answer = session.post(f"{server.url}/api/plan/{night}/run", json=SETTINGS, timeout=10)
        assert answer.status_code == 202, answer.text
        status_url = server.url + answer.json()["status_url"]
        limit = time.monotonic() + 30
        while session.get(status_url, timeout=10).json()["state"] != "running":
            assert time.monotonic() < limit, "the search never started"
            time.sleep(0.2)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        try:
            timings = []
            for route in drill.routes[:2]:
                page.goto(f"{server.url}/t/{route.token}", wait_until="load")
                timings.append(page.evaluate(
                    "() => { const n = performance.getEntriesByType('navigation')[0];"
                    " return n.loadEventEnd - n.startTime; }") / 1000)
            still = session.get(status_url, timeout=10).json()
        finally:
            page.close()
        print(f"\nteam pages loaded in {', '.join(f'{t:.2f} s' for t in timings)} "
              f"while the plan was {still['state']} ({still['elapsed_s']} s of 20)")
        assert still["state"] == "running", "the pages must be measured during the search"
        assert max(timings) < 1.0, timings
