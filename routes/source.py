"""Where a city's OpenStreetMap data comes from: a local file or osmnx online.

Every source yields the same things: a raw road graph per mode and the tagged
features (stations, bridges, parks ...) that the caller asks for. Files are read
with pyrosm (a ``.osm`` XML file is converted to PBF once with osmium); places
and bounding boxes are fetched through osmnx, whose HTTP cache lives under the
caller's cache folder so a second build needs no connection.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import networkx as nx
import pandas as pd

from routes.errors import NetworkError, ValidationError
from routes.problem import Mode

log = logging.getLogger(__name__)

#: A tag filter: key -> list of values, or True for any value.
TagFilter = dict[str, list[str] | bool]

_PYROSM_NETWORK = {Mode.DRIVE: "driving", Mode.WALK: "walking"}
_OSMNX_NETWORK = {Mode.DRIVE: "drive", Mode.WALK: "walk"}
_XML_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".xml")


class OsmSource(Protocol):
    """Anything that can produce road graphs and tagged features."""

    def describe(self) -> str: ...

    def road_graph(self, mode: Mode) -> nx.MultiDiGraph: ...

    def features(self, tags: TagFilter, extra_keys: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
        ...


@dataclass(frozen=True)
class OsmFile:
    """An OpenStreetMap extract on disk (``.osm.pbf``, or ``.osm`` XML)."""

    path: Path
    work_dir: Path

    def __post_init__(self) -> None:
        if not self.path.is_file():
            raise ValidationError(f"OSM file {self.path} does not exist; give a .osm or .osm.pbf")
        name = self.path.name.lower()
        if not (name.endswith(".pbf") or name.endswith(_XML_SUFFIXES)):
            raise ValidationError(
                f"OSM file {self.path.name} is neither .osm.pbf nor .osm XML; "
                "export the area as .osm.pbf (Geofabrik, BBBike) or .osm (JOSM)"
            )

    def describe(self) -> str:
        return f"file {self.path.name}"

    def road_graph(self, mode: Mode) -> nx.MultiDiGraph:
        osm = self._reader()
        nodes, edges = osm.get_network(network_type=_PYROSM_NETWORK[mode], nodes=True)
        if edges is None or len(edges) == 0:
            raise NetworkError(f"{self.describe()} holds no {mode} roads")
        graph: nx.MultiDiGraph = osm.to_graph(
            nodes, edges, graph_type="networkx", osmnx_compatible=True, retain_all=True
        )
        return graph

    def features(self, tags: TagFilter, extra_keys: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
        osm = self._reader()
        found = osm.get_data_by_custom_criteria(
            custom_filter=dict(tags),
            filter_type="keep",
            keep_nodes=True,
            keep_ways=True,
            keep_relations=True,
        )
        if found is None:
            return _empty_features()
        found = found.rename(columns={"id": "osm_id"})
        found = _lift_tags(found, (*tags, *extra_keys))
        return gpd.GeoDataFrame(found, geometry="geometry", crs="EPSG:4326")

    def _reader(self) -> Any:
        import pyrosm

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pyrosm.OSM(str(self._pbf_path()))

    def _pbf_path(self) -> Path:
        if self.path.name.lower().endswith(".pbf"):
            return self.path
        target = self.work_dir / (self.path.name.split(".")[0] + ".osm.pbf")
        if not target.exists() or target.stat().st_mtime < self.path.stat().st_mtime:
            convert_xml_to_pbf(self.path, target)
        return target


@dataclass(frozen=True)
class OsmOnline:
    """A place name or a bounding box, fetched through osmnx (needs a connection once)."""

    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        if (self.place is None) == (self.bbox is None):
            raise ValidationError("give either a place name or a bounding box, not both")
        if self.bbox is not None:
            west, south, east, north = self.bbox
            if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
                raise ValidationError(
                    f"bounding box {self.bbox} is not W,S,E,N in degrees with W<E and S<N"
                )

    def describe(self) -> str:
        return f"place {self.place!r}" if self.place else f"bbox {self.bbox}"

    def road_graph(self, mode: Mode) -> nx.MultiDiGraph:
        import osmnx as ox

        network_type = _OSMNX_NETWORK[mode]
        try:
            if self.place is not None:
                return ox.graph_from_place(self.place, network_type=network_type, retain_all=True)
            assert self.bbox is not None
            return ox.graph_from_bbox(self.bbox, network_type=network_type, retain_all=True)
        except Exception as exc:  # osmnx raises many kinds; all mean "could not fetch"
            raise NetworkError(
                f"could not fetch {mode} roads for {self.describe()}: {exc}. Check the "
                "connection and the place name, or build the city from a .osm.pbf file"
            ) from exc

    def features(self, tags: TagFilter, extra_keys: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
        import osmnx as ox

        query: dict[str, bool | str | list[str]] = dict(tags.items())
        try:
            if self.place is not None:
                found = ox.features_from_place(self.place, query)
            else:
                assert self.bbox is not None
                found = ox.features_from_bbox(self.bbox, query)
        except ox._errors.InsufficientResponseError:
            return _empty_features()
        found = found.reset_index().rename(columns={"id": "osm_id", "element": "osm_type"})
        for key in (*tags, *extra_keys):
            if key not in found:
                found[key] = None
        return gpd.GeoDataFrame(found, geometry="geometry", crs="EPSG:4326")


def convert_xml_to_pbf(source: Path, target: Path) -> None:
    """Write an OSM XML file as PBF, so one reader serves both formats."""
    import osmium

    log.info("converting %s to PBF", source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with osmium.SimpleWriter(osmium.io.File(str(partial), "pbf")) as writer:
        for obj in osmium.FileProcessor(str(source)):
            writer.add(obj)
    partial.replace(target)


def _lift_tags(found: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Give each key a column: pyrosm keeps tags it was not asked about in JSON."""
    parsed = found["tags"].map(_parse_tags) if "tags" in found else None
    for key in keys:
        from_json = parsed.map(lambda t, k=key: t.get(k)) if parsed is not None else None
        if key not in found:
            found[key] = from_json
        elif from_json is not None:
            found[key] = found[key].where(found[key].notna(), from_json)
    return found


def _parse_tags(raw: object) -> dict[str, str]:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}
    return {}


def _empty_features() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"osm_id": [], "osm_type": []}, geometry=[], crs="EPSG:4326")
