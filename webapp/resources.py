"""Heavy resources set up once per app: the database engine and the road basemap."""

from __future__ import annotations

from datetime import date
from functools import cached_property

import geopandas as gpd
import networkx as nx
from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dispatch.board import Rankings
from dispatch.jobs.queue import JobQueue
from dispatch.night import tonight
from dispatch.nightplan import NightPlan
from dispatch.plancache import ParsedPlans
from dispatch.planning import latest_plan, load_networks
from dispatch.store import get_city, open_engine, session_factory
from dispatch.versions import night_plan, published_plan
from dispatch.workspace import Workspace
from routes.network import network_edges
from routes.problem import Mode


class Resources:
    """What every request shares; the basemap is read on first use, then kept."""

    def __init__(self, workspace: Workspace, *, ranking_fresh_s: float = 0.0,
                 queue_url: str | None = None, jobs_per_user: int = 3) -> None:
        self.workspace = workspace.ensure()
        self.engine: Engine = open_engine(workspace.database_url)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        #: Searches go to the workers through this queue; their state is in the database.
        self.queue = JobQueue(queue_url, self.workspace, workspace.database_url,
                              per_owner=jobs_per_user)
        #: Every check-in and board poll needs the night's plan: each version is read once.
        self.parsed = ParsedPlans()
        #: The board's rankings of open reports, at most ``ranking_fresh_s`` old.
        self.rankings = Rankings(fresh_s=ranking_fresh_s)

    @cached_property
    def roads(self) -> gpd.GeoDataFrame | None:
        """Walkable roads as a faint basemap (no tile server is needed)."""
        walk = self.walk_network_if_built()  # the same graph re-plans use: read once
        return network_edges(walk) if walk is not None else None

    @cached_property
    def networks(self) -> dict[Mode, nx.MultiDiGraph]:
        """The city's road networks, read once: re-plans reuse their travel-time caches."""
        return load_networks(self.workspace, [m for m in Mode
                                              if self.workspace.network_path(m).exists()])

    @property
    def walk_network(self) -> nx.MultiDiGraph:
        """The walking network, for reach questions."""
        return self.networks[Mode.WALK]

    def walk_network_if_built(self) -> nx.MultiDiGraph | None:
        """The walking network, or None before a city is built (without reading it twice)."""
        built = self.workspace.network_path(Mode.WALK).exists()
        return self.walk_network if built else None

    def latest_plan(self) -> NightPlan | None:
        with self.sessions() as session:
            return latest_plan(session, self.parsed)

    def night_plan(self, night: date) -> NightPlan | None:
        """The plan ``night``'s teams follow (published, else its latest version)."""
        with self.sessions() as session:
            return night_plan(session, night, self.parsed)

    def tonight(self) -> date:
        """Tonight in the city's time zone (until the usual shift end, last night)."""
        with self.sessions() as session:
            return tonight(get_city(session).timezone)

    def published_plan(self, night: date) -> NightPlan | None:
        """The plan published for ``night``, if the dispatcher has published one."""
        with self.sessions() as session:
            return published_plan(session, night, self.parsed)


def init_app(app: Flask) -> None:
    """Open the resources once, at start-up."""
    app.extensions["patrol"] = Resources(
        app.config["WORKSPACE"], ranking_fresh_s=float(app.config["BOARD_POLL_SECONDS"]),
        queue_url=app.config["QUEUE_URL"] or None,
        jobs_per_user=int(app.config["JOBS_PER_USER"]))


def resources() -> Resources:
    """The current app's resources."""
    found: Resources = current_app.extensions["patrol"]
    return found
