"""The roster, and plans kept as versions of a night (pins, exclusions, closures, publishing).

Revision ID: 0004
Revises: 0003

Plans saved before this revision become version 1 drafts of their night.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None

EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    op.create_table(
        "roster_team",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(40), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("vehicle", sa.String(40), nullable=True),
        sa.Column("base_id", sa.Integer(), sa.ForeignKey("team_base.id"), nullable=False),
        sa.Column("skills", sa.String(200), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
    )
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False,
                                   server_default=sa.text("1")))
        batch.add_column(sa.Column("status", sa.String(20), nullable=False,
                                   server_default="draft"))
        batch.add_column(sa.Column("settings", sa.JSON(), nullable=True))
        for name in ("pins", "exclusions", "closures", "pending", "changes"):
            batch.add_column(sa.Column(name, sa.JSON(), nullable=False,
                                       server_default=EMPTY_LIST))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False,
                                   server_default=sa.text("0")))
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_plan_parent_id", "plan", ["parent_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.drop_constraint("fk_plan_parent_id", type_="foreignkey")
        for name in ("published_at", "parent_id", "revision", "changes", "pending", "closures",
                     "exclusions", "pins", "settings", "status", "version"):
            batch.drop_column(name)
    op.drop_table("roster_team")
