"""``patrol import`` and ``patrol export`` on the demo city: what was done, or every problem."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dispatch.models import Hotspot, HotspotChange
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace


def _csv(folder: Path, text: str) -> Path:
    path = folder / "new.csv"
    path.write_text(text, encoding="gbk")
    return path


def test_import_then_export_through_the_command(
    run_cli, workspace_copy: Workspace, tmp_path: Path
) -> None:
    """A GBK CSV from Chinese Excel imports with --by; the export writes a GeoPackage that
    holds it; the history names who imported."""
    path = _csv(tmp_path, "名称,类别,经度,纬度\n夜间集市,market,24.9450,60.1700\n")
    result = run_cli("--data-dir", str(workspace_copy.root), "-q", "import", str(path),
                     "--by", "王调度")
    assert result.exit_code == 0, result.output
    assert "新增 1 added" in result.output and "GBK" in result.output
    engine = open_engine(workspace_copy.database_url)
    with session_factory(engine)() as session:
        hotspot = session.scalars(select(Hotspot).where(Hotspot.name == "夜间集市")).one()
        change = session.scalars(select(HotspotChange)).one()
        assert (change.hotspot_id, change.who, change.action) == (hotspot.id, "王调度", "import")
    engine.dispose()
    out = tmp_path / "out" / "registry.gpkg"
    result = run_cli("--data-dir", str(workspace_copy.root), "-q", "export", "--format", "gpkg",
                     str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output and out.stat().st_size > 0


def test_a_bad_file_lists_every_problem_and_exits_non_zero(
    run_cli, workspace_copy: Workspace, tmp_path: Path
) -> None:
    """Two bad rows: both named, exit status 1, and the database keeps its hotspots."""
    engine = open_engine(workspace_copy.database_url)
    with session_factory(engine)() as session:
        before = len(session.scalars(select(Hotspot)).all())
    path = _csv(tmp_path, "名称,类别,经度,纬度\n甲,casino,24.9450,60.1700\n乙,park,60.17,24.945\n")
    result = run_cli("--data-dir", str(workspace_copy.root), "-q", "import", str(path))
    assert result.exit_code == 1
    assert "line 2, category" in result.output and "line 3, geometry" in result.output
    assert "swapped" in result.output and "nothing was imported" in result.output
    with session_factory(engine)() as session:
        assert len(session.scalars(select(Hotspot)).all()) == before
    engine.dispose()


def test_import_needs_a_built_city(run_cli, tmp_path: Path) -> None:
    """Before a city is built, the command says how to build one."""
    path = _csv(tmp_path, "名称,类别,经度,纬度\n甲,market,24.9450,60.1700\n")
    result = run_cli("--data-dir", str(tmp_path / "empty"), "-q", "import", str(path))
    assert result.exit_code == 1 and "patrol city" in result.output
