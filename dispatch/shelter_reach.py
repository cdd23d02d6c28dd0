"""Are the warming shelters in the right places? Walking areas, gaps, and new sites.

A person found in the cold walks (or is walked) to the nearest warming shelter.
This answers, along the real walking network: what each shelter reaches in 10,
15 and 20 minutes, which at-risk hotspots lie beyond a chosen walking time of
every shelter, and which candidate sites (libraries, bus stations,
convenience stores, lottery kiosks) would cover most of them if opened
as temporary warming points (a maximal covering location problem, solved exactly).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import networkx as nx
import numpy as np
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.errors import ValidationError
from dispatch.models import CandidateSite, Hotspot, Shelter
from dispatch.store import get_city, open_engine, session_factory
from dispatch.workspace import Workspace
from routes.covering import max_cover
from routes.network import load_network
from routes.problem import Mode
from routes.reach import ReachMap, reach_seconds
from routes.snap import Snapper

DEFAULT_MINUTES = (10.0, 15.0, 20.0)
#: The most walking bands, and the longest, one question may ask for.
MAX_BANDS = 3
MAX_MINUTES = 60


@dataclass(frozen=True)
class ShelterPlace:
    """A warming shelter as the analysis saw it."""

    shelter_id: int
    name: str
    lon: float
    lat: float
    beds: int | None


@dataclass(frozen=True)
class ShelterArea:
    """What one shelter reaches on foot within ``minutes``."""

    shelter_id: int
    minutes: float
    area: BaseGeometry


@dataclass(frozen=True)
class HotspotReach:
    """How far an at-risk hotspot is from its nearest shelter on foot."""

    hotspot_id: int
    name: str
    category: str
    risk: int
    #: Walking minutes to the nearest shelter; ``None`` beyond the longest time asked.
    minutes: float | None
    shelter_id: int | None
    #: Where a team (or the person) leaves the path for it: its access point.
    lon: float
    lat: float


@dataclass(frozen=True)
class SiteSuggestion:
    """A candidate site worth opening, and the at-risk hotspots it would newly reach."""

    site_id: int
    name: str
    kind: str
    lon: float
    lat: float
    hotspot_ids: list[int]


@dataclass(frozen=True)
class ShelterReach:
    """The whole answer: areas, every at-risk hotspot's distance, and suggested sites."""

    minutes: tuple[float, ...]
    within: float
    shelters: list[ShelterPlace]
    areas: list[ShelterArea]
    hotspots: list[HotspotReach]
    suggestions: list[SiteSuggestion]
    #: Whether the suggestion is proven the best choice (it is, unless time ran out).
    optimal: bool

    def outside(self) -> list[HotspotReach]:
        """At-risk hotspots further than ``within`` minutes from every shelter."""
        return [h for h in self.hotspots if h.minutes is None or h.minutes > self.within]

    def to_document(self) -> dict[str, Any]:
        """The answer as JSON, as a worker hands it to the page that asked."""
        return {"minutes": list(self.minutes), "within": self.within, "optimal": self.optimal,
                "shelters": [asdict(s) for s in self.shelters],
                "areas": [{"shelter_id": a.shelter_id, "minutes": a.minutes,
                           "area": mapping(a.area)} for a in self.areas],
                "hotspots": [asdict(h) for h in self.hotspots],
                "suggestions": [asdict(s) for s in self.suggestions]}

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> ShelterReach:
        return cls(tuple(float(m) for m in doc["minutes"]), float(doc["within"]),
                   [ShelterPlace(**s) for s in doc["shelters"]],
                   [ShelterArea(a["shelter_id"], a["minutes"], shape(a["area"]))
                    for a in doc["areas"]],
                   [HotspotReach(**h) for h in doc["hotspots"]],
                   [SiteSuggestion(**s) for s in doc["suggestions"]], bool(doc["optimal"]))


def workspace_reach(workspace: Workspace, **settings: Any) -> ShelterReach:
    """:func:`shelter_reach` for the city stored in ``workspace``, on its walking network."""
    walk = load_network(workspace.network_path(Mode.WALK))
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine)() as session:
            get_city(session)
            return shelter_reach(session, walk, **settings)
    finally:
        engine.dispose()


def shelter_reach(
    session: Session, walk: nx.MultiDiGraph, *, minutes: Sequence[float] = DEFAULT_MINUTES,
    within: float = 15.0, new_sites: int = 3, min_risk: int = 3,
) -> ShelterReach:
    """Walking areas of every shelter and the best ``new_sites`` candidate sites to add."""
    times = tuple(sorted({float(m) for m in minutes}))
    check_settings(times, within, new_sites, min_risk)
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    hotspots = list(session.scalars(
        select(Hotspot).where(Hotspot.active.is_(True), Hotspot.risk >= min_risk)
        .order_by(Hotspot.id)))
    sites = list(session.scalars(select(CandidateSite).order_by(CandidateSite.id)))
    snapper = Snapper(walk)
    shelter_nodes = snapper.nearest([s.geometry for s in shelters])[0]
    hotspot_nodes = snapper.nearest([Point(h.access_lon, h.access_lat) for h in hotspots])[0]
    site_nodes = snapper.nearest([Point(s.lon, s.lat) for s in sites])[0]
    drawn = ReachMap(walk).areas(shelter_nodes, times) if shelters else []
    areas = [ShelterArea(shelters[k // len(times)].id, a.minutes, a.area)
             for k, a in enumerate(drawn)]
    to_shelter = reach_seconds(walk, shelter_nodes, hotspot_nodes, within_s=times[-1] * 60)
    reaches = [_hotspot_reach(h, to_shelter[:, i], shelters) for i, h in enumerate(hotspots)]
    from_sites = reach_seconds(walk, site_nodes, hotspot_nodes, within_s=within * 60)
    already = np.array([r.minutes is not None and r.minutes <= within for r in reaches],
                       dtype=bool)
    cover = max_cover(from_sites <= within * 60, [h.risk for h in hotspots], new_sites,
                      already=already)
    suggestions = [
        SiteSuggestion(sites[s].id, sites[s].name, sites[s].kind, sites[s].lon, sites[s].lat,
                       [hotspots[d].id for d in cover.covered if from_sites[s, d] <= within * 60])
        for s in cover.sites
    ]
    places = [_place(s) for s in shelters]
    return ShelterReach(times, within, places, areas, reaches, suggestions, cover.optimal)


def _place(shelter: Shelter) -> ShelterPlace:
    point = shelter.geometry.representative_point()
    return ShelterPlace(shelter.id, shelter.name, point.x, point.y, shelter.beds)


def _hotspot_reach(hotspot: Hotspot, seconds: np.ndarray, shelters: list[Shelter]) -> HotspotReach:
    best = int(np.argmin(seconds)) if len(seconds) else -1
    reachable = best >= 0 and math.isfinite(float(seconds[best]))
    return HotspotReach(
        hotspot.id, hotspot.name, hotspot.category, hotspot.risk,
        round(float(seconds[best]) / 60.0, 1) if reachable else None,
        shelters[best].id if reachable else None, hotspot.access_lon, hotspot.access_lat,
    )


def check_settings(minutes: Sequence[float], within: float, new_sites: int,
                   min_risk: int) -> None:
    """Refuse settings past what one question may ask: at most :data:`MAX_BANDS` walking
    times, whole minutes up to :data:`MAX_MINUTES` (each band is a search of the network)."""
    times = tuple(sorted({float(m) for m in minutes}))
    if len(times) > MAX_BANDS:
        raise ValidationError(f"at most {MAX_BANDS} walking times, e.g. 10,15,20 "
                              f"最多 {MAX_BANDS} 个步行时间")
    if not times or any(t != int(t) or not 1 <= t <= MAX_MINUTES for t in times):
        raise ValidationError(f"walking times must be whole minutes from 1 to {MAX_MINUTES}, "
                              f"e.g. 10,15,20 步行时间须为 1–{MAX_MINUTES} 的整数分钟")
    if not 0 < within <= times[-1]:
        raise ValidationError(f"the reach time ({within:g} min) must be positive and at most the "
                              f"longest walking time asked ({times[-1]:g} min) "
                              "覆盖时间须为正且不超过最长步行时间")
    if not 0 <= new_sites <= 50:
        raise ValidationError("new sites must be between 0 and 50 新增点数须在 0–50 之间")
    if not 1 <= min_risk <= 5:
        raise ValidationError("the risk level must be 1 to 5 风险等级须为 1–5")
