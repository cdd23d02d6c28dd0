"""A solved plan: ordered visits per team, legs along the roads, and what was left out.

Readers (dispatch, maps, tests) use these plain objects and never OR-Tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shapely.geometry import LineString

from routes.problem import Mode


class DropReason(StrEnum):
    """Why a stop is not in any route."""

    OFF_NETWORK = "off_network"
    NO_SKILL = "no_skill"
    NO_TEAM_ALLOWED = "no_team_allowed"
    OUT_OF_REACH = "out_of_reach"
    NO_TEAM_TIME = "no_team_time"

    @property
    def explanation(self) -> str:
        """A sentence a dispatcher understands."""
        return _EXPLANATIONS[self]


_EXPLANATIONS = {
    DropReason.OFF_NETWORK: "too far from any road the teams use; set its access point by hand",
    DropReason.NO_SKILL: "needs a skill no team on duty has; put such a team on duty",
    DropReason.NO_TEAM_ALLOWED: "no team on duty may go there (districts or pins); "
    "widen a district or pin it to a team on duty",
    DropReason.OUT_OF_REACH: "no team on duty can reach it within its time window and shift",
    DropReason.NO_TEAM_TIME: "not enough team time tonight; add a team or lengthen the shift",
}


@dataclass(frozen=True)
class Visit:
    """A stop in a route: when the team starts checking it and when it leaves.

    ``kind`` is ``"stop"`` or ``"break"`` (then ``stop_id`` is the break place's id);
    ``reverse`` says a swept line is walked from its last point to its first.
    """

    stop_id: str
    arrival: datetime
    departure: datetime
    wait: timedelta
    kind: str = "stop"
    reverse: bool = False


@dataclass(frozen=True)
class Leg:
    """Travel between two consecutive places of a route, along the network."""

    from_id: str
    to_id: str
    travel: timedelta
    distance_m: float
    geometry: LineString


@dataclass(frozen=True)
class Route:
    """One team's night: leave the base, visit in order, return."""

    team_id: str
    mode: Mode
    start: datetime
    end: datetime
    visits: tuple[Visit, ...]
    legs: tuple[Leg, ...]

    @property
    def distance_m(self) -> float:
        """Metres travelled along the roads."""
        return sum(leg.distance_m for leg in self.legs)


@dataclass(frozen=True)
class Dropped:
    """A stop left out of the plan, and why."""

    stop_id: str
    reason: DropReason
    detail: str


@dataclass(frozen=True)
class Plan:
    """The answer to a :class:`~routes.problem.Problem`."""

    routes: tuple[Route, ...]
    dropped: tuple[Dropped, ...]
    objective: int
    solve_seconds: float

    def summary(self) -> str:
        """One line per team and a last line for what was left out."""
        lines = [
            f"{r.team_id}: {len(r.visits)} visits, {r.distance_m / 1000:.1f} km, "
            f"{r.start:%H:%M}-{r.end:%H:%M}"
            for r in self.routes
        ]
        lines.append(f"left out: {len(self.dropped)}")
        return "\n".join(lines)
