"""The roster: teams kept night after night, checked field by field."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.errors import FormError
from dispatch.models import TeamBase
from dispatch.roster import TeamForm, list_teams, on_duty, retire_team, save_team
from routes.problem import Mode


def _base(session: Session) -> str:
    return str(session.scalars(select(TeamBase.id)).first())


def test_a_team_is_kept_and_becomes_a_team_on_duty(demo_session: Session) -> None:
    """A saved team comes back with its vehicle, skills and base, and drives tonight."""
    team = save_team(demo_session, TeamForm(
        name="民政一队", agency="civil_affairs", members="张三, 李四\n王五", size="4",
        vehicle="鲁P·12345", base_id=_base(demo_session), skills="Medical, social"))
    assert team.members == "张三\n李四\n王五"
    duty = on_duty(team)
    assert duty.mode is Mode.DRIVE and duty.skills == {"medical", "social"}
    assert duty.id == f"T{team.id}"
    walking = save_team(demo_session, TeamForm(
        name="志愿者队", agency="volunteers", size="2", on_foot=True, base_id=_base(demo_session)))
    assert walking.vehicle is None and on_duty(walking).mode is Mode.WALK


def test_every_wrong_field_is_named_and_nothing_is_saved(demo_session: Session) -> None:
    """Name, agency, size, vehicle and base problems are reported together."""
    before = len(list_teams(demo_session, retired=True))
    with pytest.raises(FormError) as caught:
        save_team(demo_session, TeamForm(name=" ", agency="army", members="a,b,c", size="2",
                                         base_id="999"))
    fields = {p.field for p in caught.value.problems}
    assert fields == {"name", "agency", "size", "vehicle", "base_id"}
    assert len(list_teams(demo_session, retired=True)) == before


def test_a_retired_team_leaves_the_list_and_frees_its_name(demo_session: Session) -> None:
    """Retiring keeps the row (old plans name it) but hides it from tonight's choice."""
    form = TeamForm(name="城管夜巡", agency="city_management", size="3", vehicle="A1",
                    base_id=_base(demo_session))
    team = save_team(demo_session, form)
    with pytest.raises(FormError):
        save_team(demo_session, form)  # the same name twice in service
    retire_team(demo_session, team.id)
    assert team not in list_teams(demo_session)
    assert team in list_teams(demo_session, retired=True)
    assert save_team(demo_session, form).id != team.id
