"""The searches a worker runs, each from a job's JSON payload.

Each operation returns what the job ends with: the night's new version and, for
answers that are more than a version, a JSON result. Errors that a person can act
on (a stale form, a report already sent, no shelter in reach) are raised as the
domain's errors and end the job as failed with their message.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dispatch.assignment import assign_claimed
from dispatch.categories import load_categories
from dispatch.cold import ColdLevel, level_for, load_levels
from dispatch.errors import ImportProblems, NotBuiltError, ValidationError
from dispatch.escort import EscortResult, Trip, escort_trips
from dispatch.importing import import_file
from dispatch.jobs import records
from dispatch.jobs.context import City
from dispatch.nightsettings import NightSettings
from dispatch.shelter_reach import shelter_reach
from dispatch.store import get_city
from dispatch.versions import plan_version
from routes.problem import Mode
from routes.solve import SolveParams


@dataclass(frozen=True)
class Outcome:
    """How a job ended well: a version of the night, a result, or both."""

    version: int | None = None
    result: dict[str, Any] | None = None


def plan(city: City, payload: Mapping[str, Any]) -> Outcome:
    """A night's plan (new settings) or re-plan (the latest version's, from its routes)."""
    settings = payload.get("settings")
    saved = plan_version(
        city.sessions, city.workspace, date.fromisoformat(payload["night"]), payload["token"],
        NightSettings.from_json(settings) if settings else None, _params(payload),
        networks=city.networks)
    return Outcome(version=saved.version)


def assign(city: City, payload: Mapping[str, Any]) -> Outcome:
    """The re-plan that puts a report claimed by the dispatcher into its team's night."""
    saved = assign_claimed(
        city.sessions, payload["reference"], payload["team"],
        now=datetime.fromisoformat(payload["now"]), by=payload["by"], networks=city.networks,
        level=_level(city, payload), categories=load_categories(city.workspace.root),
        params=_params(payload))
    return Outcome(version=saved.version, result={"team": payload["team"],
                                                  "published": saved.status == "published"})


def escort_trip(city: City, payload: Mapping[str, Any]) -> Outcome:
    """A team's trip with a person to a shelter, a hospital or home, added to its night,
    together with the team's other trips still waiting: one re-plan, one new version."""
    night = date.fromisoformat(payload["night"])
    with city.sessions.begin() as session:
        others = [(row.id, dict(row.payload)) for row in records.take_queued(
            session, "escort", night, records.worker_name(), payload["team"])]
    try:
        found = escort_trips(
            city.sessions, night, payload["team"], [_trip(payload), *(_trip(p) for _, p in others)],
            now=datetime.fromisoformat(payload["now"]), networks=city.networks,
            level=_level(city, payload), categories=load_categories(city.workspace.root),
            params=_params(payload))
    except Exception as exc:
        with city.sessions.begin() as session:
            for job_id, _ in others:
                records.fail(session, job_id, records.problems_of(exc))
        raise
    with city.sessions.begin() as session:
        for (job_id, _), result in zip(others, found[1:], strict=True):
            if isinstance(result, Exception):
                records.fail(session, job_id, records.problems_of(result))
            else:
                outcome = _escort_outcome(result)
                records.finish(session, job_id, version=outcome.version, result=outcome.result)
    if isinstance(found[0], Exception):
        raise found[0]
    return _escort_outcome(found[0])


def _trip(payload: Mapping[str, Any]) -> Trip:
    to = payload.get("to")
    return Trip(payload["reference"], payload["destination"], int(payload["people"]),
                (float(payload["where"][0]), float(payload["where"][1])),
                (float(to[0]), float(to[1])) if to else None)


def _escort_outcome(found: EscortResult) -> Outcome:
    result = {"added": found.saved is not None, "place": found.place, "message": found.message}
    return Outcome(version=found.saved.version if found.saved else None, result=result)


def reach(city: City, payload: Mapping[str, Any]) -> Outcome:
    """Shelters' walking bands, the at-risk hotspots beyond them and sites to open."""
    with city.sessions() as session:
        get_city(session)
        found = shelter_reach(session, city.networks[Mode.WALK], **payload["settings"])
    return Outcome(result=found.to_document())


def import_upload(city: City, payload: Mapping[str, Any]) -> Outcome:
    """A file of hotspots, shelters or bases, imported all or nothing; what it did, or every
    problem of the file (a refused import is an answer, not a failed job). The uploaded
    copy is removed either way."""
    path = Path(payload["path"])
    try:
        network = city.networks.get(Mode.WALK) if payload["layer"] == "hotspots" else None
        with city.sessions.begin() as session:
            get_city(session)
            summary = import_file(session, path, layer=payload["layer"], crs=payload["crs"],
                                  who=payload["who"], network=network,
                                  categories=load_categories(city.workspace.root))
        return Outcome(result={"summary": asdict(summary)})
    except ImportProblems as exc:
        return Outcome(result={"problems": [asdict(p) for p in exc.problems]})
    except (ValidationError, NotBuiltError) as exc:
        return Outcome(result={"error": str(exc)})
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def _level(city: City, payload: Mapping[str, Any]) -> ColdLevel:
    """The cold level of the night's forecast low, from the city's own table."""
    low = payload.get("temperature")
    return level_for(load_levels(city.workspace.root), float(low) if low is not None else None)


def _params(payload: Mapping[str, Any]) -> SolveParams:
    limit = payload.get("solution_limit")
    return SolveParams(time_limit_s=float(payload["seconds"]),
                       solution_limit=int(limit) if limit else None)


#: Every kind of job, by the name its record carries.
OPERATIONS: dict[str, Callable[[City, Mapping[str, Any]], Outcome]] = {
    "plan": plan, "assign": assign, "escort": escort_trip, "reach": reach,
    "import": import_upload,
}
