"""The forecast low from an Open-Meteo-style service: a local test server, never the internet."""

from __future__ import annotations

from datetime import datetime, timedelta
from http.server import HTTPServer
from zoneinfo import ZoneInfo

from dispatch.forecast import forecast_low
from tests.conftest import HELSINKI, WINTER_NIGHT, ForecastHandler

ZONE = ZoneInfo(HELSINKI)
START = datetime.combine(WINTER_NIGHT, datetime.min.time(), ZONE) + timedelta(hours=20)
END = START + timedelta(hours=10)


def test_the_low_is_the_coldest_hour_of_the_shift(forecast_service: str) -> None:
    """−15 at 04:00 counts; −20 at 10:00 (after the shift) does not; asked in local time."""
    assert forecast_low(forecast_service, lon=24.94, lat=60.17, start=START, end=END) == -15.0
    query = ForecastHandler.asked[-1]
    assert query["hourly"] == ["temperature_2m"] and query["timezone"] == [HELSINKI]
    assert query["end_date"] == [(WINTER_NIGHT + timedelta(days=1)).isoformat()]


def test_an_unreachable_service_gives_none() -> None:
    """No answer: the dispatcher types the low."""
    server = HTTPServer(("127.0.0.1", 0), ForecastHandler)
    url = f"http://127.0.0.1:{server.server_port}/v1/forecast"
    server.server_close()  # nobody listens there any more
    assert forecast_low(url, lon=24.94, lat=60.17, start=START, end=END) is None
