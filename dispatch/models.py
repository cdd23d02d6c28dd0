"""SQLAlchemy models: the city, its hotspots, shelters, bases and saved plans."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    event,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dispatch.geometry import GeometryColumn
from dispatch.nightplan import document_facts


class Base(DeclarativeBase):
    """Declarative base of every table."""


class City(Base):
    """The one city a data directory serves."""

    __tablename__ = "city"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    west: Mapped[float] = mapped_column(Float)
    south: Mapped[float] = mapped_column(Float)
    east: Mapped[float] = mapped_column(Float)
    north: Mapped[float] = mapped_column(Float)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Hotspot(Base):
    """A place patrols check: a point, a line or a polygon."""

    __tablename__ = "hotspot"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), index=True)
    risk: Mapped[int] = mapped_column(Integer)
    service_min: Mapped[int] = mapped_column(Integer)
    checks_per_night: Mapped[int] = mapped_column(Integer)
    geometry: Mapped[BaseGeometry] = mapped_column(GeometryColumn)
    access_lon: Mapped[float] = mapped_column(Float)
    access_lat: Mapped[float] = mapped_column(Float)
    osm_ref: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Metres walked to check it: a line's length, a park's paths; 0 for a point.
    sweep_m: Mapped[float] = mapped_column(Float, default=0.0)
    #: Checked only between these clock times (a site after the workers leave).
    window_start: Mapped[time | None] = mapped_column(Time)
    window_end: Mapped[time | None] = mapped_column(Time)
    #: A skill the checking team must have (medical, police, social).
    skill: Mapped[str | None] = mapped_column(String(40))
    #: The district (区/街道) it belongs to, for filtering and for districts' teams.
    district: Mapped[str | None] = mapped_column(String(80), index=True)
    #: True once a dispatcher has put the access point where a team really stops.
    access_manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: When it was retired; a retired hotspot keeps its row and its place in past plans.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HotspotChange(Base):
    """One change to a hotspot: who, when, what (field -> [old, new])."""

    __tablename__ = "hotspot_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    hotspot_id: Mapped[int] = mapped_column(ForeignKey("hotspot.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    who: Mapped[str] = mapped_column(String(120))
    #: add, update, access, retire, restore or import.
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class Shelter(Base):
    """A warming shelter (避寒点) where people who accept help can be taken."""

    __tablename__ = "shelter"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    geometry: Mapped[BaseGeometry] = mapped_column(GeometryColumn)
    beds: Mapped[int | None] = mapped_column(Integer)
    osm_ref: Mapped[str | None] = mapped_column(String(40))
    #: Beds free as the shelter last reported them (``None``: never reported), and when.
    beds_free: Mapped[int | None] = mapped_column(Integer, nullable=True)
    beds_reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                              nullable=True)


class TeamBase(Base):
    """Where teams start and end their night."""

    __tablename__ = "team_base"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class SavedPlan(Base):
    """One version of a night's plan document, kept as planned.

    Versions count from 1 within a night. ``settings`` are the form the dispatcher
    filled in (roster teams, shift, forecast low); ``pins``, ``exclusions`` and
    ``closures`` hold for every later re-plan; ``pending`` are changes made against
    this version and not yet planned; ``revision`` counts every change to the night
    made against this version, so a change made against an older state is refused.
    """

    __tablename__ = "plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    night: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: draft, published (the teams see it) or withdrawn (published before, replaced).
    status: Mapped[str] = mapped_column(String(20), default="draft")
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    pins: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    exclusions: Mapped[list[int]] = mapped_column(JSON, default=list)
    closures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pending: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The changes this version was planned with (what the dispatcher did since its parent).
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    #: What coverage and figures read of the document (its hotspot ids, shift, forecast
    #: and team modes), kept beside it so a campaign's nights load without their routes.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)



class CandidateSite(Base):
    """A place that could host a temporary warming point: a library, a kiosk, a bus station."""

    __tablename__ = "candidate_site"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: What it is: ``convenience``, ``kiosk``, ``lottery``, ``library``, ``bus_station`` ...
    kind: Mapped[str] = mapped_column(String(40))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    osm_ref: Mapped[str | None] = mapped_column(String(40))


class CheckIn(Base):
    """A team's report of one planned visit, sent from its phone (maybe long after, offline).

    ``client_id`` is made on the phone; it is unique, so a report sent twice (a
    retry after a lost answer) is stored once.
    """

    __tablename__ = "checkin"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    night: Mapped[date] = mapped_column(Date, index=True)
    team_id: Mapped[str] = mapped_column(String(40))
    hotspot_id: Mapped[int] = mapped_column(Integer)
    check_number: Mapped[int] = mapped_column(Integer)
    #: checked_nobody, person_found or could_not_check (dispatch.checkins.OUTCOMES).
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    found_count: Mapped[int | None] = mapped_column(Integer)
    found_category: Mapped[str | None] = mapped_column(String(20))
    accepts_help: Mapped[bool | None] = mapped_column(Boolean)
    action: Mapped[str | None] = mapped_column(String(20))
    #: The phone's clock when the team tapped; ``received_at`` is the server's.
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)


class RosterTeam(Base):
    """A team on the roster, reused night after night until it is retired."""

    __tablename__ = "roster_team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: civil_affairs, police, city_management or volunteers (dispatch.roster.AGENCIES).
    agency: Mapped[str] = mapped_column(String(40))
    #: Names of the members, one per line or comma; may list fewer than ``size``.
    members: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(Integer)
    #: The vehicle's plate; ``None`` for a team on foot.
    vehicle: Mapped[str | None] = mapped_column(String(40), nullable=True)
    base_id: Mapped[int] = mapped_column(ForeignKey("team_base.id"))
    #: Comma-separated skills (police, medical, social ...).
    skills: Mapped[str] = mapped_column(String(200), default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


@event.listens_for(SavedPlan, "before_insert")
@event.listens_for(SavedPlan, "before_update")
def _keep_facts(_mapper: Any, _connection: Any, plan: SavedPlan) -> None:
    """Every stored plan carries its facts, however it was saved."""
    plan.facts = document_facts(plan.document)


class Report(Base):
    """A report of a person in the cold (public form, hotline, police ...) and its life.

    ``status`` moves reported -> assigned -> on_the_way -> arrived -> outcome (or
    cancelled); ``steps`` keeps each move with its time, so the board shows how long
    each took. Assignment is a conditional UPDATE on ``status``: of two dispatchers
    assigning at once, one wins.
    """

    __tablename__ = "report"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The reporter's key to the status page: short, readable, not guessable.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The night (its evening's date) the report belongs to.
    night: Mapped[date] = mapped_column(Date, index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    place: Mapped[str] = mapped_column(String(200), default="")
    seen: Mapped[str] = mapped_column(Text, default="")
    people: Mapped[int] = mapped_column(Integer, default=1)
    #: Comma-separated categories (minor, elderly, disabled, mental_illness, other).
    categories: Mapped[str] = mapped_column(String(200), default="")
    not_moving: Mapped[bool] = mapped_column(Boolean, default=False)
    contact: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: public, hotline, police, sanitation, follow_up ... (dispatch.reports.SOURCES).
    source: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    team_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: The outcome the team recorded (dispatch.checkins.ACTIONS) and its note.
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Each step: {"status", "at" (ISO UTC), "by"}.
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Not before this time (a follow-up visit later in the night).
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: The report a follow-up follows.
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"), nullable=True)


class Account(Base):
    """A person who signs in: an administrator, a dispatcher or a manager.

    Teams have no accounts (their per-night links are their keys) and neither do
    people who report someone in the cold. ``password_hash`` is an Argon2id string;
    ``must_change`` marks a one-time password the person must replace on first use.
    """

    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    #: admin, dispatcher or manager (dispatch.accounts.Role).
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)


class Job(Base):
    """A search done on a worker: a night's plan, a re-plan, an assignment, shelter reach.

    The row is the job's whole state, so any web process can answer for it and it
    outlives a restart of the process that asked for it. ``lock`` is set while a job
    that must run alone (one plan per night) waits or runs; it is unique, so a second
    press for the same night is refused by the database itself.
    """

    __tablename__ = "job"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: queued, running, done or failed.
    state: Mapped[str] = mapped_column(String(10), index=True)
    night: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Who asked: an account's name, ``team:<id>`` or ``public``.
    owner: Mapped[str] = mapped_column(String(80), index=True)
    lock: Mapped[str | None] = mapped_column(String(60), unique=True, nullable=True)
    budget_s: Mapped[float] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: The worker's last sign of life; a search holds the interpreter for its budget.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                         nullable=True)
    #: ``host:pid`` of the worker process that took it.
    worker: Mapped[str | None] = mapped_column(String(120), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: What went wrong: ``[{"field", "message", "values"}]``, message keys the page translates.
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: What the job found, for jobs that answer with more than a version (shelter reach).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class StaffSession(Base):
    """A signed-in browser session, kept on the server so that signing out, a new password,
    a new role or a removed account end it everywhere. Only a hash of the browser's token
    is stored: the table alone lets nobody in."""

    __tablename__ = "staff_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TeamLinkIssue(Base):
    """How many times a team's link of a night was reissued: a token carries the number
    it was made under, so reissuing one team's link ends its old one (and no other)."""

    __tablename__ = "team_link_issue"
    night: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    reissued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reissued_by: Mapped[str] = mapped_column(String(80))
