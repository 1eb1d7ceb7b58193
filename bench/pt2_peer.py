#!/usr/bin/env python3
# bench/pt2_peer.py — torch.export.load of an archive, timed: the peer of bench/pt2.bench.cpp; and
# torch.export.save of the loaded program (its serializer and torch.save of the weights).
# Run under torch 2.6: ../shared/tools/torch26 run "$PWD" /work/bench/pt2_peer.py ARCHIVE [REPEATS]
import io
import statistics
import sys
import time

import torch


def main():
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        ep = torch.export.load(path)
        times.append(time.perf_counter() - t)
    nodes = sum(len(m.graph.nodes) for m in ep.graph_module.modules() if isinstance(m, torch.fx.GraphModule))
    print(f"torch {torch.__version__} load {statistics.median(times) * 1e9 / nodes:.1f} ns/node nodes={nodes} "
          f"median {statistics.median(times):.3f} s of {repeats}")
    saves = []
    for _ in range(repeats):
        t = time.perf_counter()
        torch.export.save(ep, io.BytesIO())
        saves.append(time.perf_counter() - t)
    print(f"torch {torch.__version__} save {statistics.median(saves) * 1e9 / nodes:.1f} ns/node nodes={nodes} "
          f"median {statistics.median(saves):.3f} s of {repeats}")


if __name__ == "__main__":
    main()
