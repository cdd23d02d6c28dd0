"""Baseline: the schema as the first releases created it (city, hotspots, shelters, bases, plans).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.geometry import GeometryColumn

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "city",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        *(sa.Column(side, sa.Float(), nullable=False)
          for side in ("west", "south", "east", "north")),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "hotspot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("risk", sa.Integer(), nullable=False),
        sa.Column("service_min", sa.Integer(), nullable=False),
        sa.Column("checks_per_night", sa.Integer(), nullable=False),
        sa.Column("geometry", GeometryColumn(), nullable=False),
        sa.Column("access_lon", sa.Float(), nullable=False),
        sa.Column("access_lat", sa.Float(), nullable=False),
        sa.Column("osm_ref", sa.String(40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sweep_m", sa.Float(), nullable=False),
        sa.Column("window_start", sa.Time(), nullable=True),
        sa.Column("window_end", sa.Time(), nullable=True),
        sa.Column("skill", sa.String(40), nullable=True),
    )
    op.create_index("ix_hotspot_category", "hotspot", ["category"])
    op.create_table(
        "shelter",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("geometry", GeometryColumn(), nullable=False),
        sa.Column("beds", sa.Integer(), nullable=True),
        sa.Column("osm_ref", sa.String(40), nullable=True),
    )
    op.create_table(
        "team_base",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
    )
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_index("ix_plan_night", "plan", ["night"])


def downgrade() -> None:
    op.drop_index("ix_plan_night", table_name="plan")
    op.drop_index("ix_hotspot_category", table_name="hotspot")
    for table in ("plan", "team_base", "shelter", "hotspot", "city"):
        op.drop_table(table)
