"""The ``patrol`` command: plans written to files, help, and clear errors on bad input."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest


@pytest.fixture()
def city_dir(planned_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the planned demo city, so a command may change it."""
    target = tmp_path / "city"
    shutil.copytree(planned_dir, target)
    return target


def test_plan_writes_json_geojson_and_maps(run_cli, city_dir: Path, tmp_path: Path) -> None:
    """``patrol plan --teams 2 --out DIR`` writes the plan, its GeoJSON and a map per team."""
    out = tmp_path / "out"
    result = run_cli("--data-dir", str(city_dir), "plan", "--teams", "2", "--time-limit", "5",
                     "--out", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert [r["team"] for r in document["routes"]] == ["T1", "T2"]
    for visit in (v for r in document["routes"] for v in r["visits"]):
        assert datetime.fromisoformat(visit["arrival"]).utcoffset() is not None
    geojson = json.loads((out / "plan.geojson").read_text(encoding="utf-8"))
    assert geojson["type"] == "FeatureCollection"
    for name in ("overview.html", "team-T1.html", "team-T2.html", "assets/leaflet/leaflet.js"):
        assert (out / name).is_file(), name
    assert "src=\"assets/leaflet/leaflet.js\"" in (out / "overview.html").read_text("utf-8")


def test_plan_refuses_zero_teams(run_cli, city_dir: Path) -> None:
    """Zero teams is refused with a message naming the option."""
    result = run_cli("--data-dir", str(city_dir), "plan", "--teams", "0")
    assert result.exit_code == 2
    assert "--teams" in result.output


def test_plan_refuses_an_end_before_the_start(run_cli, city_dir: Path) -> None:
    """A shift that ends before it starts is refused and says how to fix it."""
    result = run_cli("--data-dir", str(city_dir), "plan", "--start", "2026-12-01T20:00",
                     "--end", "2026-12-01T06:00")
    assert result.exit_code == 1
    assert "before it starts" in result.output


def test_plan_refuses_an_unknown_option(run_cli, city_dir: Path) -> None:
    """An unknown option is named in the error and exits non-zero."""
    result = run_cli("--data-dir", str(city_dir), "plan", "--teamz", "3")
    assert result.exit_code == 2
    assert "--teamz" in result.output


def test_plan_refuses_a_bad_time(run_cli, city_dir: Path) -> None:
    """A start that is not a time is refused with the accepted forms."""
    result = run_cli("--data-dir", str(city_dir), "plan", "--start", "eight pm")
    assert result.exit_code == 1
    assert "HH:MM" in result.output


def test_plan_without_a_city_says_to_build_one(run_cli, tmp_path: Path) -> None:
    """Planning in an empty data directory tells the user to run ``patrol city``."""
    result = run_cli("--data-dir", str(tmp_path / "nothing"), "plan")
    assert result.exit_code == 1
    assert "patrol city" in result.output


def test_city_needs_exactly_one_source(run_cli, tmp_path: Path) -> None:
    """``patrol city`` with no source, or two, is a usage error."""
    assert run_cli("--data-dir", str(tmp_path), "city").exit_code == 2
    both = run_cli("--data-dir", str(tmp_path), "city", "--demo", "--bbox", "1,2,3,4")
    assert both.exit_code == 2


def test_city_refuses_a_missing_file_and_a_bad_bbox(run_cli, tmp_path: Path) -> None:
    """A missing extract and a malformed bounding box get messages that say what to give."""
    missing = run_cli("--data-dir", str(tmp_path), "city", "--osm", str(tmp_path / "x.osm.pbf"))
    assert missing.exit_code == 1 and "does not exist" in missing.output
    bad = run_cli("--data-dir", str(tmp_path), "city", "--bbox", "1,2,3")
    assert bad.exit_code == 2 and "W,S,E,N" in bad.output
    flipped = run_cli("--data-dir", str(tmp_path), "city", "--bbox", "3,2,1,4")
    assert flipped.exit_code == 1 and "W<E" in flipped.output


def test_data_dir_comes_from_the_environment(run_cli, city_dir: Path, monkeypatch) -> None:
    """PATROL_DATA_DIR selects the data directory when --data-dir is not given."""
    monkeypatch.setenv("PATROL_DATA_DIR", str(city_dir))
    result = run_cli("plan", "--teams", "1", "--time-limit", "2")
    assert result.exit_code == 0, result.output
    assert "Helsinki" in result.output


@pytest.mark.parametrize("command", [[], ["city"], ["plan"], ["reach"], ["recommend"], ["serve"],
                                     ["demo"]])
def test_every_command_explains_its_options(run_cli, command: list[str]) -> None:
    """``--help`` works for the group and each command."""
    result = run_cli(*command, "--help")
    assert result.exit_code == 0
    assert "--" in result.output


def test_plan_prints_the_cold_level_of_the_forecast(run_cli, city_dir: Path) -> None:
    """``--temperature -12`` plans an extreme-cold night and says so with the temperature."""
    result = run_cli("--data-dir", str(city_dir), "plan", "--teams", "1", "--start", "20:00",
                     "--end", "22:00", "--temperature", "-12", "--time-limit", "5")
    assert result.exit_code == 0, result.output
    assert "极寒 Extreme cold (-12 °C)" in result.output


def test_plan_refuses_a_skill_for_a_team_not_on_duty(run_cli, city_dir: Path) -> None:
    """A skill for T9 when two teams are out names the teams there are."""
    result = run_cli("--data-dir", str(city_dir), "plan", "--teams", "2",
                     "--team-skill", "T9=police")
    assert result.exit_code == 1
    assert "T9" in result.output and "T1 to T2" in result.output


def test_plan_refuses_a_skill_without_a_team(run_cli, city_dir: Path) -> None:
    """``--team-skill police`` is refused with the TEAM=SKILL form and an example."""
    result = run_cli("--data-dir", str(city_dir), "plan", "--team-skill", "police")
    assert result.exit_code == 1
    assert "TEAM=SKILL" in result.output and "T1=police" in result.output


def test_plan_refuses_a_closure_that_is_not_a_road(run_cli, city_dir: Path,
                                                   tmp_path: Path) -> None:
    """A closed-roads file holding a point is refused, naming feature 1."""
    closed = tmp_path / "closed.geojson"
    closed.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Point", "coordinates": [24.94, 60.17]}}]}), encoding="utf-8")
    result = run_cli("--data-dir", str(city_dir), "plan", "--closed-roads", str(closed))
    assert result.exit_code == 1
    assert "feature 1" in result.output and "Point" in result.output


def test_plan_refuses_a_break_over_two_hours(run_cli, city_dir: Path) -> None:
    """``--break-minutes 200`` is a usage error naming the option."""
    result = run_cli("--data-dir", str(city_dir), "plan", "--break-minutes", "200")
    assert result.exit_code == 2
    assert "--break-minutes" in result.output


def test_replan_keeps_done_visits_and_plans_the_rest(run_cli, city_dir: Path) -> None:
    """``patrol replan --done`` keeps the done check first and plans the rest of the night."""
    planned = run_cli("--data-dir", str(city_dir), "plan", "--teams", "2", "--time-limit", "5",
                      "--date", "2026-01-15", "--out", str(city_dir / "out"))
    assert planned.exit_code == 0, planned.output
    document = json.loads((city_dir / "out" / "plan.json").read_text(encoding="utf-8"))
    first = document["routes"][0]["visits"][0]
    key = f"{first['hotspot_id']}#{first['check']}"
    result = run_cli("--data-dir", str(city_dir), "replan", "--now", "21:00", "--done", key)
    assert result.exit_code == 0, result.output
    bad = run_cli("--data-dir", str(city_dir), "replan", "--now", "21:00", "--done", "999999#1")
    assert bad.exit_code == 1 and "not a visit of tonight's plan" in bad.output
