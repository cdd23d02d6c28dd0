"""A night on duty: shift times in the city's zone, across midnight, and the teams out."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch.errors import ValidationError
from dispatch.night import Night, make_teams, shift_bounds, tonight, with_bases
from routes.problem import Mode

ZONE = "Europe/Helsinki"
JANUARY = date(2025, 1, 15)
JULY = date(2025, 7, 15)


def _night(start: datetime, end: datetime, teams: int = 2) -> Night:
    return Night(JANUARY, ZONE, start, end, make_teams(teams, 0, [1]) if teams else ())


def test_default_shift_is_eight_to_six_next_morning() -> None:
    """Without options the shift is 20:00 to 06:00 the next day, at Helsinki's winter offset."""
    start, end = shift_bounds(JANUARY, ZONE)
    assert start.isoformat() == "2025-01-15T20:00:00+02:00"
    assert end.isoformat() == "2025-01-16T06:00:00+02:00"


def test_summer_nights_use_summer_time() -> None:
    """The offset follows the city's daylight-saving rules (+03:00 in July)."""
    start, _ = shift_bounds(JULY, ZONE)
    assert start.isoformat() == "2025-07-15T20:00:00+03:00"


def test_clock_times_cross_midnight() -> None:
    """An end clock time at or before the start means the next morning."""
    start, end = shift_bounds(JANUARY, ZONE, "22:30", "04:15")
    assert (start.day, start.hour, start.minute) == (15, 22, 30)
    assert (end.day, end.hour, end.minute) == (16, 4, 15)


def test_clock_times_on_one_evening_stay_on_it() -> None:
    """An end after the start on the same evening stays on that date."""
    start, end = shift_bounds(JANUARY, ZONE, "18:00", "23:00")
    assert end - start == timedelta(hours=5)
    assert end.date() == JANUARY


def test_full_datetimes_are_taken_as_given() -> None:
    """Date-and-time options are read in the city's zone (or converted to it)."""
    start, end = shift_bounds(JANUARY, ZONE, "2025-01-15T21:00", "2025-01-16T03:00:00+00:00")
    assert start.isoformat() == "2025-01-15T21:00:00+02:00"
    assert end.isoformat() == "2025-01-16T05:00:00+02:00"


@pytest.mark.parametrize("text", ["8pm", "25:00", "tonight", "2025-13-01T20:00"])
def test_text_that_is_not_a_time_is_refused(text: str) -> None:
    """A --start that is not a time says which option and what to give."""
    with pytest.raises(ValidationError, match=r"--start .* is not a time; give HH:MM"):
        shift_bounds(JANUARY, ZONE, start=text)


def test_unknown_time_zone_is_refused() -> None:
    """An unknown zone name asks for an IANA name."""
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'; use an IANA"):
        shift_bounds(JANUARY, "Mars/Olympus")


def test_night_ending_before_it_starts_is_refused() -> None:
    """A shift that ends before it starts is refused."""
    start, end = shift_bounds(JANUARY, ZONE)
    with pytest.raises(ValidationError, match="the shift ends at .* before it starts"):
        _night(end, start)


def test_night_longer_than_sixteen_hours_is_refused() -> None:
    """A shift over 16 hours is refused, pointing at --start and --end."""
    start, _ = shift_bounds(JANUARY, ZONE)
    with pytest.raises(ValidationError, match="at most 16:00:00, check --start and --end"):
        _night(start, start + timedelta(hours=16, minutes=1))


def test_a_sixteen_hour_night_is_allowed() -> None:
    """Exactly 16 hours is still a night shift."""
    start, _ = shift_bounds(JANUARY, ZONE)
    assert _night(start, start + timedelta(hours=16)).end.hour == 12


def test_night_without_teams_is_refused() -> None:
    """A night needs a team on duty."""
    start, end = shift_bounds(JANUARY, ZONE)
    with pytest.raises(ValidationError, match="no team is on duty"):
        _night(start, end, teams=0)


def test_make_teams_numbers_teams_and_puts_the_last_on_foot() -> None:
    """Teams are T1..Tn, the last ``on_foot`` walk, and bases are shared in turn."""
    teams = make_teams(5, 2, [7, 9])
    assert [t.id for t in teams] == ["T1", "T2", "T3", "T4", "T5"]
    assert [t.mode for t in teams] == [Mode.DRIVE] * 3 + [Mode.WALK] * 2
    assert [t.base_id for t in teams] == [7, 9, 7, 9, 7]
    assert teams[0].name == "巡查1队 Team 1"


def test_all_teams_may_walk() -> None:
    """Every team may be on foot."""
    assert {t.mode for t in make_teams(3, 3, [1])} == {Mode.WALK}


@pytest.mark.parametrize(
    ("count", "on_foot", "bases", "message"),
    [
        (0, 0, [1], "--teams is 0; at least one team"),
        (2, 3, [1], "--on-foot is 3; give 0 to 2"),
        (2, -1, [1], "--on-foot is -1; give 0 to 2"),
        (2, 0, [], "the city has no team base; rebuild it with `patrol city`"),
    ],
)
def test_make_teams_bounds(count: int, on_foot: int, bases: list[int], message: str) -> None:
    """Team counts out of range and a city without bases are refused with the option named."""
    with pytest.raises(ValidationError, match=message):
        make_teams(count, on_foot, bases)


@pytest.mark.parametrize(
    ("clock", "expected"),
    [("2025-01-16T03:00", date(2025, 1, 15)), ("2025-01-16T05:59", date(2025, 1, 15)),
     ("2025-01-16T06:00", date(2025, 1, 16)), ("2025-01-16T23:00", date(2025, 1, 16))],
)
def test_tonight_is_last_night_until_the_shift_ends(clock: str, expected: date) -> None:
    """Before 06:00 the night in progress began the day before; after it, tonight is today."""
    now = datetime.fromisoformat(clock).replace(tzinfo=ZoneInfo(ZONE))
    assert tonight(ZONE, now) == expected


def test_tonight_reads_the_clock_in_the_citys_zone() -> None:
    """03:30 UTC is 05:30 in Helsinki in winter: still last night there."""
    now = datetime(2025, 1, 16, 3, 30, tzinfo=ZoneInfo("UTC"))
    assert tonight(ZONE, now) == date(2025, 1, 15)
    assert tonight("Asia/Shanghai", now) == date(2025, 1, 16)


def test_a_team_may_end_at_another_base() -> None:
    """``T1=1:2`` starts T1 at base 1 and brings it back to base 2; others keep theirs."""
    teams = with_bases(make_teams(2, 0, [1, 2]), ["T1=1:2"], [1, 2])
    assert (teams[0].base_id, teams[0].last_base_id) == (1, 2)
    assert (teams[1].base_id, teams[1].last_base_id) == (2, 2)


@pytest.mark.parametrize(("entry", "message"), [
    ("T1=7", "no base 7; the bases are 1, 2"),
    ("T1=one", "TEAM=BASE"),
    ("T5=1", "T5, who is not on duty"),
])
def test_bad_team_bases_are_refused(entry: str, message: str) -> None:
    """A base that does not exist, a malformed entry or an absent team is named."""
    with pytest.raises(ValidationError, match=message):
        with_bases(make_teams(2, 0, [1, 2]), [entry], [1, 2])
