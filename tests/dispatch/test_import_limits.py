"""What one import may expand to is bounded, each with a message saying what to do: rows
per file, vertices per shape (imports and the API alike), and a zip's unpacked size."""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import pytest
from shapely.geometry import Polygon

from dispatch.errors import ValidationError
from dispatch.geometry import MAX_VERTICES, check_geometry
from dispatch.readers import MAX_ROWS, read_table


def test_a_file_of_too_many_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    lines = ["name,category,lon,lat"] + [f"p{k},park,24.94,60.17" for k in range(MAX_ROWS + 1)]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ValidationError, match=f"more than {MAX_ROWS}: split it"):
        read_table(path)


def test_a_shape_of_too_many_vertices_is_named() -> None:
    count = MAX_VERTICES + 10
    ring = [(24.94 + 0.01 * math.cos(2 * math.pi * k / count),
             60.17 + 0.005 * math.sin(2 * math.pi * k / count)) for k in range(count)]
    problem = check_geometry(Polygon(ring))
    assert problem is not None and "simplify it" in problem.message
    fewer = check_geometry(Polygon(ring[::4]))
    assert fewer is None or "vertices" not in fewer.message


def test_a_zip_that_expands_too_far_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sites.shp", b"\0" * 100)
        archive.writestr("sites.dbf", io.BytesIO(b"\0" * (210 * 1024 * 1024)).getvalue())
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(ValidationError, match="expands to"):
        read_table(path)
