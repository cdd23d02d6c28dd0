"""What the teams found: every person found, where, who, and what was done for them.

Read only from check-ins: a person counts when a team recorded finding them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.checkins import ACTIONS, as_utc
from dispatch.coverage import EVERYTHING, Filters, NightRecord
from dispatch.models import CheckIn, Hotspot


@dataclass(frozen=True)
class FoundPerson:
    """One check-in that found people: ``count`` of them, of one ``category``."""

    at: datetime  # in the city's time zone
    lon: float
    lat: float
    place: str
    team_id: str
    category: str
    count: int
    accepts_help: bool | None
    action: str | None

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action or "", "")


def people_found(session: Session, nights: Iterable[NightRecord],
                 filters: Filters = EVERYTHING) -> list[FoundPerson]:
    """Everyone found on ``nights``, at the phone's position (else the hotspot's access)."""
    chosen = [n for n in nights if not filters.cold_only or n.level.interval_h is not None]
    if not chosen:
        return []
    zone = ZoneInfo(chosen[0].facts.timezone)
    query = (select(CheckIn, Hotspot).join(Hotspot, Hotspot.id == CheckIn.hotspot_id)
             .where(CheckIn.night.in_([n.day for n in chosen]),
                    CheckIn.outcome == "person_found")
             .order_by(CheckIn.recorded_at))
    if filters.team is not None:
        query = query.where(CheckIn.team_id == filters.team)
    if filters.category is not None:
        query = query.where(Hotspot.category == filters.category)
    if filters.district is not None:
        query = query.where(Hotspot.district == filters.district)
    found = []
    for checkin, hotspot in session.execute(query).tuples():
        lon = checkin.lon if checkin.lon is not None else hotspot.access_lon
        lat = checkin.lat if checkin.lat is not None else hotspot.access_lat
        found.append(FoundPerson(
            as_utc(checkin.recorded_at).astimezone(zone), lon, lat, hotspot.name,
            checkin.team_id, checkin.found_category or "other", checkin.found_count or 1,
            checkin.accepts_help, checkin.action))
    return found
