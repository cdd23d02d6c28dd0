"""Alembic environment: always run on the connection :func:`dispatch.migrations.upgrade` passes."""

from __future__ import annotations

from alembic import context

from dispatch.migrations import configure_context

configure_context(context, context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
