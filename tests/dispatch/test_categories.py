"""The hotspot category table: defaults, a city's categories.json, and bad values refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dispatch.categories import (
    CATEGORY_FILE,
    DEFAULT_CATEGORIES,
    Category,
    load_categories,
    write_default_categories,
)
from dispatch.errors import ValidationError


def _write(data_dir: Path, content: Any) -> None:
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    (data_dir / CATEGORY_FILE).write_text(text, encoding="utf-8")


def test_defaults_without_a_file(tmp_path: Path) -> None:
    """With no categories.json the campaign's six categories apply, stations riskiest."""
    table = load_categories(tmp_path)
    assert table == DEFAULT_CATEGORIES
    assert set(table) == {"station", "bridge", "underpass", "construction", "park", "market"}
    assert max(table.values(), key=lambda c: c.risk).key == "station"


def test_an_override_changes_only_the_fields_given(tmp_path: Path) -> None:
    """A partial override changes its fields and keeps the category's other defaults."""
    _write(tmp_path, {"park": {"risk": 5, "service_min": 20}})
    park = load_categories(tmp_path)["park"]
    assert (park.risk, park.service_min) == (5, 20)
    default = DEFAULT_CATEGORIES["park"]
    assert (park.name_zh, park.checks_per_night, park.color) == (
        default.name_zh, default.checks_per_night, default.color)
    assert load_categories(tmp_path)["station"] == DEFAULT_CATEGORIES["station"]


def test_a_city_can_add_a_category(tmp_path: Path) -> None:
    """A new key with every field adds a category of the city's own."""
    _write(tmp_path, {"stairwell": {"name_zh": "楼道", "name_en": "Stairwell", "risk": 3,
                                    "service_min": 5, "checks_per_night": 2,
                                    "color": "#123456"}})
    stairwell = load_categories(tmp_path)["stairwell"]
    assert stairwell.key == "stairwell" and stairwell.label == "楼道 Stairwell"


def test_written_defaults_read_back_equal(tmp_path: Path) -> None:
    """The file written for users to edit reads back as the defaults, in UTF-8."""
    path = write_default_categories(tmp_path)
    assert "车站" in path.read_text(encoding="utf-8")
    assert load_categories(tmp_path) == DEFAULT_CATEGORIES


def test_writing_defaults_keeps_a_users_file(tmp_path: Path) -> None:
    """A categories.json already there is never overwritten."""
    _write(tmp_path, {"park": {"risk": 1}})
    write_default_categories(tmp_path)
    assert load_categories(tmp_path)["park"].risk == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON .*; fix or delete it"),
        ([1, 2], "must hold an object keyed by category"),
        ({"park": {"risk": 9}}, "category 'park': risk 9 must be 1 to 5"),
        ({"park": {"service_min": 0}}, "service_min 0 must be 1 to 240 minutes"),
        ({"park": {"checks_per_night": 13}}, "checks_per_night 13 must be 1 to 12"),
        ({"park": {"danger": 3}}, r"category 'park' has unknown fields \['danger'\]"),
        ({"park": 5}, "category 'park' must be an object of fields"),
        ({"park": {"risk": "high"}}, "category 'park': risk 'high' must be a whole number"),
        ({"stairwell": {"risk": 3}}, r"new category 'stairwell' lacks .*'name_en'"),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, content: Any, message: str) -> None:
    """A bad categories.json raises ValidationError naming the file, the category and the fix."""
    _write(tmp_path, content)
    with pytest.raises(ValidationError, match=message):
        load_categories(tmp_path)


def test_category_checks_its_own_values() -> None:
    """A category built in code is checked too."""
    with pytest.raises(ValidationError, match="risk 0 must be 1 to 5"):
        Category("x", "某", "X", 0, 10, 1, "#000000")
