"""The roster: standing teams (agency, members, vehicle, base, skills) reused every night.

A dispatcher keeps the roster once and ticks who is on duty each evening; a team
that leaves service is retired, never deleted, so old plans still name it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dispatch.errors import FieldProblem, FormError, NotBuiltError
from dispatch.models import RosterTeam, TeamBase
from dispatch.night import TeamOnDuty
from routes.problem import Mode

#: Agencies that send teams out, with their Chinese and English names.
AGENCIES: dict[str, tuple[str, str]] = {
    "civil_affairs": ("民政", "Civil affairs"),
    "police": ("公安", "Police"),
    "city_management": ("城管", "City management"),
    "volunteers": ("志愿者", "Volunteers"),
}
MAX_SIZE = 50
_SPLIT = re.compile(r"[,，;；\n]+")


@dataclass(frozen=True)
class TeamForm:
    """A roster team as typed into the form, before validation."""

    name: str = ""
    agency: str = ""
    members: str = ""
    size: str = ""
    vehicle: str = ""
    on_foot: bool = False
    base_id: str = ""
    skills: str = ""


def list_teams(session: Session, *, retired: bool = False) -> list[RosterTeam]:
    """Teams in service (or also the retired ones), by name."""
    query = select(RosterTeam).order_by(RosterTeam.retired, RosterTeam.name, RosterTeam.id)
    if not retired:
        query = query.where(RosterTeam.retired.is_(False))
    return list(session.scalars(query))


def get_team(session: Session, team_id: int) -> RosterTeam:
    """One roster team, or an error naming the id."""
    team = session.get(RosterTeam, team_id)
    if team is None:
        raise NotBuiltError(f"no roster team {team_id}; the roster page lists them")
    return team


def save_team(session: Session, form: TeamForm, team_id: int | None = None) -> RosterTeam:
    """Add a team (``team_id`` None) or change one; nothing is saved when a field is wrong."""
    bases = {b.id for b in session.scalars(select(TeamBase))}
    values = _validate(form, bases)
    others = select(RosterTeam).where(RosterTeam.name == values["name"],
                                      RosterTeam.retired.is_(False))
    if any(t.id != team_id for t in session.scalars(others)):
        raise FormError([FieldProblem("name", "Another team in service is called {name}.",
                                      (("name", str(values["name"])),))])
    team = RosterTeam() if team_id is None else get_team(session, team_id)
    for key, value in values.items():
        setattr(team, key, value)
    if team_id is None:
        team.retired = False
        session.add(team)
    session.flush()
    return team


def retire_team(session: Session, team_id: int, *, retired: bool = True) -> RosterTeam:
    """Take a team out of service (or back in); its old plans keep its name."""
    team = get_team(session, team_id)
    team.retired = retired
    session.flush()
    return team


def team_key(team: RosterTeam) -> str:
    """The team's id in plans and on its phone link."""
    return f"T{team.id}"


def ensure_on_roster(session: Session, teams: Sequence[TeamOnDuty]) -> None:
    """Put the numbered teams of a command-line night (``T1`` ...) on the roster under the
    same ids, when missing, so the web can plan that night again with them."""
    for team in teams:
        number = int(team.id.removeprefix("T")) if team.id[1:].isdigit() else None
        if number is None or session.get(RosterTeam, number) is not None:
            continue
        session.add(RosterTeam(
            id=number, name=team.name, agency="civil_affairs", members="", size=2,
            vehicle=None if team.mode == Mode.WALK else team.id, base_id=team.base_id,
            skills=",".join(sorted(team.skills)), retired=False))
    session.flush()
    if session.get_bind().dialect.name == "postgresql":  # ids given by hand: move the counter on
        session.execute(text("SELECT setval(pg_get_serial_sequence('roster_team', 'id'), "
                             "(SELECT MAX(id) FROM roster_team))"))


def on_duty(team: RosterTeam) -> TeamOnDuty:
    """The roster team as tonight's solver sees it."""
    return TeamOnDuty(
        id=team_key(team), name=team.name, base_id=team.base_id,
        mode=Mode.WALK if team.vehicle is None else Mode.DRIVE,
        skills=frozenset(skill_list(team.skills)),
    )


def skill_list(text: str) -> list[str]:
    """Skills as typed (comma, Chinese comma or new line), lower case, each once."""
    return sorted({s.strip().lower() for s in _SPLIT.split(text) if s.strip()})


def member_list(text: str) -> list[str]:
    """Member names as typed, in order."""
    return [m.strip() for m in _SPLIT.split(text) if m.strip()]


def form_of(team: RosterTeam) -> TeamForm:
    """A stored team as the form shows it for editing."""
    return TeamForm(name=team.name, agency=team.agency, members=team.members,
                    size=str(team.size), vehicle=team.vehicle or "",
                    on_foot=team.vehicle is None, base_id=str(team.base_id),
                    skills=team.skills)


def _validate(form: TeamForm, bases: set[int]) -> Mapping[str, object]:
    problems: list[FieldProblem] = []
    name = form.name.strip()
    if not name or len(name) > 100:
        problems.append(FieldProblem("name", "Give the team a name (up to 100 characters)."))
    if form.agency not in AGENCIES:
        problems.append(FieldProblem("agency", "Choose the agency the team comes from."))
    members = member_list(form.members)
    size = whole_number(form.size)
    if size is None or not 1 <= size <= MAX_SIZE:
        problems.append(FieldProblem("size", "Give how many people are in the team: a whole "
                                     "number from 1 to {most}.", (("most", str(MAX_SIZE)),)))
    elif len(members) > size:
        problems.append(FieldProblem("size", "{listed} members are listed but the team has "
                                     "{size}; raise the number or shorten the list.",
                                     (("listed", str(len(members))), ("size", str(size)))))
    vehicle = form.vehicle.strip().upper()
    if not form.on_foot and not vehicle:
        problems.append(FieldProblem("vehicle", "Give the vehicle's plate, or tick on foot."))
    base = whole_number(form.base_id)
    if base is None or base not in bases:
        problems.append(FieldProblem("base_id", "Choose the base the team starts from."))
    if problems:
        raise FormError(problems)
    return {"name": name, "agency": form.agency, "members": "\n".join(members), "size": size,
            "vehicle": None if form.on_foot else vehicle, "base_id": base,
            "skills": ",".join(skill_list(form.skills))}


def whole_number(text: str) -> int | None:
    """A whole number typed into a form, or ``None``."""
    try:
        return int(text.strip())
    except ValueError:
        return None
