"""Cold levels: how often a hotspot must be checked on a night of a given temperature.

The table is the city's to set (``cold_levels.json`` in the data directory):
each level applies below a temperature and asks hotspots of at least
``min_risk`` to be checked every ``interval_h`` hours; other hotspots keep
their category's checks per night.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dispatch.errors import ValidationError

COLD_FILE = "cold_levels.json"


@dataclass(frozen=True)
class ColdLevel:
    """One band of the table: applies when the forecast low is below ``below_c``."""

    key: str
    name_zh: str
    name_en: str
    below_c: float | None
    interval_h: float | None
    min_risk: int = 4

    def __post_init__(self) -> None:
        # A threshold read from JSON as text would only fail later, comparing a forecast.
        if self.below_c is not None and (isinstance(self.below_c, bool)
                                         or not isinstance(self.below_c, int | float)):
            raise ValidationError(
                f"cold level {self.key!r}: below_c {self.below_c!r} must be degrees Celsius "
                "(a number), or null for the mildest level"
            )
        if self.interval_h is not None and not 0.5 <= self.interval_h <= 12:
            raise ValidationError(
                f"cold level {self.key!r}: interval_h {self.interval_h} must be 0.5 to 12 hours"
            )
        if not 1 <= self.min_risk <= 5:
            raise ValidationError(f"cold level {self.key!r}: min_risk must be 1 to 5")

    @property
    def label(self) -> str:
        return f"{self.name_zh} {self.name_en}"


DEFAULT_LEVELS: tuple[ColdLevel, ...] = (
    ColdLevel("extreme", "极寒", "Extreme cold", -10.0, 2.0),
    ColdLevel("severe", "严寒", "Severe cold", 0.0, 4.0),
    ColdLevel("cold", "寒冷", "Cold", None, None),
)


def load_levels(data_dir: Path) -> tuple[ColdLevel, ...]:
    """The city's table (coldest first), or the defaults when it has none."""
    path = data_dir / COLD_FILE
    if not path.is_file():
        return DEFAULT_LEVELS
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        levels = tuple(ColdLevel(**row) for row in rows)
    except (json.JSONDecodeError, TypeError) as exc:
        raise ValidationError(
            f"{path} must be a list of levels with fields {sorted(asdict(DEFAULT_LEVELS[0]))}"
            f" ({exc}); fix or delete it"
        ) from exc
    if not levels or levels[-1].below_c is not None:
        raise ValidationError(f"{path}: the last level must have below_c null (the mildest)")
    thresholds = [lv.below_c for lv in levels[:-1]]
    if thresholds != sorted(thresholds):  # type: ignore[type-var]
        raise ValidationError(f"{path}: levels must go from coldest to mildest")
    return levels


def write_default_levels(data_dir: Path) -> Path:
    """Write the default table where a user can edit it, unless one is there."""
    path = data_dir / COLD_FILE
    if not path.exists():
        rows = [asdict(level) for level in DEFAULT_LEVELS]
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def level_for(levels: tuple[ColdLevel, ...], temperature: float | None) -> ColdLevel:
    """The coldest level whose threshold the temperature is below; no forecast: mildest."""
    if temperature is not None:
        for level in levels:
            if level.below_c is not None and temperature < level.below_c:
                return level
    return levels[-1]


def check_windows(
    start: datetime, end: datetime, *, risk: int, per_night: int, level: ColdLevel
) -> list[tuple[datetime, datetime]]:
    """Windows of a hotspot's checks within ``start``-``end``: equal slots, one check each."""
    count = per_night
    if level.interval_h is not None and risk >= level.min_risk:
        hours = (end - start).total_seconds() / 3600
        count = max(count, math.ceil(hours / level.interval_h))
    slot = (end - start) / count
    return [(start + k * slot, start + (k + 1) * slot - timedelta(seconds=1))
            for k in range(count)]
