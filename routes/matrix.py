"""Travel-time matrices and shortest paths on a road network, with SciPy's Dijkstra.

Each network gets one :class:`NetworkIndex`: its nodes numbered ``0 .. n-1`` and a
sparse matrix holding the fastest edge per node pair. It is built on first use and
kept while the graph object lives, with a small cache of results, so re-planning
the same night with the same points runs no Dijkstra again.

- :func:`travel_matrix` gives times from origins to destinations. For many origins
  it first shrinks the network to what shortest paths between the asked points can
  use (dead ends dropped, chains of two-neighbour nodes turned into single edges),
  which gives the same times about a quarter sooner (1000 x 1000 on Yuma's walk
  network: 0.78 s against 1.08 s, ``bench/matrix.py``).
- :class:`ShortestPaths` runs one Dijkstra per distinct source on the whole network
  and keeps the predecessor trees, so a leg always follows the path whose time the
  solver used.

Unreachable pairs (against a one-way street, or on a network with several parts)
take ``inf`` seconds. Splitting the sources over threads gains nothing: SciPy's
Dijkstra holds the GIL (``bench/matrix.py`` measures it).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from routes.contract import Edges, FloatArray, IndexArray, shrink

#: csgraph treats a zero weight as "no edge"; a zero-length edge keeps this instead.
_MIN_SECONDS = 1e-6
#: From this many distinct origins, shrinking the network first pays for itself.
_SHRINK_FROM_ORIGINS = 100
#: Results kept per network: a night re-planned with the same points finds them here.
_CACHE_ENTRIES = 8
#: Bytes of results kept per network; a larger result is returned but not kept.
_CACHE_BYTES = 512 * 2**20

#: One index per live graph object. Weak keys: an index goes when its graph goes.
_INDEXES: weakref.WeakKeyDictionary[nx.MultiDiGraph, NetworkIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def network_index(graph: nx.MultiDiGraph) -> NetworkIndex:
    """The index of ``graph``, built on first use and shared while the graph lives.

    The index assumes the graph is not edited afterwards: after changing a graph in
    place, call :func:`forget_network`.
    """
    with _INDEXES_LOCK:
        index = _INDEXES.get(graph)
    if index is None:
        index = NetworkIndex(graph)
        with _INDEXES_LOCK:
            index = _INDEXES.setdefault(graph, index)
    return index


def forget_network(graph: nx.MultiDiGraph) -> None:
    """Drop the index and cached results of ``graph`` (after editing it in place)."""
    with _INDEXES_LOCK:
        _INDEXES.pop(graph, None)


def travel_matrix(
    graph: nx.MultiDiGraph, origins: Sequence[Hashable], destinations: Sequence[Hashable]
) -> FloatArray:
    """Shortest travel times in seconds, one row per origin and one column per destination.

    Times follow the edges' ``travel_time``. A pair the network does not connect
    gets ``numpy.inf``. Dijkstra runs once per distinct origin; the result is cached
    per graph, origins and destinations, so it is read-only: copy it to change it.

    Raises
    ------
    ValueError
        If some origins or destinations are not nodes of ``graph``.
    """
    return network_index(graph).matrix(tuple(origins), tuple(destinations))


class NetworkIndex:
    """A network's nodes numbered ``0 .. n-1``, its fastest edges and cached results.

    Nodes are numbered in Z-order of their coordinates (see :func:`_nodes_by_place`).
    ``weights[i, j]`` is the travel time in seconds of the fastest edge from node
    ``nodes[i]`` to node ``nodes[j]`` (at least ``1e-6``: zero would mean "no edge").
    Self-loops are left out: no shortest path uses one.
    """

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        #: Node ids as networkx holds them (OpenStreetMap ids for osmnx graphs).
        self.nodes: list[Any] = _nodes_by_place(graph)
        self.position: dict[Hashable, int] = {node: i for i, node in enumerate(self.nodes)}
        self.weights = _weight_matrix(graph, self.position)
        self._results = _Results(_CACHE_ENTRIES, _CACHE_BYTES)

    def positions(self, nodes: Iterable[Hashable]) -> IndexArray:
        """Where ``nodes`` are in :attr:`nodes`; names every node the network lacks."""
        wanted = list(nodes)
        missing = [node for node in wanted if node not in self.position]
        if missing:
            shown = ", ".join(str(node) for node in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise ValueError(
                f"{len(missing)} node(s) not in the network: {shown}{more}; "
                "snap points to the network before asking for travel times"
            )
        return np.fromiter((self.position[node] for node in wanted), dtype=np.int64,
                           count=len(wanted))

    def trees(self, sources: IndexArray) -> tuple[FloatArray, npt.NDArray[np.int32]]:
        """Times and predecessors from each of ``sources`` (positions) to every node.

        Rows follow ``numpy.unique(sources)``; cached per distinct set of sources.
        """
        distinct = np.unique(sources)
        key = ("trees", tuple(distinct.tolist()))
        found: tuple[FloatArray, npt.NDArray[np.int32]] | None = self._results.get(key)
        if found is None:
            times, pred = dijkstra(self.weights, directed=True, indices=distinct,
                                   return_predecessors=True, min_only=False)
            found = (_frozen(times), _frozen(pred))
            self._results.put(key, found, times.nbytes + pred.nbytes)
        return found

    def matrix(self, origins: tuple[Hashable, ...],
               destinations: tuple[Hashable, ...]) -> FloatArray:
        """Times from ``origins`` to ``destinations`` (nodes): see :func:`travel_matrix`."""
        key = ("matrix", origins, destinations)
        found: FloatArray | None = self._results.get(key)
        if found is None:
            both = self.positions(origins + destinations)  # one error names them all
            found = _frozen(self._compute_matrix(both[:len(origins)], both[len(origins):]))
            self._results.put(key, found, found.nbytes)
        return found

    def clear(self) -> None:
        """Drop the cached results, keep the weights."""
        self._results.clear()

    def _compute_matrix(self, rows: IndexArray, cols: IndexArray) -> FloatArray:
        if len(rows) == 0 or len(cols) == 0:
            return np.full((len(rows), len(cols)), np.inf)
        sources = np.unique(rows)
        row_of = np.searchsorted(sources, rows)
        # Trees that ShortestPaths already ran from the same sources answer it at once.
        trees: tuple[FloatArray, Any] | None = self._results.get(
            ("trees", tuple(sources.tolist())))
        if trees is not None:
            return np.asarray(trees[0][np.ix_(row_of, cols)], dtype=np.float64)
        if len(sources) < _SHRINK_FROM_ORIGINS:
            times = dijkstra(self.weights, directed=True, indices=sources, min_only=False)
            return np.asarray(times[np.ix_(row_of, cols)], dtype=np.float64)
        keep = np.zeros(len(self.nodes), dtype=bool)
        keep[rows] = True
        keep[cols] = True
        core, moved_to = shrink(self.weights, keep)
        times = dijkstra(core, directed=True, indices=moved_to[sources], min_only=False)
        return np.asarray(times[np.ix_(row_of, moved_to[cols])], dtype=np.float64)


class ShortestPaths:
    """Shortest travel times and paths from a set of source nodes to every node.

    The Dijkstra trees are cached per network and set of sources (see
    :func:`network_index`), so building this again for the same night is free.
    """

    def __init__(self, graph: nx.MultiDiGraph, sources: Iterable[int]) -> None:
        self.graph = graph
        index = network_index(graph)
        self._nodes = index.nodes
        self._col = index.position
        distinct = np.unique(index.positions(set(sources)))
        self._times, self._pred = index.trees(distinct)
        self._sources = [self._nodes[p] for p in distinct.tolist()]
        self._row = {node: i for i, node in enumerate(self._sources)}

    def seconds(self, source: int, target: int) -> float:
        """Shortest travel time in seconds; ``inf`` when ``target`` cannot be reached."""
        return float(self._times[self._row[source], self._col[target]])

    def table(self, sources: Sequence[int], targets: Sequence[int]) -> FloatArray:
        """Times from each of ``sources`` (all among this object's) to each of ``targets``."""
        rows = np.fromiter((self._row[s] for s in sources), dtype=np.int64, count=len(sources))
        cols = np.fromiter((self._col[t] for t in targets), dtype=np.int64, count=len(targets))
        return np.asarray(self._times[np.ix_(rows, cols)], dtype=np.float64)

    def reachable(self, source: int, target: int) -> bool:
        """Whether any path leads from ``source`` to ``target``."""
        return math.isfinite(self.seconds(source, target))

    def path(self, source: int, target: int) -> list[int]:
        """The nodes of the shortest path, source and target included.

        Raises
        ------
        ValueError
            If ``target`` cannot be reached from ``source``.
        """
        row = self._pred[self._row[source]]
        col = self._col[target]
        if source != target and row[col] < 0:
            raise ValueError(f"node {target} cannot be reached from node {source}")
        cols = [col]
        while self._nodes[cols[-1]] != source:
            cols.append(int(row[cols[-1]]))
        return [self._nodes[c] for c in reversed(cols)]

    def path_line(self, source: int, target: int) -> tuple[LineString, float]:
        """The path as a lon/lat line along the roads, and its length in metres."""
        nodes = self.path(source, target)
        coords: list[tuple[float, float]] = [self._xy(nodes[0])]
        metres = 0.0
        for u, v in zip(nodes[:-1], nodes[1:], strict=True):
            data = _fastest_edge(self.graph, u, v)
            metres += float(data.get("length", 0.0))
            geometry: LineString | None = data.get("geometry")
            part = list(geometry.coords) if geometry is not None else [self._xy(u), self._xy(v)]
            if part[0] != coords[-1] and part[-1] == coords[-1]:
                part.reverse()
            coords.extend(part[1:])
        if len(coords) == 1:
            coords.append(coords[0])
        return LineString(coords), metres

    def _xy(self, node: int) -> tuple[float, float]:
        data = self.graph.nodes[node]
        return float(data["x"]), float(data["y"])


class _Results:
    """A least-recently-used cache bounded by entries and bytes; safe across threads."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self._entries = entries
        self._max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        if size > self._max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes -= old[1] if old is not None else 0
            self._items[key] = (value, size)
            self._bytes += size
            while len(self._items) > self._entries or self._bytes > self._max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def _weight_matrix(graph: nx.MultiDiGraph, position: dict[Hashable, int]) -> csr_matrix:
    """The fastest edge per node pair as a sparse matrix, read in one pass over the edges."""
    triples = np.fromiter(
        ((position[u], position[v], seconds) for u, v, seconds in
         graph.edges(data="travel_time")),
        dtype=np.dtype([("u", np.int64), ("v", np.int64), ("s", np.float64)]),
    )
    edges = Edges(triples["u"], triples["v"], np.maximum(triples["s"], _MIN_SECONDS))
    return edges.fastest(len(position)).matrix(len(position))


def _nodes_by_place(graph: nx.MultiDiGraph) -> list[Any]:
    """The nodes in Z-order of their ``x``/``y``: nodes near each other on the ground get
    numbers near each other, so Dijkstra reads memory more locally (about 5% faster).
    Without coordinates on every node, the nodes stay in networkx's order."""
    nodes = list(graph.nodes)
    try:
        x, y = (np.fromiter((float(graph.nodes[n][axis]) for n in nodes), dtype=np.float64,
                            count=len(nodes)) for axis in ("x", "y"))
    except (KeyError, TypeError, ValueError):
        return nodes
    if len(nodes) == 0 or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return nodes
    key = np.zeros(len(nodes), dtype=np.uint64)
    for shift, values in enumerate((x, y)):
        span = max(float(np.ptp(values)), 1e-12)
        cells = ((values - values.min()) / span * 0xFFFF).astype(np.uint64)
        for bit in range(16):
            key |= ((cells >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit + shift)
    return [nodes[i] for i in np.argsort(key, kind="stable")]


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


def _fastest_edge(graph: nx.MultiDiGraph, u: int, v: int) -> dict[str, Any]:
    edges = graph.get_edge_data(u, v)
    return min(edges.values(), key=lambda d: float(d["travel_time"]))
