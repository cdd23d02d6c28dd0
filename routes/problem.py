"""The solver-neutral patrol problem: stops to visit and teams to visit them.

Times are timezone-aware datetimes; the solver turns them into whole seconds
from ``Problem.origin`` once, in :mod:`routes.model`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from shapely.geometry import LineString

from routes.errors import ValidationError


class Mode(StrEnum):
    """How a team moves, and so which road network it uses."""

    DRIVE = "drive"
    WALK = "walk"


@dataclass(frozen=True)
class Stop:
    """One visit: a place to reach, check for ``service`` and leave.

    ``lon``/``lat`` is the access point (where a team leaves the road), not the
    hotspot's own geometry. ``penalty`` is the cost, in seconds of travel, of
    leaving the visit out of the plan. A stop with a ``sweep`` line is walked
    end to end: the team enters at whichever end suits its route and leaves at
    the other. ``skills`` must all be on the team; ``teams``, when given, are the
    only teams that may take the stop (a district, a pin).
    """

    id: str
    lon: float
    lat: float
    service: timedelta = timedelta(minutes=5)
    window: tuple[datetime, datetime] | None = None
    penalty: int = 3600
    sweep: LineString | None = None
    skills: frozenset[str] = frozenset()
    teams: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.service < timedelta(0):
            raise ValidationError(f"stop {self.id!r}: service time {self.service} is negative")
        if self.penalty < 0:
            raise ValidationError(f"stop {self.id!r}: penalty {self.penalty} is negative")
        if self.window is not None:
            start, end = self.window
            _require_aware(start, f"stop {self.id!r} window start")
            _require_aware(end, f"stop {self.id!r} window end")
            if end < start:
                raise ValidationError(
                    f"stop {self.id!r}: window ends at {end:%H:%M} before it starts at "
                    f"{start:%H:%M}; give the end after the start (a night window ends "
                    "on the next day)"
                )


@dataclass(frozen=True)
class BreakPlace:
    """Somewhere a team may warm up (a shelter), with the id the caller knows it by."""

    id: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Break:
    """A warm-up stop of ``duration``, starting between ``earliest`` and ``latest``."""

    duration: timedelta
    earliest: datetime
    latest: datetime
    places: tuple[BreakPlace, ...]

    def __post_init__(self) -> None:
        _require_aware(self.earliest, "break earliest start")
        _require_aware(self.latest, "break latest start")
        if self.latest < self.earliest:
            raise ValidationError("a break's latest start is before its earliest start")
        if not self.places:
            raise ValidationError("a break needs at least one place (a shelter) to be taken at")


@dataclass(frozen=True)
class Team:
    """A team on duty: how it moves, where it starts and ends, its shift and skills."""

    id: str
    mode: Mode
    start_lon: float
    start_lat: float
    end_lon: float
    end_lat: float
    shift_start: datetime
    shift_end: datetime
    skills: frozenset[str] = frozenset()
    rest: Break | None = None

    def __post_init__(self) -> None:
        _require_aware(self.shift_start, f"team {self.id!r} shift start")
        _require_aware(self.shift_end, f"team {self.id!r} shift end")
        if self.shift_end <= self.shift_start:
            raise ValidationError(
                f"team {self.id!r}: shift ends at {self.shift_end:%Y-%m-%d %H:%M} before it "
                f"starts at {self.shift_start:%Y-%m-%d %H:%M}; give an end after the start"
            )


@dataclass(frozen=True)
class Spacing:
    """When both stops are visited, ``then`` starts at least ``at_least`` after ``first``."""

    first: str
    then: str
    at_least: timedelta


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs: stops and teams. Networks come separately.

    ``initial_routes`` (team id -> stop ids in order) warm-starts the search from
    an earlier plan, so re-planning the rest of a night changes little and fast.
    """

    stops: tuple[Stop, ...]
    teams: tuple[Team, ...]
    max_snap_m: float = 500.0
    balance_weight: int = 0
    initial_routes: Mapping[str, tuple[str, ...]] | None = None
    spacing: tuple[Spacing, ...] = ()
    stop_ids: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.teams:
            raise ValidationError("no team is on duty: give at least one team")
        ids = [s.id for s in self.stops]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValidationError(f"stop ids must be unique; repeated: {', '.join(duplicates)}")
        team_ids = [t.id for t in self.teams]
        if len(set(team_ids)) != len(team_ids):
            raise ValidationError(f"team ids must be unique; got {team_ids}")
        object.__setattr__(self, "stop_ids", frozenset(ids))
        strangers = sorted({x for g in self.spacing for x in (g.first, g.then)} - set(ids))
        if strangers:
            raise ValidationError(f"spacing names stops that do not exist: {strangers}")

    @property
    def origin(self) -> datetime:
        """The earliest shift start: second zero of the solver's clock."""
        return min(t.shift_start for t in self.teams)

    @property
    def modes(self) -> tuple[Mode, ...]:
        """The modes of the teams on duty, each once, in a stable order."""
        return tuple(m for m in Mode if any(t.mode is m for t in self.teams))


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(
            f"{what} {moment.isoformat()} has no time zone; give the city's time zone"
        )
