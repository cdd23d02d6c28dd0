"""The dispatcher's hotspot registry: the map editing page, file upload and downloads."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from dispatch.categories import load_categories
from dispatch.errors import ImportProblems, NotBuiltError, ValidationError
from dispatch.exporting import FORMATS, export_layers
from dispatch.importing import LAYERS, import_file
from dispatch.readers import FORMATS as READABLE
from dispatch.registry import list_hotspots
from dispatch.store import get_city
from maps.registry import build_registry_map, category_choices
from maps.render import map_parts
from webapp.access import Audience, allow
from webapp.resources import resources
from webapp.views.pages import basemap, map_options

bp = Blueprint("registry", __name__, url_prefix="/hotspots")

GEOMAN_BASE = "/assets/geoman"
#: The downloads the page offers: (format, layer, label).
DOWNLOADS = (("gpkg", None, "GeoPackage"), ("geojson", "hotspots", "GeoJSON"),
             ("csv", "hotspots", "CSV"))
_MEDIA_TYPES = {"gpkg": "application/geopackage+sqlite3", "geojson": "application/geo+json",
                "csv": "text/csv; charset=utf-8"}
#: Coordinate choices of the upload form: (value, label).
DATUM_CHOICES = (("", "按文件声明 As the file declares (WGS-84 if it does not)"),
                 ("gcj02", "高德/腾讯 GCJ-02 (Amap, Tencent)"), ("bd09", "百度 BD-09 (Baidu)"))


@bp.get("")
@allow(Audience.DISPATCH)
def page() -> str:
    """Every hotspot on a map, with filters, drawing tools and the edit form."""
    with resources().sessions() as session:
        city = get_city(session)
        bounds = (city.west, city.south, city.east, city.north)
        districts = sorted({h.district for h in list_hotspots(session) if h.district})
    m = build_registry_map(bounds=bounds, geoman_base=GEOMAN_BASE, **map_options())
    categories = category_choices(load_categories(resources().workspace.root))
    return render_template("hotspots.html", map=map_parts(m), map_name=m.get_name(),
                           datum=basemap().datum, city=city.name, categories=categories,
                           districts=districts, downloads=DOWNLOADS)


@bp.get("/import")
@allow(Audience.DISPATCH)
def import_form() -> str:
    """The upload form: a file, what it holds, its coordinates, and who imports it."""
    return _import_page()


@bp.post("/import")
@allow(Audience.DISPATCH)
def import_upload() -> tuple[str, int]:
    """Import the uploaded file all or nothing; show what was imported or every bad row."""
    upload = request.files.get("file")
    form = request.form
    who = str(current_user.name)  # the account signed in, never a name typed in the form
    crs = form.get("crs_code", "").strip() or form.get("crs", "").strip() or None
    layer = form.get("layer", "hotspots")
    if upload is None or not upload.filename:
        return _import_page(error="请选择文件 / choose a file to upload", form=form), 400
    try:
        summary = _import(upload, layer=layer, crs=crs, who=who)
    except ImportProblems as exc:
        return _import_page(problems=exc.problems, form=form, filename=upload.filename), 400
    except (ValidationError, NotBuiltError) as exc:
        return _import_page(error=str(exc), form=form), 400
    return _import_page(summary=summary, form=form, filename=upload.filename), 200


@bp.get("/export.<fmt>")
@allow(Audience.READ)
def export(fmt: str) -> Response:
    """The layers for QGIS or a spreadsheet: a GeoPackage of all three, or one layer
    (``?layer=``, hotspots by default) as GeoJSON or CSV, all in WGS-84."""
    if fmt not in FORMATS:
        abort(404, description=f"没有这种格式 / no export as {fmt!r}: use {', '.join(FORMATS)}")
    layers = LAYERS if fmt == "gpkg" else (request.args.get("layer", "hotspots"),)
    with tempfile.TemporaryDirectory() as tmp, resources().sessions() as session:
        get_city(session)
        (path,) = export_layers(session, Path(tmp) / f"patrol.{fmt}", format=fmt, layers=layers)
        data = path.read_bytes()
    name = f"patrol-{'layers' if fmt == 'gpkg' else layers[0]}.{fmt}"
    return send_file(io.BytesIO(data), mimetype=_MEDIA_TYPES[fmt], as_attachment=True,
                     download_name=name)


def _import(upload: FileStorage, *, layer: str, crs: str | None, who: str):  # type: ignore[no-untyped-def]
    """Save the upload under its own name (its suffix says its format) and import it in
    one transaction."""
    # Control characters (a NUL above all) cannot be in a file name on disk.
    name = "".join(c for c in Path(upload.filename or "").name if c.isprintable())
    if name in ("", ".", ".."):
        raise ValidationError("文件名无效 / the file has no usable name; rename it, e.g. "
                              "hotspots.csv")
    categories = load_categories(resources().workspace.root)
    network = resources().walk_network_if_built() if layer == "hotspots" else None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        upload.save(path)
        with resources().sessions.begin() as session:
            get_city(session)
            return import_file(session, path, layer=layer, crs=crs, who=who,
                               network=network, categories=categories)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload over the limit (found while the form is read, even before the view)."""
    limit = _size(current_app.config["MAX_CONTENT_LENGTH"])
    return _import_page(error=f"文件超过 {limit} 上限 / the file is over the {limit} limit: "
                              "split it (by district or layer) and upload the parts"), 413


def _size(count: int) -> str:
    """``50 MB`` or ``900 KB``."""
    return f"{count // (1024 * 1024)} MB" if count >= 1024 * 1024 else f"{count // 1024} KB"


def _import_page(**context: object) -> str:
    return render_template("hotspots_import.html", layers=LAYERS, datums=DATUM_CHOICES,
                           readable=sorted(READABLE), **context)
