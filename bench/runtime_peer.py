# bench/runtime_peer.py — the peer side of bench/runtime.bench.cpp: the same operations in
# PyTorch's own Python (torch 1.13's functorch call_func_with_args / make_boxed_func, and
# utils.py V2 (docs/semantics.md §0)'s strict_zip, reproduced from its source). Run with Debian's /usr/bin/python3.
import json
import statistics
import timeit

import torch
from functorch._src.aot_autograd import call_func_with_args, make_boxed_func

original_zip = zip


def strict_zip(*iterables, strict=True, **kwargs):  # utils.py V2
    if not strict:
        return original_zip(*iterables, **kwargs)
    length = len(iterables[0])
    for iterable in iterables:
        if len(iterable) != length:
            raise ValueError("The iterables have different lengths and strict mode is enabled.")
    return original_zip(*iterables, **kwargs)


def median_ns(stmt, number, repeat=7):
    times = timeit.repeat(stmt, number=number, repeat=repeat, globals=globals())
    return statistics.median(times) / number * 1e9


N = 1 << 20
a = list(range(N))
b = list(range(1, N + 1))


def zip_sum():
    s = 0
    for x, y in strict_zip(a, b):
        s += x * y
    return s


def f(args):
    first = args[0]
    args.clear()
    return (first,)


f._boxed_call = True
inputs = [torch.empty(i + 1, device="meta") for i in range(8)]
add = make_boxed_func(lambda x, y: x + y)
doc = json.dumps({"list": [{"int": i} for i in range(100000)]})

rows = {
    "strict_zip_sum (ns/item)": median_ns(zip_sum, 1, 5) / N,
    "strict_zip_construct_3 (ns)": median_ns("strict_zip(inputs, inputs, inputs)", 100000),
    "boxed_call steal (ns)": median_ns("call_func_with_args(f, list(inputs), steal_args=True)", 100000),
    "boxed_call copy (ns)": median_ns("call_func_with_args(f, inputs)", 100000),
    "make_boxed_func_call (ns)": median_ns("add([1, 2])", 100000),
    "json.loads 100k tagged ints (ms)": median_ns("json.loads(doc)", 5) / 1e6,
}
print(f"torch {torch.__version__}")
for k, v in rows.items():
    print(f"{k:40s} {v:12.1f}")
