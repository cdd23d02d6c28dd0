"""A night's plan as the rest of the product reads it, and its JSON document.

The document is self-contained (hotspots, shelters, bases and categories are
copied in), so a plan stays readable after the registry changes, and it is the
same document that ``patrol plan`` writes and ``/api/plan`` serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from shapely.geometry import LineString, mapping, shape
from shapely.geometry.base import BaseGeometry

from routes.plan import Leg as PlannedLeg  # a planned leg is the solver's leg, kept


@dataclass(frozen=True)
class PlaceInfo:
    """A hotspot, shelter or base as drawn on a map."""

    id: int
    name: str
    kind: str
    geometry: BaseGeometry
    risk: int = 0
    service_min: int = 0
    access: tuple[float, float] | None = None


@dataclass(frozen=True)
class CategoryInfo:
    """A category's names and map colour."""

    key: str
    name_zh: str
    name_en: str
    color: str

    @property
    def label(self) -> str:
        return f"{self.name_zh} {self.name_en}"


@dataclass(frozen=True)
class PlannedVisit:
    """A hotspot check in a team's route; ``check`` counts a hotspot's checks tonight."""

    seq: int
    hotspot_id: int
    arrival: datetime
    departure: datetime
    wait: timedelta
    check: int = 1
    reverse: bool = False

    @property
    def key(self) -> str:
        """The visit's id in legs and the solver: ``<hotspot id>#<check>``."""
        return visit_key(self.hotspot_id, self.check)


@dataclass(frozen=True)
class PlannedBreak:
    """A warm-up stop at a shelter during a long shift."""

    shelter_id: int
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        return shelter_key(self.shelter_id)


@dataclass(frozen=True)
class PlannedReport:
    """A reported person the dispatcher sent the team to (``kind`` report), or a trip taking
    someone found to a shelter, hospital or home (``kind`` escort): a place and a note."""

    reference: str
    arrival: datetime
    departure: datetime
    lon: float = 0.0
    lat: float = 0.0
    place: str = ""
    note: str = ""
    kind: str = "report"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.reference}"


@dataclass(frozen=True)
class TeamRoute:
    """One team's night: checks in order, its break, and the legs between them."""

    team_id: str
    team_name: str
    mode: str
    base_id: int
    start: datetime
    end: datetime
    visits: tuple[PlannedVisit, ...]
    legs: tuple[PlannedLeg, ...]
    breaks: tuple[PlannedBreak, ...] = ()
    skills: tuple[str, ...] = ()
    district: BaseGeometry | None = None
    keep_out: BaseGeometry | None = None
    end_base_id: int | None = None
    #: Reported people the team was sent to (keys ``report:<reference>``).
    reports: tuple[PlannedReport, ...] = ()

    @property
    def last_base_id(self) -> int:
        """The base the team returns to."""
        return self.base_id if self.end_base_id is None else self.end_base_id

    @property
    def distance_m(self) -> float:
        return sum(leg.distance_m for leg in self.legs)

    def leg_to(self, key: str) -> PlannedLeg:
        """The leg that arrives at the visit or break with ``key``."""
        return next(leg for leg in self.legs if leg.to_id == key)

    def timeline(self) -> list[PlannedVisit | PlannedBreak | PlannedReport]:
        """Visits, reports and breaks in the order the team does them."""
        items: list[PlannedVisit | PlannedBreak | PlannedReport] = [
            *self.visits, *self.reports, *self.breaks]
        return sorted(items, key=_begins)


def _begins(item: PlannedVisit | PlannedBreak | PlannedReport) -> datetime:
    return item.start if isinstance(item, PlannedBreak) else item.arrival


def visit_key(hotspot_id: int, check: int) -> str:
    """The id of a hotspot's ``check``-th visit tonight."""
    return f"{hotspot_id}#{check}"


def report_key(reference: str) -> str:
    """The id of a visit to a reported person."""
    return f"report:{reference}"


def shelter_key(shelter_id: int) -> str:
    """The id of a break place."""
    return f"shelter:{shelter_id}"


#: Why a hotspot was left out, in Chinese and English, keyed by ``routes.plan.DropReason``.
REASON_LABELS = {
    "off_network": "不在路网上 Off the road network",
    "no_skill": "缺少所需专长 Needs a skill no team has",
    "no_team_allowed": "无队伍可前往 No team may go there",
    "out_of_reach": "无法按时到达 Out of reach",
    "no_team_time": "队伍时间不足 Not enough team time",
    "excluded": "调度员今晚排除 Excluded tonight by the dispatcher",
}


@dataclass(frozen=True)
class DroppedVisit:
    """A hotspot left out of tonight's plan, and why."""

    hotspot_id: int
    reason: str
    detail: str
    check: int = 1

    @property
    def label(self) -> str:
        """The reason in Chinese and English."""
        return REASON_LABELS.get(self.reason, self.reason)


@dataclass(frozen=True)
class NightPlan:
    """Everything a map, a page or an export needs about one planned night."""

    city: str
    timezone: str
    date: date
    shift_start: datetime
    shift_end: datetime
    created_at: datetime
    solve_seconds: float
    categories: dict[str, CategoryInfo]
    hotspots: dict[int, PlaceInfo]
    shelters: tuple[PlaceInfo, ...]
    bases: dict[int, PlaceInfo]
    routes: tuple[TeamRoute, ...]
    dropped: tuple[DroppedVisit, ...]
    temperature: float | None = None
    cold_level: str = ""
    break_minutes: int = 0

    def route(self, team_id: str) -> TeamRoute:
        """The route of ``team_id``; ``KeyError`` names the teams there are."""
        for route in self.routes:
            if route.team_id == team_id:
                return route
        raise KeyError(f"no team {team_id!r} tonight; teams: "
                       f"{', '.join(r.team_id for r in self.routes)}")

    def to_document(self) -> dict[str, Any]:
        """The JSON document (times ISO 8601 with the city's UTC offset)."""
        return {
            "city": {"name": self.city, "timezone": self.timezone},
            "night": {
                "date": self.date.isoformat(),
                "timezone": self.timezone,
                "shift_start": self.shift_start.isoformat(),
                "shift_end": self.shift_end.isoformat(),
                "created_at": self.created_at.isoformat(),
                "solve_seconds": round(self.solve_seconds, 2),
                "temperature": self.temperature,
                "cold_level": self.cold_level,
                "break_minutes": self.break_minutes,
                "teams": [_team_document(r) for r in self.routes],
            },
            "routes": [_route_document(r, self.hotspots) for r in self.routes],
            "dropped": [
                {"hotspot_id": d.hotspot_id, "check": d.check,
                 "name": self.hotspots[d.hotspot_id].name,
                 "reason": d.reason, "detail": d.detail}
                for d in self.dropped
            ],
            "hotspots": [_place_document(p) for p in self.hotspots.values()],
            "shelters": [_place_document(p) for p in self.shelters],
            "bases": [_place_document(p) for p in self.bases.values()],
            "categories": {k: {"name_zh": c.name_zh, "name_en": c.name_en, "color": c.color}
                           for k, c in self.categories.items()},
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> NightPlan:
        """Read back a document written by :meth:`to_document`."""
        night = doc["night"]
        teams = {t["id"]: t for t in night["teams"]}
        return cls(
            city=doc["city"]["name"],
            timezone=night["timezone"],
            date=date.fromisoformat(night["date"]),
            shift_start=datetime.fromisoformat(night["shift_start"]),
            shift_end=datetime.fromisoformat(night["shift_end"]),
            created_at=datetime.fromisoformat(night["created_at"]),
            solve_seconds=float(night["solve_seconds"]),
            categories={k: CategoryInfo(k, v["name_zh"], v["name_en"], v["color"])
                        for k, v in doc["categories"].items()},
            hotspots={p["id"]: _place(p) for p in doc["hotspots"]},
            shelters=tuple(_place(p) for p in doc["shelters"]),
            bases={p["id"]: _place(p) for p in doc["bases"]},
            routes=tuple(_route(r, teams[r["team"]]) for r in doc["routes"]),
            dropped=tuple(DroppedVisit(d["hotspot_id"], d["reason"], d["detail"],
                                       d.get("check", 1)) for d in doc["dropped"]),
            temperature=night.get("temperature"),
            cold_level=night.get("cold_level", ""),
            break_minutes=night.get("break_minutes", 0),
        )


def _team_document(route: TeamRoute) -> dict[str, Any]:
    return {"id": route.team_id, "name": route.team_name, "mode": route.mode,
            "base_id": route.base_id, "end_base_id": route.end_base_id,
            "skills": list(route.skills),
            "district": mapping(route.district) if route.district is not None else None,
            "keep_out": mapping(route.keep_out) if route.keep_out is not None else None}


def _route_document(route: TeamRoute, hotspots: dict[int, PlaceInfo]) -> dict[str, Any]:
    return {
        "team": route.team_id,
        "team_name": route.team_name,
        "mode": route.mode,
        "start": route.start.isoformat(),
        "end": route.end.isoformat(),
        "distance_m": round(route.distance_m, 1),
        "visits": [
            {"seq": v.seq, "hotspot_id": v.hotspot_id, "check": v.check,
             "name": hotspots[v.hotspot_id].name, "category": hotspots[v.hotspot_id].kind,
             "arrival": v.arrival.isoformat(), "departure": v.departure.isoformat(),
             "wait_s": int(v.wait.total_seconds()), "reverse": v.reverse}
            for v in route.visits
        ],
        "breaks": [{"shelter_id": b.shelter_id, "start": b.start.isoformat(),
                    "end": b.end.isoformat()} for b in route.breaks],
        "reports": [{"reference": c.reference, "arrival": c.arrival.isoformat(),
                     "departure": c.departure.isoformat(), "lon": c.lon, "lat": c.lat,
                     "place": c.place, "note": c.note, "kind": c.kind} for c in route.reports],
        "legs": [
            {"from": leg.from_id, "to": leg.to_id, "travel_s": int(leg.travel.total_seconds()),
             "distance_m": round(leg.distance_m, 1),
             "coordinates": [[round(x, 6), round(y, 6)] for x, y in leg.geometry.coords]}
            for leg in route.legs
        ],
    }


def _route(doc: dict[str, Any], team: dict[str, Any]) -> TeamRoute:
    return TeamRoute(
        team_id=doc["team"], team_name=doc["team_name"], mode=doc["mode"],
        base_id=team["base_id"], end_base_id=team.get("end_base_id"),
        skills=tuple(team.get("skills", ())),
        district=shape(team["district"]) if team.get("district") else None,
        keep_out=shape(team["keep_out"]) if team.get("keep_out") else None,
        start=datetime.fromisoformat(doc["start"]), end=datetime.fromisoformat(doc["end"]),
        visits=tuple(
            PlannedVisit(v["seq"], v["hotspot_id"], datetime.fromisoformat(v["arrival"]),
                         datetime.fromisoformat(v["departure"]), timedelta(seconds=v["wait_s"]),
                         v.get("check", 1), v.get("reverse", False))
            for v in doc["visits"]
        ),
        breaks=tuple(
            PlannedBreak(b["shelter_id"], datetime.fromisoformat(b["start"]),
                         datetime.fromisoformat(b["end"]))
            for b in doc.get("breaks", [])
        ),
        reports=tuple(
            PlannedReport(c["reference"], datetime.fromisoformat(c["arrival"]),
                          datetime.fromisoformat(c["departure"]), c["lon"], c["lat"],
                          c["place"], c["note"], c.get("kind", "report"))
            for c in doc.get("reports", [])
        ),
        legs=tuple(
            PlannedLeg(leg["from"], leg["to"], timedelta(seconds=leg["travel_s"]),
                       leg["distance_m"], LineString(leg["coordinates"]))
            for leg in doc["legs"]
        ),
    )


def _place_document(place: PlaceInfo) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": place.id, "name": place.name, "kind": place.kind,
                           "geometry": mapping(place.geometry)}
    if place.kind not in ("shelter", "base"):
        doc.update(category=place.kind, risk=place.risk, service_min=place.service_min)
    if place.access is not None:
        doc["access"] = list(place.access)
    return doc


def _place(doc: dict[str, Any]) -> PlaceInfo:
    access = doc.get("access")
    return PlaceInfo(doc["id"], doc["name"], doc["kind"], shape(doc["geometry"]),
                     doc.get("risk", 0), doc.get("service_min", 0),
                     tuple(access) if access else None)


def document_facts(doc: dict[str, Any]) -> dict[str, Any]:
    """The small part of a plan document that coverage and figures need, without routes."""
    night = doc["night"]
    return {"timezone": night["timezone"], "shift_start": night["shift_start"],
            "shift_end": night["shift_end"], "temperature": night.get("temperature"),
            "hotspots": [p["id"] for p in doc["hotspots"]],
            "modes": {t["id"]: t["mode"] for t in night["teams"]}}
