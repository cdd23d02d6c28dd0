"""Import hotspots, shelters or bases from a file: every row checked, then all or nothing.

A row with the id of a stored record updates it (its history says so); a row
with a new id or none adds one. Coordinates are converted to WGS-84 only as the
file declares or the user says (``crs``), never silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import networkx as nx
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dispatch.categories import DEFAULT_CATEGORIES, Category, load_categories
from dispatch.chinacoords import geometry_to_wgs84, parse_datum
from dispatch.errors import ImportProblems, Problem, ValidationError
from dispatch.geometry import check_geometry
from dispatch.hotspot_values import Bounds, check_values
from dispatch.models import Hotspot, Shelter, TeamBase
from dispatch.readers import MAX_IMPORT_BYTES, Row, Table, read_table
from dispatch.registry import (
    add_hotspot,
    check_changes,
    city_bounds,
    place_hotspots,
    restore_hotspot,
    retire_hotspot,
    snapshot,
    update_hotspot,
)
from dispatch.store import get_city, open_engine, session_factory
from dispatch.workspace import Workspace
from routes.network import load_network
from routes.problem import Mode

Layer = Literal["hotspots", "shelters", "bases"]
LAYERS: tuple[Layer, ...] = ("hotspots", "shelters", "bases")
_Point = TypeVar("_Point", Shelter, TeamBase)
Reproject = Callable[[BaseGeometry], BaseGeometry]

#: Column names a file may use (lower case), English and Chinese, for each field.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "序号"),
    "name": ("name", "名称", "名字", "地点"),
    "category": ("category", "类别", "类型"),
    "risk": ("risk", "风险", "风险等级"),
    # A Shapefile keeps ten characters of a column name: service_mi, checks_per, access_man.
    "service_min": ("service_min", "service_mi", "检查时长", "检查分钟"),
    "checks_per_night": ("checks_per_night", "checks_per", "每晚次数", "每晚巡查次数"),
    "district": ("district", "区", "区县", "辖区", "街道"),
    "window_start": ("window_start", "window_sta", "开始时间"),
    "window_end": ("window_end", "结束时间"),
    "skill": ("skill", "技能"),
    "access_lon": ("access_lon", "通行点经度"),
    "access_lat": ("access_lat", "通行点纬度"),
    "access_manual": ("access_manual", "access_man"),
    "active": ("active", "在用"),
    "kind": ("kind", "种类"),
    "beds": ("beds", "床位"),
}
#: What each layer reads; anything else is reported as ignored.
LAYER_FIELDS: dict[Layer, tuple[str, ...]] = {
    "hotspots": ("id", "name", "category", "risk", "service_min", "checks_per_night", "district",
                 "window_start", "window_end", "skill", "access_lon", "access_lat",
                 "access_manual", "active"),
    "shelters": ("id", "name", "kind", "beds"),
    "bases": ("id", "name"),
}
REQUIRED: dict[Layer, tuple[str, ...]] = {
    "hotspots": ("name", "category"), "shelters": ("name",), "bases": ("name",)}
#: Columns our own exports write that an import does not need (computed or kept by history).
EXPORT_ONLY = ("retired_at", "sweep_m", "osm_ref", "description", "retired_a")
_MODELS: dict[Layer, type[Hotspot] | type[Shelter] | type[TeamBase]] = {
    "hotspots": Hotspot, "shelters": Shelter, "bases": TeamBase}
#: The largest id or count a file may give: a database integer (PostgreSQL's 32 bits).
MAX_WHOLE = 2**31 - 1
TRUE_WORDS = ("1", "true", "yes", "y", "t", "是", "在用")
FALSE_WORDS = ("0", "false", "no", "n", "f", "否", "停用")


@dataclass
class ImportSummary:
    """What an import did, for the terminal and the upload page."""

    layer: Layer
    format: str
    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line per fact, bilingual where a dispatcher reads it."""
        lines = [f"{self.layer} ({self.format}): 新增 {len(self.added)} added, "
                 f"更新 {len(self.updated)} updated, 未变 {len(self.unchanged)} unchanged"]
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)


@dataclass
class _Checked:
    """A row that passed: its id (if any), values ready to store, geometry in WGS-84."""

    row: Row
    record_id: int | None
    values: dict[str, Any]
    active: bool | None = None


def import_file(
    session: Session, path: Path, *, layer: str = "hotspots", crs: str | None = None,
    who: str, network: nx.MultiDiGraph | None = None,
    categories: Mapping[str, Category] | None = None, max_bytes: int = MAX_IMPORT_BYTES,
) -> ImportSummary:
    """Import ``path`` into ``layer``, or raise :class:`ImportProblems` listing every problem.

    Nothing is committed here: the caller's transaction stores all rows or none.
    """
    chosen = _layer(layer)
    table = read_table(Path(path), layer=chosen, max_bytes=max_bytes)
    return import_table(session, table, name=Path(path).name, layer=chosen, crs=crs, who=who,
                        network=network, categories=categories)


def import_table(
    session: Session, table: Table, *, name: str, layer: Layer, crs: str | None, who: str,
    network: nx.MultiDiGraph | None = None, categories: Mapping[str, Category] | None = None,
) -> ImportSummary:
    """Check every row of ``table``, then store them all (see :func:`import_file`)."""
    summary = ImportSummary(layer, table.format, notes=list(table.notes))
    reproject, note = to_wgs84(table.crs, crs)
    summary.notes.append(note)
    columns, problems = _columns(table, layer)
    ignored = sorted({c for row in table.rows for c in row.attributes} - set(columns)
                     - set(EXPORT_ONLY))
    if ignored:
        summary.notes.append(f"未导入的列 / columns not imported: {', '.join(ignored)}")
    if not table.rows:
        problems.append(Problem(None, "rows", "文件中没有记录 / the file holds no rows or "
                                              "features", table.unit))
    if problems:
        raise ImportProblems(name, problems)
    checked = _check_rows(session, table, name, layer, columns, reproject, categories)
    _write(session, checked, layer, summary, who=who, network=network, categories=categories)
    return summary


def to_wgs84(declared: CRS | None, given: str | None) -> tuple[Reproject, str]:
    """How to bring the file's coordinates to WGS-84, and a note that says what was done."""
    if given is not None and given.strip().lower().replace("-", "") in ("gcj02", "bd09",
                                                                         "amap", "baidu"):
        datum = parse_datum(given)
        if declared is not None and not _is_wgs84(declared):
            raise ValidationError(
                f"坐标系冲突 / the file declares {declared.to_string()} but --crs {given} was "
                "given: GCJ-02 and BD-09 apply to longitude/latitude files only")
        return (lambda g: geometry_to_wgs84(g, datum),
                f"坐标由 {datum.upper()} 转换为 WGS-84 / converted from {datum.upper()} to WGS-84")
    source = declared
    if given is not None:
        source = _parse_crs(given)
        if declared is not None and not declared.equals(source) and not (
                _is_wgs84(declared) and _is_wgs84(source)):
            raise ValidationError(
                f"坐标系冲突 / the file declares {declared.to_string()} but --crs {given} was "
                "given: leave --crs out to use the file's own, or fix the file")
    if source is None:
        return (lambda g: g, "坐标按 WGS-84 读取 / coordinates read as WGS-84 (EPSG:4326): give "
                             "--crs gcj02, bd09 or EPSG:XXXX if they are not")
    if _is_wgs84(source):
        return (lambda g: g, "坐标为 WGS-84 / coordinates are WGS-84 (EPSG:4326)")
    transformer = Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    label = source.to_string()
    return (lambda g: shapely.transform(g, lambda xy: _reproject(transformer, xy)),
            f"坐标由 {label} 转换为 WGS-84 / converted from {label} to WGS-84")


def _reproject(transformer: Transformer, xy: Any) -> Any:
    xs, ys = transformer.transform(xy[:, 0], xy[:, 1])
    xy[:, 0], xy[:, 1] = xs, ys
    return xy


def _parse_crs(given: str) -> CRS:
    try:
        crs = CRS.from_user_input(given.strip())
    except CRSError:
        raise ValidationError(
            f"不支持的坐标系 / unsupported CRS {given!r}: use EPSG:XXXX (e.g. EPSG:4326, "
            "EPSG:4490 CGCS2000, EPSG:32650), gcj02 (Amap) or bd09 (Baidu)") from None
    return crs


def _is_wgs84(crs: CRS) -> bool:
    return crs.equals(CRS.from_epsg(4326), ignore_axis_order=True) or crs.to_string() in (
        "OGC:CRS84", "EPSG:4326")


def _layer(layer: str) -> Layer:
    for known in LAYERS:
        if layer == known:
            return known
    raise ValidationError(f"未知图层 {layer!r} / unknown layer {layer!r}: use "
                          f"{', '.join(LAYERS)}")


def _columns(table: Table, layer: Layer) -> tuple[dict[str, str], list[Problem]]:
    """File column -> field for the columns this layer reads, and missing required ones."""
    found = {c for row in table.rows for c in row.attributes}
    columns: dict[str, str] = {}
    for name in sorted(found):
        for key in LAYER_FIELDS[layer]:
            if name.lower() in ALIASES[key] and key not in columns.values():
                columns[name] = key
    problems = [
        Problem(None, key, f"缺少列 {key}（{'/'.join(ALIASES[key][1:])}）/ the column {key!r} is "
                           f"missing: add it (found {', '.join(sorted(found)) or 'none'})",
                table.unit)
        for key in REQUIRED[layer] if table.rows and key not in columns.values()]
    return columns, problems


def _check_rows(
    session: Session, table: Table, name: str, layer: Layer, columns: Mapping[str, str],
    reproject: Reproject, categories: Mapping[str, Category] | None,
) -> list[_Checked]:
    bounds = city_bounds(session)
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    checked = []
    for row in table.rows:
        found: dict[str, str] = {}
        values = {columns[k]: v for k, v in row.attributes.items() if k in columns}
        record_id = _record_id(values.pop("id", None), row, seen, found)
        active = _flag(values.pop("active", None), "active", found)
        geometry = _geometry(row, reproject, found)
        if layer == "hotspots":
            clean = _hotspot_values(session, values, geometry, record_id, reproject, bounds,
                                    categories or DEFAULT_CATEGORIES, found)
        else:
            clean = _point_values(layer, values, geometry, bounds, found)
        problems += [Problem(row.number, name, message, table.unit)
                     for name, message in found.items()]
        checked.append(_Checked(row, record_id, clean, active))
    if problems:
        raise ImportProblems(name, problems)
    return checked


def _record_id(value: Any, row: Row, seen: dict[int, int], found: dict[str, str]) -> int | None:
    record_id = _whole(value, "id", "编号", 1, found)
    if record_id is None:
        return None
    if record_id in seen:
        found["id"] = (f"编号重复 / id {record_id} is also on {seen[record_id]}: each id once; "
                       "leave id empty for new records")
    seen.setdefault(record_id, row.number)
    return record_id


def _flag(value: Any, name: str, found: dict[str, str]) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if not word:
        return None
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    found[name] = f"应为是/否 / {name} {value!r} must be true or false (是/否)"
    return None


def _geometry(row: Row, reproject: Reproject, found: dict[str, str]) -> BaseGeometry | None:
    if row.geometry_error:
        found["geometry"] = row.geometry_error
        return None
    if row.geometry is None or row.geometry.is_empty:
        found["geometry"] = ("几何为空 / the geometry is empty or missing: give coordinates "
                             "(lon/lat or WKT) for every row")
        return None
    return reproject(row.geometry)


def _hotspot_values(
    session: Session, values: dict[str, Any], geometry: BaseGeometry | None,
    record_id: int | None, reproject: Reproject, bounds: Bounds | None,
    categories: Mapping[str, Category], found: dict[str, str],
) -> dict[str, Any]:
    lon, lat = values.pop("access_lon", None), values.pop("access_lat", None)
    manual = _flag(values.pop("access_manual", None), "access_manual", found)
    if lon not in (None, "") and lat not in (None, "") and manual is not False:
        try:
            point = reproject(Point(float(lon), float(lat)))
            values["access"] = (point.x, point.y)
        except (TypeError, ValueError):
            found["access_lon"] = f"通行点坐标应为数字 / access {lon!r}, {lat!r} must be numbers"
    if geometry is not None:
        values["geometry"] = geometry
    existing = session.get(Hotspot, record_id) if record_id is not None else None
    if existing is not None:
        checked = check_changes(existing, values, categories, bounds=bounds)
    else:
        checked = check_values(values, categories, bounds=bounds)
    for name, message in checked.errors.items():
        repaired = checked.repaired.get(name)
        offer = f" — 修复后 / repaired: {_short_wkt(repaired)}" if repaired is not None else ""
        found.setdefault(name, message + offer)
    return checked.values


def _point_values(layer: Layer, values: dict[str, Any], geometry: BaseGeometry | None,
                  bounds: Bounds | None, found: dict[str, str]) -> dict[str, Any]:
    name = str(values.get("name") or "").strip()
    if not name:
        found["name"] = "名称不能为空 / the name must not be empty"
    clean: dict[str, Any] = {"name": name[:200]}
    if geometry is not None:
        problem = check_geometry(geometry, bounds)
        if problem is None and geometry.geom_type != "Point":
            found["geometry"] = (f"应为点 / a {layer[:-1]} is a point, not a "
                                 f"{geometry.geom_type}: give one point per row")
        elif problem is not None:
            found["geometry"] = problem.message
        clean["geometry"] = geometry
    if layer == "shelters":
        clean["kind"] = str(values.get("kind") or "community").strip()[:40]
        clean["beds"] = _whole(values.get("beds"), "beds", "床位", 0, found)
    return clean


def _whole(value: Any, name: str, name_zh: str, low: int, found: dict[str, str]) -> int | None:
    """A whole number from ``low``, or ``None`` for a blank cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
        if number != int(number) or not low <= number <= MAX_WHOLE:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        found[name] = (f"{name_zh}应为 {low} 至 {MAX_WHOLE} 的整数 / {name} {value!r} must be a "
                       f"whole number from {low} to {MAX_WHOLE}, or empty")
        return None
    return int(number)


def _short_wkt(geometry: BaseGeometry, limit: int = 400) -> str:
    wkt = str(shapely.to_wkt(geometry, rounding_precision=7))
    return wkt if len(wkt) <= limit else wkt[:limit] + " …"


def _write(
    session: Session, rows: list[_Checked], layer: Layer, summary: ImportSummary, *, who: str,
    network: nx.MultiDiGraph | None, categories: Mapping[str, Category] | None,
) -> None:
    if layer == "hotspots":
        _write_hotspots(session, rows, summary, who=who, network=network, categories=categories)
    else:
        if layer == "shelters":
            _write_points(session, rows, Shelter, summary)
        else:
            _write_points(session, rows, TeamBase, summary)
    session.flush()
    _follow_sequence(session, layer)


def _write_points(session: Session, rows: list[_Checked], model: type[_Point],
                  summary: ImportSummary) -> None:
    for item in rows:
        values = dict(item.values)
        if model is TeamBase:
            point = values.pop("geometry")
            values.update(lon=point.x, lat=point.y)
        record = session.get(model, item.record_id) if item.record_id else None
        if record is None:
            record = model(id=item.record_id, **values)
            session.add(record)
            session.flush()
            summary.added.append(record.id)
        else:
            changed = any(getattr(record, k) != v for k, v in values.items())
            for key, value in values.items():
                setattr(record, key, value)
            (summary.updated if changed else summary.unchanged).append(record.id)


def _write_hotspots(
    session: Session, rows: list[_Checked], summary: ImportSummary, *, who: str,
    network: nx.MultiDiGraph | None, categories: Mapping[str, Category] | None,
) -> None:
    needs = [r for r in rows if "geometry" in r.values]
    computed = (place_hotspots(network, [r.values["geometry"] for r in needs])
                if network is not None and needs else [None] * len(needs))
    placements = {id(r): p for r, p in zip(needs, computed, strict=True)}
    for item in rows:
        placed = placements.get(id(item))
        existing = session.get(Hotspot, item.record_id) if item.record_id else None
        if existing is None:
            hotspot = add_hotspot(session, item.values, who=who, network=network,
                                  categories=categories, action="import",
                                  hotspot_id=item.record_id, placed=placed)
            summary.added.append(hotspot.id)
        else:
            before = snapshot(existing)
            hotspot = update_hotspot(session, existing.id, item.values, who=who, network=network,
                                     categories=categories, action="import", placed=placed)
        if item.active is False:
            retire_hotspot(session, hotspot.id, who=who)
        elif item.active is True:
            restore_hotspot(session, hotspot.id, who=who)
        if existing is not None:
            changed = snapshot(hotspot) != before
            (summary.updated if changed else summary.unchanged).append(hotspot.id)


def _follow_sequence(session: Session, layer: Layer) -> None:
    """PostgreSQL's id sequence moves past ids a file gave, so the next add does not clash."""
    if session.get_bind().dialect.name != "postgresql":
        return
    model = _MODELS[layer]
    table = model.__tablename__
    highest = session.scalar(select(func.max(model.id)))
    if highest:
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f":highest)"), {"highest": highest})


def import_into_workspace(workspace: Workspace, path: Path, *, layer: str = "hotspots",
                          crs: str | None = None, who: str) -> ImportSummary:
    """Import into a built city's database: its categories, its walk network, one transaction."""
    chosen = _layer(layer)
    network_path = workspace.network_path(Mode.WALK)
    network = load_network(network_path) if chosen == "hotspots" and network_path.exists() \
        else None
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine).begin() as session:
            get_city(session)
            return import_file(session, path, layer=chosen, crs=crs, who=who, network=network,
                               categories=load_categories(workspace.root))
    finally:
        engine.dispose()
