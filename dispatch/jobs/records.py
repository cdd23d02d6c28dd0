"""Each job's state in the city's database: asked for, taken, alive, ended.

A worker that dies mid-search cannot say so; a job whose worker has given no sign
of life for its search budget and :data:`LOST_GRACE` more is ended as failed the
next time anyone looks, and its night is free again.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch.errors import (
    ConflictError,
    FieldProblem,
    FormError,
    NotBuiltError,
    NotFoundError,
    TooManyJobs,
    ValidationError,
)
from dispatch.models import Job, Report
from dispatch.reports import changed_rows, release

ACTIVE = ("queued", "running")
#: How long past its budget a silent job is still waited for (loading networks, saving).
LOST_GRACE = timedelta(seconds=30)
BUSY = "A plan of this night is being made: wait for it, then reload."
LOST = ("The worker stopped before the search ended (it was restarted or killed): "
        "start it again.")
FAILED = "Planning failed; the server log has the details."
#: Errors a person can act on: their text is the job's message.
EXPECTED = (FormError, ConflictError, ValidationError, NotBuiltError, NotFoundError)
TOO_MANY = ("You have {count} searches waiting or running; wait for one to end, "
            "then try again.")


@dataclass(frozen=True)
class JobStatus:
    """A job as a page or the API shows it."""

    id: str
    kind: str
    night: date | None
    state: str
    elapsed_s: float
    budget_s: float
    version: int | None
    problems: tuple[FieldProblem, ...]
    result: dict[str, Any] | None
    owner: str = ""
    finished_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """Everything but the problems, which the web layer translates."""
        return {"id": self.id, "kind": self.kind, "state": self.state,
                "night": self.night.isoformat() if self.night else None,
                "elapsed_s": self.elapsed_s, "budget_s": self.budget_s,
                "version": self.version}


def plan_lock(night: date) -> str:
    """The lock a night's plan holds: one plan of a night at a time."""
    return f"plan:{night.isoformat()}"


def create(session: Session, *, kind: str, payload: Mapping[str, Any], owner: str,
           budget_s: float, per_owner: int, night: date | None = None,
           lock: str | None = None) -> Job:
    """A queued job; refused while ``owner`` has ``per_owner`` jobs waiting or running,
    or while another job holds ``lock``."""
    expire_lost(session)
    waiting = session.scalar(select(func.count(Job.id)).where(
        Job.owner == owner, Job.state.in_(ACTIVE))) or 0
    if waiting >= per_owner:
        raise TooManyJobs(TOO_MANY, count=waiting)
    if lock is not None and session.scalar(select(Job.id).where(Job.lock == lock)):
        raise ConflictError(BUSY)
    row = Job(id=uuid.uuid4().hex[:16], kind=kind, state="queued", night=night, owner=owner,
              lock=lock, budget_s=budget_s, payload=dict(payload), created_at=_now(),
              messages=[])
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # another web process took the lock a moment ago
        raise ConflictError(BUSY) from None
    return row


def forget(session: Session, job_id: str) -> None:
    """Drop a job the queue would not take: nothing was asked for after all."""
    row = session.get(Job, job_id)
    if row is not None:
        session.delete(row)
        session.flush()


def take(session: Session, job_id: str, worker: str) -> Job | None:
    """Mark a queued job running on ``worker``; None when it already ended (or never was)."""
    now = _now()
    taken = changed_rows(session, update(Job).where(Job.id == job_id, Job.state == "queued")
                         .values(state="running", started_at=now, heartbeat_at=now,
                                 worker=worker))
    return session.get(Job, job_id) if taken else None


def take_queued(session: Session, kind: str, night: date | None, worker: str,
                team: str) -> list[Job]:
    """Every job of ``kind`` for ``team``'s ``night`` still waiting, taken by ``worker`` to be
    done together with the one it runs (several escorts of a team: one re-plan)."""
    waiting = [row for row in session.scalars(select(Job).where(
        Job.kind == kind, Job.night == night, Job.state == "queued").order_by(Job.created_at))
        if row.payload.get("team") == team]
    return [row for row in waiting if take(session, row.id, worker) is not None]


def beat(session: Session, worker: str) -> None:
    """The worker is alive and still on its jobs."""
    session.execute(update(Job).where(Job.worker == worker, Job.state == "running")
                    .values(heartbeat_at=_now()))


def finish(session: Session, job_id: str, *, version: int | None = None,
           result: dict[str, Any] | None = None) -> bool:
    """The job is done; False when it had already been ended as lost."""
    return bool(changed_rows(session, update(Job).where(Job.id == job_id, Job.state == "running")
                             .values(state="done", version=version, result=result, lock=None,
                                     finished_at=_now())))


def fail(session: Session, job_id: str, problems: Sequence[FieldProblem]) -> None:
    """The job ended without a result; ``problems`` say why, as message keys."""
    session.execute(update(Job).where(Job.id == job_id, Job.state.in_(ACTIVE))
                    .values(state="failed", lock=None, finished_at=_now(),
                            messages=[_problem_json(p) for p in problems]))


def status(session: Session, job_id: str) -> JobStatus | None:
    """The job as it stands now (a lost one ended first), or None if there is none."""
    expire_lost(session)
    row = session.get(Job, job_id)
    return _status(row) if row is not None else None


def active_plan(session: Session, night: date) -> JobStatus | None:
    """The plan of ``night`` waiting or being searched, if any."""
    return by_lock(session, plan_lock(night))


def by_lock(session: Session, lock: str) -> JobStatus | None:
    """The job waiting or running under ``lock``, if any."""
    expire_lost(session)
    row = session.scalars(select(Job).where(Job.lock == lock)).first()
    return _status(row) if row is not None else None


def recent_result(session: Session, kind: str, key: str, since: datetime) -> JobStatus | None:
    """The latest job of ``kind`` done since ``since`` whose payload's ``key`` is ``key``:
    an answer to the same question, still fresh enough to show."""
    rows = session.scalars(select(Job).where(Job.kind == kind, Job.state == "done",
                                             Job.finished_at >= since)
                           .order_by(Job.finished_at.desc()))
    row = next((r for r in rows if r.payload.get("key") == key), None)
    return _status(row) if row is not None else None


def expire_lost(session: Session, now: datetime | None = None) -> list[str]:
    """End every running job whose worker went silent; returns their ids.

    An assignment's report goes back to the board, so it can be sent again.
    """
    moment = now or _now()
    running = session.scalars(select(Job).where(Job.state == "running")).all()
    lost = [row for row in running if _silent_since(row) + timedelta(seconds=row.budget_s)
            + LOST_GRACE < moment]
    for row in lost:
        row.state, row.lock, row.finished_at = "failed", None, moment
        row.messages = [_problem_json(FieldProblem("plan", LOST))]
        if row.kind == "assign":
            _release_report(session, str(row.payload["reference"]), moment)
    session.flush()
    return [row.id for row in lost]


def problems_of(exc: Exception) -> tuple[FieldProblem, ...]:
    """What a failed job says: the domain error's own words, or that the log has details."""
    if isinstance(exc, FormError):
        return exc.problems
    if isinstance(exc, EXPECTED):
        return (FieldProblem("plan", str(exc)),)
    return (FieldProblem("plan", FAILED),)


def worker_name() -> str:
    """``host:pid`` of this worker process, as a job's record names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _release_report(session: Session, reference: str, now: datetime) -> None:
    found = session.scalars(select(Report).where(Report.reference == reference)).first()
    if found is not None and found.status == "assigned":
        release(session, reference, now=now, by="worker lost")


def _silent_since(row: Job) -> datetime:
    moment = _aware(row.heartbeat_at or row.started_at or row.created_at)
    assert moment is not None
    return moment


def _status(row: Job) -> JobStatus:
    start = _aware(row.started_at)
    end = _aware(row.finished_at) or _now()
    elapsed = (end - start).total_seconds() if start is not None else 0.0
    problems = tuple(FieldProblem(str(p.get("field", "plan")), str(p.get("message", "")),
                                  tuple((str(k), str(v)) for k, v in p.get("values", [])))
                     for p in row.messages or ())
    return JobStatus(row.id, row.kind, row.night, row.state, round(max(elapsed, 0.0), 1),
                     row.budget_s, row.version, problems, row.result, row.owner,
                     _aware(row.finished_at))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _problem_json(problem: FieldProblem) -> dict[str, Any]:
    return {"field": problem.field, "message": problem.message,
            "values": [list(pair) for pair in problem.values]}


def _now() -> datetime:
    return datetime.now(UTC)
