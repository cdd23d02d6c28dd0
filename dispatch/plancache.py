"""Saved plans parsed once: a saved version's document is never changed after it is written
(a change makes a new version), so its :class:`NightPlan` is kept by the row's id.

Reading a plan back (shapely geometries for every leg) costs several times more than the
query that finds it; every team check-in and board poll needs the night's plan.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.models import SavedPlan
from dispatch.nightplan import NightPlan


class ParsedPlans:
    """The newest ``kept`` plans read back, shared by a server's threads."""

    def __init__(self, kept: int = 8) -> None:
        if kept < 1:
            raise ValueError(f"kept={kept}: keep at least one plan")
        self.kept = kept
        self._plans: OrderedDict[int, NightPlan] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, session: Session, plan_id: int) -> NightPlan:
        """The plan of the stored version ``plan_id``, read from its document once."""
        with self._lock:
            found = self._plans.get(plan_id)
            if found is not None:
                self._plans.move_to_end(plan_id)
                return found
        plan = read_plan(session, plan_id)  # outside the lock: the other threads go on
        with self._lock:
            self._plans[plan_id] = plan
            while len(self._plans) > self.kept:
                self._plans.popitem(last=False)
        return plan


def plan_of(session: Session, plan_id: int, parsed: ParsedPlans | None) -> NightPlan:
    """The plan of the stored version ``plan_id``, through ``parsed`` when given."""
    return parsed.of(session, plan_id) if parsed is not None else read_plan(session, plan_id)


def read_plan(session: Session, plan_id: int) -> NightPlan:
    """The plan of the stored version ``plan_id``, read from its document."""
    return NightPlan.from_document(
        session.scalars(select(SavedPlan.document).where(SavedPlan.id == plan_id)).one())
