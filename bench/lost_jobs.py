"""A worker process killed mid-search: does every job still end, and how soon?

On the Helsinki demo city, one web process (``patrol serve --workers 0``) and one
``patrol worker`` of 2 processes on a Redis queue. A dispatcher asks for 6 nights at
once (10 s search budget each); while the first searches run, the worker process
searching one of them (the ``host:pid`` its job's record names, one of
``WorkerProcess.children()``) is SIGKILLed, as the kernel's out-of-memory killer or a
crash would. Every job must end done or failed (none stuck): the killed one ends failed
(lost) once its worker has been silent for its budget + 30 s
(``dispatch.jobs.records.LOST_GRACE``). Prints the counts done / failed / stuck (target
0 stuck), those that ended more than budget + 30 s after they started, the time from
the kill to the failed state against that bound, and whether the night freed by the
loss can be planned again.

Run: ``python bench/lost_jobs.py`` (``make bench``).
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import requests
from load_driver import (
    ENDED,
    JobWatch,
    Load,
    RedisServer,
    Server,
    WorkerProcess,
    add_account,
    build_demo,
    latest_night,
    print_log_problems,
    run_plan,
    sign_in,
    watch_jobs,
    work_dir,
)
from sqlalchemy import select

from dispatch.jobs.records import LOST_GRACE
from dispatch.models import Job
from dispatch.store import open_engine
from dispatch.workspace import Workspace

BUDGET_S = 10
JOBS = 6
PROCESSES = 2
#: Seconds into the first job's run when its worker process is killed (networks loaded,
#: the search under way).
KILL_AT_S = 5.0
TEAMS = ("T1", "T2", "T3", "T4")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path,
                        help="A new directory to build in and keep (logs beside the data).")
    parser.add_argument("--kill-at", type=float, default=KILL_AT_S,
                        help="Seconds into the job's run to kill its worker process.")
    args = parser.parse_args()
    with work_dir(args.keep) as work:
        run(work, args.kill_at)


def run(work: Path, kill_at_s: float = KILL_AT_S) -> None:
    root = work / "city"
    build_demo(root, seconds=3)
    add_account(root, "dispatcher", Load.username, Load.password)
    first = latest_night(root).date()
    nights = [first + timedelta(days=i) for i in range(1, JOBS + 1)]
    grace_s = LOST_GRACE.total_seconds()
    with RedisServer(work / "redis") as redis:
        env = {"PATROL_QUEUE_URL": redis.url, "PATROL_PLAN_SECONDS": str(BUDGET_S),
               "PATROL_JOBS_PER_USER": str(JOBS + 1)}
        server = Server(root, workers=0, env=env)
        home = work / "worker-home"
        home.mkdir()
        worker = WorkerProcess(home, processes=PROCESSES, env={"PATROL_QUEUE_URL": redis.url})
        server.start()
        worker.start()
        try:
            _wait_children(worker)
            desk = requests.Session()
            sign_in(desk, server.url, Load.username, Load.password)
            print(f"Helsinki demo, {JOBS} plans of {BUDGET_S} s asked at once; patrol worker "
                  f"with {PROCESSES} processes on Redis; {os.cpu_count()} cores, load average "
                  f"{os.getloadavg()[0]:.1f}")
            watches = [JobWatch(run_plan(desk, server.url, night, TEAMS), desk,
                                time.monotonic()) for night in nights]
            victim, pid, killed_at = _kill_mid_search(root, worker, watches, kill_at_s)
            watch_jobs(watches, timeout_s=JOBS * (BUDGET_S + grace_s) / PROCESSES + 60)
            _verdict(watches, victim, pid, killed_at, grace_s)
            _again(desk, server.url, nights[watches.index(victim)])
        finally:
            worker.stop()
            server.stop()
    print_log_problems([server.log_path, worker.log_path])


def _wait_children(worker: WorkerProcess, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and len(worker.children()) < PROCESSES:
        time.sleep(0.2)
    time.sleep(1.0)


def _kill_mid_search(root: Path, worker: WorkerProcess, watches: list[JobWatch],
                     kill_at_s: float) -> tuple[JobWatch, int, float]:
    """SIGKILL the worker process of the first job to run, ``kill_at_s`` into its run."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for watch in watches:
            if watch.poll() == "running" and float(watch.last.get("elapsed_s") or 0) >= kill_at_s:
                pid = _worker_pid(root, str(watch.last["id"]))
                children = worker.children()
                if pid not in children:
                    raise RuntimeError(f"job's worker {pid} is not among {children}")
                os.kill(pid, signal.SIGKILL)
                killed_at = time.monotonic()
                print(f"  killed worker process {pid} (of {sorted(children)}) "
                      f"{watch.last.get('elapsed_s')} s into its job "
                      f"({watch.last.get('night')})")
                return watch, pid, killed_at
        time.sleep(0.2)
    raise RuntimeError("no job ran long enough to be killed mid-search")


def _worker_pid(root: Path, job_id: str) -> int:
    """The pid of the worker process that took the job, from the job's record."""
    engine = open_engine(Workspace.locate(root).database_url)
    try:
        with engine.connect() as connection:
            worker = connection.execute(select(Job.worker).where(Job.id == job_id)).scalar_one()
    finally:
        engine.dispose()
    return int(str(worker).rsplit(":", 1)[1])


def _verdict(watches: list[JobWatch], victim: JobWatch, pid: int, killed_at: float,
             grace_s: float) -> None:
    states = [w.state for w in watches]
    bound = BUDGET_S + grace_s
    stuck = [w for w in watches if w.state not in ENDED]
    late = [w for w in watches if w.ended_at is not None and w.running_at is not None
            and w.ended_at - w.running_at > bound + 1.0]  # 1 s: the polling's resolution
    print(f"  {len(watches)} jobs: {states.count('done')} done, {states.count('failed')} "
          f"failed, {len(stuck)} lost or stuck (never ended; target 0); {len(late)} ended "
          f"more than budget + {grace_s:g} s = {bound:g} s after starting")
    for watch in watches:
        run_s = (f"{watch.ended_at - watch.running_at:5.1f} s from running to {watch.state}"
                 if watch.ended_at is not None and watch.running_at is not None
                 else f"not ended ({watch.state})")
        waited = (f"waited {watch.running_at - watch.submitted:5.1f} s"
                  if watch.running_at is not None else "never ran")
        mark = "  <- its worker killed" if watch is victim else ""
        print(f"    {watch.last.get('night')}: {waited}, {run_s}{mark}")
    if victim.state == "failed" and victim.ended_at is not None:
        gone = victim.ended_at - killed_at
        print(f"  kill -> failed: {gone:.1f} s (at most budget + grace = {bound:g} s after "
              f"the worker's last heartbeat: {gone / bound:.2f}x); its message: "
              f"{'; '.join(str(m) for m in victim.last.get('messages') or [])}")
    else:
        print(f"  the killed job (worker {pid}) ended {victim.state!r}, not failed")


def _again(desk: requests.Session, url: str, night: object) -> None:
    """The lost job's night is free again: plan it once more."""
    began = time.monotonic()
    try:
        watch = JobWatch(run_plan(desk, url, night, TEAMS), desk, began)
    except RuntimeError as exc:
        print(f"  the lost night asked again: refused ({exc})")
        return
    watch_jobs([watch], timeout_s=BUDGET_S + 60)
    print(f"  the lost night asked again: {watch.state} in {time.monotonic() - began:.1f} s "
          f"(version {watch.last.get('version')}; a replacement worker process took it)")


if __name__ == "__main__":
    main()
