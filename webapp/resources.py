"""Heavy resources set up once per app: the database engine and the road basemap."""

from __future__ import annotations

from functools import cached_property

import geopandas as gpd
import networkx as nx
from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dispatch.nightplan import NightPlan
from dispatch.planning import latest_plan
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.network import load_network, network_edges
from routes.problem import Mode


class Resources:
    """What every request shares; the basemap is read on first use, then kept."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace.ensure()
        self.engine: Engine = open_engine(workspace.database_url)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)

    @cached_property
    def roads(self) -> gpd.GeoDataFrame | None:
        """Walkable roads as a faint basemap (no tile server is needed)."""
        network = self.walk_network_if_built()
        return network_edges(network) if network is not None else None

    @cached_property
    def walk_network(self) -> nx.MultiDiGraph:
        """The walking network, for reach questions (read once, then kept)."""
        return load_network(self.workspace.network_path(Mode.WALK))

    def walk_network_if_built(self) -> nx.MultiDiGraph | None:
        """The walking network, or None before a city is built (without reading it twice)."""
        built = self.workspace.network_path(Mode.WALK).exists()
        return self.walk_network if built else None

    def latest_plan(self) -> NightPlan | None:
        with self.sessions() as session:
            return latest_plan(session)


def init_app(app: Flask) -> None:
    """Open the resources once, at start-up."""
    app.extensions["patrol"] = Resources(app.config["WORKSPACE"])


def resources() -> Resources:
    """The current app's resources."""
    found: Resources = current_app.extensions["patrol"]
    return found
