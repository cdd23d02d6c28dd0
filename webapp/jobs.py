"""Submitting searches to the workers and telling a page how they stand.

A view never searches: it puts a job on the queue (:mod:`dispatch.jobs.queue`) and
answers at once; the page (or an API caller) then polls the job's status, which
every web process reads from the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import url_for
from flask_login import current_user

from dispatch.jobs import records
from dispatch.jobs.records import JobStatus
from webapp.i18n import problem_text
from webapp.resources import resources


def submit_job(kind: str, payload: Mapping[str, Any], *, budget_s: float, owner: str | None = None,
           night: date | None = None, lock: str | None = None) -> str:
    """Queue a job for the person signed in (or ``owner``); its id."""
    who = owner or getattr(current_user, "name", None) or "public"
    res = resources()
    return res.queue.submit(res.sessions, kind=kind, payload=payload, owner=who,
                            budget_s=budget_s, night=night, lock=lock)


def find_job(job_id: str) -> JobStatus | None:
    """The job's status now, or None for an id nobody asked for."""
    with resources().sessions.begin() as session:
        return records.status(session, job_id)


def job_document(found: JobStatus) -> dict[str, Any]:
    """What the status URL answers: state, seconds of budget, version, messages, result."""
    return {**found.to_json(), "messages": [problem_text(p) for p in found.problems],
            "result": found.result}


def accepted(job_id: str, status_url: str) -> tuple[dict[str, Any], int]:
    """202: the job is queued; poll ``status_url``."""
    return {"job": job_id, "status_url": status_url}, 202


def staff_status_url(job_id: str) -> str:
    return url_for("jobs.status", job_id=job_id)
