"""Template filters: times in the city's own clock and bilingual labels."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask

from dispatch.checkins import as_utc
from maps.style import clock

MODE_LABELS = {"drive": "车辆 Vehicle", "walk": "步行 On foot"}


def hm(moment: datetime) -> str:
    """``HH:MM`` in the moment's own time zone (the city's)."""
    return moment.strftime("%H:%M")


def minutes(duration: timedelta) -> int:
    """Whole minutes, rounded up so a short hop never reads as zero."""
    return max(1, -(-int(duration.total_seconds()) // 60)) if duration else 0


def city_hm(moment: datetime, timezone: str) -> str:
    """``HH:MM`` on the city's clock for a stored time (kept in UTC)."""
    return clock(as_utc(moment), timezone)


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(hm)
    app.add_template_filter(minutes)
    app.add_template_filter(city_hm)
    app.add_template_filter(lambda mode: MODE_LABELS.get(mode, mode), "mode_label")
