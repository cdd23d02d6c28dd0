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
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry import LineString

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

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
        core, moved_to = _shrink(self.weights, keep)
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


@dataclass(frozen=True, slots=True)
class _Edges:
    """Directed edges as three parallel arrays: from, to, seconds."""

    rows: IndexArray
    cols: IndexArray
    seconds: FloatArray

    def fastest(self, size: int) -> _Edges:
        """One edge per (from, to) pair, the fastest; self-loops dropped. Nodes < ``size``."""
        if len(self.rows) == 0:
            return self
        pair = np.where(self.rows == self.cols, -1, self.rows * size + self.cols)
        order = np.argsort(pair, kind="stable")
        pair = pair[order]
        first = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
        seconds = np.minimum.reduceat(self.seconds[order], first)
        keep = pair[first] >= 0
        return _Edges(pair[first][keep] // size, pair[first][keep] % size, seconds[keep])

    def where(self, mask: BoolArray) -> _Edges:
        return _Edges(self.rows[mask], self.cols[mask], self.seconds[mask])

    def matrix(self, size: int) -> csr_matrix:
        return csr_matrix((self.seconds, (self.rows, self.cols)), shape=(size, size))


def _weight_matrix(graph: nx.MultiDiGraph, position: dict[Hashable, int]) -> csr_matrix:
    """The fastest edge per node pair as a sparse matrix, read in one pass over the edges."""
    triples = np.fromiter(
        ((position[u], position[v], seconds) for u, v, seconds in
         graph.edges(data="travel_time")),
        dtype=np.dtype([("u", np.int64), ("v", np.int64), ("s", np.float64)]),
    )
    edges = _Edges(triples["u"], triples["v"], np.maximum(triples["s"], _MIN_SECONDS))
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


def _shrink(weights: csr_matrix, keep: BoolArray) -> tuple[csr_matrix, IndexArray]:
    """A smaller network with the same shortest times between kept nodes.

    Repeats two steps until neither changes anything. Drop dead ends: a node
    with one neighbour (or none) lies inside no shortest path. Contract chains:
    a path entering a run of nodes with two neighbours each must leave at its
    other end, so one edge per direction between the run's ends replaces it.
    Kept nodes stay whatever their shape. Returns the new weights and each old
    node's new position (-1 for a dropped node).
    """
    size = weights.shape[0]
    coo = weights.tocoo()
    edges = _Edges(coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data)
    alive = np.ones(size, dtype=bool)
    while True:
        free = alive & ~keep
        degree = _neighbour_counts(edges, size)
        dead_ends = free & (degree <= 1)
        if dead_ends.any():
            alive &= ~dead_ends
            edges = edges.where(alive[edges.rows] & alive[edges.cols])
            continue
        chained = free & (degree == 2)
        if not chained.any():
            break
        edges = _contract_chains(edges, chained, size)
        alive &= ~chained
    moved_to = np.full(size, -1, dtype=np.int64)
    moved_to[alive] = np.arange(int(alive.sum()))
    kept = _Edges(moved_to[edges.rows], moved_to[edges.cols], edges.seconds)
    return kept.matrix(int(alive.sum())), moved_to


def _neighbour_counts(edges: _Edges, size: int) -> IndexArray:
    """How many distinct nodes each node has an edge to or from."""
    ones = np.ones(len(edges.rows), dtype=np.int8)
    pattern = csr_matrix((ones, (edges.rows, edges.cols)), shape=(size, size))
    counts: IndexArray = np.diff((pattern + pattern.T).tocsr().indptr).astype(np.int64)
    return counts


def _contract_chains(edges: _Edges, chained: BoolArray, size: int) -> _Edges:
    """Replace every run of ``chained`` nodes by direct edges between its two ends.

    A run is a path, attached to an outside node at each end, or a closed ring
    attached to nothing. Each path goes from its head (the outside node at one
    end) to its tail (at the other). A direction gets an edge only if every edge
    along the run allows it; its time is their sum. A path whose head is its tail
    would become a self-loop, and a ring touches nothing: both just go.
    """
    inner = chained[edges.rows] & chained[edges.cols]
    outer = chained[edges.rows] != chained[edges.cols]
    runs, run_of = connected_components(edges.where(inner).matrix(size), directed=False)
    paths, start, head, tail = _run_ends(edges.where(outer), chained, run_of, runs, size)
    step = _steps_along(edges.where(inner), start[paths], size)
    # Which run each edge along a run belongs to, and whether it leads from head to tail.
    entering = chained[edges.cols]
    inside, outside = (np.where(entering, edges.cols, edges.rows),
                       np.where(entering, edges.rows, edges.cols))
    run = run_of[inside]
    forward = np.where(
        inner,
        step[edges.cols] == step[edges.rows] + 1,
        entering == ((inside == start[run]) & (outside == head[run])),
    )
    along = inner | outer
    needed = np.bincount(run_of[chained], minlength=runs) + 1
    ahead = _sums(run[along & forward], edges.seconds[along & forward], runs)
    back = _sums(run[along & ~forward], edges.seconds[along & ~forward], runs)
    go = paths[ahead[0][paths] == needed[paths]]
    come = paths[back[0][paths] == needed[paths]]
    new = _Edges(
        np.concatenate((edges.rows[~along], head[go], tail[come])),
        np.concatenate((edges.cols[~along], tail[go], head[come])),
        np.concatenate((edges.seconds[~along], ahead[1][go], back[1][come])),
    )
    return new.fastest(size)


def _run_ends(
    outer: _Edges, chained: BoolArray, run_of: IndexArray, runs: int, size: int
) -> tuple[IndexArray, IndexArray, IndexArray, IndexArray]:
    """The runs that are paths, and per run its start node, head and tail (-1 if none).

    ``outer`` holds the edges between run nodes and outside nodes. A path has
    exactly two (run node, outside node) attachments; the first one found gives
    its start node and head, the other its tail.
    """
    node = np.where(chained[outer.rows], outer.rows, outer.cols)
    anchor = np.where(chained[outer.rows], outer.cols, outer.rows)
    pairs = np.unique(node * size + anchor)
    pair_node, pair_anchor = pairs // size, pairs % size
    by_run = np.argsort(run_of[pair_node], kind="stable")
    pair_node, pair_anchor = pair_node[by_run], pair_anchor[by_run]
    pair_run = run_of[pair_node]
    paths = np.flatnonzero(np.bincount(pair_run, minlength=runs) == 2)
    first = np.searchsorted(pair_run, paths)
    start, head, tail = (np.full(runs, -1, dtype=np.int64) for _ in range(3))
    start[paths] = pair_node[first]
    head[paths] = pair_anchor[first]
    tail[paths] = pair_anchor[first + 1]
    return paths, start, head, tail


def _steps_along(inner: _Edges, starts: IndexArray, size: int) -> FloatArray:
    """Each run node's place along its path, counted from the path's start node (1)."""
    origin = size  # one extra node, linked to every start
    rows = np.concatenate((inner.rows, inner.cols, np.full(len(starts), origin)))
    cols = np.concatenate((inner.cols, inner.rows, starts))
    links = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size + 1, size + 1))
    steps = dijkstra(links, directed=True, indices=origin, unweighted=True)
    return np.asarray(steps[:size], dtype=np.float64)


def _sums(groups: IndexArray, values: FloatArray, count: int) -> tuple[IndexArray, FloatArray]:
    """How many values, and their sum, per group."""
    return (np.bincount(groups, minlength=count).astype(np.int64),
            np.bincount(groups, weights=values, minlength=count).astype(np.float64))


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


def _fastest_edge(graph: nx.MultiDiGraph, u: int, v: int) -> dict[str, Any]:
    edges = graph.get_edge_data(u, v)
    return min(edges.values(), key=lambda d: float(d["travel_time"]))
