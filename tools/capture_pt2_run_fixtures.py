#!/usr/bin/env python3
# tools/capture_pt2_run_fixtures.py — more torch 2.6 archives for aotkit.pt2's run: CNNs, a small
# transformer, an op mix, batch norm in training; each exported as training IR and decomposed.
#   ../shared/tools/torch26 run "$PWD" /work/tools/capture_pt2_run_fixtures.py /work/tests/pt2/data/torch26_run
#   ../shared/tools/torch26 run "$PWD" /work/tools/capture_pt2_loaded.py /work/tests/pt2/data/torch26_run
# (names after the folder capture only those fixtures)
"""Writes <name>.pt2 (torch.export.save) and <name>.oracle.json: the signature's specs, in_spec /
out_spec (treespec_dumps), example_inputs and example_outputs (flattened; the outputs of
`torch.export.load(<name>.pt2).module()(*args, **kwargs)` on those inputs, so the oracle is what
the saved archive computes), graph_str / python_code of the loaded program, and the ops used."""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.export import Dim
from torch.utils import _pytree as pytree

torch.manual_seed(0)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2, bias=False)
        self.c3 = nn.Conv1d(4, 6, 3, dilation=2)
        self.fc = nn.Linear(8 + 6, 5)
        with torch.no_grad():
            self.bn.running_mean.uniform_(-0.5, 0.5)
            self.bn.running_var.uniform_(0.5, 1.5)
            self.bn.weight.uniform_(0.5, 1.5)
            self.bn.bias.uniform_(-0.2, 0.2)

    def forward(self, x, seq):
        y = F.relu(self.bn(self.c1(x)))
        y = F.max_pool2d(y, 2)
        y = F.avg_pool2d(self.c2(y), 2, ceil_mode=True, count_include_pad=False)
        y = F.adaptive_avg_pool2d(y, 1).flatten(1)
        z = torch.tanh(self.c3(seq)).amax(dim=-1)
        return self.fc(torch.cat([y, z], dim=1)).log_softmax(dim=-1)


class Block(nn.Module):
    def __init__(self, vocab=40, d=16, heads=2):
        super().__init__()
        self.heads = heads
        self.emb = nn.Embedding(vocab, d)
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.ff1 = nn.Linear(d, 4 * d)
        self.ff2 = nn.Linear(4 * d, d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, tokens):
        b, t = tokens.shape
        x = self.emb(tokens)
        q, k, v = self.qkv(self.ln1(x)).split(x.shape[-1], dim=-1)
        q, k, v = (a.view(b, t, self.heads, -1).transpose(1, 2) for a in (q, k, v))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(a.transpose(1, 2).reshape(b, t, -1))
        x = x + self.ff2(F.gelu(self.ff1(self.ln2(x)), approximate="tanh"))
        logits = self.head(x)
        return logits, torch.softmax(logits, dim=-1).argmax(dim=-1)


class Attn(nn.Module):
    """Attention written out: bmm, masked softmax, where, expand."""

    def forward(self, q, k, v, mask):
        s = torch.bmm(q, k.transpose(1, 2)) / (q.shape[-1] ** 0.5)
        s = torch.where(mask.unsqueeze(0).expand(q.shape[0], -1, -1), s, torch.full_like(s, -1e9))
        p = torch.softmax(s, dim=-1)
        return torch.bmm(p, v), p.sum(dim=(0, 2))


class OpMix(nn.Module):
    def forward(self, x, ints, flag: float = 2.0):
        a = torch.sqrt(x.abs() + 1) * torch.rsqrt(x * x + 1) - torch.exp(-x) / 3
        b = torch.log(torch.sigmoid(x)) + torch.pow(x, 2) - x.pow(3) * 0.1
        c = torch.where(x > 0.2, a, b).clamp(-1.5, 1.5)
        m = (x < 0).logical_not()
        any_row = m.any(dim=1)
        all_col = m.all(dim=0)
        s = c.sum(dim=1, keepdim=True) + c.mean(dim=0).unsqueeze(0) + c.amin(dim=1, keepdim=True)
        r = torch.cat([s[:, :2], c[1:2].expand(s.shape[0], -1)[:, 3:5]], dim=1)
        i = ints * 3 + ints // 2 - (ints % 4)
        f = i.to(torch.float32) / flag + torch.ones(i.shape) + torch.zeros_like(r[:, :1])
        sel = c.select(1, 2) - c[:, -1]
        return {"r": r, "f": f, "sel": sel, "mask": (any_row, all_col), "i": i, "mx": tuple(c.max(dim=1))}


class Square(nn.Module):
    """Shape-preserving blocks: bench/make_big_pt2.py replicates this graph to any size."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(8, 8) for _ in range(3))

    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x))
        return x


class BnTrain(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(6, 4)
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x):
        return F.silu(self.bn(self.lin(x)))


class Tied(nn.Module):
    """Tied embeddings and a buffer that views another: the state dict's tensors share storages."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.head = nn.Linear(4, 10, bias=False)
        self.head.weight = self.emb.weight
        self.register_buffer("table", torch.arange(12.0).reshape(3, 4))
        self.register_buffer("row", self.table[1])

    def forward(self, tokens):
        return self.head(self.emb(tokens) + self.row)


def flat_json(tree):
    out = []
    for x in pytree.tree_leaves(tree):
        if isinstance(x, torch.Tensor):
            v = x.detach()
            vals = [float(e) for e in v.double().reshape(-1).tolist()] if v.dtype != torch.bool else [float(e) for e in v.reshape(-1).tolist()]
            out.append({"shape": list(v.shape), "dtype": str(v.dtype), "values": vals})
        else:
            out.append(x)
    return out


def spec_json(s):
    return {"kind": s.kind.name, "arg": getattr(s.arg, "name", None), "target": s.target}


def capture(folder, name, model, args, kwargs=None, decompose=False, dynamic_shapes=None, run_args=None):
    if ONLY and name not in ONLY:
        return
    kwargs = kwargs or {}
    ep = torch.export.export(model, args, kwargs, dynamic_shapes=dynamic_shapes)
    if decompose:
        ep = ep.run_decompositions()
    path = os.path.join(folder, name + ".pt2")
    torch.export.save(ep, path)
    loaded = torch.export.load(path)
    run_args = run_args or (args, kwargs)
    with torch.no_grad():
        outputs = loaded.module()(*run_args[0], **run_args[1])
    sig = loaded.graph_signature
    mc = loaded.module_call_graph[0].signature
    oracle = {
        "torch": torch.__version__,
        "graph_str": str(loaded.graph),
        "python_code": loaded.graph_module.code,
        "inputs": [dict(spec_json(s), persistent=s.persistent) for s in sig.input_specs],
        "outputs": [spec_json(s) for s in sig.output_specs],
        "in_spec": pytree.treespec_dumps(mc.in_spec),
        "out_spec": pytree.treespec_dumps(mc.out_spec),
        "example_inputs": flat_json(run_args),
        "example_outputs": flat_json(outputs),
        "ops": sorted({str(n.target) for n in loaded.graph.nodes if n.op == "call_function"}),
    }
    with open(os.path.join(folder, name + ".oracle.json"), "w") as f:
        json.dump(oracle, f, indent=1)
        f.write("\n")
    print(name, oracle["ops"])


ONLY = set()


def main():
    folder = sys.argv[1]
    ONLY.update(sys.argv[2:])  # capture only these (the others' bytes stay as committed)
    os.makedirs(folder, exist_ok=True)
    cnn = Cnn().eval()
    cnn_in = (torch.randn(2, 3, 9, 9), torch.randn(2, 4, 10))
    capture(folder, "cnn_training_ir", cnn, cnn_in)
    capture(folder, "cnn_decomposed", cnn, cnn_in, decompose=True)
    block = Block().eval()
    toks = (torch.randint(0, 40, (2, 7)),)
    capture(folder, "transformer_training_ir", block, toks)
    capture(folder, "transformer_decomposed", block, toks, decompose=True)
    attn_in = (torch.randn(3, 5, 4), torch.randn(3, 6, 4), torch.randn(3, 6, 2), torch.rand(5, 6) > 0.3)
    capture(folder, "attention_decomposed", Attn(), attn_in, decompose=True)
    mix_in = (torch.randn(4, 6), torch.randint(-9, 9, (4, 3)))
    capture(folder, "opmix_training_ir", OpMix(), mix_in, {"flag": 2.0})
    capture(folder, "opmix_decomposed", OpMix(), mix_in, {"flag": 2.0}, decompose=True)
    capture(folder, "mlp_square_decomposed", Square().eval(), (torch.randn(4, 8),), decompose=True)
    capture(folder, "tied_weights", Tied().eval(), (torch.randint(0, 10, (2, 3)),))
    batch = Dim("batch", min=2, max=32)
    bn = BnTrain().train()
    capture(folder, "bn_train_decomposed", bn, (torch.randn(5, 6),), decompose=True,
            dynamic_shapes=({0: batch},), run_args=((torch.randn(9, 6),), {}))


if __name__ == "__main__":
    main()
