"""Tonight's forecast low from an Open-Meteo-style forecast service, when the city has one.

The service is asked for hourly ``temperature_2m`` in the city's time zone over the
night's two dates; the low is the coldest hour inside the shift. A service that is
not configured, cannot be reached or answers in another shape gives ``None``: the
dispatcher types the low instead.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime
from urllib.parse import urlencode

log = logging.getLogger(__name__)

#: A page waits at most this long for the service.
TIMEOUT_S = 3.0


def forecast_low(url: str, *, lon: float, lat: float, start: datetime,
                 end: datetime) -> float | None:
    """The coldest forecast hour between ``start`` and ``end`` at ``lon``/``lat``, °C."""
    zone = start.tzinfo
    query = urlencode({
        "latitude": f"{lat:.5f}", "longitude": f"{lon:.5f}", "hourly": "temperature_2m",
        "timezone": str(zone), "start_date": start.date().isoformat(),
        "end_date": end.date().isoformat(),
    })
    try:
        with urllib.request.urlopen(f"{url}?{query}", timeout=TIMEOUT_S) as answer:
            document = json.load(answer)
        hourly = document["hourly"]
        hours = [datetime.fromisoformat(t).replace(tzinfo=zone) for t in hourly["time"]]
        values = [(h, float(v)) for h, v in zip(hours, hourly["temperature_2m"], strict=True)
                  if v is not None]
    except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError) as exc:
        log.info("no forecast from %s: %s", url, exc)
        return None
    inside = [v for h, v in values if start <= h <= end]
    return round(min(inside), 1) if inside else None
