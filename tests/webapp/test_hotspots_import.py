"""Upload on /hotspots/import (all or nothing, every bad row shown, a size limit) and the
GeoPackage, GeoJSON and CSV downloads of the registry page."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pyogrio
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dispatch.models import Hotspot, HotspotChange
from tests.webapp.conftest import import_through_page, make_app

#: Two new hotspots as Chinese Excel saves them: GBK, Chinese column names, (lon, lat).
GOOD_CSV = ("名称,类别,风险,经度,纬度\n"
            "中央车站东口,station,5,24.9420,60.1712\n"
            "铁路广场,park,3,24.9399,60.1704\n").encode("gbk")
#: Three rows, two of them wrong: an unknown category and a latitude past 90.
BAD_CSV = ("名称,类别,经度,纬度\n"
           "好的一行,park,24.9399,60.1704\n"
           "赌场,casino,24.9420,60.1712\n"
           "北极,park,24.9420,95.0\n").encode()


def _counts(app: Flask) -> tuple[int, int]:
    with app.extensions["patrol"].sessions() as session:
        return (session.scalar(select(func.count()).select_from(Hotspot)) or 0,
                session.scalar(select(func.count()).select_from(HotspotChange)) or 0)


def _upload(client: FlaskClient, data: bytes, name: str, **fields: str):  # type: ignore[no-untyped-def]
    form = {"layer": "hotspots", "crs": "", "who": "王明", **fields,
            "file": (io.BytesIO(data), name)}
    return import_through_page(client, form)


def test_form_offers_layers_datums_and_formats(client: FlaskClient) -> None:
    """The form lists the three layers, GCJ-02 and BD-09, and the readable file types."""
    text = client.get("/hotspots/import").get_data(as_text=True)
    for value in ('value="hotspots"', 'value="shelters"', 'value="bases"', 'value="gcj02"',
                  'value="bd09"', ".csv", ".gpkg", ".kml", ".zip"):
        assert value in text


def test_a_gbk_csv_is_imported_and_shown(private_app: Flask) -> None:
    """A GBK CSV with 经度/纬度 columns adds its rows; the page says how many; history says who."""
    client = private_app.test_client()
    hotspots, changes = _counts(private_app)
    answer = _upload(client, GOOD_CSV, "点位.csv")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200, text
    assert "新增 2 added" in text and "点位.csv" in text
    assert _counts(private_app) == (hotspots + 2, changes + 2)
    with private_app.extensions["patrol"].sessions() as session:
        stored = session.scalars(select(Hotspot).where(Hotspot.name == "中央车站东口")).one()
        change = session.scalars(select(HotspotChange)
                                 .where(HotspotChange.hotspot_id == stored.id)).one()
    assert (stored.category, stored.risk) == ("station", 5)
    assert abs(stored.geometry.x - 24.9420) < 1e-7 and abs(stored.geometry.y - 60.1712) < 1e-7
    assert change.who == "dispatcher"  # the account signed in, not a typed name


def test_every_bad_row_is_listed_and_nothing_is_written(private_app: Flask) -> None:
    """Rows 3 and 4 are both named in a table; the good row 2 is not written either."""
    client = private_app.test_client()
    before = _counts(private_app)
    answer = _upload(client, BAD_CSV, "bad.csv")
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    table = text[text.index('id="import-problems"'):]
    assert "casino" in table and "第 3 行 line 3" in table and "第 4 行 line 4" in table
    assert "2 处问题 problem(s)" in table
    assert _counts(private_app) == before


def test_a_file_over_the_limit_gets_a_clear_message(planned_dir: Path, tmp_path: Path) -> None:
    """An upload past MAX_CONTENT_LENGTH is refused with the limit and what to do."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    app = make_app({"DATA_DIR": str(root), "MAX_CONTENT_LENGTH": 4096})
    before = _counts(app)
    answer = _upload(app.test_client(), GOOD_CSV * 200, "big.csv")
    assert answer.status_code == 413
    assert "4 KB" in answer.get_data(as_text=True)
    assert "split it" in answer.get_data(as_text=True)
    assert _counts(app) == before


def test_missing_file_or_known_type_are_explained(private_app: Flask) -> None:
    """No file, or a .txt file: each refused with what to do."""
    client = private_app.test_client()
    before = _counts(private_app)
    no_file = client.post("/hotspots/import", data={"who": "王明", "layer": "hotspots"},
                          content_type="multipart/form-data")
    assert no_file.status_code == 400 and "choose a file" in no_file.get_data(as_text=True)
    text_file = _upload(client, GOOD_CSV, "notes.txt")
    assert text_file.status_code == 400 and ".csv" in text_file.get_data(as_text=True)
    assert _counts(private_app) == before


def test_amap_coordinates_are_converted_on_upload(private_app: Flask) -> None:
    """Choosing GCJ-02 converts; outside China the offset is zero, so the point is unchanged
    and the page notes the conversion."""
    answer = _upload(private_app.test_client(), GOOD_CSV, "amap.csv", crs="gcj02")
    assert answer.status_code == 200
    assert "GCJ" in answer.get_data(as_text=True)


def test_geopackage_download_holds_the_three_layers(client: FlaskClient,
                                                    tmp_path: Path) -> None:
    """The GeoPackage opens with hotspots, shelters and bases in EPSG:4326."""
    answer = client.get("/hotspots/export.gpkg")
    assert answer.status_code == 200
    assert "patrol-layers.gpkg" in answer.headers["Content-Disposition"]
    path = tmp_path / "out.gpkg"
    path.write_bytes(answer.data)
    assert {name for name, _ in pyogrio.list_layers(path)} == {"hotspots", "shelters", "bases"}
    assert pyogrio.read_info(path, layer="hotspots")["crs"] == "EPSG:4326"


def test_geojson_and_csv_downloads_hold_every_hotspot(client: FlaskClient) -> None:
    """GeoJSON and CSV of the hotspots layer have one feature or line per hotspot."""
    count = len(client.get("/api/hotspots").get_json()["features"])
    collection = json.loads(client.get("/hotspots/export.geojson").data)
    assert len(collection["features"]) == count
    csv = client.get("/hotspots/export.csv?layer=hotspots")
    assert csv.mimetype == "text/csv"
    assert csv.data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel keeps Chinese names
    assert len(csv.data.decode("utf-8-sig").strip().splitlines()) == count + 1


def test_unknown_download_format_or_layer_is_refused(client: FlaskClient) -> None:
    """A format we do not write is 404; a layer we do not have is 400 naming the layers."""
    assert client.get("/hotspots/export.xlsx").status_code == 404
    answer = client.get("/hotspots/export.csv?layer=teams")
    assert answer.status_code == 400
    assert "hotspots" in answer.get_data(as_text=True)
