"""Team links can be reissued: the number each team's link of a night was made under.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_link_issue",
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("team_id", sa.String(length=20), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("reissued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reissued_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("night", "team_id"),
    )


def downgrade() -> None:
    op.drop_table("team_link_issue")
