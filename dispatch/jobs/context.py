"""What a worker keeps of each city between jobs: its database and its road networks.

A job names its city's data (directory and database), so one pool of workers can
serve a province: each worker process opens a city on its first job and reuses it
for every later one, reading the networks again only when the city was rebuilt.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dispatch.planning import load_networks
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.problem import Mode


@dataclass
class City:
    """One city's data as a worker holds it."""

    workspace: Workspace
    engine: Engine
    sessions: sessionmaker[Session]
    _networks: dict[Mode, nx.MultiDiGraph] = field(default_factory=dict)
    _stamps: dict[Mode, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def networks(self) -> Mapping[Mode, nx.MultiDiGraph]:
        """Every built mode's network, read on first use and again after a rebuild."""
        with self._lock:
            for mode in Mode:
                path = self.workspace.network_path(mode)
                stamp = path.stat().st_mtime if path.exists() else None
                if stamp is None:
                    self._networks.pop(mode, None)
                elif self._stamps.get(mode) != stamp:
                    self._networks.update(load_networks(self.workspace, [mode]))
                    self._stamps[mode] = stamp
            return dict(self._networks)


_cities: dict[tuple[str, str], City] = {}
_cities_lock = threading.Lock()


def city_of(data_dir: str, database_url: str) -> City:
    """The city a job names, opened once per worker process."""
    key = (data_dir, database_url)
    with _cities_lock:
        found = _cities.get(key)
        if found is None:
            engine = open_engine(database_url)
            found = City(Workspace.locate(data_dir), engine, session_factory(engine))
            _cities[key] = found
        return found


def forget_cities() -> None:
    """Close every city (a worker process stopping, or a forked child starting afresh)."""
    with _cities_lock:
        for city in _cities.values():
            city.engine.dispose()
        _cities.clear()
