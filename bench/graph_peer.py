# bench/graph_peer.py — the peer side of bench/graph.bench.cpp: torch.fx 1.13 on the same shape
# (x; hub = relu(x); hub2 = neg(x); alternately a live add(prev, hub) and a dead mul(prev, hub);
# output(prev)). Run with Debian's /usr/bin/python3: `python3 bench/graph_peer.py 10000`.
# Prints ns per node (median of 3) for build, lint, str, python_code, RAUW, DCE, fx-json save/load.
import json
import os
import statistics
import sys
import time

import torch
import torch.fx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import fx2json  # noqa: E402

aten = torch.ops.aten


def build(n):
    g = torch.fx.Graph()
    x = g.placeholder("x")
    hub = g.create_node("call_function", aten.relu.default, (x,), name="hub")
    g.create_node("call_function", aten.neg.default, (x,), name="hub2")
    prev = hub
    for i in range(n):
        # explicit unique names: 1.13's namespace probes quadratically from a repeated candidate
        if i % 2 == 0:
            prev = g.create_node("call_function", aten.add.Tensor, (prev, hub), name=f"add_{i}")
        else:
            g.create_node("call_function", aten.mul.Tensor, (prev, hub), name=f"mul_{i}")
    g.output(prev)
    return g


def timed(fn, setup=None, repeat=3):
    times = []
    for _ in range(repeat):
        arg = setup() if setup else None
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    g = build(n)
    hub = next(x for x in g.nodes if x.name == "hub")
    hub2 = next(x for x in g.nodes if x.name == "hub2")

    def rauw(_):
        hub.replace_all_uses_with(hub2)
        hub2.replace_all_uses_with(hub)

    gm = torch.fx.GraphModule(torch.nn.Module(), g)
    text = fx2json.dumps(gm)
    rows = [
        ("build", timed(lambda _: build(n)), n),
        ("lint", timed(lambda _: g.lint()), n),
        ("str", timed(lambda _: str(g)), n),
        ("python_code", timed(lambda _: g.python_code("self")), n),
        ("rauw", timed(rauw), 2 * n),
        ("dce", timed(lambda gg: gg.eliminate_dead_code(), setup=lambda: build(n)), n),
        ("fx-json save", timed(lambda _: fx2json.dumps(gm)), n),
        ("fx-json load", timed(lambda _: fx2json.loads(text)), n),
    ]
    print(f"torch {torch.__version__}, {n} call_function nodes; fx-json {len(text) / 1e6:.1f} MB")
    for name, secs, count in rows:
        print(f"{name:14s} {secs * 1e3:10.2f} ms {secs / count * 1e9:10.1f} ns/node")


if __name__ == "__main__":
    main()
