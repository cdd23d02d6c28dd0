"""Importing hotspots: a 300-row CSV into the demo city, and opening a migrated database.

Prints, each against a reference measured in the same run:

- the import of 300 point hotspots (read, check every row, one placement pass on
  the walk network, write with history) against adding the first 30 of them one at
  a time through ``add_hotspot`` (a placement per hotspot, as a map edit does), per
  hotspot;
- opening a database already at the newest revision (``open_engine``: one look at
  ``alembic_version``) against SQLAlchemy's ``create_all`` on the same database.

Run: ``python bench/registry_import.py`` (``make bench``).
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

import networkx as nx
from sqlalchemy import create_engine, delete
from sqlalchemy.orm import Session, sessionmaker

from dispatch.city import build_city, demo_source
from dispatch.importing import import_file
from dispatch.models import Base, Hotspot, HotspotChange
from dispatch.registry import add_hotspot
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.network import load_network
from routes.problem import Mode

ROWS = 300
ONE_BY_ONE = 30
CATEGORIES = ("station", "bridge", "market", "park")


def main() -> None:
    """Build the demo city in a scratch directory, then time both comparisons."""
    with tempfile.TemporaryDirectory() as scratch:
        workspace = Workspace(Path(scratch) / "city")
        build_city(workspace, demo_source(workspace), "Helsinki (bench)")
        walk = load_network(workspace.network_path(Mode.WALK))
        rows = _rows(walk)
        path = Path(scratch) / "hotspots.csv"
        path.write_text("name,category,lon,lat\n" + "".join(
            f"{name},{category},{lon},{lat}\n" for name, category, lon, lat in rows),
            encoding="utf-8")
        engine = open_engine(workspace.database_url)
        sessions = session_factory(engine)
        _clear(sessions)
        began = time.perf_counter()
        with sessions.begin() as session:
            one_by_one = len([add_hotspot(session, {"name": n, "category": c,
                                                    "geometry": f"POINT ({x} {y})"},
                                          who="bench", network=walk)
                              for n, c, x, y in rows[:ONE_BY_ONE]])
        reference = (time.perf_counter() - began) / one_by_one
        _clear(sessions)
        began = time.perf_counter()
        with sessions.begin() as session:
            imported = len(import_file(session, path, who="bench", network=walk).added)
        batch = (time.perf_counter() - began) / imported
        assert imported == ROWS
        print(f"{one_by_one} hotspots one at a time (reference): {reference * 1000:.1f} ms each")
        print(f"{ROWS} hotspots by CSV import:            {batch * 1000:.1f} ms each "
              f"({reference / batch:.1f}x faster)")
        engine.dispose()
        _time_open(workspace.database_url)


def _rows(walk: nx.MultiDiGraph) -> list[tuple[str, str, float, float]]:
    """Points next to random nodes of the walk network (seeded), Chinese names."""
    rng = random.Random(3)
    nodes = list(walk.nodes(data=True))
    picked = [nodes[rng.randrange(len(nodes))][1] for _ in range(ROWS)]
    return [(f"巡查点 {k}", CATEGORIES[k % len(CATEGORIES)],
             round(d["x"] + rng.uniform(-2e-4, 2e-4), 7),
             round(d["y"] + rng.uniform(-1e-4, 1e-4), 7)) for k, d in enumerate(picked)]


def _clear(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.execute(delete(HotspotChange))
        session.execute(delete(Hotspot))


def _time_open(url: str, repeats: int = 50) -> None:
    began = time.perf_counter()
    for _ in range(repeats):
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
    reference = (time.perf_counter() - began) / repeats
    began = time.perf_counter()
    for _ in range(repeats):
        open_engine(url).dispose()
    opened = (time.perf_counter() - began) / repeats
    print(f"create_all on an existing database (reference): {reference * 1000:.1f} ms")
    print(f"open_engine at the newest revision:             {opened * 1000:.1f} ms "
          f"({opened / reference:.2f}x the reference)")


if __name__ == "__main__":
    main()
