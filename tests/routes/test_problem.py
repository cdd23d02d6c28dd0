"""The solver-neutral problem refuses input it cannot plan, with messages that name the fix."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from routes.errors import ValidationError
from routes.problem import Mode, Problem, Stop, Team
from routes.solve import SolveParams

ZONE = ZoneInfo("Europe/Helsinki")
EVENING = datetime(2025, 1, 15, 20, 0, tzinfo=ZONE)
BASE = (24.952773, 60.168291)


def team(team_id: str = "T1", *, start: datetime = EVENING, hours: float = 6,
         mode: Mode = Mode.DRIVE) -> Team:
    return Team(team_id, mode, *BASE, *BASE, shift_start=start,
                shift_end=start + timedelta(hours=hours))


def test_a_problem_needs_a_team() -> None:
    """A problem with no team on duty is refused."""
    with pytest.raises(ValidationError, match="no team is on duty"):
        Problem(stops=(Stop("s1", *BASE),), teams=())


def test_shift_ending_before_it_starts_is_refused() -> None:
    """A shift that ends before it starts names the team and asks for a later end."""
    with pytest.raises(ValidationError, match=r"team 'T1': shift ends at .* before it starts"):
        team(hours=-1)


def test_empty_shift_is_refused() -> None:
    """A shift that ends when it starts is refused too."""
    with pytest.raises(ValidationError, match="give an end after the start"):
        team(hours=0)


def test_naive_shift_times_are_refused() -> None:
    """A shift without a time zone is refused and the message asks for the city's zone."""
    with pytest.raises(ValidationError, match="shift start .* has no time zone"):
        team(start=EVENING.replace(tzinfo=None))


def test_naive_stop_window_is_refused() -> None:
    """A stop window without a time zone is refused, naming the stop."""
    naive = EVENING.replace(tzinfo=None)
    with pytest.raises(ValidationError, match="stop 'station' window start .* no time zone"):
        Stop("station", *BASE, window=(naive, naive + timedelta(hours=1)))


def test_stop_window_ending_before_it_starts_is_refused() -> None:
    """A window that ends before it starts explains that a night window ends next day."""
    with pytest.raises(ValidationError, match="ends at 20:00 before it starts at 23:00"):
        Stop("station", *BASE, window=(EVENING + timedelta(hours=3), EVENING))


def test_negative_service_is_refused() -> None:
    """A negative service time is refused, naming the stop."""
    with pytest.raises(ValidationError, match="stop 'park': service time .* is negative"):
        Stop("park", *BASE, service=timedelta(minutes=-5))


def test_negative_penalty_is_refused() -> None:
    """A negative penalty is refused, naming the stop."""
    with pytest.raises(ValidationError, match="stop 'park': penalty -1 is negative"):
        Stop("park", *BASE, penalty=-1)


def test_duplicate_stop_ids_are_named() -> None:
    """Repeated stop ids are refused and each repeated id is listed once."""
    stops = (Stop("a", *BASE), Stop("b", *BASE), Stop("a", *BASE), Stop("b", *BASE))
    with pytest.raises(ValidationError, match="stop ids must be unique; repeated: a, b"):
        Problem(stops=stops, teams=(team(),))


def test_duplicate_team_ids_are_refused() -> None:
    """Two teams with one id are refused."""
    with pytest.raises(ValidationError, match="team ids must be unique"):
        Problem(stops=(), teams=(team("T1"), team("T1")))


def test_origin_is_the_earliest_shift_start() -> None:
    """The solver's second zero is the earliest shift start among the teams."""
    later = team("T2", start=EVENING + timedelta(hours=2))
    problem = Problem(stops=(), teams=(later, team("T1")))
    assert problem.origin == EVENING


def test_modes_are_listed_once_in_a_stable_order() -> None:
    """Modes come once each, drive before walk, whatever the order of the teams."""
    teams = (team("W1", mode=Mode.WALK), team("D1"), team("W2", mode=Mode.WALK))
    assert Problem(stops=(), teams=teams).modes == (Mode.DRIVE, Mode.WALK)


def test_stop_ids_are_collected() -> None:
    """The problem knows the set of its stop ids."""
    problem = Problem(stops=(Stop("a", *BASE), Stop("b", *BASE)), teams=(team(),))
    assert problem.stop_ids == frozenset({"a", "b"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_limit_s": 0}, "time limit 0 s must be positive"),
        ({"solution_limit": 0}, "solution limit 0 must be at least 1"),
    ],
)
def test_solve_params_are_checked(kwargs: dict[str, float], message: str) -> None:
    """Search settings that would never search are refused."""
    with pytest.raises(ValidationError, match=message):
        SolveParams(**kwargs)  # type: ignore[arg-type]
