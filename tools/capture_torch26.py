#!/usr/bin/env python3
# tools/capture_torch26.py — the project's torch 2.6 conformance corpus: real graphs from every path
# torch 2.6 makes them on, exported with tools/fx2json.py, each with torch's own results ("oracle").
"""Captures graphs from torch.fx.symbolic_trace, torch.compile with an aot_autograd backend (forward,
backward, and the joint graph right before AOT Autograd's copy_fwd_metadata_to_bw_nodes), AOT token
graphs right before torch's own unlift_tokens, torch.export graph modules and HOP subgraphs.

    ../shared/tools/torch26 run "$PWD" /work/tools/capture_torch26.py /work/tests/graph/data/torch26

Every graph must round-trip through fx2json (str(graph), python_code, lint); the run fails otherwise.
Oracle fields: see tests/graph/data/torch26/README.md. Not for CI (needs torch).
"""
import copy
import json
import os
import sys

import torch
import torch.fx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fx2json  # noqa: E402
from torch._dynamo.backends.common import aot_autograd  # noqa: E402
from torch._functorch._aot_autograd import dispatch_and_compile_graph as dcg  # noqa: E402
from torch._functorch._aot_autograd import jit_compile_runtime_wrappers as jcrw  # noqa: E402

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)
index = []


def oracle(gm):
    o = {"torch": torch.__version__, "graph_str": str(gm.graph), "python_code": gm.graph.python_code("self").src}
    try:
        gm.graph.lint()
        o["lint_ok"], o["lint_error"] = True, None
    except Exception as e:  # noqa: BLE001 — what lint says is the oracle
        o["lint_ok"], o["lint_error"] = False, str(e)
    c = copy.deepcopy(gm)
    before = [n.name for n in c.graph.nodes]
    o["dce_changed"] = c.graph.eliminate_dead_code()
    after = {n.name for n in c.graph.nodes}
    o["dce_removed"] = [n for n in before if n not in after]
    return o


def save(name, what, gm, extra=None):
    problems = fx2json.check_module(gm, name)
    if problems:
        raise SystemExit(f"{name}: the fx2json round trip differs: {problems}")
    doc = json.loads(fx2json.dumps(gm, name))
    doc["oracle"] = {**oracle(gm), **(extra or {})}
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f)
    index.append({"name": name, "what": what, "num_nodes": len(gm.graph.nodes),
                  "checks": sorted(k for k in ("copied", "unlifted_graph_str") if k in doc["oracle"])})
    print(f"{name}: {len(gm.graph.nodes)} nodes", file=sys.stderr)


# --- AOT Autograd: capture hooks on torch's own calls --------------------------------------------
current = {"name": None, "what": None}
original_copy = dcg.copy_fwd_metadata_to_bw_nodes
original_unlift_jit = jcrw.unlift_tokens
original_unlift_dcg = dcg.unlift_tokens


def copy_hook(fx_g):
    before = copy.deepcopy(fx_g)
    original_copy(fx_g)
    # torch assigns the forward node's own nn_module_stack object: identity names the forward node
    owner = {}
    for n in fx_g.graph.nodes:
        s = n.meta.get("nn_module_stack")
        if s is not None and "seq_nr" in n.meta:
            owner.setdefault(id(s), n.name)
    copied = {n.name: owner[id(n.meta["fwd_nn_module_stack"])] for n in fx_g.graph.nodes
              if "fwd_nn_module_stack" in n.meta and id(n.meta["fwd_nn_module_stack"]) in owner}
    save(current["name"] + "_joint", current["what"] + " (joint, before copy_fwd_metadata_to_bw_nodes)", before,
         {"copied": copied, "num_copied": len(copied)})


def unlift_hook(original):
    def hook(fw_module, fw_metadata, aot_config, bw_module=None):
        nf, nb = len(fw_metadata.tokens), fw_metadata.num_backward_tokens
        fw_before = copy.deepcopy(fw_module)
        bw_before = copy.deepcopy(bw_module) if bw_module is not None else None
        original(fw_module, fw_metadata, aot_config, bw_module) if bw_module is not None else \
            original(fw_module, fw_metadata, aot_config)
        counts = {"num_forward_tokens": nf, "num_backward_tokens": nb}
        if nf > 0:
            save(current["name"] + "_tokens_fw", current["what"] + " (forward, before unlift_tokens)", fw_before,
                 {**counts, "unlifted_graph_str": str(fw_module.graph),
                  "unlifted_python_code": fw_module.graph.python_code("self").src})
        if bw_before is not None and nb > 0:
            save(current["name"] + "_tokens_bw", current["what"] + " (backward, before unlift_tokens)", bw_before,
                 {**counts, "unlifted_graph_str": str(bw_module.graph),
                  "unlifted_python_code": bw_module.graph.python_code("self").src})
    return hook


dcg.copy_fwd_metadata_to_bw_nodes = copy_hook
jcrw.unlift_tokens = unlift_hook(original_unlift_jit)
dcg.unlift_tokens = unlift_hook(original_unlift_dcg)


def compile_aot(name, what, model, *inputs, dynamic=False, train=True):
    current["name"], current["what"] = name, what
    torch._dynamo.reset()
    seen = {}

    def compiler(kind):
        def fn(gm, example_inputs):
            if kind not in seen:
                seen[kind] = True
                save(f"{name}_{kind}", f"{what} ({'forward' if kind == 'fw' else 'backward'} graph)", gm)
            return gm.forward if hasattr(gm, "forward") else gm
        return fn

    backend = aot_autograd(fw_compiler=compiler("fw"), bw_compiler=compiler("bw"))
    compiled = torch.compile(model, backend=backend, dynamic=dynamic, fullgraph=True)
    out = compiled(*inputs)
    if train:
        (out[0] if isinstance(out, tuple) else out).sum().backward()


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(8, 16), torch.nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class ConvNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.fc = torch.nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.bn(self.conv(x))), 2)
        return self.fc(torch.flatten(x, 1))


class Printing(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x):
        torch.ops.aten._print("moo")
        y = torch.relu(self.fc(x))
        torch.ops.aten._print("baa")
        return y


class PrintingTwice(torch.nn.Module):
    """Three effectful calls with results used in between: a longer token chain."""
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(4, 8), torch.nn.Linear(8, 2)

    def forward(self, x):
        torch.ops.aten._print("start")
        h = torch.tanh(self.fc1(x))
        torch.ops.aten._print("mid")
        out = self.fc2(h).sigmoid()
        torch.ops.aten._print("end")
        return out, h


class PrintGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        torch.ops.aten._print("forward")
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        torch.ops.aten._print("backward")
        return grad * 2


class BackwardTokens(torch.nn.Module):
    """An effectful op in the backward too: backward token inputs and outputs."""
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x):
        return PrintGrad.apply(self.fc(x)).relu()


class WithAttrs(torch.nn.Module):
    """get_attr of a parameter, a buffer and a plain tensor attribute; a nested submodule call."""
    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(4))
        self.register_buffer("shift", torch.zeros(4))
        self.table = torch.arange(4.0)
        self.block = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())

    def forward(self, x):
        return self.block(x * self.scale + self.shift) + self.table


class Attention(torch.nn.Module):
    """A small pre-norm self-attention block: layer_norm, q/k/v, scaled softmax, matmuls, residual."""
    def __init__(self, d=16, heads=2):
        super().__init__()
        self.heads = heads
        self.norm = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=-1)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        att = torch.softmax(q @ k.transpose(-2, -1) / (d // self.heads) ** 0.5, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        return x + self.proj(y)


class Struct(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x, pair, *, scale=2.0):
        a, b = pair["a"], pair["b"]
        return {"out": self.fc(x) * scale + a, "rest": (b.relu(), a - b)}


class Cond(torch.nn.Module):
    def forward(self, x, y):
        def true_fn(x, y):
            return (x.sin() + y,)

        def false_fn(x, y):
            return (x.cos() - y,)
        return torch.cond(x.sum() > 0, true_fn, false_fn, (x, y))


def main():
    # torch.fx.symbolic_trace
    save("fx_mlp", "symbolic_trace of an MLP", torch.fx.symbolic_trace(MLP()))
    save("fx_convnet", "symbolic_trace of conv+bn+pool+linear", torch.fx.symbolic_trace(ConvNet()))
    save("fx_attrs", "symbolic_trace: get_attr of parameter, buffer, plain tensor; nested call_module",
         torch.fx.symbolic_trace(WithAttrs()))
    try:
        import torchvision
        save("fx_resnet18", "symbolic_trace of torchvision resnet18", torch.fx.symbolic_trace(torchvision.models.resnet18()))
        save("fx_mobilenet_v2", "symbolic_trace of torchvision mobilenet_v2",
             torch.fx.symbolic_trace(torchvision.models.mobilenet_v2()))
    except ImportError:
        print("torchvision missing: its graphs skipped", file=sys.stderr)
    save("fx_attention", "symbolic_trace of a self-attention block (call_method, getattr, getitem, pow)",
         torch.fx.symbolic_trace(Attention()))

    # torch.compile with an aot_autograd backend (train step: joint, forward, backward)
    compile_aot("aot_mlp", "torch.compile aot_autograd MLP", MLP(), torch.randn(2, 8, requires_grad=True))
    compile_aot("aot_convnet", "torch.compile aot_autograd convnet", ConvNet(), torch.randn(2, 3, 8, 8))
    compile_aot("aot_transformer", "torch.compile aot_autograd TransformerEncoderLayer",
                torch.nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True),
                torch.randn(2, 5, 16))
    compile_aot("aot_attention", "torch.compile aot_autograd self-attention block", Attention(), torch.randn(2, 5, 16))
    compile_aot("aot_dynamic", "torch.compile(dynamic=True) aot_autograd MLP (SymInt inputs)", MLP(),
                torch.randn(3, 8), dynamic=True)
    # effect tokens: torch 2.6's own unlift_tokens is captured before it runs
    torch._functorch.config.unlift_effect_tokens = True
    compile_aot("aot_print", "torch.compile aot_autograd with two aten._print", Printing(), torch.randn(2, 4))
    compile_aot("aot_print3", "torch.compile aot_autograd with three aten._print", PrintingTwice(), torch.randn(3, 4))
    try:
        compile_aot("aot_bwtokens", "torch.compile aot_autograd, aten._print in forward and backward",
                    BackwardTokens(), torch.randn(2, 4))
    except Exception as e:  # noqa: BLE001
        print(f"backward tokens not captured: {type(e).__name__}: {str(e)[:300]}", file=sys.stderr)
    with torch.no_grad():
        compile_aot("aot_print_infer", "torch.compile aot_autograd inference with aten._print", Printing(),
                    torch.randn(2, 4), train=False)
    torch._functorch.config.unlift_effect_tokens = False

    # torch.export
    ep = torch.export.export(Struct(), (torch.randn(2, 4), {"a": torch.randn(2, 4), "b": torch.randn(2, 4)}),
                             {"scale": 3.0})
    save("export_struct_graph", "torch.export graph_module (dict/tuple inputs, kwarg)", ep.graph_module)
    save("export_struct_module", "torch.export ep.module() (pytree codegen with kwargs)", ep.module())
    ep = torch.export.export(MLP(), (torch.randn(2, 8),)).run_decompositions()
    save("export_mlp_decomposed", "torch.export + run_decompositions (permute/addmm)", ep.graph_module)
    save("export_mlp_module", "torch.export ep.module() of an MLP", ep.module())
    ep = torch.export.export(Cond(), (torch.randn(3), torch.randn(3)))
    save("export_cond", "torch.export with torch.cond (HOP subgraphs)", ep.graph_module)
    save("export_cond_module", "torch.export ep.module() with torch.cond", ep.module())

    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)


if __name__ == "__main__":
    main()
