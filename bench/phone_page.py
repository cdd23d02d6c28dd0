"""A 40-stop team page on a phone: bytes of a first and a repeat load, time until drawn.

Targets: first load < 200 KB, repeat load < 20 KB, map and every stop drawn in
< 1 s unthrottled and < 3 s at 4x CPU slowdown (headless Debian chromium, 390x844).
The reference, measured in the same run and served the same way (compressed, by
Flask), is the Folium page of the same route (``maps.team_route.build_team_route_map``
with the road basemap, a script per marker) that the phone page replaces. A default
Folium page would also pull about 690 KB from CDNs, which this offline run cannot reach.

Bytes are counted on the server (status line, headers and compressed body of every
answer, including the service worker's own fetches); times run from navigation start
until the last stop badge is in the page (median of several runs).

Run: ``python bench/phone_page.py`` (``make bench``).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import logging
import statistics
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask_compress import Compress
from werkzeug.serving import make_server

from dispatch.city import build_city, demo_source
from dispatch.night import NightOptions
from dispatch.nightplan import NightPlan, TeamRoute
from dispatch.planning import plan_and_save, save_plan
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.solve import SolveParams
from webapp import create_app
from webapp.outputs import write_plan_outputs
from webapp.teamlinks import team_link_url

STOPS = 40
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
TARGETS = {"first_kb": 200, "repeat_kb": 20, "drawn_ms": 1000, "drawn_4x_ms": 3000}
#: Records when the page holds ``count`` stop badges (both pages mark stops this way).
WATCH = """
window.__drawn = null;
new MutationObserver(function () {
  if (window.__drawn === null &&
      document.querySelectorAll(%(selector)s).length >= %(count)d) {
    window.__drawn = performance.now();
  }
}).observe(document, {childList: true, subtree: true});
"""


class ByteCounter:
    """WSGI middleware adding up every answer's status line, headers and body."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app, self.total = app, 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):  # type: ignore[no-untyped-def]
        def counting_start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            self.total += len(status) + 11 + sum(len(k) + len(v) + 4 for k, v in headers)
            return start_response(status, headers, *rest)

        for chunk in self.app(environ, counting_start):
            self.total += len(chunk)
            yield chunk


@contextmanager
def serving(app: Callable[..., Iterable[bytes]]) -> Iterator[tuple[str, ByteCounter]]:
    counter = ByteCounter(app)
    server = make_server("127.0.0.1", 0, counter, threaded=True)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", counter
    finally:
        server.shutdown()
        thread.join(timeout=5)


def forty_stop_plan(workspace: Workspace) -> NightPlan:
    """The demo city planned for one walking team, cut to its first 40 stops."""
    plan = plan_and_save(workspace, NightOptions(teams=1, on_foot=1),
                         SolveParams(time_limit_s=20, solution_limit=200))
    route = plan.routes[0]
    if len(route.visits) < STOPS:
        raise SystemExit(f"the demo night gave {len(route.visits)} stops, fewer than {STOPS}")
    last = route.visits[STOPS - 1]
    upto = [leg.to_id for leg in route.legs].index(last.key) + 1
    cut = dataclasses.replace(route, visits=route.visits[:STOPS], legs=route.legs[:upto],
                              breaks=tuple(b for b in route.breaks if b.start < last.arrival),
                              end=last.departure)
    plan = dataclasses.replace(plan, routes=(cut,))
    engine = open_engine(workspace.database_url)
    try:
        with session_factory(engine).begin() as session:
            save_plan(session, plan)
    finally:
        engine.dispose()
    return plan


def reference_site(plan: NightPlan, route: TeamRoute, folder: Path, workspace: Workspace) -> Flask:
    """The Folium page of the same route and its Leaflet, served compressed by Flask."""
    from webapp.cli import _roads

    write_plan_outputs(plan, folder, _roads(workspace))
    site = Flask("reference", static_folder=str(folder), static_url_path="")
    Compress(site)
    return site


def default_folium_html(plan: NightPlan, route: TeamRoute) -> tuple[int, int]:
    """Bytes (raw, gzip) of a default Folium page of the route: CDN links, a marker each."""
    import folium

    from maps.layers import anchor

    places = [plan.hotspots[v.hotspot_id] for v in route.visits]
    m = folium.Map()
    for visit, place in zip(route.visits, places, strict=True):
        lon, lat = anchor(place)
        folium.Marker([lat, lon], tooltip=f"{visit.seq} {place.name}",
                      popup=place.name).add_to(m)
    folium.PolyLine([[y, x] for leg in route.legs for x, y in leg.geometry.coords]).add_to(m)
    page = m.get_root().render().encode()
    return len(page), len(gzip.compress(page))


def measure(browser: Any, url: str, selector: str, *, runs: int,
            counter: ByteCounter) -> dict[str, float]:
    """Median first-load bytes, repeat-load bytes and drawing times of ``url``."""
    firsts, repeats, drawn = [], [], []
    script = WATCH % {"selector": repr(selector), "count": STOPS}
    for _ in range(runs):
        context = browser.new_context(**PHONE)
        context.add_init_script(script)
        page = context.new_page()
        counter.total = 0
        drawn.append(_load(page, url))
        page.wait_for_timeout(300)  # the service worker's own first fetches
        firsts.append(counter.total)
        counter.total = 0
        _load(page, url)  # the link opened again later
        page.wait_for_timeout(300)
        repeats.append(counter.total)
        context.close()
    return {"first_kb": statistics.median(firsts) / 1000,
            "repeat_kb": statistics.median(repeats) / 1000,
            "drawn_ms": statistics.median(drawn),
            "drawn_4x_ms": statistics.median(_cold_4x(browser, url, script, runs))}


def _cold_4x(browser: Any, url: str, script: str, runs: int) -> list[float]:
    """First loads at 4x CPU slowdown, each in a fresh profile."""
    times = []
    for _ in range(runs):
        context = browser.new_context(**PHONE)
        context.add_init_script(script)
        page = context.new_page()
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
        times.append(_load(page, url))
        context.close()
    return times


def _load(page: Any, url: str) -> float:
    """Open ``url`` and wait for every stop; milliseconds from navigation start."""
    page.goto(url, wait_until="load")
    page.wait_for_function("window.__drawn !== null", timeout=60_000)
    page.wait_for_load_state("networkidle")
    return float(page.evaluate("window.__drawn"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="loads per figure (median)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace(Path(tmp) / "city")
        build_city(workspace, demo_source(workspace), "Helsinki (demo)")
        plan = forty_stop_plan(workspace)
        route = plan.routes[0]
        app = create_app({"DATA_DIR": str(workspace.root)})
        reference = reference_site(plan, route, Path(tmp) / "reference", workspace)
        with serving(app) as (base, ours), serving(reference) as (ref_base, theirs), \
                sync_playwright() as playwright:
            with app.test_request_context(base_url=base):
                url = team_link_url(plan, route.team_id)
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            new = measure(browser, url, ".leaflet-marker-icon .badge:not(.place)",
                          runs=args.runs, counter=ours)
            old = measure(browser, f"{ref_base}/team-{route.team_id}.html",
                          ".leaflet-marker-icon.patrol-stop", runs=args.runs, counter=theirs)
            browser.close()
    _report(new, old)
    raw, packed = default_folium_html(plan, route)
    print(f"A default Folium page of the same route: {raw / 1000:.1f} KB of HTML "
          f"({packed / 1000:.1f} KB gzip, {raw / 1000 / STOPS:.2f} KB per stop), plus its "
          "scripts and styles from CDNs (about 690 KB; not reachable in this run)")


def _report(new: dict[str, float], old: dict[str, float]) -> None:
    print(f"Team page of {STOPS} stops, 390x844, headless chromium (median)")
    print(f"{'':24}{'phone page':>12}{'Folium page':>13}{'ratio':>8}{'target':>9}")
    rows = [("first load, KB", "first_kb"), ("repeat load, KB", "repeat_kb"),
            ("drawn, ms", "drawn_ms"), ("drawn at 4x CPU, ms", "drawn_4x_ms")]
    for label, key in rows:
        target = TARGETS[key]
        mark = "ok" if new[key] < target else "MISSED"
        print(f"{label:24}{new[key]:12.1f}{old[key]:13.1f}{new[key] / old[key]:8.2f}"
              f"{'< ' + str(target):>9} {mark}")


if __name__ == "__main__":
    main()
