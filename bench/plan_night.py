"""Planning speed: a night from nothing (cold) and from a built city (warm), and matrices.

Prints each figure beside a reference measured in the same run:
- cold vs warm ``patrol plan --teams 4`` on the demo city (fresh processes);
- our SciPy Dijkstra matrix vs networkx's single-source Dijkstra, on the demo city's
  walk network and, when ``../shared/data/osm/yuma_az.osm.pbf`` is there, Yuma's
  drive network (340 km2).

Run: ``python bench/plan_night.py`` (``make bench``).
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

from dispatch.city import demo_source
from dispatch.workspace import Workspace
from routes.matrix import ShortestPaths
from routes.network import build_network
from routes.problem import Mode
from routes.source import OsmFile

YUMA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm" / "yuma_az.osm.pbf"
PATROL = [sys.executable, "-m", "webapp.cli"]


def timed_command(*args: str) -> float:
    """Seconds a fresh ``patrol`` process takes."""
    began = time.perf_counter()
    subprocess.run([*PATROL, "-q", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def bench_cold_warm() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        build = timed_command("--data-dir", data_dir, "city", "--demo")
        first = timed_command("--data-dir", data_dir, "plan", "--teams", "4")
        warm = timed_command("--data-dir", data_dir, "plan", "--teams", "4")
    cold = build + first
    print(f"demo city build {build:6.2f} s; plan --teams 4: cold (build+plan) {cold:6.2f} s, "
          f"warm {warm:6.2f} s; warm/cold {warm / cold:.2f}")


def bench_matrix(name: str, graph: nx.MultiDiGraph, sources: int) -> None:
    rng = random.Random(7)
    nodes = rng.sample(list(graph.nodes), min(sources, graph.number_of_nodes()))
    began = time.perf_counter()
    ours = ShortestPaths(graph, nodes)
    ours_s = time.perf_counter() - began
    began = time.perf_counter()
    reference = {n: nx.single_source_dijkstra_path_length(graph, n, weight="travel_time")
                 for n in nodes}
    ref_s = time.perf_counter() - began
    worst = max(abs(ours.seconds(a, b) - reference[a][b]) for a in nodes[:20] for b in nodes)
    print(f"{name}: {len(nodes)} sources x {graph.number_of_nodes()} nodes: scipy {ours_s:6.2f} s,"
          f" networkx {ref_s:6.2f} s; ratio {ours_s / ref_s:.2f} (max diff {worst:.3f} s)")


def main() -> None:
    bench_cold_warm()
    with tempfile.TemporaryDirectory() as work:
        workspace = Workspace(Path(work))
        bench_matrix("demo walk", build_network(demo_source(workspace), Mode.WALK), 300)
        if YUMA.is_file():
            yuma = OsmFile(YUMA, Path(work))
            bench_matrix("yuma drive", build_network(yuma, Mode.DRIVE), 300)
        else:
            print(f"yuma skipped: {YUMA} is not there (it comes with ../shared)")


if __name__ == "__main__":
    main()
