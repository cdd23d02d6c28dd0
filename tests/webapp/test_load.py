"""The real server (``patrol serve``) under 50 phones and 5 dispatchers, and killed mid-load.

The driver is ``bench/load_driver.py`` (the benchmark drives the same code for longer).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import bench_module

pytestmark = pytest.mark.slow

SECONDS = 20.0
KILL_AFTER_S = 7.0


load_driver = bench_module("load_driver")


@pytest.fixture()
def city(planned_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the planned demo city for the server to write to."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    return root


def _print_figures(result, seconds: float) -> None:  # type: ignore[no-untyped-def]
    print(f"\n{len(result.accepted)} check-ins accepted in {seconds:g} s")
    print(result.summary(seconds))


def test_fifty_phones_and_five_dispatchers_lose_and_double_nothing(city: Path) -> None:
    """Every check-in answered with success is stored once, re-sends and crossing twins
    included; no request fails; every hotline report answered 201 is kept."""
    drill = load_driver.prepare_drill(city)
    with load_driver.Server(city) as server:
        result = load_driver.drive(server.url, drill, load_driver.Load(), SECONDS)
    stored = load_driver.read_stored(city)
    _print_figures(result, SECONDS)

    assert result.errors(answered_only=False) == []
    assert result.unsent == [] and result.phones_done == load_driver.Load().phones
    assert len(result.accepted) >= 5 * load_driver.Load().phones  # the load was applied
    assert set(stored.checkins) == set(result.accepted)
    assert max(stored.checkins.values()) == 1
    # Of a check-in and its twin sent at once, one is stored (201), the other finds it (200).
    assert result.twins and all(sorted(pair) == [200, 201] for pair in result.twins)
    assert {"board", "report", "page", "resend"} <= {s.kind for s in result.samples}
    assert stored.reports == sum(s.status == 201 for s in result.of("report"))
    assert stored.integrity == "ok"


def test_a_server_killed_mid_load_keeps_every_answered_checkin(city: Path) -> None:
    """SIGKILL after 7 s of load, restart on the same data: phones re-send what got no
    answer, every check-in answered with success is there once, the database is sound."""
    drill = load_driver.prepare_drill(city)
    killed: list[float] = []
    with load_driver.Server(city) as server:

        def kill_and_restart() -> None:
            time.sleep(KILL_AFTER_S)
            killed.append(time.monotonic())
            server.kill()
            server.start()

        result = load_driver.drive(server.url, drill, load_driver.Load(), SECONDS,
                                   during=kill_and_restart)
    stored = load_driver.read_stored(city)
    _print_figures(result, SECONDS)
    recovered = min(s.answered_at for s in result.of("checkin")
                    if s.started > killed[0] and s.status in (200, 201))
    print(f"first check-in answered {recovered - killed[0]:.2f} s after the kill")

    assert stored.integrity == "ok"
    assert set(result.accepted) <= set(stored.checkins)
    assert max(stored.checkins.values()) == 1
    assert result.unsent == [] and result.phones_done == load_driver.Load().phones
    assert set(stored.checkins) == set(result.accepted)  # nothing stored went unanswered
    assert result.errors(answered_only=True) == []  # no 5xx, before or after the kill
    assert any(s.status == 0 for s in result.samples)  # the server was down meanwhile
    assert any(s.started > recovered for s in result.of("checkin"))  # load went on after
