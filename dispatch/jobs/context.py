"""What a worker keeps of each city between jobs: its database and its road networks.

A job names its city's data (directory and database), so one pool of workers can
serve a province: each worker process opens a city on its first job and reuses it
for every later one, reading the networks again only when the city was rebuilt.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
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


#: Cities a worker process keeps open at once (about 300 MB each for a city the size of
#: central Helsinki); the one used longest ago is closed to open another. A province's
#: pool of workers serves its cities in turn without holding them all.
KEPT_CITIES = int(os.environ.get("PATROL_WORKER_CITIES", "4"))

_cities: OrderedDict[tuple[str, str], City] = OrderedDict()
_cities_lock = threading.Lock()


def city_of(data_dir: str, database_url: str) -> City:
    """The city a job names, opened once per worker process (while it is among the
    :data:`KEPT_CITIES` used last)."""
    key = (data_dir, database_url)
    with _cities_lock:
        found = _cities.get(key)
        if found is None:
            engine = open_engine(database_url)
            found = City(Workspace.locate(data_dir), engine, session_factory(engine))
            _cities[key] = found
        _cities.move_to_end(key)
        while len(_cities) > max(KEPT_CITIES, 1):
            _key, oldest = _cities.popitem(last=False)
            oldest.engine.dispose()
        return found


def forget_cities() -> None:
    """Close every city (a worker process stopping, or a forked child starting afresh)."""
    with _cities_lock:
        for city in _cities.values():
            city.engine.dispose()
        _cities.clear()
