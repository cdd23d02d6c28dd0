"""Check-ins per second that ``patrol serve`` sustains with p95 under 200 ms, each kind of
request's p50/p95 under 50 phones and 5 dispatchers, and the recovery time after SIGKILL.

On the Helsinki demo city (4 teams planned), the real server on loopback, one minute of
load per set-up: the offered check-in rate is stepped from 20 to 150 a second (50 phones,
5 dispatchers polling the board every second and taking hotline calls). Set-ups (all by
default; ``--setups`` picks some):

- ``single``: one web process and its worker on the embedded queue (``patrol serve``);
  then a 20 s run is cut by SIGKILL and the server restarted on the same data;
- ``processes``: 2 web processes (gunicorn, ``--processes 2``) on the embedded queue;
- ``redis``: 2 web processes with Redis as the queue and the rate-limit store
  (``PATROL_QUEUE_URL``).

References measured in the same run, on each set-up: one phone sending its check-ins one
after another on the unloaded server (target: the sustained rate at least 0.5x that), the
GET of a static file, and the server's cold start.

Run: ``python bench/load.py`` (``make bench``).
"""

from __future__ import annotations

import argparse
import os
import time
from contextlib import ExitStack
from pathlib import Path

import requests
from load_driver import (
    STATIC,
    TIMEOUT,
    Load,
    LoadResult,
    RedisServer,
    Server,
    add_account,
    drive,
    percentiles,
    prepare_drill,
    print_log_problems,
    read_stored,
    sign_in,
    work_dir,
)

from dispatch.city import build_city, demo_source
from dispatch.night import NightOptions
from dispatch.planning import plan_and_save
from dispatch.workspace import Workspace
from routes.solve import SolveParams

P95_TARGET_S = 0.2
#: Offered check-ins per second, from 50 phones; 6 s each.
STEPS = (20, 30, 40, 50, 70, 100, 150)
STEP_S = 6.0
KILL_RUN_S, KILL_AFTER_S = 20.0, 6.0
PHONES, DISPATCHERS = 50, 5
#: A hotline call every 12th board poll of each desk: two calls a step in all.
CALL_EVERY = 12


SETUPS = ("single", "processes", "redis")
#: The sustained rate with p95 under target against one phone in turn, at least.
RATIO_TARGET = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setups", default=",".join(SETUPS),
                        help=f"Comma-separated set-ups to measure, of {', '.join(SETUPS)} "
                             "(default: all).")
    parser.add_argument("--keep", type=Path,
                        help="A new directory to build in and keep (logs beside the data).")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.setups.split(",") if name.strip()]
    unknown = set(chosen) - set(SETUPS)
    if unknown:
        parser.error(f"unknown set-up(s): {', '.join(sorted(unknown))}")
    with work_dir(args.keep) as work:
        run(work, chosen)


def run(work: Path, setups: list[str]) -> None:
    root = work / "city"
    workspace = Workspace.locate(root)
    build_city(workspace, demo_source(workspace), "Helsinki (demo)")
    plan_and_save(workspace, NightOptions(teams=4, on_foot=2),
                  params=SolveParams(time_limit_s=10, solution_limit=200))
    add_account(root, "dispatcher", Load.username, Load.password)
    drill = prepare_drill(root)
    print(f"Helsinki demo, {len(drill.routes)} teams with stops; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} before")
    rates: dict[str, tuple[float, float]] = {}
    logs: list[Path] = []
    for name in setups:
        with ExitStack() as stack:
            server, cold_start_s = _server(name, root, work, stack)
            logs.append(server.log_path)
            rates[name] = _measure(name, server, cold_start_s, drill, root)
    print("  sustained check-ins/s with p95 < "
          f"{P95_TARGET_S * 1000:.0f} ms against one phone in turn on the same set-up "
          f"(target >= {RATIO_TARGET:g}x):")
    for name, (serial_rate, sustained) in rates.items():
        ratio = sustained / serial_rate
        against = (f"; {sustained / rates['single'][1]:.2f}x the single process's sustained"
                   if "single" in rates and name != "single" and rates["single"][1] else "")
        print(f"    {name:9s} {sustained:6.1f}/s vs {serial_rate:6.1f}/s in turn: {ratio:.2f}x "
              f"{'met' if ratio >= RATIO_TARGET else 'under'}{against}")
    print_log_problems(logs)


def _server(name: str, root: Path, work: Path, stack: ExitStack) -> tuple[Server, float]:
    """The set-up's server, started (and stopped with ``stack``), and its cold start."""
    if name == "single":
        server = Server(root)
    elif name == "processes":
        server = Server(root, processes=2)
    else:
        redis = stack.enter_context(RedisServer(work / "redis"))
        server = Server(root, processes=2, env={"PATROL_QUEUE_URL": redis.url})
    stack.callback(server.stop)
    return server, server.start()


def _measure(name: str, server: Server, cold_start_s: float, drill,  # type: ignore[no-untyped-def]
             root: Path) -> tuple[float, float]:
    """One set-up's figures; its rate of one phone in turn and its sustained rate."""
    _warm_up(server.url)
    serial = drive(server.url, drill, Load(phones=1, dispatchers=0, tap_s=0.001,
                                           resend_every=10**9), 3.0)
    serial_rate = len(serial.accepted) / 3.0
    serial_p50, _ = serial.percentiles("checkin")
    static_p50, _ = percentiles(_static_seconds(server.url, 200))
    print(f"{name}: patrol serve with {server.processes} web process(es) x {server.threads} "
          f"threads{', Redis queue and limits' if server.env else ', embedded queue'}, "
          f"cold start {cold_start_s:.2f} s; load average {os.getloadavg()[0]:.1f}")
    print(f"  reference: one phone in turn {serial_rate:.1f} check-ins/s, p50 "
          f"{serial_p50 * 1000:.1f} ms; static file p50 {static_p50 * 1000:.1f} ms")
    sustained, at_fifty = _step(server, drill, serial_rate)
    print(f"  sustained with p95 < {P95_TARGET_S * 1000:.0f} ms: {sustained:.1f} "
          f"check-ins/s, {sustained / serial_rate:.2f}x one phone in turn")
    print(f"  {PHONES} phones + {DISPATCHERS} dispatchers ({PHONES}/s offered), "
          f"p50 and p95 per request (ratio of p50 to the static file's):")
    print(at_fifty.summary(STEP_S, reference_s=static_p50))
    if name == "single":
        _kill_run(server, drill, root, cold_start_s)
    return serial_rate, sustained


def _warm_up(url: str) -> None:
    """The first board reads the road networks (once per server), as in daily use."""
    with requests.Session() as session:
        sign_in(session, url, Load.username, Load.password)
        session.get(url + "/api/dispatch/board", timeout=60).raise_for_status()


def _static_seconds(url: str, count: int) -> list[float]:
    """Latencies of GETs of a static file, one after another: the cheapest answer."""
    found = []
    with requests.Session() as session:
        for _ in range(count):
            began = time.perf_counter()
            session.get(url + STATIC, timeout=TIMEOUT).raise_for_status()
            found.append(time.perf_counter() - began)
    return found


def _step(server: Server, drill, serial_rate: float) -> tuple[float, LoadResult]:  # type: ignore[no-untyped-def]
    """Step the offered rate; the highest achieved rate whose p95 is under target."""
    sustained, at_fifty = 0.0, None
    for rate in STEPS:
        result = drive(server.url, drill, Load(phones=PHONES, dispatchers=DISPATCHERS,
                                               tap_s=PHONES / rate, call_every=CALL_EVERY),
                       STEP_S)
        achieved = len(result.accepted) / STEP_S
        p50, p95 = result.percentiles("checkin")
        met = p95 < P95_TARGET_S and not result.errors()
        print(f"  offered {rate:4d}/s: {achieved:6.1f} check-ins/s, p50 {p50 * 1000:6.1f} ms, "
              f"p95 {p95 * 1000:7.1f} ms, errors {len(result.errors())}  "
              f"{'met' if met else 'over'}")
        if met:
            sustained = max(sustained, achieved)
        if rate == PHONES:  # each phone a check-in a second
            at_fifty = result
    assert at_fifty is not None
    return sustained, at_fifty


def _kill_run(server: Server, drill, root: Path, cold_start_s: float) -> None:  # type: ignore[no-untyped-def]
    killed: list[float] = []

    def kill_and_restart() -> None:
        time.sleep(KILL_AFTER_S)
        killed.append(time.monotonic())
        server.kill()
        server.start()

    result = drive(server.url, drill, Load(phones=PHONES, dispatchers=DISPATCHERS),
                   KILL_RUN_S, during=kill_and_restart)
    stored = read_stored(root)
    answers = [s.answered_at for s in result.of("checkin")
               if s.started > killed[0] and s.status in (200, 201)]
    recovery_s = min(answers) - killed[0]
    lost = set(result.accepted) - set(stored.checkins)
    doubled = sum(n > 1 for n in stored.checkins.values())
    p50, p95 = percentiles(s.seconds for s in result.of("checkin") if s.status in (200, 201))
    print(f"  SIGKILL after {KILL_AFTER_S:g} s of {PHONES} phones: first check-in answered "
          f"{recovery_s:.2f} s after the kill ({recovery_s / cold_start_s:.2f}x a cold start); "
          f"{len(result.accepted)} answered, {len(lost)} lost, {doubled} stored twice, "
          f"{len(result.unsent)} unsent, {PHONES - result.phones_done} phones stopped early, "
          f"{len(result.errors())} error answers; integrity "
          f"{stored.integrity}; check-in p50 {p50 * 1000:.1f} ms p95 {p95 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
