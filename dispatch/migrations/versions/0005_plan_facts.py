"""Plans keep their facts (hotspot ids, shift, forecast, team modes) beside the document.

Revision ID: 0005
Revises: 0004

Coverage and campaign figures read only these, so a season of nights loads fast.
Plans stored before this revision get theirs from their documents here.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=True))
    plan = sa.table("plan", sa.column("id", sa.Integer()), sa.column("document", sa.JSON()),
                    sa.column("facts", sa.JSON()))
    bind = op.get_bind()
    for row_id, document in bind.execute(sa.select(plan.c.id, plan.c.document)).all():
        doc = json.loads(document) if isinstance(document, str) else document
        bind.execute(plan.update().where(plan.c.id == row_id).values(facts=_facts(doc)))


def downgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("facts")


def _facts(doc: dict[str, Any]) -> dict[str, Any]:
    """As dispatch.nightplan.document_facts wrote them when this revision was made."""
    night = doc["night"]
    return {"timezone": night["timezone"], "shift_start": night["shift_start"],
            "shift_end": night["shift_end"], "temperature": night.get("temperature"),
            "hotspots": [p["id"] for p in doc["hotspots"]],
            "modes": {t["id"]: t["mode"] for t in night["teams"]}}
