"""Registry fixtures: one empty database per test, on SQLite and (when given) on PostGIS.

PostGIS cases run when ``PATROL_TEST_POSTGRES_URL`` names a PostgreSQL database
with the postgis extension (``.ci/run`` sets one up); each test gets a schema of
its own there, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
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


@pytest.fixture(params=["sqlite", "postgis"])
def backend_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema in the PostGIS test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('registry') / 'patrol.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(HOW_TO_ENABLE)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options={quote(f'-csearch_path={schema},public')}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture()
def registry_engine(backend_url: str, demo_workspace: Workspace) -> Iterator[Engine]:
    """A migrated database holding the demo city's record (no hotspots yet)."""
    engine = open_engine(backend_url)
    demo = open_engine(demo_workspace.database_url)
    with session_factory(demo)() as source, session_factory(engine).begin() as session:
        city = source.scalars(select(City)).one()
        session.add(City(name=city.name, timezone=city.timezone, source=city.source,
                         west=city.west, south=city.south, east=city.east, north=city.north,
                         built_at=city.built_at))
    demo.dispose()
    yield engine
    engine.dispose()


@pytest.fixture()
def registry_session(registry_engine: Engine) -> Iterator[Session]:
    """A session on the registry database; a test commits what it means to keep."""
    with session_factory(registry_engine)() as session:
        yield session
