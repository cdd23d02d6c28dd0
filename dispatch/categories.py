"""The hotspot category table: what each kind of place costs to check and how risky it is.

Defaults suit a northern-Chinese winter campaign; a city overrides them with a
``categories.json`` in its data directory (same keys, any subset of fields).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import time
from pathlib import Path

from dispatch.errors import ValidationError


@dataclass(frozen=True)
class Category:
    """One kind of hotspot and its defaults."""

    key: str
    name_zh: str
    name_en: str
    risk: int
    service_min: int
    checks_per_night: int
    color: str
    #: Clock times it may be checked, e.g. ("18:00", "06:00") after a site's workers leave.
    window: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.window is not None:
            object.__setattr__(self, "window", tuple(self.window))
            try:
                start, end = (time.fromisoformat(t) for t in self.window)
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    f"category {self.key!r}: window {self.window!r} must be two clock times "
                    'like ["18:00", "06:00"]'
                ) from exc
        for name in ("risk", "service_min", "checks_per_night"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValidationError(
                    f"category {self.key!r}: {name} {value!r} must be a whole number"
                )
        if not 1 <= self.risk <= 5:
            raise ValidationError(f"category {self.key!r}: risk {self.risk} must be 1 to 5")
        if not 0 < self.service_min <= 240:
            raise ValidationError(
                f"category {self.key!r}: service_min {self.service_min} must be 1 to 240 minutes"
            )
        if not 1 <= self.checks_per_night <= 12:
            raise ValidationError(
                f"category {self.key!r}: checks_per_night {self.checks_per_night} must be 1 to 12"
            )

    @property
    def label(self) -> str:
        """Chinese and English name together, for people-facing text."""
        return f"{self.name_zh} {self.name_en}"

    @property
    def clock_window(self) -> tuple[time, time] | None:
        """The window as clock times, or ``None`` for any time of the night."""
        if self.window is None:
            return None
        return time.fromisoformat(self.window[0]), time.fromisoformat(self.window[1])


DEFAULT_CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in (
        Category("station", "车站", "Station", 5, 15, 2, "#d62728"),
        Category("bridge", "桥梁涵洞", "Bridge / culvert", 4, 10, 2, "#9467bd"),
        Category("underpass", "地下通道", "Underpass", 4, 8, 2, "#8c564b"),
        Category("construction", "在建工地", "Construction site", 3, 15, 1, "#ff7f0e",
                 window=("18:00", "06:00")),
        Category("park", "公园", "Park", 3, 15, 1, "#2ca02c"),
        Category("market", "集市", "Market", 2, 10, 1, "#17becf"),
    )
}

CATEGORY_FILE = "categories.json"


def load_categories(data_dir: Path) -> dict[str, Category]:
    """The defaults, overridden by ``data_dir/categories.json`` when it exists."""
    path = data_dir / CATEGORY_FILE
    table = dict(DEFAULT_CATEGORIES)
    if not path.is_file():
        return table
    try:
        overrides = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path} is not valid JSON ({exc}); fix or delete it") from exc
    if not isinstance(overrides, dict):
        raise ValidationError(f"{path} must hold an object keyed by category")
    allowed = {f.name for f in fields(Category)} - {"key"}
    for key, values in overrides.items():
        if not isinstance(values, dict):
            raise ValidationError(
                f"{path}: category {key!r} must be an object of fields, e.g. {{\"risk\": 3}}"
            )
        unknown = set(values) - allowed
        if unknown:
            raise ValidationError(
                f"{path}: category {key!r} has unknown fields {sorted(unknown)}; "
                f"use {sorted(allowed)}"
            )
        base = table.get(key)
        missing = allowed - set(values) - {"window"} if base is None else set()
        if missing:
            raise ValidationError(
                f"{path}: new category {key!r} lacks {sorted(missing)}; give every field"
            )
        table[key] = replace(base, **values) if base else Category(key=key, **values)
    return table


def write_default_categories(data_dir: Path) -> Path:
    """Write the default table where a user can edit it, unless one is there."""
    path = data_dir / CATEGORY_FILE
    if not path.exists():
        table = {k: {f: v for f, v in asdict(c).items() if f != "key"}
                 for k, c in DEFAULT_CATEGORIES.items()}
        path.write_text(json.dumps(table, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
