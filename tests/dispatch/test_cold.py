"""Cold levels: the forecast low picks a band, and the band decides how often places are checked."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dispatch.cold import (
    COLD_FILE,
    DEFAULT_LEVELS,
    ColdLevel,
    check_windows,
    level_for,
    load_levels,
    write_default_levels,
)
from dispatch.errors import ValidationError

EVENING = datetime(2025, 1, 15, 20, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
MORNING = EVENING + timedelta(hours=10)
EXTREME, SEVERE, COLD = DEFAULT_LEVELS

BITTER_TABLE = [
    {"key": "bitter", "name_zh": "酷寒", "name_en": "Bitter", "below_c": -5,
     "interval_h": 1, "min_risk": 3},
    {"key": "mild", "name_zh": "微寒", "name_en": "Mild", "below_c": None, "interval_h": None},
]


def _write(data_dir: Path, rows: object) -> None:
    (data_dir / COLD_FILE).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("temperature", "key"),
    [(-30.0, "extreme"), (-10.5, "extreme"), (-10.0, "severe"), (-0.1, "severe"),
     (0.0, "cold"), (4.0, "cold"), (None, "cold")],
)
def test_level_for_takes_the_coldest_band_the_forecast_is_below(
    temperature: float | None, key: str
) -> None:
    """Below -10 °C is extreme, below 0 °C severe, anything else (or no forecast) cold."""
    assert level_for(DEFAULT_LEVELS, temperature).key == key


def test_levels_have_bilingual_labels() -> None:
    """Each level reads in Chinese and English."""
    assert [level.label for level in DEFAULT_LEVELS] == [
        "极寒 Extreme cold", "严寒 Severe cold", "寒冷 Cold"]


def test_extreme_cold_checks_high_risk_every_two_hours() -> None:
    """At -12 °C over 10 h a risk-5 place gets 5 two-hour windows, a risk-2 place one."""
    level = level_for(DEFAULT_LEVELS, -12.0)
    windows = check_windows(EVENING, MORNING, risk=5, per_night=2, level=level)
    assert len(windows) == 5
    assert [start for start, _ in windows] == [EVENING + timedelta(hours=2 * k)
                                               for k in range(5)]
    for (_, end), (start, _) in zip(windows, windows[1:], strict=False):
        assert end < start and start - end == timedelta(seconds=1)
    assert windows[-1][1] < MORNING
    (whole,) = check_windows(EVENING, MORNING, risk=2, per_night=1, level=level)
    assert whole == (EVENING, MORNING - timedelta(seconds=1))


@pytest.mark.parametrize(
    ("level", "risk", "per_night", "count"),
    [(EXTREME, 4, 2, 5), (EXTREME, 3, 2, 2), (SEVERE, 5, 1, 3), (SEVERE, 4, 4, 4),
     (COLD, 5, 2, 2), (COLD, 1, 1, 1)],
)
def test_a_level_only_ever_adds_checks(level: ColdLevel, risk: int, per_night: int,
                                       count: int) -> None:
    """Risk from min_risk gets ceil(shift / interval) checks; never fewer than per night."""
    windows = check_windows(EVENING, MORNING, risk=risk, per_night=per_night, level=level)
    assert len(windows) == count
    assert windows[0][0] == EVENING and windows[-1][1] < MORNING


def test_without_a_table_the_defaults_apply(tmp_path: Path) -> None:
    """A data directory without cold_levels.json uses the default table."""
    assert load_levels(tmp_path) == DEFAULT_LEVELS


def test_the_default_table_is_written_once_and_reads_back(tmp_path: Path) -> None:
    """The written defaults read back as the defaults, and a user's own table is kept."""
    path = write_default_levels(tmp_path)
    assert path == tmp_path / COLD_FILE
    assert load_levels(tmp_path) == DEFAULT_LEVELS
    _write(tmp_path, BITTER_TABLE)
    write_default_levels(tmp_path)
    assert [level.key for level in load_levels(tmp_path)] == ["bitter", "mild"]


def test_a_citys_table_overrides_the_defaults(tmp_path: Path) -> None:
    """A city's own bands decide the level and how often its places are checked."""
    _write(tmp_path, BITTER_TABLE)
    levels = load_levels(tmp_path)
    assert level_for(levels, -6.0).label == "酷寒 Bitter"
    assert level_for(levels, -12.0).key == "bitter"
    assert level_for(levels, -4.0).key == "mild"
    bitter = level_for(levels, -6.0)
    assert len(check_windows(EVENING, MORNING, risk=3, per_night=1, level=bitter)) == 10
    assert len(check_windows(EVENING, MORNING, risk=2, per_night=1, level=bitter)) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[{not json", "fix or delete it"),
        ('[{"key": "x"}]', "must be a list of levels with fields"),
        ('{"key": "extreme"}', "must be a list of levels with fields"),
        ("[1, 2]", "must be a list of levels with fields"),
        ("[]", "the last level must have below_c null"),
        (json.dumps(BITTER_TABLE[:1]), "the last level must have below_c null"),
        (json.dumps([{**BITTER_TABLE[0], "below_c": -1}, {**BITTER_TABLE[0], "below_c": -9},
                     BITTER_TABLE[1]]), "from coldest to mildest"),
        (json.dumps([{**BITTER_TABLE[0], "interval_h": 20}, BITTER_TABLE[1]]),
         "interval_h 20 must be 0.5 to 12 hours"),
        (json.dumps([{**BITTER_TABLE[0], "min_risk": 0}, BITTER_TABLE[1]]),
         "min_risk must be 1 to 5"),
        (json.dumps([{**BITTER_TABLE[0], "below_c": "-5"}, BITTER_TABLE[1]]),
         "below_c '-5' must be degrees Celsius"),
    ],
)
def test_a_bad_table_is_refused_with_the_fix(tmp_path: Path, content: str, message: str) -> None:
    """A table that is not JSON, misses fields, is out of order or out of range is refused."""
    (tmp_path / COLD_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=message):
        load_levels(tmp_path)
