"""Jobs: searches done on worker processes, their state shared by every web process.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("night", sa.Date(), nullable=True),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("lock", sa.String(length=60), nullable=True),
        sa.Column("budget_s", sa.Float(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lock"),
    )
    op.create_index("ix_job_state", "job", ["state"])
    op.create_index("ix_job_owner", "job", ["owner"])


def downgrade() -> None:
    op.drop_index("ix_job_owner", table_name="job")
    op.drop_index("ix_job_state", table_name="job")
    op.drop_table("job")
