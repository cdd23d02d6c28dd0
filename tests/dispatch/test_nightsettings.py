"""Tonight's settings: bad ones are refused field by field; the cold level's checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.cold import DEFAULT_LEVELS
from dispatch.errors import FormError
from dispatch.models import TeamBase
from dispatch.nightsettings import SettingsForm, cold_preview, night_from, read_settings
from dispatch.roster import TeamForm, save_team
from tests.conftest import WINTER_NIGHT


@pytest.fixture()
def team_ids(demo_session: Session) -> tuple[str, ...]:
    base = str(demo_session.scalars(select(TeamBase.id)).first())
    teams = [save_team(demo_session, TeamForm(name=f"队{k}", agency="police", size="2",
                                              vehicle=f"P{k}", on_foot=k == 2, base_id=base))
             for k in (1, 2)]
    return tuple(str(t.id) for t in teams)


def _problems(session: Session, form: SettingsForm) -> dict[str, str]:
    with pytest.raises(FormError) as caught:
        read_settings(session, WINTER_NIGHT, form)
    return {p.field: p.message.format(**dict(p.values)) for p in caught.value.problems}


def test_good_settings_make_a_night_across_midnight(demo_session: Session,
                                                    team_ids: tuple[str, ...]) -> None:
    """20:00 to 06:00 ends the next morning; the ticked roster teams are on duty."""
    settings = read_settings(demo_session, WINTER_NIGHT,
                             SettingsForm(team_ids, "20:00", "06:00", "−12 °C", "30"))
    assert settings.temperature == -12
    night = night_from(demo_session, WINTER_NIGHT, settings)
    assert (night.end - night.start).total_seconds() == 10 * 3600
    assert [t.mode.value for t in night.teams] == ["drive", "walk"]


@pytest.mark.parametrize("start, end", [("20:00", "19:00"), ("22:00", "22:00"),
                                        ("20:00", "20:30")])
def test_a_shift_that_ends_before_it_starts_is_refused(demo_session: Session,
                                                       team_ids: tuple[str, ...], start: str,
                                                       end: str) -> None:
    """Longer than 16 h (ends before it starts), no length, or under an hour: the end field."""
    problems = _problems(demo_session, SettingsForm(team_ids, start, end, "-5"))
    assert set(problems) == {"end"}
    assert "ends before it starts" in problems["end"]


def test_no_team_and_a_temperature_that_is_not_a_number(demo_session: Session) -> None:
    """Every wrong field at once: no team ticked, 'cold' as a temperature, 25:00 as a time."""
    problems = _problems(demo_session, SettingsForm((), "25:00", "06:00", "cold", "30"))
    assert set(problems) == {"teams", "start", "temperature"}
    assert "'cold' is not a temperature" in problems["temperature"]
    assert "not a clock time" in problems["start"]


def test_an_empty_or_absurd_temperature_is_refused(demo_session: Session,
                                                   team_ids: tuple[str, ...]) -> None:
    """The low must be typed, and be a forecast low in °C."""
    assert "forecast low" in _problems(demo_session, SettingsForm(team_ids, temperature=""))[
        "temperature"]
    assert "-60 and 45" in _problems(demo_session, SettingsForm(team_ids, temperature="-300"))[
        "temperature"]


def test_the_cold_level_asks_more_checks_of_risky_hotspots(demo_session: Session) -> None:
    """At −12 °C risk-4+ hotspots are checked every 2 h of a 10 h shift; at +2 °C once."""
    cold = cold_preview(demo_session, WINTER_NIGHT, DEFAULT_LEVELS, -12, "20:00", "06:00")
    mild = cold_preview(demo_session, WINTER_NIGHT, DEFAULT_LEVELS, 2, "20:00", "06:00")
    assert cold.level.key == "extreme" and mild.level.key == "cold"
    risky = [h for h in cold.hotspots if h.risk >= 4 and h.checks]
    assert risky and all(h.checks >= 5 for h in risky)
    assert cold.total > mild.total
    assert sum(checks for _, _, checks in cold.by_risk) == cold.total
