"""A night on duty: date, shift, teams and where they start.

A night shift crosses midnight: given as clock times, an end at or before the
start is the next morning. All datetimes carry the city's own time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shapely.geometry.base import BaseGeometry

from dispatch.errors import ValidationError
from routes.problem import Mode

DEFAULT_START = time(20, 0)
DEFAULT_END = time(6, 0)
MAX_SHIFT = timedelta(hours=16)


@dataclass(frozen=True)
class TeamOnDuty:
    """A team out tonight: how it moves and which base it leaves from and returns to."""

    id: str
    name: str
    mode: Mode
    base_id: int
    skills: frozenset[str] = frozenset()
    district: BaseGeometry | None = None
    keep_out: BaseGeometry | None = None
    #: Where the team ends the night, when not where it started.
    end_base_id: int | None = None

    @property
    def last_base_id(self) -> int:
        """The base the team returns to."""
        return self.base_id if self.end_base_id is None else self.end_base_id

    def may_check(self, geometry: BaseGeometry, access: BaseGeometry) -> bool:
        """Whether a hotspot is this team's: inside its district, outside its no-go area."""
        if self.district is not None and not self.district.intersects(geometry):
            return False
        return self.keep_out is None or not self.keep_out.contains(access)


@dataclass(frozen=True)
class Night:
    """One night's settings, before any plan.

    ``temperature`` (the forecast low, °C) picks the cold level; ``break_minutes``
    gives each team of a long shift a warm-up stop at a shelter; ``closures`` are
    roads closed tonight (lines or areas, lon/lat).
    """

    date: date
    timezone: str
    start: datetime
    end: datetime
    teams: tuple[TeamOnDuty, ...]
    temperature: float | None = None
    break_minutes: int = 30
    closures: tuple[BaseGeometry, ...] = ()

    def __post_init__(self) -> None:
        if not self.teams:
            raise ValidationError("no team is on duty; give at least one team (--teams 1 or more)")
        if self.end <= self.start:
            raise ValidationError(
                f"the shift ends at {self.end.isoformat()} before it starts at "
                f"{self.start.isoformat()}; give an end after the start"
            )
        if not 0 <= self.break_minutes <= 120:
            raise ValidationError(
                f"a break of {self.break_minutes} minutes is not 0 to 120; give --break-minutes "
                "0 for none"
            )
        if self.temperature is not None and not -60 <= self.temperature <= 45:
            raise ValidationError(
                f"temperature {self.temperature} °C is not a forecast low; give degrees Celsius"
            )
        if self.end - self.start > MAX_SHIFT:
            raise ValidationError(
                f"the shift is {self.end - self.start} long; a night shift is at most "
                f"{MAX_SHIFT}, check --start and --end"
            )


def tonight(timezone: str, now: datetime | None = None) -> date:
    """The date of the night in progress or ahead: until the usual shift end, last night's.

    At 03:00 a dispatcher is inside last night's shift; at 08:00 the night to plan is
    the coming one.
    """
    local = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone))
    return local.date() - timedelta(days=1) if local.time() < DEFAULT_END else local.date()


def shift_bounds(
    night_date: date, timezone: str, start: str | None = None, end: str | None = None
) -> tuple[datetime, datetime]:
    """Parse ``HH:MM`` clock times (end next morning if not after start) or full datetimes."""
    zone = _zone(timezone)
    begin = _moment(start, night_date, zone, DEFAULT_START, "--start")
    finish = _moment(end, night_date, zone, DEFAULT_END, "--end")
    if _is_clock(end) and finish <= begin:
        finish += timedelta(days=1)
    return begin, finish


def make_teams(
    count: int, on_foot: int, base_ids: list[int],
    skills: Mapping[str, frozenset[str]] | None = None,
) -> tuple[TeamOnDuty, ...]:
    """``count`` numbered teams, the last ``on_foot`` of them walking, spread over the bases.

    ``skills`` maps team ids (``T1`` ...) to their skills.
    """
    skills = skills or {}
    unknown = sorted(set(skills) - {f"T{k}" for k in range(1, count + 1)})
    if unknown:
        raise ValidationError(
            f"skills given for {', '.join(unknown)}, but the teams are T1 to T{count}"
        )
    if count < 1:
        raise ValidationError(f"--teams is {count}; at least one team must be on duty")
    if not 0 <= on_foot <= count:
        raise ValidationError(f"--on-foot is {on_foot}; give 0 to {count} (the number of teams)")
    if not base_ids:
        raise ValidationError("the city has no team base; rebuild it with `patrol city`")
    return tuple(
        TeamOnDuty(
            id=f"T{k}",
            name=f"巡查{k}队 Team {k}",
            mode=Mode.WALK if k > count - on_foot else Mode.DRIVE,
            base_id=base_ids[(k - 1) % len(base_ids)],
            skills=skills.get(f"T{k}", frozenset()),
        )
        for k in range(1, count + 1)
    )


def with_areas(
    teams: tuple[TeamOnDuty, ...],
    districts: Mapping[str, BaseGeometry],
    keep_out: Mapping[str, BaseGeometry],
) -> tuple[TeamOnDuty, ...]:
    """``teams`` with their districts and no-go areas; unknown team ids are errors."""
    ids = {t.id for t in teams}
    unknown = sorted((set(districts) | set(keep_out)) - ids)
    if unknown:
        raise ValidationError(
            f"an area is given for {', '.join(unknown)}, but the teams are "
            f"{', '.join(sorted(ids))}"
        )
    return tuple(replace(t, district=districts.get(t.id), keep_out=keep_out.get(t.id))
                 for t in teams)


def with_bases(teams: tuple[TeamOnDuty, ...], entries: list[str],
               base_ids: list[int]) -> tuple[TeamOnDuty, ...]:
    """Teams with the bases given as ``T1=2`` (start and end) or ``T1=2:3`` (end elsewhere)."""
    chosen: dict[str, tuple[int, int | None]] = {}
    for entry in entries:
        team, sep, ids = entry.partition("=")
        start, _, end = ids.partition(":")
        try:
            pair = (int(start), int(end) if end else None)
        except ValueError:
            raise ValidationError(f"--team-base {entry!r} is not TEAM=BASE[:END_BASE], e.g. "
                                  "T1=2 or T1=2:3 (base ids as `patrol city` lists them)") from None
        if not sep or not team.strip():
            raise ValidationError(f"--team-base {entry!r} is not TEAM=BASE[:END_BASE]")
        unknown = [b for b in pair if b is not None and b not in base_ids]
        if unknown:
            raise ValidationError(f"--team-base {entry!r}: no base {unknown[0]}; the bases are "
                                  f"{', '.join(map(str, base_ids))}")
        chosen[team.strip()] = pair
    strangers = sorted(set(chosen) - {t.id for t in teams})
    if strangers:
        raise ValidationError(f"--team-base names {', '.join(strangers)}, who is not on duty")
    return tuple(replace(t, base_id=chosen[t.id][0], end_base_id=chosen[t.id][1])
                 if t.id in chosen else t for t in teams)


def parse_skills(entries: list[str]) -> dict[str, frozenset[str]]:
    """``["T1=police,medical", "T3=social"]`` as team id -> skills."""
    found: dict[str, frozenset[str]] = {}
    for entry in entries:
        team, sep, names = entry.partition("=")
        skills = frozenset(n.strip().lower() for n in names.split(",") if n.strip())
        if not sep or not team.strip() or not skills:
            raise ValidationError(
                f"--team-skill {entry!r} is not TEAM=SKILL[,SKILL]; e.g. T1=police,medical"
            )
        found[team.strip()] = found.get(team.strip(), frozenset()) | skills
    return found


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (KeyError, ValueError) as exc:
        raise ValidationError(f"unknown time zone {timezone!r}; use an IANA name") from exc


def _is_clock(text: str | None) -> bool:
    return text is None or "T" not in text and "-" not in text


def _moment(text: str | None, night_date: date, zone: ZoneInfo, default: time,
            option: str) -> datetime:
    if text is None:
        return datetime.combine(night_date, default, zone)
    try:
        if _is_clock(text):
            return datetime.combine(night_date, time.fromisoformat(text), zone)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(
            f"{option} {text!r} is not a time; give HH:MM (e.g. 20:00) or "
            "YYYY-MM-DDTHH:MM"
        ) from exc
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


@dataclass(frozen=True)
class NightOptions:
    """A night as a dispatcher states it (command line or form), before validation."""

    teams: int = 4
    on_foot: int = 0
    date: date | None = None
    start: str | None = None
    end: str | None = None
    temperature: float | None = None
    break_minutes: int = 30
    skills: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    closures: tuple[BaseGeometry, ...] = ()
    districts: tuple[tuple[str, BaseGeometry], ...] = ()
    keep_out: tuple[tuple[str, BaseGeometry], ...] = ()
    balance: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.balance <= 100:
            raise ValidationError(f"--balance {self.balance} must be 0 (off) to 100")
