#!/usr/bin/env python3
# bench/big_graph.py — writes an fx-json/1 graph of N call_function nodes (the graph benchmark's
# shape: x, hub = relu(x), hub2 = neg(x), then alternately a live add and a dead mul) with meta.
"""usage: bench/big_graph.py N [OUT]   (OUT '-' or absent: stdout). Plain Python, no torch needed."""
import sys


def main() -> None:
    n = int(sys.argv[1])
    out = open(sys.argv[2], "w") if len(sys.argv) > 2 and sys.argv[2] != "-" else sys.stdout
    w = out.write
    w('{"format": "fx-json/1", "name": "big_%d", "nodes": [\n' % n)
    w('  {"name": "x", "op": "placeholder", "target": "x", "args": [], "kwargs": {}, "meta": {}},\n')
    stack = '"nn_module_stack": {"L__self___layer": ["layer", "torch.nn.modules.linear.Linear"]}'
    w('  {"name": "hub", "op": "call_function", "target": "aten.relu.default", "args": [{"node": "x"}], '
      '"kwargs": {}, "meta": {"seq_nr": 0, %s}},\n' % stack)
    w('  {"name": "hub2", "op": "call_function", "target": "aten.neg.default", "args": [{"node": "x"}], '
      '"kwargs": {}, "meta": {"seq_nr": 1}},\n')
    prev = "hub"
    for i in range(n - 2):
        live = i % 2 == 0
        name = "add_%d" % i if live else "mul_%d" % i
        target = "aten.add.Tensor" if live else "aten.mul.Tensor"
        w('  {"name": "%s", "op": "call_function", "target": "%s", "args": [{"node": "%s"}, {"node": "hub"}], '
          '"kwargs": {}, "meta": {"seq_nr": %d, %s}},\n' % (name, target, prev, i + 2, stack))
        if live:
            prev = name
    w('  {"name": "output", "op": "output", "target": "output", "args": [{"node": "%s"}], "kwargs": {}, "meta": {}}\n' % prev)
    w("]}\n")


if __name__ == "__main__":
    main()
