"""Versions of a night: pins and exclusions hold after re-planning, stale changes are refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.assignment import assign
from dispatch.categories import load_categories
from dispatch.cold import level_for, load_levels
from dispatch.errors import ConflictError, FormError
from dispatch.models import SavedPlan, TeamBase
from dispatch.nightplan import NightPlan
from dispatch.nightsettings import SettingsForm, read_settings
from dispatch.pins import PIN_SLACK
from dispatch.planning import load_networks
from dispatch.reports import ReportForm, create_report, get_report
from dispatch.roster import TeamForm, save_team
from dispatch.store import open_engine, session_factory
from dispatch.versions import (
    add_change,
    latest_version,
    plan_version,
    publish,
    published_plan,
    state_token,
)
from dispatch.workspace import Workspace
from routes.problem import Mode
from routes.solve import SolveParams
from tests.conftest import WINTER_NIGHT

#: The solution limit, not the clock, ends each search: the same plan under any load.
QUICK = SolveParams(time_limit_s=120, solution_limit=60)


@pytest.fixture()
def sessions(workspace_copy: Workspace) -> Iterator[sessionmaker[Session]]:
    engine = open_engine(workspace_copy.database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture()
def first(sessions: sessionmaker[Session], workspace_copy: Workspace) -> SavedPlan:
    """Version 1 of the winter night: three roster teams (one on foot) at −12 °C."""
    with sessions.begin() as session:
        base = str(session.scalars(select(TeamBase.id)).first())
        ids = tuple(str(save_team(session, TeamForm(
            name=f"队{k}", agency="civil_affairs", size="2", vehicle=f"P{k}", on_foot=k == 3,
            base_id=base)).id) for k in (1, 2, 3))
        settings = read_settings(session, WINTER_NIGHT, SettingsForm(ids, "20:00", "06:00",
                                                                     "-12"))
    return plan_version(sessions, workspace_copy, WINTER_NIGHT, "0.0", settings, QUICK)


def _change(sessions: sessionmaker[Session], **form: str) -> SavedPlan:
    with sessions.begin() as session:
        row = latest_version(session, WINTER_NIGHT)
        return add_change(session, WINTER_NIGHT, state_token(row), form)


def test_pins_moves_and_exclusions_hold_after_replanning(
        sessions: sessionmaker[Session], workspace_copy: Workspace, first: SavedPlan) -> None:
    """A stop pinned to a team, one pinned to a time, a moved stop and an excluded hotspot
    are all in the re-planned document; the pins still hold one re-plan later."""
    plan = NightPlan.from_document(first.document)
    one, two, three = (r for r in plan.routes)
    moved, team_pin, time_pin = one.visits[0], one.visits[2], two.visits[3]
    excluded = three.visits[1].hotspot_id
    at = time_pin.arrival + PIN_SLACK * 3
    _change(sessions, kind="move", visit=moved.key, team=two.team_id)
    _change(sessions, kind="pin_team", visit=team_pin.key, team=three.team_id)
    _change(sessions, kind="pin_time", visit=time_pin.key, at=f"{at:%H:%M}")
    row = _change(sessions, kind="exclude", hotspot=str(excluded))
    second = plan_version(sessions, workspace_copy, WINTER_NIGHT, state_token(row), None, QUICK)
    assert second.version == 2 and second.parent_id == first.id
    assert [c["kind"] for c in second.changes] == ["move", "pin_team", "pin_time", "exclude"]

    def check(doc: dict[str, object]) -> None:
        replanned = NightPlan.from_document(doc)  # type: ignore[arg-type]
        where = {v.key: (r.team_id, v.arrival) for r in replanned.routes for v in r.visits}
        assert where[team_pin.key][0] == three.team_id
        assert abs(where[time_pin.key][1] - at.replace(second=0)) <= PIN_SLACK
        assert all(v.hotspot_id != excluded for r in replanned.routes for v in r.visits)
        assert {d.reason for d in replanned.dropped if d.hotspot_id == excluded} == {"excluded"}

    check(second.document)
    assert {k for k, (team, _) in _where(second).items() if team == two.team_id} >= {moved.key}
    third = plan_version(sessions, workspace_copy, WINTER_NIGHT, state_token(second), None,
                         QUICK)
    check(third.document)
    assert len(third.pins) == 2 and third.exclusions == [excluded]


def _where(row: SavedPlan) -> dict[str, tuple[str, datetime]]:
    plan = NightPlan.from_document(row.document)
    return {v.key: (r.team_id, v.arrival) for r in plan.routes for v in r.visits}


def test_a_change_against_an_older_state_is_refused(
        sessions: sessionmaker[Session], first: SavedPlan) -> None:
    """Two dispatchers load version 1; the second one's change is refused, the first kept."""
    token = state_token(first)
    visit = NightPlan.from_document(first.document).routes[0].visits[0].key
    with sessions.begin() as session:
        add_change(session, WINTER_NIGHT, token, {"kind": "pin_team", "visit": visit,
                                                  "team": "T2"})
    with pytest.raises(ConflictError, match="changed under you"), sessions.begin() as session:
        add_change(session, WINTER_NIGHT, token, {"kind": "exclude", "hotspot": "1"})
    with sessions() as session:
        row = latest_version(session, WINTER_NIGHT)
        assert row is not None and [c["kind"] for c in row.pending] == ["pin_team"]


def test_a_change_made_while_the_solver_ran_is_not_overwritten(
        sessions: sessionmaker[Session], workspace_copy: Workspace, first: SavedPlan) -> None:
    """A re-plan started against 1.0 finds 1.1 when it is ready: no version 2 is saved."""
    token = state_token(first)
    visit = NightPlan.from_document(first.document).routes[0].visits[0].key
    with sessions.begin() as session:
        add_change(session, WINTER_NIGHT, token, {"kind": "move", "visit": visit, "team": "T2"})
    with pytest.raises(ConflictError):
        plan_version(sessions, workspace_copy, WINTER_NIGHT, token, None, QUICK)
    with sessions() as session:
        assert latest_version(session, WINTER_NIGHT).version == 1  # type: ignore[union-attr]


def test_a_wrong_change_names_its_field(sessions: sessionmaker[Session],
                                        first: SavedPlan) -> None:
    """A stop of no plan, a team not on duty, a time outside the shift, a drawn point."""
    bad = [({"kind": "move", "visit": "9999#1", "team": "T404"}, {"visit", "team"}),
           ({"kind": "pin_time", "visit": "9999#1", "at": "12:00"}, {"visit", "at"}),
           ({"kind": "close", "geometry": '{"type": "Point", "coordinates": [24.9, 60.1]}'},
            {"geometry"})]
    for form, fields in bad:
        with pytest.raises(FormError) as caught, sessions.begin() as session:
            add_change(session, WINTER_NIGHT, state_token(first), form)
        assert {p.field for p in caught.value.problems} == fields


def test_publishing_makes_the_teams_plan(sessions: sessionmaker[Session],
                                         first: SavedPlan) -> None:
    """Nothing is published at first; a published version is what the teams are given."""
    with sessions.begin() as session:
        assert published_plan(session, WINTER_NIGHT) is None
        publish(session, WINTER_NIGHT, state_token(first), 1)
    with sessions() as session:
        plan = published_plan(session, WINTER_NIGHT)
        assert plan is not None and plan.to_document() == first.document
        assert state_token(latest_version(session, WINTER_NIGHT)) == "1.1"


def test_a_replan_from_the_plan_page_keeps_assigned_reports_on_their_teams(
        sessions: sessionmaker[Session], workspace_copy: Workspace, first: SavedPlan) -> None:
    """A report assigned to a team during the night is still that team's stop, with what was
    reported, after the dispatcher re-plans the whole night on /plan; every visit is still
    planned or listed as left out, and the report is still assigned."""
    plan = NightPlan.from_document(first.document)
    team = plan.routes[1].team_id
    hotspot = plan.hotspots[plan.routes[1].visits[2].hotspot_id]
    assert hotspot.access is not None
    now = plan.shift_start + timedelta(hours=1)
    with sessions.begin() as session:
        form = ReportForm(hotspot.access[0] + 0.0003, hotspot.access[1], "", "老人 old man",
                          2, ("elderly",), True, None, "hotline")
        reference = create_report(session, form, night=WINTER_NIGHT, now=now,
                                  temperature=plan.temperature, by="test").reference
    modes = {Mode(r.mode) for r in plan.routes}
    assign(sessions, reference, team, now=now, by="test",
           networks=load_networks(workspace_copy, modes),
           level=level_for(load_levels(workspace_copy.root), plan.temperature),
           categories=load_categories(workspace_copy.root), params=QUICK)
    with sessions() as session:
        assigned = latest_version(session, WINTER_NIGHT)
        assert assigned is not None
        token = state_token(assigned)
    before = NightPlan.from_document(assigned.document)
    assert [c.reference for c in before.route(team).reports] == [reference]
    replanned = NightPlan.from_document(
        plan_version(sessions, workspace_copy, WINTER_NIGHT, token, None, QUICK).document)
    calls = {r.team_id: [c.reference for c in r.reports] for r in replanned.routes}
    assert calls == {r.team_id: ([reference] if r.team_id == team else [])
                     for r in plan.routes}
    call = replanned.route(team).reports[0]
    assert "2 人 people · 老人 old man" == call.note
    assert (call.lon, call.lat) == (form.lon, form.lat)
    assert plan.shift_start <= call.arrival < call.departure <= plan.shift_end
    key = f"report:{reference}"
    assert replanned.route(team).leg_to(key).to_id == key
    planned = {v.key for r in before.routes for v in r.visits}
    kept = {v.key for r in replanned.routes for v in r.visits}
    assert planned <= kept | {f"{d.hotspot_id}#{d.check}" for d in replanned.dropped}
    with sessions() as session:
        row = get_report(session, reference)
        assert (row.status, row.team_id) == ("assigned", team)
