"""Schema migrations: they build exactly the models, and an older database upgrades in place."""

from __future__ import annotations

import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from shapely.geometry import Point, Polygon
from sqlalchemy import create_engine, inspect, select, text

from dispatch.migrations import context_options, head_revisions
from dispatch.models import Base, Hotspot, HotspotChange, Shelter
from dispatch.store import open_engine, session_factory

DATA = Path(__file__).parent / "data"


def test_the_migrations_produce_exactly_the_models(backend_url: str) -> None:
    """Alembic's autogenerate finds nothing between a migrated database and the models."""
    engine = open_engine(backend_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=context_options(connection))
        assert compare_metadata(context, Base.metadata) == []
        assert set(context.get_current_heads()) == set(head_revisions())
    engine.dispose()


def test_opening_twice_changes_nothing(backend_url: str) -> None:
    """A database at the head is left alone on the next open."""
    for _ in range(2):
        engine = open_engine(backend_url)
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        engine.dispose()
    assert {"hotspot", "hotspot_change", "alembic_version"} <= tables


def test_a_database_from_before_migrations_upgrades_keeping_its_rows(backend_url: str) -> None:
    """Tables made by the first releases (no alembic_version) are stamped and upgraded; the
    hotspots and shelters they hold read back with their geometries."""
    plain = create_engine(backend_url)
    dialect = plain.dialect.name
    schema = (DATA / f"pre_migration_schema.{dialect}.sql").read_text(encoding="utf-8")
    with plain.begin() as connection:
        for statement in schema.split(";"):
            if statement.strip():
                connection.execute(text(statement))
        connection.execute(text(
            "INSERT INTO hotspot (name, category, risk, service_min, checks_per_night, geometry,"
            " access_lon, access_lat, active, sweep_m) VALUES ('中央车站 Station', 'station', 5,"
            " 15, 2, 'POLYGON ((24.94 60.17, 24.95 60.17, 24.95 60.18, 24.94 60.17))', 24.94,"
            " 60.17, true, 0)"))
        connection.execute(text("INSERT INTO shelter (name, kind, geometry) VALUES "
                                "('避寒点', 'community', 'POINT (24.93 60.16)')"))
    plain.dispose()
    engine = open_engine(backend_url)
    with session_factory(engine)() as session:
        (hotspot,) = session.scalars(select(Hotspot))
        assert hotspot.name == "中央车站 Station" and hotspot.district is None
        assert hotspot.access_manual is False and hotspot.retired_at is None
        assert hotspot.geometry.equals(Polygon([(24.94, 60.17), (24.95, 60.17), (24.95, 60.18)]))
        assert session.scalars(select(Shelter)).one().geometry.equals(Point(24.93, 60.16))
        assert session.scalars(select(HotspotChange)).all() == []
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=context_options(connection))
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_plans_stored_before_their_facts_get_them_on_upgrade(backend_url: str,
                                                             demo_plan) -> None:
    """A plan saved at revision 0004 (no facts column) gets its facts from its document."""
    from alembic import command

    from dispatch.migrations import alembic_config
    from dispatch.models import SavedPlan
    from dispatch.nightplan import document_facts

    plain = create_engine(backend_url)
    with plain.begin() as connection:
        command.upgrade(alembic_config(connection), "0004")
        connection.execute(
            text("INSERT INTO plan (night, created_at, document) VALUES (:n, :c, :d)"),
            {"n": demo_plan.date, "c": demo_plan.created_at,
             "d": json.dumps(demo_plan.to_document())})
    plain.dispose()
    engine = open_engine(backend_url)
    with session_factory(engine)() as session:
        saved = session.scalars(select(SavedPlan)).one()
        assert saved.facts == document_facts(demo_plan.to_document())
        assert len(saved.facts["hotspots"]) == len(demo_plan.hotspots)
    engine.dispose()
