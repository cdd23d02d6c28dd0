"""A team's night as the rows its phone page lists: stops, breaks and the way home."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dispatch.checkins import OUTCOMES
from dispatch.guidance import look_for
from dispatch.models import CheckIn
from dispatch.nightplan import NightPlan, PlannedReport, PlannedVisit, TeamRoute
from maps.layers import anchor
from maps.navlinks import NavLinks, nav_links
from maps.style import category_label, clock


@dataclass(frozen=True)
class StopRow:
    """One row of the list: a visit (``visit`` set) or a warm-up break."""

    seq: int | None
    visit: str | None
    name: str
    check_note: str
    time: str
    detail: str
    look_for: str
    distance_km: float
    travel_min: int
    nav: NavLinks | None
    done: str | None = None
    #: A reported person's reference and where its steps stand (``None`` for a hotspot).
    report: str | None = None
    report_status: str | None = None
    #: A trip taking someone found to a shelter, hospital or home (listed at the top).
    escort: str | None = None


def stop_rows(plan: NightPlan, route: TeamRoute, done: dict[str, CheckIn],
              reports: Mapping[str, str] | None = None) -> list[StopRow]:
    """The team's visits, reports and breaks in order, each with the leg that leads to it.

    ``reports`` maps a report's reference to its status (assigned, on_the_way ...).
    """
    shelters = {s.id: s for s in plan.shelters}
    rows = []
    for item in route.timeline():
        leg = route.leg_to(item.key)
        travel = max(1, -(-int(leg.travel.total_seconds()) // 60))
        if isinstance(item, PlannedVisit):
            place = plan.hotspots[item.hotspot_id]
            check = f" · 第{item.check}次 check {item.check}" if item.check > 1 else ""
            found = done.get(item.key)
            rows.append(StopRow(
                item.seq, item.key, place.name, check, clock(item.arrival, plan.timezone),
                f"{category_label(plan, place)} · 检查 check {place.service_min} min",
                look_for(place.kind), leg.distance_m / 1000, travel,
                nav_links(*anchor(place), place.name, mode=route.mode),
                OUTCOMES[found.outcome] if found is not None else None))
        elif isinstance(item, PlannedReport) and item.kind == "escort":
            rows.append(StopRow(
                None, None, f"护送 Escort to {item.place}", "", clock(item.arrival, plan.timezone),
                item.note, "", leg.distance_m / 1000, travel,
                nav_links(item.lon, item.lat, item.place, mode=route.mode), escort=item.key))
        elif isinstance(item, PlannedReport):
            rows.append(_report_row(plan, route, item, leg.distance_m / 1000, travel,
                                    (reports or {}).get(item.reference, "assigned")))
        else:
            shelter = shelters.get(item.shelter_id)
            name = shelter.name if shelter is not None else f"#{item.shelter_id}"
            end = clock(item.end, plan.timezone)
            rows.append(StopRow(
                None, None, f"取暖休息 Warm-up break · {name}", "",
                clock(item.start, plan.timezone), f"至 until {end}", "", leg.distance_m / 1000,
                travel, nav_links(*anchor(shelter), name, mode=route.mode) if shelter else None))
    return rows


def _report_row(plan: NightPlan, route: TeamRoute, call: PlannedReport, distance_km: float,
                travel: int, status: str) -> StopRow:
    """A reported person: the place and what the reporter saw, and the report's steps."""
    return StopRow(
        None, None, f"求助报告 Report {call.reference} · {call.place}", "",
        clock(call.arrival, plan.timezone), call.note, "", distance_km, travel,
        nav_links(call.lon, call.lat, call.place or call.reference, mode=route.mode),
        report=call.reference, report_status=status)
