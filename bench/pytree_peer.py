# bench/pytree_peer.py — the peer side of bench/pytree.bench.cpp: torch's torch.utils._pytree (1.13
# or 2.x) on the same shapes (wide list of 2^20 ints, 10,000 chains 100 deep, 10-ary dicts 5 levels).
# Run with a Python that has torch (bench/compare.py runs it). Prints ns per leaf (median of 5).
import statistics
import sys
import time

import torch
import torch.utils._pytree as pytree

sys.setrecursionlimit(10000)


def wide():
    return list(range(1 << 20))


def deep_chains():
    out = []
    for c in range(10000):
        x = c
        for _ in range(100):
            x = [x]
        out.append(x)
    return out


def dicts(level=0):
    if level == 5:
        return 0
    return {f"k{k}": dicts(level + 1) for k in range(10)}


def median_ns_per_leaf(fn, leaves, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / leaves * 1e9


print(f"torch {torch.__version__}")
for name, make in [("wide", wide), ("deep", deep_chains), ("dicts", dicts)]:
    tree = make()
    leaves, spec = pytree.tree_flatten(tree)
    n = len(leaves)
    print(f"{name:6s} flatten   {median_ns_per_leaf(lambda: pytree.tree_flatten(tree), n):9.1f} ns/leaf")
    print(f"{name:6s} unflatten {median_ns_per_leaf(lambda: pytree.tree_unflatten(leaves, spec), n):9.1f} ns/leaf")
    print(f"{name:6s} map       {median_ns_per_leaf(lambda: pytree.tree_map(lambda x: x + 1, tree), n):9.1f} ns/leaf")
