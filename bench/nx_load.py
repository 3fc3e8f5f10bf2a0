#!/usr/bin/env python3
"""NetworkX peer of `riskpath validate` on a JSON Lines model: load every *.jsonl file of a folder
into a networkx.DiGraph (one node per node/entry_point line, one edge per edge line, its `p` and
`kind` as attributes), one line at a time with json.loads. No checks beyond what json does: it is
the floor of what loading the same data into a Python graph costs.

Prints one line: `record peer=networkx edges=E graph_edges=G nodes=N seconds=S peak_rss_bytes=B`.
Usage: bench/nx_load.py DIR
"""
import json
import pathlib
import resource
import sys
import time

import networkx as nx


def load(folder: pathlib.Path) -> tuple[nx.DiGraph, int]:
    g = nx.DiGraph()
    lines = 0
    for path in sorted(folder.rglob("*.jsonl")):
        with path.open("rb") as f:
            for line in f:
                if not line.strip():
                    continue
                item = json.loads(line)
                (kind, value), = item.items()
                if kind in ("node", "entry_point"):
                    g.add_node(value["id"], kind=value["kind"])
                elif kind == "edge":
                    lines += 1
                    g.add_edge(value["from"], value["to"], kind=value["kind"], p=value.get("p"))
    return g, lines


def main() -> None:
    folder = pathlib.Path(sys.argv[1])
    started = time.perf_counter()
    g, edge_lines = load(folder)
    seconds = time.perf_counter() - started
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # A DiGraph keeps one edge per ordered pair: parallel edges (another kind) are merged.
    print(f"record peer=networkx edges={edge_lines} graph_edges={g.number_of_edges()} nodes={g.number_of_nodes()} "
          f"seconds={seconds:.3f} peak_rss_bytes={peak}")


if __name__ == "__main__":
    main()
