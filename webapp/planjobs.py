"""Plans made in the background, so the page can show progress while the solver searches.

One job per night at a time: a second press while a plan is being made is refused,
as is any change to that night, until the job ends.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dispatch.errors import (
    ConflictError,
    FieldProblem,
    FormError,
    NotBuiltError,
    ValidationError,
)

log = logging.getLogger(__name__)

FAILED = "Planning failed; the server log has the details."
BUSY = "A plan of this night is being made: wait for it, then reload."
KEEP_S = 3600


@dataclass
class PlanJob:
    """A plan being made: when it started, its budget, and how it ended."""

    id: str
    night: date
    budget_s: float
    started: float = field(default_factory=time.monotonic)
    state: str = "running"
    version: int | None = None
    #: What went wrong, as message keys the page shows in the dispatcher's language.
    problems: tuple[FieldProblem, ...] = ()
    finished: float | None = None

    def status(self) -> dict[str, Any]:
        """The job as the status endpoint answers it."""
        end = self.finished or time.monotonic()
        return {"id": self.id, "night": self.night.isoformat(), "state": self.state,
                "elapsed_s": round(end - self.started, 1), "budget_s": self.budget_s,
                "version": self.version}


class PlanJobs:
    """The app's running and finished jobs (kept in memory: they last seconds)."""

    def __init__(self) -> None:
        self._jobs: dict[str, PlanJob] = {}
        self._lock = threading.Lock()

    def start(self, night: date, budget_s: float, work: Callable[[], int]) -> PlanJob:
        """Run ``work`` (which returns the new version) in a thread; refused while another
        job of the same night runs."""
        with self._lock:
            if self.running(night) is not None:
                raise ConflictError(BUSY)
            job = PlanJob(uuid.uuid4().hex[:12], night, budget_s)
            self._forget_old()
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, work), daemon=True,
                         name=f"plan-{night}").start()
        return job

    def get(self, job_id: str) -> PlanJob | None:
        return self._jobs.get(job_id)

    def running(self, night: date) -> PlanJob | None:
        """The job of ``night`` still searching, if any."""
        return next((j for j in self._jobs.values()
                     if j.night == night and j.state == "running"), None)

    def wait(self, job_id: str, timeout_s: float) -> PlanJob | None:
        """Block until the job ends or ``timeout_s`` passes (the command line and tests)."""
        limit = time.monotonic() + timeout_s
        while time.monotonic() < limit:
            job = self._jobs.get(job_id)
            if job is None or job.state != "running":
                return job
            time.sleep(0.1)
        return self._jobs.get(job_id)

    def _forget_old(self) -> None:
        """Finished jobs are kept an hour, for a page that asks late how one ended."""
        now = time.monotonic()
        for key in [k for k, j in self._jobs.items()
                    if j.finished is not None and now - j.finished > KEEP_S]:
            del self._jobs[key]

    def _run(self, job: PlanJob, work: Callable[[], int]) -> None:
        try:
            job.version = work()
            job.state = "done"
        except FormError as exc:
            job.problems, job.state = exc.problems, "failed"
        except (ConflictError, ValidationError, NotBuiltError) as exc:
            job.problems = (FieldProblem("plan", str(exc)),)
            job.state = "conflict" if isinstance(exc, ConflictError) else "failed"
        except Exception:  # the page must hear that it failed, never the exception's text
            log.exception("planning the night of %s failed", job.night)
            job.problems = (FieldProblem("plan", FAILED),)
            job.state = "failed"
        finally:
            job.finished = time.monotonic()
