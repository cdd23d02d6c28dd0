"""Candidate sites for temporary warming points, and check-ins sent from team phones.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "candidate_site",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("osm_ref", sa.String(40), nullable=True),
    )
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.String(36), nullable=False, unique=True),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("team_id", sa.String(40), nullable=False),
        sa.Column("hotspot_id", sa.Integer(), nullable=False),
        sa.Column("check_number", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("found_count", sa.Integer(), nullable=True),
        sa.Column("found_category", sa.String(20), nullable=True),
        sa.Column("accepts_help", sa.Boolean(), nullable=True),
        sa.Column("action", sa.String(20), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
    )
    op.create_index("ix_checkin_night", "checkin", ["night"])


def downgrade() -> None:
    op.drop_index("ix_checkin_night", "checkin")
    op.drop_table("checkin")
    op.drop_table("candidate_site")
