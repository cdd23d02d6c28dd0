"""Shelters report free beds: how many and when.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shelter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("beds_free", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("beds_reported_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shelter", schema=None) as batch_op:
        batch_op.drop_column("beds_reported_at")
        batch_op.drop_column("beds_free")
