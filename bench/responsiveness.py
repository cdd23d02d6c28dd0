"""Do the teams' phones and the public report form stay quick while a night is planned?

On the Helsinki demo city (4 teams planned), ``patrol serve`` on loopback with the
worker it starts beside itself on the embedded queue (2 cores: one web process, one
worker process). One client sends, one after another at a steady pace, the three
requests people make out in the cold: a team's page (``GET /t/<token>``), a check-in
(``POST /api/t/<token>/checkins``) and the public report form (``GET /report``). It
does so with no search running (the reference: 10 s before each plan and 10 s after
it), and while a dispatcher's 20 s plan of another night runs (started through
``POST /api/plan/<day>/run``; only the requests sent while the job is ``running``
count); 3 such plans one after another, so that the machine's other work weighs on
both sides alike. Prints p50/p95 of each kind in both and their ratio (target: at most
1.5x), and when, in the jobs' runs, the slowest requests came.

Run: ``python bench/responsiveness.py`` (``make bench``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import requests
from load_driver import (
    TIMEOUT,
    JobWatch,
    Load,
    Server,
    _checkin,
    add_account,
    build_demo,
    percentiles,
    prepare_drill,
    print_log_problems,
    run_plan,
    sign_in,
    work_dir,
)

TARGET = 1.5
PLAN_S = 20
#: One request every PACE_S seconds, the three kinds in turn.
PACE_S = 0.05
#: Seconds of the reference with no search running, before the plan and again after it.
IDLE_S = 10.0
ROUNDS = 3
KINDS = ("team page", "check-in", "report form")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path,
                        help="A new directory to build in and keep (logs beside the data).")
    parser.add_argument("--nice", type=int, default=0,
                        help="Lower the worker's priority by this much (os.setpriority) to "
                             "see what that would change (default 0: as started).")
    parser.add_argument("--rounds", type=int, default=ROUNDS,
                        help=f"Plans run one after another, each between two idle spells "
                             f"(default {ROUNDS}; the machine's other work then weighs on both "
                             f"sides alike).")
    args = parser.parse_args()
    with work_dir(args.keep) as work:
        run(work, args.nice, args.rounds)


def run(work: Path, nice: int = 0, rounds: int = ROUNDS) -> None:
    root = work / "city"
    build_demo(root)
    add_account(root, "dispatcher", Load.username, Load.password)
    drill = prepare_drill(root)
    other_night = drill.routes[0].first_tap.date() + timedelta(days=1)
    server = Server(root, env={"PATROL_PLAN_SECONDS": str(PLAN_S)})
    server.start()
    try:
        desk = requests.Session()
        sign_in(desk, server.url, Load.username, Load.password)
        client = Client(server.url, drill)
        client.run(5.0)  # warm: pages compiled, plan read, the worker started and idle
        if nice:
            for pid in _descendants(server.process.pid if server.process else 0):
                os.setpriority(os.PRIO_PROCESS, pid, nice)
        print(f"Helsinki demo, {len(drill.routes)} teams; patrol serve (1 web process, "
              f"{server.threads} threads) + its worker on the embedded queue"
              f"{f' (reniced +{nice})' if nice else ''}; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        idle = client.run(IDLE_S)
        busy: dict[str, list[float]] = {kind: [] for kind in KINDS}
        watches = []
        for number in range(rounds):
            found, watch = _during_plan(client, desk, server.url,
                                        other_night + timedelta(days=number))
            watches.append(watch)
            for kind in KINDS:
                busy[kind] += found[kind]
            client.phase = "idle"
            time.sleep(1.0)  # the worker back to waiting
            for kind, found_idle in client.run(IDLE_S).items():
                idle[kind] += found_idle
    finally:
        server.stop()
    print(f"  one client, a request every {PACE_S * 1000:.0f} ms (the kinds in turn); "
          f"{rounds} plan(s) of {PLAN_S} s of other nights, one after another, each between "
          f"{IDLE_S:g} s idle spells (" + ", ".join(
              f"{w.state} after {_seconds(w)}" for w in watches) + ")")
    print(f"  {'':12s} {'idle p50/p95 ms':>18s} {'planning p50/p95 ms':>22s} "
          f"{'ratio p50/p95':>16s}  (target <= {TARGET:g}x)")
    worst = 0.0
    for kind in KINDS:
        i50, i95 = percentiles(idle[kind])
        b50, b95 = percentiles(busy[kind])
        r50, r95 = b50 / i50, b95 / i95
        worst = max(worst, r50, r95)
        print(f"  {kind:12s} {i50 * 1000:8.1f} / {i95 * 1000:6.1f} "
              f"{b50 * 1000:11.1f} / {b95 * 1000:7.1f} {r50:9.2f}x / {r95:.2f}x  "
              f"n={len(idle[kind])}/{len(busy[kind])}")
    print(f"  worst ratio {worst:.2f}x: {'met' if worst <= TARGET else 'over'}; "
          f"failed requests: idle {_failed(client.failures['idle'])}, planning "
          f"{_failed(client.failures['busy'])}")
    _slowest(client, watches)
    print_log_problems([server.log_path])


def _slowest(client: Client, watches: list[JobWatch]) -> None:
    """When, in the jobs' runs, the slowest twentieth of the requests during them came."""
    busy = []
    for watch in watches:
        if watch.running_at is None or watch.ended_at is None:
            continue
        busy += [(taken, at - watch.running_at) for at, phase, taken in client.log
                 if phase == "busy" and watch.running_at <= at <= watch.ended_at]
    busy.sort(reverse=True)
    worst = busy[:20]
    print(f"  the {len(worst)} slowest requests while planning (ms @ s after its job was "
          f"seen running): " + ", ".join(f"{t * 1000:.0f}@{s:.1f}"
                                         for t, s in sorted(worst, key=lambda w: w[1])))


def _during_plan(client: Client, desk: requests.Session, url: str,
                 night: object) -> tuple[dict[str, list[float]], JobWatch]:
    """Start the plan, then measure from the moment it runs until it ends."""
    status_url = run_plan(desk, url, night, [f"T{i}" for i in range(1, 5)], temperature=-12)
    watch = JobWatch(status_url, desk, time.monotonic())
    running, ended = threading.Event(), threading.Event()

    def follow() -> None:
        deadline = time.monotonic() + PLAN_S + 120
        while time.monotonic() < deadline:
            state = watch.poll()
            if state != "queued":
                running.set()
            if state in ("done", "failed"):
                break
            time.sleep(0.5)
        running.set()
        ended.set()

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    running.wait(60)
    client.phase = "busy"
    found = client.run(PLAN_S + 120, stop=ended)
    thread.join()
    return found, watch


def _descendants(pid: int) -> list[int]:
    """The processes the server started (its worker) and theirs, not the server itself."""
    found, todo = [], [pid]
    while todo:
        children = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True,
                                  text=True).stdout.split()
        found += [int(c) for c in children]
        todo += [int(c) for c in children]
    return found


def _failed(found: list[str]) -> str:
    """``0``, or the count and each kind's statuses (0: no answer in time)."""
    if not found:
        return "0"
    return f"{len(found)} ({', '.join(f'{k} x{n}' for k, n in Counter(found).items())})"


def _seconds(watch: JobWatch) -> str:
    if watch.ended_at is None:
        return "more than the wait"
    return f"{watch.ended_at - watch.submitted:.1f} s"


class Client:
    """One person's requests in turn: a team's page, a check-in, the report form."""

    def __init__(self, base_url: str, drill) -> None:  # type: ignore[no-untyped-def]
        self.base_url = base_url
        self.routes = drill.routes
        self.taps = [0] * len(drill.routes)
        self.session = requests.Session()
        self.turn = 0
        self.phase = "idle"
        #: Per phase, the requests that failed: "kind status" (0: no answer).
        self.failures: dict[str, list[str]] = {"idle": [], "busy": []}
        #: Every answered request: when it was sent (monotonic s), its phase, its seconds.
        self.log: list[tuple[float, str, float]] = []

    def run(self, seconds: float, *, stop: threading.Event | None = None) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {kind: [] for kind in KINDS}
        ends = time.monotonic() + seconds
        next_at = time.monotonic()
        while time.monotonic() < ends and not (stop is not None and stop.is_set()):
            kind = KINDS[self.turn % len(KINDS)]
            seconds_taken = self._request(kind)
            if seconds_taken is not None:
                found[kind].append(seconds_taken)
            self.turn += 1
            next_at += PACE_S
            time.sleep(max(0.0, next_at - time.monotonic()))
        return found

    def _request(self, kind: str) -> float | None:
        number = (self.turn // len(KINDS)) % len(self.routes)
        route = self.routes[number]
        began = time.perf_counter()
        sent_at = time.monotonic()
        answer = None
        try:
            if kind == "team page":
                answer = self.session.get(f"{self.base_url}/t/{route.token}", timeout=TIMEOUT)
                ok = answer.status_code == 200
            elif kind == "check-in":
                body = _checkin(route, number, self.taps[number])
                self.taps[number] += 1
                answer = self.session.post(f"{self.base_url}/api/t/{route.token}/checkins",
                                           json=body, timeout=TIMEOUT)
                ok = answer.status_code in (200, 201)
            else:
                answer = self.session.get(f"{self.base_url}/report", timeout=TIMEOUT)
                ok = answer.status_code == 200
            answer.content  # noqa: B018 (the whole answer read)
        except requests.RequestException:
            ok = False
        taken = time.perf_counter() - began
        if not ok:
            status = answer.status_code if answer is not None else 0
            self.failures[self.phase].append(f"{kind} {status}")
            return None
        self.log.append((sent_at, self.phase, taken))
        return taken


if __name__ == "__main__":
    main()
