"""NetworkX peer of the engine: a plain per-trial BFS Monte Carlo on the same graph.

Reads the binary graph written by `riskpath-bench graph --export FILE` (u64 nodes, edges, entries,
target; then per-edge arrays u32 from, u32 to, f64 p, i32 required node or -1) and runs `trials`
trials: per trial a BFS from the entry nodes over a networkx MultiDiGraph; an edge whose source
(and required node, for AND edges) has been processed and whose target is not yet held gets one
random draw. The same semantics as the engine and the Rust scalar baseline.

Prints one line: `networkx edges=… trials=… seconds=… rate=… p_target=… se=… build_s=…`, where
rate = edges x trials / seconds (graph building is timed separately, not in the rate).
"""

import math
import random
import sys
import time
from collections import deque

import networkx as nx
import numpy as np


def load(path):
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(32), dtype="<u8")
        nodes, edges, entries, target = (int(x) for x in header)
        frm = np.frombuffer(f.read(4 * edges), dtype="<u4")
        to = np.frombuffer(f.read(4 * edges), dtype="<u4")
        p = np.frombuffer(f.read(8 * edges), dtype="<f8")
        req = np.frombuffer(f.read(4 * edges), dtype="<i4")
    return nodes, entries, target, frm, to, p, req


def build(nodes, frm, to, p, req):
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(nodes))
    deps = {}  # required node -> [(u, v, key)]
    for u, v, pe, r in zip(frm.tolist(), to.tolist(), p.tolist(), req.tolist()):
        k = g.add_edge(u, v, p=pe, req=r)
        if r >= 0:
            deps.setdefault(r, []).append((u, v, k))
    return g, deps


def trial(g, deps, entries, rand):
    held = set(range(entries))
    processed = set()
    queue = deque(range(entries))
    while queue:
        u = queue.popleft()
        processed.add(u)
        candidates = [(u, v, d) for _, v, d in g.out_edges(u, data=True)]
        for (a, v, k) in deps.get(u, ()):
            candidates.append((a, v, g.edges[a, v, k]))
        for a, v, d in candidates:
            if v in held or a not in processed:
                continue
            r = d["req"]
            if r >= 0 and r not in processed:
                continue
            if rand() < d["p"]:
                held.add(v)
                queue.append(v)
    return held


def main():
    path, trials, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    nodes, entries, target, frm, to, p, req = load(path)
    t = time.perf_counter()
    g, deps = build(nodes, frm, to, p, req)
    build_s = time.perf_counter() - t
    rng = random.Random(seed)
    hits = 0
    t = time.perf_counter()
    for _ in range(trials):
        hits += target in trial(g, deps, entries, rng.random)
    secs = time.perf_counter() - t
    edges = len(frm)
    ph = hits / trials
    se = math.sqrt(ph * (1 - ph) / trials)
    print(
        f"networkx edges={edges} trials={trials} seconds={secs:.4f} rate={edges * trials / secs:.4e} "
        f"p_target={ph:.4f} se={se:.4f} build_s={build_s:.3f}"
    )


if __name__ == "__main__":
    main()
