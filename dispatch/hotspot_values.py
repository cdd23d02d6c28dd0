"""The rules a hotspot's values follow, checked once for the map form and for imports alike.

Every value is checked and every problem reported together, with a bilingual
message per field, so a dispatcher fixes a form or a file in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from dispatch.categories import Category
from dispatch.geometry import check_geometry, on_grid

Bounds = tuple[float, float, float, float]

#: Every field a hotspot's values may carry.
FIELDS = ("name", "category", "risk", "geometry", "service_min", "checks_per_night",
          "district", "window_start", "window_end", "skill", "access")
REQUIRED = ("name", "category", "geometry")
#: Fields every hotspot has (from its category when not given): blank means "as it is".
KEPT_WHEN_BLANK = ("risk", "service_min", "checks_per_night")


@dataclass
class Checked:
    """Clean values, and what was wrong with the others (field -> message)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    repaired: dict[str, BaseGeometry] = field(default_factory=dict)


def check_values(
    values: Mapping[str, Any], categories: Mapping[str, Category], *,
    bounds: Bounds | None, partial: bool = False,
) -> Checked:
    """Check ``values`` (all of a new hotspot's, or only the changed ones when ``partial``)."""
    checked = Checked()
    for name in values:
        if name not in FIELDS:
            checked.errors[name] = (f"未知字段 / unknown field {name!r}: use "
                                    f"{', '.join(FIELDS)}")
    if not partial:
        for name in REQUIRED:
            if _blank(values.get(name)):
                checked.errors[name] = f"必填 / {name} is required"
    for name, value in values.items():
        if name in checked.errors or name not in _CHECKS:
            continue
        try:
            checked.values[name] = _CHECKS[name](value, categories)
        except ValueError as exc:
            checked.errors[name] = str(exc)
    _check_places(values, checked, bounds)
    if not partial:
        _fill_defaults(checked, categories)
    for name in KEPT_WHEN_BLANK:
        if checked.values.get(name, 0) is None:  # a blank cell in an update keeps the value
            del checked.values[name]
    return checked


def check_point(lon: Any, lat: Any, bounds: Bounds | None) -> tuple[float, float]:
    """A (lon, lat) pair of numbers inside the valid range and near the city."""
    x, y = _number(lon, "经度 / longitude"), _number(lat, "纬度 / latitude")
    problem = check_geometry(Point(x, y), bounds)
    if problem is not None:
        raise ValueError(problem.message)
    return x, y


def parse_geometry(value: Any) -> BaseGeometry:
    """A shapely geometry from a geometry, a GeoJSON mapping or well-known text."""
    if isinstance(value, BaseGeometry):
        return value
    try:
        if isinstance(value, Mapping):
            return shape(value)
        if isinstance(value, str):
            return shapely.from_wkt(value)
    except (shapely.errors.GEOSException, ValueError, TypeError, KeyError,
            AttributeError) as exc:
        raise ValueError(f"无法读取几何 / cannot read the geometry ({exc}): give GeoJSON "
                         "or WKT such as POINT (116.0 36.4)") from exc
    raise ValueError("几何应为 GeoJSON 或 WKT / the geometry must be GeoJSON or WKT")


def _check_places(values: Mapping[str, Any], checked: Checked, bounds: Bounds | None) -> None:
    geometry = checked.values.get("geometry")
    if geometry is not None:
        problem = check_geometry(geometry, bounds)
        if problem is not None:
            checked.errors["geometry"] = problem.message
            del checked.values["geometry"]
            if problem.repaired is not None:
                checked.repaired["geometry"] = problem.repaired
        else:
            checked.values["geometry"] = on_grid(geometry)
    access = checked.values.get("access")
    if access is not None:
        try:
            checked.values["access"] = check_point(access[0], access[1], bounds)
        except ValueError as exc:
            checked.errors["access"] = str(exc)
            del checked.values["access"]


def _fill_defaults(checked: Checked, categories: Mapping[str, Category]) -> None:
    category = categories.get(checked.values.get("category", ""))
    if category is None:
        return
    defaults: dict[str, Any] = {"risk": category.risk, "service_min": category.service_min,
                                "checks_per_night": category.checks_per_night}
    window = category.clock_window
    if "window_start" not in checked.values and "window_end" not in checked.values and window:
        defaults.update(window_start=window[0], window_end=window[1])
    for name, value in defaults.items():
        if checked.values.get(name) is None and name not in checked.errors:
            checked.values[name] = value
    has_start = checked.values.get("window_start") is not None
    if has_start != (checked.values.get("window_end") is not None):
        checked.errors["window_end" if has_start else "window_start"] = (
            "时段需起止都填 / give both window_start and window_end, or neither")


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _name(value: Any, _categories: Mapping[str, Category]) -> str:
    text = "" if _blank(value) else str(value).strip()
    if not text:
        raise ValueError("名称不能为空 / the name must not be empty")
    if len(text) > 200:
        raise ValueError(f"名称过长 / the name is {len(text)} characters long: keep it to 200")
    return text


def _category(value: Any, categories: Mapping[str, Category]) -> str:
    key = "" if _blank(value) else str(value).strip()
    if key in categories:
        return key
    by_label = {c.name_zh: k for k, c in categories.items()}
    by_label.update({c.name_en.lower(): k for k, c in categories.items()})
    if key.lower() in by_label:
        return by_label[key.lower()]
    raise ValueError(f"未知类别 {key!r} / unknown category {key!r}: use one of "
                     f"{', '.join(sorted(categories))} (or add it to categories.json)")


def _integer(name: str, low: int, high: int) -> Callable[[Any, Mapping[str, Category]], Any]:
    def check(value: Any, _categories: Mapping[str, Category]) -> int | None:
        if _blank(value):
            return None
        number = _number(value, name)
        if number != int(number) or not low <= number <= high:
            raise ValueError(f"{name} 应为 {low} 到 {high} 的整数 / {name} {value!r} must be "
                             f"a whole number from {low} to {high}")
        return int(number)
    return check


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name} 应为数字 / {name} {value!r} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} 应为数字 / {name} {value!r} must be a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} 缺失 / {name} is missing or not a finite number")
    return number


def _text(limit: int) -> Callable[[Any, Mapping[str, Category]], Any]:
    def check(value: Any, _categories: Mapping[str, Category]) -> str | None:
        if _blank(value):
            return None
        text = str(value).strip()
        if len(text) > limit:
            raise ValueError(f"过长 / {text[:20]!r}... is longer than {limit} characters")
        return text
    return check


def _skill(value: Any, categories: Mapping[str, Category]) -> str | None:
    text: str | None = _text(40)(value, categories)
    return text.lower() if text else None


def _clock(value: Any, _categories: Mapping[str, Category]) -> time | None:
    if _blank(value):
        return None
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"时间格式应为 HH:MM / {value!r} is not a clock time like 18:00") from None


def _geometry(value: Any, _categories: Mapping[str, Category]) -> BaseGeometry:
    return parse_geometry(value)


def _access(value: Any, _categories: Mapping[str, Category]) -> tuple[Any, Any] | None:
    if _blank(value):
        return None
    if isinstance(value, Point):
        return value.x, value.y
    if isinstance(value, str) or not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError("通行点应为（经度, 纬度）/ the access point must be (lon, lat)")
    return value[0], value[1]


_CHECKS: dict[str, Callable[[Any, Mapping[str, Category]], Any]] = {
    "name": _name, "category": _category, "risk": _integer("risk", 1, 5),
    "geometry": _geometry, "service_min": _integer("service_min", 1, 240),
    "checks_per_night": _integer("checks_per_night", 1, 12), "district": _text(80),
    "window_start": _clock, "window_end": _clock, "skill": _skill, "access": _access,
}
