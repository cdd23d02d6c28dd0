"""The dispatcher's hotspot registry: the map editing page, file upload and downloads."""

from __future__ import annotations

import io
import shutil
import tempfile
import uuid
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from dispatch.categories import load_categories
from dispatch.errors import JobRefused, NotBuiltError, ValidationError
from dispatch.exporting import FORMATS, export_layers
from dispatch.importing import LAYERS
from dispatch.readers import FORMATS as READABLE
from dispatch.readers import readable_suffix
from dispatch.registry import list_hotspots
from dispatch.store import get_city
from maps.registry import build_registry_map, category_choices
from maps.render import map_parts
from webapp.access import Audience, allow
from webapp.jobs import find_job, job_document, submit_job
from webapp.resources import resources
from webapp.views.pages import basemap, map_options

#: What an import may take on its worker before it counts as lost (20,000 rows, each
#: snapped to the walking network).
IMPORT_BUDGET_S = 600.0

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
def import_form() -> tuple[str, int]:
    """The upload form; with ``?job=``, how the import a worker is doing stands, then what
    it imported (200) or every problem of the file (400)."""
    job_id = request.args.get("job", "")
    if not job_id:
        return _import_page(), 200
    found = find_job(job_id)
    if found is None or found.kind != "import":
        return _import_page(error="没有这次导入 / no such import; upload the file again"), 404
    filename = request.args.get("filename", "")
    if found.state in ("queued", "running"):
        return _import_page(job=job_document(found), filename=filename), 200
    result = found.result or {}
    if found.state == "failed" or "error" in result:
        message = result.get("error") or " ".join(job_document(found)["messages"])
        return _import_page(error=message, filename=filename), 400
    if "problems" in result:
        return _import_page(problems=result["problems"], filename=filename), 400
    return _import_page(summary=result["summary"], filename=filename), 200


@bp.post("/import")
@allow(Audience.DISPATCH)
def import_upload() -> Response | tuple[str, int]:
    """Keep the uploaded file and queue its import (all or nothing) for a worker; the page
    it leads to shows what was imported, or every bad row."""
    upload = request.files.get("file")
    form = request.form
    crs = form.get("crs_code", "").strip() or form.get("crs", "").strip() or None
    layer = form.get("layer", "hotspots")
    if upload is None or not upload.filename:
        return _import_page(error="请选择文件 / choose a file to upload", form=form), 400
    try:
        name = _usable_name(upload.filename)
        readable_suffix(name)
        with resources().sessions() as session:
            get_city(session)
    except (ValidationError, NotBuiltError) as exc:
        return _import_page(error=str(exc), form=form), 400
    folder = resources().workspace.root / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True, mode=0o700)
    upload.save(folder / name)
    payload = {"path": str(folder / name), "layer": layer, "crs": crs,
               # the account signed in, never a name typed in the form
               "who": str(current_user.name)}
    try:
        job_id = submit_job("import", payload, budget_s=IMPORT_BUDGET_S)
    except JobRefused:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return redirect(url_for("registry.import_form", job=job_id, filename=name), code=303)


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


def _usable_name(filename: str) -> str:
    """The upload's own name (its suffix says its format), without what a file name on disk
    cannot hold (a NUL above all)."""
    name = "".join(c for c in Path(filename).name if c.isprintable())
    if name in ("", ".", ".."):
        raise ValidationError("文件名无效 / the file has no usable name; rename it, e.g. "
                              "hotspots.csv")
    return name


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
