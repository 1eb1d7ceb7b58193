#!/usr/bin/env python3
# tools/capture_pt2_loaded.py — what torch 2.6 itself makes of each .pt2 fixture when it *loads* it
# (torch.export.load): the oracle aotkit.pt2's reader is held to. Run under torch 2.6:
#   ../shared/tools/torch26 run "$PWD" /work/tools/capture_pt2_loaded.py /work/tests/pt2/data/torch26
"""Writes <name>.loaded.json next to each <name>.pt2: `graph_str` (str(ep.graph)), `python_code`
(ep.graph_module.code), `submodules` ({name: code} of the HOP subgraphs), the signature as
`aotkit export signature` prints it, `example_inputs` (the archive's own, flattened; the
.oracle.json's are the inputs its run used, which differ for mlp_dynamic), and `state_dict` /
`constants` as loaded (the .oracle.json's state dict was taken after a run that mutated buffers). The .oracle.json files beside them were captured from the
ExportedProgram *before* it was saved; loading differs (torch 2.6's deserializer passes every
argument that has a default as a keyword: `linear(x, w, bias=b)`), so the reader follows this one."""
import json
import os
import sys

import torch


def spec_json(s):
    return {"kind": s.kind.name, "arg": getattr(s.arg, "name", None), "target": s.target}


def main():
    folder = sys.argv[1]
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".pt2"):
            continue
        ep = torch.export.load(os.path.join(folder, name))
        sig = ep.graph_signature
        inputs = [dict(spec_json(s), persistent=s.persistent) for s in sig.input_specs]
        outputs = [spec_json(s) for s in sig.output_specs]
        subs = {n: m.code for n, m in ep.graph_module.named_children() if isinstance(m, torch.fx.GraphModule)}
        # the example inputs the archive holds (torch.save of (args, kwargs)), flattened
        leaves = torch.utils._pytree.tree_leaves(ep.example_inputs)
        examples = [{"shape": list(x.shape), "dtype": str(x.dtype), "values": [float(v) for v in x.reshape(-1).tolist()]}
                    if isinstance(x, torch.Tensor) else x for x in leaves]
        out = {"torch": torch.__version__, "graph_str": str(ep.graph), "python_code": ep.graph_module.code,
               "submodules": subs, "signature": {"inputs": inputs, "outputs": outputs}, "example_inputs": examples,
               "state_dict": {k: {"shape": list(v.shape), "dtype": str(v.dtype),
                                  "first": [float(x) for x in v.detach().reshape(-1)[:4].tolist()]}
                              for k, v in ep.state_dict.items()},
               "constants": sorted(ep.constants)}
        with open(os.path.join(folder, name[:-4] + ".loaded.json"), "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
