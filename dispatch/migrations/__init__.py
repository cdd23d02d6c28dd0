"""Schema migrations (Alembic), run from code: opening a database upgrades it to the head.

A database made before migrations existed (its tables there, no ``alembic_version``)
is stamped at the baseline ``0001`` and upgraded in place, keeping its rows.

Adding a revision after changing :mod:`dispatch.models`::

    python -m dispatch.migrations revision "what changed"

writes ``versions/NNNN_what_changed.py`` with the operations Alembic finds between
a database at the current head and the models; read it, fix what autogenerate
cannot know (renames, data moves, SQLite needs ``op.batch_alter_table`` to alter
columns), and run ``pytest tests/dispatch/test_migrations.py``, which checks that the
revisions produce exactly the models on SQLite and on PostGIS.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

HERE = Path(__file__).parent
BASELINE = "0001"
#: Tables the baseline made; their presence without a version means a pre-migration database.
BASELINE_TABLES = ("city", "hotspot", "shelter", "team_base", "plan")


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision (nothing to do when it is there)."""
    with engine.begin() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
        if current == set(head_revisions()):
            return
        config = alembic_config(connection)
        if not current and inspect(connection).has_table(BASELINE_TABLES[0]):
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration pointing at this package, bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def configure_context(context: Any, connection: Connection) -> None:
    """What env.py hands Alembic: our metadata and :func:`context_options`."""
    from dispatch.models import Base

    context.configure(connection=connection, target_metadata=Base.metadata,
                      **context_options(connection))


def context_options(connection: Connection) -> dict[str, Any]:
    """Batch mode where SQLite needs it, types compared, only our own tables."""
    return {"render_as_batch": connection.dialect.name == "sqlite", "compare_type": True,
            "include_object": _ours}


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """PostGIS's own tables (spatial_ref_sys, tiger ...) are not ours to compare."""
    return not (type_ == "table" and reflected and compare_to is None)


@cache
def head_revisions() -> tuple[str, ...]:
    """The newest revision(s), read once from the versions directory."""
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())
