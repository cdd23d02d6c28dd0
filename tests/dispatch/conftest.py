"""Registry fixtures: empty databases per test, on SQLite and (when given) on PostGIS.

PostGIS cases run when ``PATROL_TEST_POSTGRES_URL`` names a PostgreSQL database
with the postgis extension (``.ci/run`` sets one up); each database a test asks
for is a schema of its own there, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from dispatch.models import City
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace

POSTGRES_ENV = "PATROL_TEST_POSTGRES_URL"
HOW_TO_ENABLE = (
    f"PostGIS tests need {POSTGRES_ENV}=postgresql://USER:PASSWORD@HOST/DB naming a database "
    "with the postgis extension (sudo apt-get install postgresql postgresql-15-postgis-3; "
    "createdb DB; psql -d DB -c 'CREATE EXTENSION postgis'); .ci/run does this as root"
)


@contextmanager
def postgis_schema(prefix: str) -> Iterator[str]:
    """A database URL on a new schema of the PostGIS database (dropped afterwards); the
    test is skipped, saying how to enable it, when there is no PostGIS database."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(HOW_TO_ENABLE)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema},public')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgis"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes empty databases on one backend: SQLite files, or schemas in the PostGIS database."""
    if request.param == "postgis" and not os.environ.get(POSTGRES_ENV):
        pytest.skip(HOW_TO_ENABLE)
    with ExitStack() as schemas:

        def make() -> str:
            if request.param == "sqlite":
                return f"sqlite:///{tmp_path / f'patrol-{uuid.uuid4().hex[:8]}.db'}"
            return schemas.enter_context(postgis_schema("test"))

        yield make


@pytest.fixture()
def backend_url(new_database: Callable[[], str]) -> str:
    """One empty database."""
    return new_database()


@pytest.fixture(scope="session")
def demo_city(demo_workspace: Workspace) -> City:
    """The demo city's record (its network's bounds), detached from any session."""
    engine = open_engine(demo_workspace.database_url)
    with session_factory(engine)() as session:
        city = session.scalars(select(City)).one()
    engine.dispose()
    return city


def open_city_database(url: str, city: City) -> Engine:
    """A migrated database holding a copy of ``city``'s record."""
    engine = open_engine(url)
    with session_factory(engine).begin() as session:
        session.add(City(name=city.name, timezone=city.timezone, source=city.source,
                         west=city.west, south=city.south, east=city.east, north=city.north,
                         built_at=city.built_at))
    return engine


@pytest.fixture()
def registry_engine(backend_url: str, demo_city: City) -> Iterator[Engine]:
    """A migrated database holding the demo city's record (no hotspots yet)."""
    engine = open_city_database(backend_url, demo_city)
    yield engine
    engine.dispose()


@pytest.fixture()
def registry_session(registry_engine: Engine) -> Iterator[Session]:
    """A session on the registry database; a test commits what it means to keep."""
    with session_factory(registry_engine)() as session:
        yield session


def database_dump(engine: Engine) -> list[str]:
    """Every row of every table of a SQLite database, as SQL: equal dumps, equal databases.

    A refused request or import must leave this exactly as it was.
    """
    connection = engine.raw_connection()
    try:
        return list(connection.driver_connection.iterdump())  # type: ignore[union-attr]
    finally:
        connection.close()
