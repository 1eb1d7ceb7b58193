#!/usr/bin/env python3
# tools/capture_remove_effect_tokens.py — torch 2.6's _remove_effect_tokens on programs with ordered
# effects (aten._print), the oracle of aotkit.pt2's _remove_effect_tokens. Run under torch 2.6:
#   ../shared/tools/torch26 run "$PWD" /work/tools/capture_remove_effect_tokens.py /work/tests/pt2/data/torch26_tokens
"""Writes <name>.pt2 (torch.export.save of the exported program, tokens in it) and
<name>.oracle.json: `graph_str` / `python_code` / `signature` after torch's own
_remove_effect_tokens on the *loaded* program (torch.export.load threads ordered effects through
tokens: `with_effects(token, aten._print.default, ...)`). torch 2.6's pass asserts on a loaded
program as it stands — its deserializer adds `getitem(with_effects, 1)` for _print's missing result
— so those unused getitems are erased first (what aotkit's pass does); and `example_outputs` of
the module on the example inputs."""
import operator
import json
import os
import sys

import torch
import torch.nn as nn
from torch.export._remove_effect_tokens_pass import _remove_effect_tokens
from torch.utils import _pytree as pytree


class Prints(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(4, 3)

    def forward(self, x):
        torch.ops.aten._print("start")
        y = torch.relu(self.l(x))
        torch.ops.aten._print("middle")
        z = y.sum(dim=1)
        torch.ops.aten._print("end")
        return y, z


class PrintCond(nn.Module):
    def forward(self, x, n):
        torch.ops.aten._print("before")
        return x * 2 + n.sum()


def spec_json(s):
    return {"kind": s.kind.name, "arg": getattr(s.arg, "name", None), "target": s.target}


def capture(folder, name, model, args):
    ep = torch.export.export(model, args).run_decompositions()
    path = os.path.join(folder, name + ".pt2")
    torch.export.save(ep, path)
    loaded = torch.export.load(path)
    for node in list(loaded.graph.nodes):
        if node.op == "call_function" and node.target is operator.getitem and node.args[1] == 1 and not node.users:
            if getattr(node.args[0], "target", None) is torch.ops.higher_order.with_effects:
                loaded.graph.erase_node(node)
    removed = _remove_effect_tokens(loaded)
    removed.graph_module.recompile()  # the pass edits the graph; .code is stale until recompiled
    sig = removed.graph_signature
    with torch.no_grad():
        outputs = ep.module()(*args)
    oracle = {
        "torch": torch.__version__,
        "graph_str": str(removed.graph),
        "python_code": removed.graph_module.code,
        "inputs": [dict(spec_json(s), persistent=s.persistent) for s in sig.input_specs],
        "outputs": [spec_json(s) for s in sig.output_specs],
        "example_outputs": [{"shape": list(t.shape), "dtype": str(t.dtype), "values": [float(v) for v in t.reshape(-1).tolist()]}
                            for t in pytree.tree_leaves(outputs)],
    }
    with open(os.path.join(folder, name + ".oracle.json"), "w") as f:
        json.dump(oracle, f, indent=1)
        f.write("\n")
    print(name, "\n", oracle["graph_str"])


def main():
    folder = sys.argv[1]
    torch.manual_seed(0)
    capture(folder, "prints", Prints().eval(), (torch.randn(2, 4),))
    capture(folder, "print_int", PrintCond(), (torch.randn(3), torch.arange(4)))


if __name__ == "__main__":
    main()
