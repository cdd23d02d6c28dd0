"""Versions of a night's plan: plan, change, re-plan and publish, one version at a time.

Every change carries the state it was made against (:func:`state_token`: the
latest version and how many changes were made to it); a change against an older
state is refused with :class:`~dispatch.errors.ConflictError`, so two dispatchers
editing the same night never overwrite each other silently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, date, datetime

import networkx as nx
from shapely.geometry import shape
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.categories import load_categories
from dispatch.chinacoords import Datum
from dispatch.cold import level_for, load_levels
from dispatch.errors import ConflictError, FieldProblem, FormError, ValidationError
from dispatch.keptreports import described, open_reports, with_open_reports
from dispatch.models import SavedPlan
from dispatch.nightplan import NightPlan
from dispatch.nightsettings import NightSettings, night_from
from dispatch.pins import Wanted, apply_changes, excluded_visits, pinned_problem, read_change
from dispatch.plancache import ParsedPlans, plan_of
from dispatch.planning import load_networks, plan_night
from dispatch.reports import night_reports
from dispatch.workspace import Workspace
from routes.problem import Mode, Problem
from routes.solve import SolveParams

STALE = "The plan changed under you: reload the page and make your change again."


def night_versions(session: Session, night_date: date) -> list[SavedPlan]:
    """Every version of the night, first to last."""
    return list(session.scalars(select(SavedPlan).where(SavedPlan.night == night_date)
                                .order_by(SavedPlan.version, SavedPlan.id)))


def latest_version(session: Session, night_date: date) -> SavedPlan | None:
    """The night's newest version, or ``None`` before its first plan."""
    return session.scalars(select(SavedPlan).where(SavedPlan.night == night_date)
                           .order_by(SavedPlan.version.desc(), SavedPlan.id.desc())).first()


def get_version(session: Session, night_date: date, version: int) -> SavedPlan:
    """One version of the night, or an error naming the versions there are."""
    row = session.scalars(select(SavedPlan).where(SavedPlan.night == night_date,
                                                  SavedPlan.version == version)).first()
    if row is None:
        known = [r.version for r in night_versions(session, night_date)]
        raise ValidationError(f"the night of {night_date} has no version {version}; "
                              f"it has {known or 'none yet'}")
    return row


def state_token(row: SavedPlan | None) -> str:
    """The state a page shows: ``<version>.<changes since>``; ``0.0`` before any plan."""
    return "0.0" if row is None else f"{row.version}.{row.revision}"


def check_token(session: Session, night_date: date, token: str) -> SavedPlan | None:
    """The latest version if ``token`` is still the night's state, else a ConflictError."""
    row = latest_version(session, night_date)
    if state_token(row) != token.strip():
        raise ConflictError(STALE)
    return row


def wanted_of(row: SavedPlan | None) -> Wanted:
    """What the next plan must respect: the version's pins and exclusions, then its
    pending changes."""
    if row is None:
        return Wanted()
    kept = Wanted(tuple(row.pins or ()), tuple(row.exclusions or ()), tuple(row.closures or ()))
    return apply_changes(kept, row.pending or [])


def add_change(session: Session, night_date: date, token: str, form: dict[str, str],
               datum: Datum = "wgs84") -> SavedPlan:
    """Record a change against the latest version; it takes effect at the next re-plan.

    ``datum`` is that of the map a closed road was drawn on.
    """
    row = check_token(session, night_date, token)
    if row is None:
        raise FormError([FieldProblem("kind", "Plan the night first, then change it.")])
    change = read_change(NightPlan.from_document(row.document), wanted_of(row), form, datum)
    row.pending = [*(row.pending or []), change]
    row.revision += 1
    session.flush()
    return row


def discard_changes(session: Session, night_date: date, token: str) -> SavedPlan | None:
    """Forget the changes not yet planned."""
    row = check_token(session, night_date, token)
    if row is not None and row.pending:
        row.pending = []
        row.revision += 1
        session.flush()
    return row


def plan_version(
    sessions: sessionmaker[Session], workspace: Workspace, night_date: date, token: str,
    settings: NightSettings | None, params: SolveParams,
    networks: Mapping[Mode, nx.MultiDiGraph] | None = None,
) -> SavedPlan:
    """Plan the night as a new version: with new ``settings``, or re-planned with the latest
    version's (warm-started from its routes); pins, exclusions and closures hold.

    Read, solve and save are separate steps: the state is checked again before the
    save, so a change made while the solver ran is never overwritten. ``networks``, when
    given, are the city's networks already in memory (a server keeps them).
    """
    with sessions() as session:
        base = check_token(session, night_date, token)
        settings = settings or _settings_of(base)
        wanted = wanted_of(base)
        earlier = NightPlan.from_document(base.document) if base is not None else None
        closures = tuple(shape(c["geometry"]) for c in wanted.closures)
        night = night_from(session, night_date, settings, closures)
        _check_pinned_teams(wanted, {t.id for t in night.teams})
        level = level_for(load_levels(workspace.root), night.temperature)
        modes = {t.mode for t in night.teams}
        networks = {m: g for m, g in (networks or {}).items() if m in modes} or load_networks(
            workspace, modes)
        adjusted: list[Problem] = []
        reports = open_reports(night_reports(session, night_date), {t.id for t in night.teams})

        def adjust(problem: Problem) -> Problem:
            adjusted.append(problem)
            return with_open_reports(pinned_problem(problem, wanted, earlier), reports, earlier,
                                     start=night.start, end=night.end)

        plan = plan_night(session, night, networks, load_categories(workspace.root), params,
                          level=level, adjust=adjust)
        plan = described(dataclasses.replace(
            plan, dropped=(*plan.dropped, *excluded_visits(adjusted[0], wanted))), reports)
    with sessions.begin() as session:
        base = check_token(session, night_date, token)
        return _save_version(session, plan, base, settings, wanted)


def publish(session: Session, night_date: date, token: str, version: int) -> SavedPlan:
    """Make ``version`` the night's published plan; the one published before is withdrawn."""
    latest = check_token(session, night_date, token)
    chosen = get_version(session, night_date, version)
    for row in night_versions(session, night_date):
        if row.status == "published" and row.id != chosen.id:
            row.status = "withdrawn"
    chosen.status = "published"
    chosen.published_at = datetime.now(UTC)
    if latest is not None:
        latest.revision += 1
    session.flush()
    return chosen


def published_version(session: Session, night_date: date) -> SavedPlan | None:
    """The night's published version, or ``None`` while nothing is published."""
    return session.scalars(_published(night_date)).first()


def published_plan(session: Session, night_date: date,
                   parsed: ParsedPlans | None = None) -> NightPlan | None:
    """The plan the teams follow tonight: the published version (re-published after each
    change the dispatcher makes to it), or ``None`` while nothing is published."""
    plan_id = session.scalars(_published(night_date).with_only_columns(SavedPlan.id)).first()
    return plan_of(session, plan_id, parsed) if plan_id is not None else None


def night_plan(session: Session, night_date: date,
               parsed: ParsedPlans | None = None) -> NightPlan | None:
    """The plan of ``night_date`` that its teams follow: the published version, else (while
    none is published) the night's latest; ``None`` before its first plan. Planning
    another night never changes it."""
    found = published_plan(session, night_date, parsed)
    if found is not None:
        return found
    row = latest_version(session, night_date)
    return plan_of(session, row.id, parsed) if row is not None else None


def _published(night_date: date) -> Select[SavedPlan]:
    return select(SavedPlan).where(SavedPlan.night == night_date,
                                   SavedPlan.status == "published") \
        .order_by(SavedPlan.version.desc())


def _save_version(session: Session, plan: NightPlan, base: SavedPlan | None,
                  settings: NightSettings, wanted: Wanted) -> SavedPlan:
    last = session.scalars(select(func.max(SavedPlan.version))
                           .where(SavedPlan.night == plan.date)).one()
    row = SavedPlan(
        night=plan.date, created_at=plan.created_at, document=plan.to_document(),
        version=(last or 0) + 1, status="draft", settings=settings.to_json(),
        pins=list(wanted.pins), exclusions=list(wanted.exclusions),
        closures=list(wanted.closures), pending=[], revision=0,
        changes=list(base.pending or []) if base is not None else [],
        parent_id=base.id if base is not None else None,
    )
    session.add(row)
    session.flush()
    return row


def _settings_of(base: SavedPlan | None) -> NightSettings:
    if base is None or not base.settings:
        raise FormError([FieldProblem("teams", "Fill in tonight's settings and press plan: "
                                      "this night has no plan made on this page yet.")])
    return NightSettings.from_json(base.settings)


def _check_pinned_teams(wanted: Wanted, on_duty: set[str]) -> None:
    away = sorted({p["team"] for p in (*wanted.pins, *wanted.moves)
                   if "team" in p and p["team"] not in on_duty})
    if away:
        raise FormError([FieldProblem("teams", "Stops are pinned to {teams}, who is not on "
                                      "duty; keep the team on duty or unpin its stops.",
                                      (("teams", ", ".join(away)),))])

