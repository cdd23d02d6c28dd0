"""Export the registry's layers for GIS programs: GeoPackage, GeoJSON and CSV, all WGS-84.

A GeoPackage holds the three layers (hotspots, shelters, bases) with EPSG:4326 and
plain attribute names, so QGIS opens it as it is. GeoJSON and CSV hold one layer
per file; CSV carries the geometry as WKT and is written UTF-8 with a BOM, which
Excel opens with Chinese names intact. Every export imports back unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.cells import as_text_cell
from dispatch.errors import ValidationError
from dispatch.geometry import PRECISION
from dispatch.importing import LAYERS, Layer
from dispatch.models import Hotspot, Shelter, TeamBase
from dispatch.store import get_city, open_engine, session_factory
from dispatch.workspace import Workspace

Format = Literal["gpkg", "geojson", "csv"]
FORMATS: tuple[Format, ...] = ("gpkg", "geojson", "csv")
HOTSPOT_COLUMNS = ("id", "name", "category", "risk", "service_min", "checks_per_night",
                   "district", "window_start", "window_end", "skill", "active", "retired_at",
                   "access_lon", "access_lat", "access_manual", "sweep_m", "osm_ref")
SHELTER_COLUMNS = ("id", "name", "kind", "beds", "osm_ref")


def export_layers(session: Session, out: Path, *, format: str,
                  layers: Sequence[str] = LAYERS) -> list[Path]:
    """Write ``layers`` to ``out`` (a GeoPackage of them all, or one file per layer)."""
    chosen = _format(format)
    wanted = _layers(layers)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if chosen == "gpkg":
        out.unlink(missing_ok=True)
        for layer in wanted:
            layer_frame(session, layer).to_file(out, layer=layer, driver="GPKG",
                                                engine="pyogrio")
        return [out]
    written = []
    for layer in wanted:
        path = out if len(wanted) == 1 else out.with_name(f"{out.stem}-{layer}{out.suffix}")
        frame = layer_frame(session, layer)
        if chosen == "geojson":
            path.unlink(missing_ok=True)
            frame.to_file(path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=PRECISION)
        else:
            _csv_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    return written


def layer_frame(session: Session, layer: Layer) -> gpd.GeoDataFrame:
    """One layer as a GeoDataFrame in EPSG:4326, ids in order, readable column names."""
    if layer == "hotspots":
        records = [_hotspot_record(h) for h in session.scalars(select(Hotspot)
                                                               .order_by(Hotspot.id))]
        columns: tuple[str, ...] = HOTSPOT_COLUMNS
    elif layer == "shelters":
        records = [{**{c: getattr(s, c) for c in SHELTER_COLUMNS}, "geometry": s.geometry}
                   for s in session.scalars(select(Shelter).order_by(Shelter.id))]
        columns = SHELTER_COLUMNS
    else:
        records = [{"id": b.id, "name": b.name, "geometry": Point(b.lon, b.lat)}
                   for b in session.scalars(select(TeamBase).order_by(TeamBase.id))]
        columns = ("id", "name")
    frame = pd.DataFrame.from_records(records, columns=[*columns, "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _hotspot_record(hotspot: Hotspot) -> dict[str, Any]:
    record = {c: _plain(getattr(hotspot, c)) for c in HOTSPOT_COLUMNS}
    record["geometry"] = hotspot.geometry
    return record


def _plain(value: Any) -> Any:
    """Clock times as HH:MM and instants as ISO text: every format keeps them the same."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value


def _csv_frame(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["wkt"] = [shapely.to_wkt(g, rounding_precision=PRECISION) for g in frame.geometry]
    if "beds" in table:
        table["beds"] = table["beds"].astype("Int64")
    for column in table.select_dtypes(include="object").columns:
        table[column] = table[column].map(as_text_cell)
    return table


def _format(format: str) -> Format:
    for known in FORMATS:
        if format.lower() == known:
            return known
    raise ValidationError(f"未知格式 {format!r} / unknown export format {format!r}: use "
                          f"{', '.join(FORMATS)}")


def _layers(layers: Sequence[str]) -> list[Layer]:
    chosen = [known for known in LAYERS if known in layers]
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown or not chosen:
        raise ValidationError(f"未知图层 / unknown layer(s) {', '.join(unknown) or '(none)'}: "
                              f"use {', '.join(LAYERS)}")
    return chosen


def export_from_workspace(workspace: Workspace, out: Path, *, format: str,
                          layers: Sequence[str] = LAYERS) -> list[Path]:
    """Export a city's layers (see :func:`export_layers`)."""
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine)() as session:
            get_city(session)
            return export_layers(session, out, format=format, layers=layers)
    finally:
        engine.dispose()
