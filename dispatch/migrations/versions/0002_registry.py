"""Hotspot registry: districts, access points set by hand, retirement, and a change history.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


#: Geometry columns the first releases kept as text on PostgreSQL too.
GEOMETRY_COLUMNS = (("hotspot", "geometry"), ("shelter", "geometry"))


def upgrade() -> None:
    _text_to_postgis()
    with op.batch_alter_table("hotspot") as batch:
        batch.add_column(sa.Column("district", sa.String(80), nullable=True))
        batch.add_column(sa.Column("access_manual", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_hotspot_district", ["district"])
    op.create_table(
        "hotspot_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hotspot_id", sa.Integer(), sa.ForeignKey("hotspot.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(120), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_hotspot_change_hotspot_id", "hotspot_change", ["hotspot_id"])


def downgrade() -> None:
    op.drop_index("ix_hotspot_change_hotspot_id", table_name="hotspot_change")
    op.drop_table("hotspot_change")
    with op.batch_alter_table("hotspot") as batch:
        batch.drop_index("ix_hotspot_district")
        batch.drop_column("retired_at")
        batch.drop_column("access_manual")
        batch.drop_column("district")


def _text_to_postgis() -> None:
    """A PostgreSQL database made before PostGIS columns: convert its WKT text in place."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    inspector = sa.inspect(bind)
    for table, column in GEOMETRY_COLUMNS:
        found = {c["name"]: c["type"] for c in inspector.get_columns(table)}
        if isinstance(found[column], sa.Text):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE geometry(Geometry, 4326) "
                       f"USING ST_GeomFromText({column}, 4326)")
