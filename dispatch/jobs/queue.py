"""The task queue: Huey, embedded in the data directory or on a Redis server.

Huey keeps its queue in a SQLite file (``queue.db`` in the data directory) when no
``PATROL_QUEUE_URL`` is given, so nothing has to be installed or started, and in
Redis when one is, so any number of web processes and workers on any machines share
it. The queue carries only a job's id and where its city's data lives; the job's
state lives in the city's database (:mod:`dispatch.jobs.records`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy.orm import Session, sessionmaker

from dispatch.errors import QueueUnavailable, ValidationError
from dispatch.jobs import records
from dispatch.jobs.runner import run_job
from dispatch.store import keep_private
from dispatch.workspace import Workspace

log = logging.getLogger(__name__)

QUEUE_ENV = "PATROL_QUEUE_URL"
NAME = "patrol"
TASK = "patrol_job"
#: Jobs one person may have waiting or running at once (``PATROL_JOBS_PER_USER``).
PER_OWNER = 3
UNAVAILABLE = ("The planning queue cannot be reached ({reason}); searches wait until it is "
               "back. Pages that need no search keep working.")


def open_queue(url: str | None, workspace: Workspace) -> Huey:
    """Huey on ``url`` (``redis://``), else on a SQLite file in ``workspace``."""
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool

        # Short timeouts: a queue that is down answers the page at once, not after minutes.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        huey: Huey = RedisHuey(NAME, connection_pool=pool, results=False)
    elif url:
        raise ValidationError(f"{QUEUE_ENV}={url!r}: give a redis:// URL, or leave it unset "
                              "for the queue in the data directory")
    else:
        path = workspace.ensure().root / "queue.db"
        huey = SqliteHuey(NAME, filename=str(path), results=False)
        keep_private(path)
    return huey


class JobQueue:
    """Submits jobs: their record in the city's database, their message on the queue."""

    def __init__(self, url: str | None, workspace: Workspace, database_url: str, *,
                 per_owner: int = PER_OWNER) -> None:
        self.url = url
        self.huey = open_queue(url, workspace)
        self._task = self.huey.task(name=TASK)(run_job)
        self.workspace = workspace
        self.database_url = database_url
        self.per_owner = per_owner

    def submit(self, sessions: sessionmaker[Session], *, kind: str, payload: Mapping[str, Any],
               owner: str, budget_s: float, night: date | None = None,
               lock: str | None = None) -> str:
        """Queue a job and return its id.

        Raises ConflictError while another job holds ``lock``, TooManyJobs past the
        owner's share, and QueueUnavailable (with nothing kept) when the queue is down.
        """
        with sessions.begin() as session:
            job_id = records.create(session, kind=kind, payload=payload, owner=owner,
                                    budget_s=budget_s, per_owner=self.per_owner, night=night,
                                    lock=lock).id
        try:
            self.huey.enqueue(self._task.s(job_id, str(self.workspace.root),
                                           self.database_url))
        except Exception as exc:  # Redis down, the queue file unwritable ...
            log.warning("the queue refused job %s: %s", job_id, exc)
            with sessions.begin() as session:
                records.forget(session, job_id)
            raise QueueUnavailable(UNAVAILABLE, reason=type(exc).__name__) from exc
        return job_id
