#!/usr/bin/env python3
# tools/capture_pt2_reserialized.py — the oracle of aotkit.pt2's serializer of changed programs: what
# torch 2.6 writes for a loaded program after a change. Run under torch 2.6:
#   ../shared/tools/torch26 run "$PWD" /work/tools/capture_pt2_reserialized.py /work/tests/pt2/data
"""For every committed torch 2.6 archive, two changes, each on a fresh torch.export.load:

* `dce`: `ep.graph.eliminate_dead_code()` (the deserializer's unused getitems go, so multi-output
  nodes write `<node>_unused_<i>` outputs);
* `remove_effect_tokens` (archives with ordered effects only): torch's `_remove_effect_tokens`,
  after erasing the unused `getitem(with_effects, 1)` its deserializer adds for ops returning
  nothing (as tools/capture_remove_effect_tokens.py does).

Then `torch.export.save`; `<folder>/<name>.reserialized.json` holds, per change, the program JSON
torch wrote (`program`, the text) and `str(graph)` / `code` of loading that archive again."""
import glob
import io
import json
import operator
import os
import sys
import zipfile

import torch
from torch.export._remove_effect_tokens_pass import _remove_effect_tokens
from torch.fx.node import has_side_effect


def program_json(buffer):
    with zipfile.ZipFile(io.BytesIO(buffer)) as z:
        for name in z.namelist():
            if name.endswith("serialized_exported_program.json"):
                return z.read(name).decode("ascii")
    raise RuntimeError("no program record")


def dce(ep):
    ep.graph.eliminate_dead_code()
    ep.graph_module.recompile()
    return ep


def remove_tokens(ep):
    # as in the process that exported the program: export's tracing registers every op it threads
    # through with_effects as side-effectful (effects.py: has_side_effect(op)), so the pass's final
    # dead-code elimination keeps them; a process that only loads has not, and would drop them
    for node in ep.graph.nodes:
        if node.op == "call_function" and node.target is torch.ops.higher_order.with_effects:
            has_side_effect(node.args[1])
    for node in list(ep.graph.nodes):
        if node.op == "call_function" and node.target is operator.getitem and node.args[1] == 1 and not node.users:
            if getattr(node.args[0], "target", None) is torch.ops.higher_order.with_effects:
                ep.graph.erase_node(node)
    return _remove_effect_tokens(ep)


def main():
    root = sys.argv[1]
    for path in sorted(glob.glob(os.path.join(root, "torch26*", "*.pt2"))):
        name = os.path.splitext(path)[0]
        changes = {"dce": dce}
        if "torch26_tokens" in path or os.path.basename(path) == "effects_tokens.pt2":
            changes["remove_effect_tokens"] = remove_tokens
        out = {"torch": torch.__version__}
        for change, fn in changes.items():
            ep = fn(torch.export.load(path))
            buffer = io.BytesIO()
            torch.export.save(ep, buffer)
            again = torch.export.load(io.BytesIO(buffer.getvalue()))
            out[change] = {"program": program_json(buffer.getvalue()), "graph_str": str(again.graph),
                           "python_code": again.graph_module.code}
        with open(name + ".reserialized.json", "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
        print(os.path.relpath(path, root), ", ".join(changes))


if __name__ == "__main__":
    main()
