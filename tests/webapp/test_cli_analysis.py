"""``patrol reach`` (shelter walking areas, gaps, suggested sites) and ``patrol recommend``."""

from __future__ import annotations

import json
from pathlib import Path


def test_reach_prints_gaps_and_writes_geojson(run_cli, planned_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "reach.geojson"
    result = run_cli("--data-dir", str(planned_dir), "reach", "--minutes", "5,10",
                     "--within", "5", "--new-sites", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "beyond 5 min on foot" in result.output
    assert "suggested warming points (best possible)" in result.output
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    layers = [f["properties"]["layer"] for f in features]
    assert {"walk_area", "outside", "suggested_site"} <= set(layers)
    areas = [f for f in features if f["properties"]["layer"] == "walk_area"]
    assert areas[0]["properties"]["minutes"] == 10.0
    assert areas[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_reach_refuses_bad_minutes(run_cli, planned_dir: Path) -> None:
    result = run_cli("--data-dir", str(planned_dir), "reach", "--minutes", "ten")
    assert result.exit_code != 0
    assert "--minutes" in result.output and "10,15,20" in result.output
    result = run_cli("--data-dir", str(planned_dir), "reach", "--minutes", "10", "--within", "20")
    assert result.exit_code == 1 and "at most the longest" in result.output


def test_recommend_ranks_every_team_for_a_report(run_cli, planned_dir: Path) -> None:
    result = run_cli("--data-dir", str(planned_dir), "recommend", "--where", "24.9454,60.1747",
                     "--category", "minor", "--not-moving", "--temperature", "-12",
                     "--now", "22:00")
    assert result.exit_code == 0, result.output
    assert "urgency: critical" in result.output
    ranked = [line for line in result.output.splitlines() if line.startswith("  1. ")]
    assert ranked and "there 22:" in ranked[0]


def test_recommend_refuses_swapped_coordinates(run_cli, planned_dir: Path) -> None:
    result = run_cli("--data-dir", str(planned_dir), "recommend", "--where", "60.1747,24.9454",
                     "--now", "22:00")
    assert result.exit_code == 1
    assert "look swapped" in result.output
