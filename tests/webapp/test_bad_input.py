"""Input that used to answer 500 gets a clear 4xx, or works: a far-off night, a file name
with a NUL, a CSV field past the csv module's limit (a large polygon, as our own export
writes it), and a typed place that is a LIKE wildcard."""

from __future__ import annotations

import csv
import io
import math

from flask import Flask
from shapely.geometry import Polygon
from sqlalchemy import func, select

from dispatch.models import Hotspot
from tests.webapp.conftest import import_through_page
from webapp.resources import resources
from webapp.views.pages import current_plan

ONE_ROW = "name,category,lon,lat\n中央车站东口,station,24.9420,60.1712\n".encode()


def _upload(app: Flask, data: bytes, name: str):  # type: ignore[no-untyped-def]
    return import_through_page(app.test_client(), {
        "layer": "hotspots", "crs": "", "file": (io.BytesIO(data), name)})


def _count(app: Flask) -> int:
    with app.app_context(), resources().sessions() as session:
        return int(session.scalar(select(func.count(Hotspot.id))) or 0)


def test_a_night_far_off_is_refused_by_name(private_app: Flask) -> None:
    client = private_app.test_client()
    for path in ("/plan/?date=9999-12-31", "/plan/?date=0001-01-01"):
        answer = client.get(path)
        assert answer.status_code == 400, path
    assert client.post("/api/plan/9999-12-31/run", json={}).status_code == 400


def test_a_file_name_with_a_nul_is_read_under_its_printable_name(private_app: Flask) -> None:
    before = _count(private_app)
    answer = _upload(private_app, ONE_ROW, "sites\x00.csv")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert _count(private_app) == before + 1
    assert _upload(private_app, ONE_ROW, "\x00\x01").status_code == 400


def test_a_polygon_longer_than_the_csv_field_limit_goes_out_and_back(
        private_app: Flask) -> None:
    """A park of 6000 vertices: its WKT is over 131,072 characters; export, import back."""
    with private_app.test_request_context():
        lon, lat = next(iter(current_plan().hotspots.values())).access
    ring = [(lon + 0.002 * math.cos(2 * math.pi * k / 6000),
             lat + 0.001 * math.sin(2 * math.pi * k / 6000)) for k in range(6000)]
    with private_app.app_context(), resources().sessions.begin() as session:
        park = session.scalars(select(Hotspot).where(Hotspot.category == "park")).first()
        assert park is not None
        park.geometry = Polygon(ring)
    exported = private_app.test_client().get("/hotspots/export.csv").get_data()
    longest = max(len(v) for row in csv.reader(io.StringIO(exported.decode("utf-8-sig")))
                  for v in row)
    assert longest > 131072
    answer = _upload(private_app, exported, "registry.csv")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]


def test_a_typed_place_is_matched_as_text_never_as_a_wildcard(private_app: Flask) -> None:
    reporter = private_app.test_client(role=None)
    for place in ("%", "_", "%桥%"):
        answer = reporter.post("/api/reports", json={"place": place, "seen": "someone"})
        assert answer.status_code == 400, place
        assert "place" in answer.get_json()["error"]["fields"]
