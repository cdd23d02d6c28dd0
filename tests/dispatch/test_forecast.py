"""The forecast low from an Open-Meteo-style service: a local test server, never the internet."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest

from dispatch.forecast import forecast_low
from tests.conftest import HELSINKI, WINTER_NIGHT

ZONE = ZoneInfo(HELSINKI)
START = datetime.combine(WINTER_NIGHT, datetime.min.time(), ZONE) + timedelta(hours=20)
END = START + timedelta(hours=10)


class _Forecast(BaseHTTPRequestHandler):
    """Hourly temperatures over two days: coldest (−15) at 04:00 the second morning,
    colder still (−20) at 10:00, after the shift."""

    asked: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        query = parse_qs(urlparse(self.path).query)
        _Forecast.asked.append(query)
        day = datetime.fromisoformat(query["start_date"][0])
        hours = [day + timedelta(hours=h) for h in range(48)]
        temps = [-20.0 if h == 34 else -15.0 if h == 28 else -5.0 for h in range(48)]
        body = json.dumps({"hourly": {"time": [h.strftime("%Y-%m-%dT%H:%M") for h in hours],
                                      "temperature_2m": temps}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture()
def service() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Forecast)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1/forecast"
    server.shutdown()
    server.server_close()


def test_the_low_is_the_coldest_hour_of_the_shift(service: str) -> None:
    """−15 at 04:00 counts; −20 at 10:00 (after the shift) does not; asked in local time."""
    assert forecast_low(service, lon=24.94, lat=60.17, start=START, end=END) == -15.0
    query = _Forecast.asked[-1]
    assert query["hourly"] == ["temperature_2m"] and query["timezone"] == [HELSINKI]
    assert query["end_date"] == [(WINTER_NIGHT + timedelta(days=1)).isoformat()]


def test_an_unreachable_service_gives_none() -> None:
    """No answer: the dispatcher types the low."""
    server = HTTPServer(("127.0.0.1", 0), _Forecast)
    url = f"http://127.0.0.1:{server.server_port}/v1/forecast"
    server.server_close()  # nobody listens there any more
    assert forecast_low(url, lon=24.94, lat=60.17, start=START, end=END) is None
