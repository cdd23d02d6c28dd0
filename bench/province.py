"""A province's evening: many cities' nights planned at once by one pool of workers.

Two cities (the Helsinki demo and, when ``../shared/data/osm/yuma_az.osm.pbf`` is
there, Yuma, Arizona; else the demo city alone) each served by one web process
(``patrol serve --workers 0``) on one Redis queue. A dispatcher of each city asks for
8 nights at once through ``POST /api/plan/<day>/run`` (16 jobs, 10 s search budget
each), and one ``patrol worker`` runs them: first with 1 worker process, then with 2
(fresh processes each time, so each reads a city's road networks on its first job of
that city). Prints each run's makespan (first request to last job ended), the ratio
(target: 2 processes at least 1.8x faster on 2 cores), and from the measured throughput
how many worker processes 300 cities x 3 versions in 30 minutes would need.

Run: ``python bench/province.py`` (``make bench``).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import requests
from load_driver import (
    JobWatch,
    Load,
    RedisServer,
    Server,
    WorkerProcess,
    add_account,
    build_demo,
    latest_night,
    patrol_command,
    print_log_problems,
    rss_mb,
    run_plan,
    sign_in,
    watch_jobs,
    work_dir,
)

YUMA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm" / "yuma_az.osm.pbf"
NIGHTS = 16
BUDGET_S = 10
TARGET = 1.8
#: The province to plan for: cities, versions of each night, in how long.
CITIES, VERSIONS, WINDOW_S = 300, 3, 30 * 60


@dataclass(frozen=True)
class City:
    name: str
    root: Path
    teams: tuple[str, ...]
    nights: tuple[date, ...]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path,
                        help="A new directory to build in and keep (logs beside the data).")
    args = parser.parse_args()
    with work_dir(args.keep) as work:
        run(work)


def run(work: Path) -> None:
    cities = _build(work)
    with RedisServer(work / "redis") as redis:
        env = {"PATROL_QUEUE_URL": redis.url, "PATROL_PLAN_SECONDS": str(BUDGET_S),
               # one dispatcher asks for all of a city's nights (the default allows 3)
               "PATROL_JOBS_PER_USER": str(NIGHTS)}
        servers = [Server(city.root, workers=0, env=env) for city in cities]
        for server in servers:
            server.start()
        worker_logs: list[Path] = []
        try:
            desks = []
            for server in servers:
                desk = requests.Session()
                sign_in(desk, server.url, Load.username, Load.password)
                desks.append(desk)
            print(f"{' + '.join(f'{c.name} ({len(c.nights)} nights)' for c in cities)}: "
                  f"{NIGHTS} plans of {BUDGET_S} s asked at once on one Redis queue, "
                  f"{len(servers)} web process(es); {os.cpu_count()} cores, load average "
                  f"{os.getloadavg()[0]:.1f}")
            makespans = {}
            for processes in (1, 2):
                makespan, mean_job_s = _evening(work, cities, servers, desks, redis,
                                                processes, worker_logs)
                makespans[processes] = (makespan, mean_job_s)
        finally:
            for server in servers:
                server.stop()
    one, two = makespans[1][0], makespans[2][0]
    print(f"  makespan 1 process {one:.1f} s, 2 processes {two:.1f} s: "
          f"{one / two:.2f}x faster (target >= {TARGET:g}x: "
          f"{'met' if one / two >= TARGET else 'over'})")
    _province(two, makespans[2][1])
    print_log_problems([s.log_path for s in servers] + worker_logs)


def _build(work: Path) -> list[City]:
    """The cities, each with its teams on the roster and a plan made (Yuma by the command
    line in another process while the demo city is built here)."""
    began = time.monotonic()
    demo_root, yuma_root = work / "helsinki", work / "yuma"
    failed: list[BaseException] = []
    yuma = (threading.Thread(target=_build_yuma, args=(yuma_root, failed))
            if YUMA.is_file() else None)
    if yuma is not None:
        yuma.start()
    build_demo(demo_root, seconds=3)
    add_account(demo_root, "dispatcher", Load.username, Load.password)
    cities = []
    if yuma is not None:
        yuma.join()
        if failed:
            raise RuntimeError("building Yuma failed") from failed[0]
        per_city = NIGHTS // 2
        cities.append(City("Helsinki demo", demo_root, _teams(4), _nights(demo_root, per_city)))
        cities.append(City("Yuma", yuma_root, _teams(4), _nights(yuma_root, per_city)))
    else:
        print(f"yuma skipped: {YUMA} is not there (it comes with ../shared); "
              f"{NIGHTS} nights of the demo city instead")
        cities.append(City("Helsinki demo", demo_root, _teams(4), _nights(demo_root, NIGHTS)))
    print(f"cities built and planned in {time.monotonic() - began:.0f} s")
    return cities


def _build_yuma(root: Path, failed: list[BaseException]) -> None:
    try:
        patrol_command(root, "city", "--osm", str(YUMA), "--name", "Yuma")
        patrol_command(root, "plan", "--teams", "4", "--on-foot", "1", "--temperature",
                       "-10", "--time-limit", "5")
        add_account(root, "dispatcher", Load.username, Load.password)
    except BaseException as exc:  # told to the main thread
        failed.append(exc)


def _teams(count: int) -> tuple[str, ...]:
    return tuple(f"T{i}" for i in range(1, count + 1))


def _nights(root: Path, count: int) -> tuple[date, ...]:
    """``count`` nights after the one already planned."""
    first = latest_night(root).date()
    return tuple(first + timedelta(days=i) for i in range(1, count + 1))


def _evening(work: Path, cities: list[City], servers: list[Server],
             desks: list[requests.Session], redis: RedisServer, processes: int,
             logs: list[Path]) -> tuple[float, float]:
    """Every night asked for at once, run by a worker of ``processes`` processes; the
    makespan and the mean seconds a job ran."""
    home = work / "worker-home"
    home.mkdir(exist_ok=True)
    with WorkerProcess(home, processes=processes, env={"PATROL_QUEUE_URL": redis.url}) as worker:
        logs.append(worker.log_path)
        _wait_children(worker, processes)
        began = time.monotonic()
        watches: list[tuple[str, JobWatch]] = []
        # the cities' dispatchers in turn, as their requests would interleave
        for i in range(max(len(c.nights) for c in cities)):
            for city, server, desk in zip(cities, servers, desks, strict=True):
                if i < len(city.nights):
                    url = run_plan(desk, server.url, city.nights[i], city.teams)
                    watches.append((city.name, JobWatch(url, desk, time.monotonic())))
        submitted_s = time.monotonic() - began
        finished = watch_jobs([w for _, w in watches],
                              timeout_s=len(watches) * (BUDGET_S + 30) / processes + 120)
        ended = [w.ended_at for _, w in watches if w.ended_at is not None]
        makespan = (max(ended) if finished else time.monotonic()) - began
        rss = [rss_mb(pid) for pid in worker.children()]
    states = [w.state for _, w in watches]
    ran = [float(w.last.get("elapsed_s") or 0) for _, w in watches if w.state == "done"]
    print(f"  {processes} worker process(es): {len(watches)} asked in {submitted_s:.2f} s; "
          f"makespan {makespan:.1f} s; {states.count('done')} done, "
          f"{states.count('failed')} failed, "
          f"{len(states) - states.count('done') - states.count('failed')} not ended; "
          f"{len(watches) / makespan * 60:.1f} plans/min")
    for city in cities:
        mine = [w for name, w in watches if name == city.name and w.state == "done"]
        if mine:
            times = [float(w.last.get("elapsed_s") or 0) for w in mine]
            print(f"    {city.name}: a job ran {min(times):.1f}-{max(times):.1f} s "
                  f"(mean {statistics.fmean(times):.1f} s of a {BUDGET_S} s budget)")
    print(f"    memory of the worker's forked processes (Huey's scheduler among them) after "
          f"the evening: {', '.join(f'{m:.0f}' for m in sorted(rss))} MB")
    for name, watch in watches:
        if watch.state == "failed":
            print(f"    failed ({name}): {watch.last.get('messages')}")
    return makespan, statistics.fmean(ran) if ran else float("nan")


def _wait_children(worker: WorkerProcess, processes: int, timeout_s: float = 30.0) -> None:
    """Wait until the worker has forked its processes (the consumer's set-up done)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and len(worker.children()) < processes:
        time.sleep(0.2)
    time.sleep(1.0)


def _province(makespan_two: float, mean_job_s: float) -> None:
    """Worker processes that ``CITIES`` x ``VERSIONS`` plans in ``WINDOW_S`` need."""
    jobs = CITIES * VERSIONS
    per_process = NIGHTS / makespan_two / 2  # plans a second, one process (one core)
    needed = math.ceil(jobs / WINDOW_S / per_process)
    # a search takes its whole budget: at the default 20 s, each job is 10 s longer
    per_process_20 = 1 / (1 / per_process + (20 - BUDGET_S))
    needed_20 = math.ceil(jobs / WINDOW_S / per_process_20)
    print(f"  {CITIES} cities x {VERSIONS} versions = {jobs} plans in {WINDOW_S // 60} min: "
          f"measured {per_process * 60:.1f} plans/min per worker process (a job "
          f"{1 / per_process:.1f} s wall, {mean_job_s:.1f} s running) -> {needed} worker "
          f"processes (one core each) at a {BUDGET_S} s budget; {needed_20} at the default "
          f"20 s")


if __name__ == "__main__":
    main()
