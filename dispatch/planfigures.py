"""A plan's figures (checks planned of required, by risk; team-hours; km; what was left out)
and how two versions of a night differ in them.

Counted from the plan document itself, so a version reads the same after the
registry or the roster changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dispatch.nightplan import REASON_LABELS, NightPlan


@dataclass(frozen=True)
class RiskFigures:
    """Checks of one risk level: planned of required."""

    risk: int
    planned: int
    required: int


@dataclass(frozen=True)
class PlanFigures:
    """What a version of a night gives and costs."""

    planned: int
    required: int
    by_risk: tuple[RiskFigures, ...]
    team_hours: float
    km: float
    left_out: int
    left_out_by_reason: tuple[tuple[str, int], ...]

    @property
    def covered_pct(self) -> float:
        return 100.0 * self.planned / self.required if self.required else 100.0


@dataclass(frozen=True)
class FigureChange:
    """One figure before and after a change (or in two versions side by side)."""

    key: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return round(self.after - self.before, 2)


#: Figures compared between versions, in the order shown; keys name the message catalogue.
COMPARED = ("checks planned", "left out", "team-hours", "km")


def plan_figures(plan: NightPlan) -> PlanFigures:
    """The figures of ``plan``: required checks are the planned ones and those left out."""
    planned = Counter(plan.hotspots[v.hotspot_id].risk for r in plan.routes for v in r.visits)
    left = Counter(plan.hotspots[d.hotspot_id].risk for d in plan.dropped)
    risks = sorted(set(planned) | set(left), reverse=True)
    reasons = Counter(d.reason for d in plan.dropped)
    ordered = [r for r in (*REASON_LABELS, *sorted(reasons)) if r in reasons]
    hours = sum((r.end - r.start).total_seconds() for r in plan.routes if r.visits) / 3600
    return PlanFigures(
        planned=sum(planned.values()),
        required=sum(planned.values()) + sum(left.values()),
        by_risk=tuple(RiskFigures(k, planned[k], planned[k] + left[k]) for k in risks),
        team_hours=round(hours, 2),
        km=round(sum(r.distance_m for r in plan.routes) / 1000, 2),
        left_out=len(plan.dropped),
        left_out_by_reason=tuple((r, reasons[r]) for r in dict.fromkeys(ordered)),
    )


def compare_figures(before: PlanFigures, after: PlanFigures) -> tuple[FigureChange, ...]:
    """The compared figures of two versions, before -> after."""
    pairs = {"checks planned": (before.planned, after.planned),
             "left out": (before.left_out, after.left_out),
             "team-hours": (before.team_hours, after.team_hours),
             "km": (before.km, after.km)}
    return tuple(FigureChange(k, *pairs[k]) for k in COMPARED)
