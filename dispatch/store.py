"""Opening the database and the few queries every service shares."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.errors import NotBuiltError
from dispatch.migrations import upgrade
from dispatch.models import City


def open_engine(url: str) -> Engine:
    """An engine on a database upgraded to the newest schema (Alembic migrations).

    SQLite files get WAL and foreign keys; a PostgreSQL URL needs the PostGIS
    extension (or the right to create it).
    """
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    upgrade(engine)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        keep_private(Path(str(engine.url.database)))
    return engine


def keep_private(path: Path) -> None:
    """Only the server's own user may read a database file (and its WAL files): it holds
    reporters' phone numbers and password hashes."""
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if part.exists():
            part.chmod(0o600)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def get_city(session: Session) -> City:
    """The city of this data directory, or a clear error saying how to build one."""
    city = session.scalars(select(City)).first()
    if city is None:
        raise NotBuiltError(
            "this data directory holds no city yet; run `patrol city --osm FILE` "
            "(or `patrol demo`) first"
        )
    return city


def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
