"""``patrol reach``: shelter walking areas, gaps and suggested sites, printed and as GeoJSON."""

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
