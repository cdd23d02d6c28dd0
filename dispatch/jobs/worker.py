"""Worker processes: Huey's consumer, running jobs until it is stopped.

``patrol worker`` runs one on any machine that can reach the queue and the cities'
data; ``patrol serve`` starts one beside itself on the embedded queue and stops it
with the server (the worker also stops by itself if the server that started it dies).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

from huey.consumer import Consumer

from dispatch.jobs.queue import JobQueue

log = logging.getLogger(__name__)

#: Seconds between checks that the server which started an embedded worker still runs.
PARENT_CHECK_S = 1.0


def run_worker(queue: JobQueue, *, processes: int = 1, parent_pid: int | None = None,
               nice: int = 0) -> None:
    """Run ``processes`` worker processes on ``queue`` until SIGINT/SIGTERM (or the parent
    server ends). A worker process that dies is replaced; its job ends as lost.

    ``nice`` lowers the workers' CPU priority: beside a web server on the same machine a
    search then yields the cores to the pages a team or a citizen is waiting for.
    """
    if nice:
        os.nice(nice)
    consumer = Consumer(queue.huey, workers=processes, worker_type="process", periodic=False,
                        check_worker_health=True, health_check_interval=1,
                        initial_delay=0.05, max_delay=0.5)
    if parent_pid is not None:
        threading.Thread(target=_follow_parent, args=(parent_pid,), daemon=True,
                         name="follow-parent").start()
    log.info("worker: %d process(es) on %s", processes, queue.url or "the embedded queue")
    consumer.run()


def _follow_parent(parent_pid: int) -> None:
    """Stop this worker when the server that started it is gone (even if it was killed)."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    log.info("worker: the server that started it has stopped; stopping")
    os.kill(os.getpid(), signal.SIGTERM)
