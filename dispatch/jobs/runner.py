"""One job on a worker: take it, keep it alive, run its search, record how it ended."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from dispatch.errors import (
    FieldProblem,
    FormError,
)
from dispatch.jobs import records
from dispatch.jobs.context import city_of
from dispatch.jobs.operations import OPERATIONS, Outcome

log = logging.getLogger(__name__)

#: Seconds between a worker's signs of life while it loads, prepares and saves.
BEAT_S = 2.0


def run_job(job_id: str, data_dir: str, database_url: str) -> None:
    """Run the job ``job_id`` of the city in ``data_dir``; a job already ended is skipped."""
    city = city_of(data_dir, database_url)
    with city.sessions.begin() as session:
        row = records.take(session, job_id, records.worker_name())
        if row is None:
            log.info("job %s is no longer waiting; skipped", job_id)
            return
        kind, payload = row.kind, dict(row.payload)
    with _alive(city.sessions):
        try:
            outcome = OPERATIONS[kind](city, payload)
        except FormError as exc:
            _fail(city.sessions, job_id, exc.problems)
        except Exception as exc:  # the page hears what to do, never an internal error's text
            if not isinstance(exc, records.EXPECTED):
                log.exception("job %s (%s) failed", job_id, kind)
            _fail(city.sessions, job_id, records.problems_of(exc))
        else:
            _finish(city.sessions, job_id, outcome)


def _finish(sessions: sessionmaker[Session], job_id: str, outcome: Outcome) -> None:
    with sessions.begin() as session:
        if not records.finish(session, job_id, version=outcome.version, result=outcome.result):
            log.warning("job %s ended after it was given up as lost", job_id)


def _fail(sessions: sessionmaker[Session], job_id: str,
          problems: tuple[FieldProblem, ...]) -> None:
    with sessions.begin() as session:
        records.fail(session, job_id, problems)


@contextmanager
def _alive(sessions: sessionmaker[Session]) -> Iterator[None]:
    """Beat every :data:`BEAT_S` while the job runs. Parts of a search may hold the
    interpreter for a while (OR-Tools' own search does), which the job's budget and
    :data:`records.LOST_GRACE` allow for: a job is given up only after silence that long."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(BEAT_S):
            try:
                with sessions.begin() as session:
                    records.beat(session, me)
            except Exception:  # a busy database: the next beat will do
                log.debug("heartbeat of %s missed", me, exc_info=True)

    me = records.worker_name()
    thread = threading.Thread(target=beat, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=BEAT_S * 2)
