#!/usr/bin/env python3
# tools/fx2json.py — export any torch.fx GraphModule to fx-json/1 (data/FORMAT.md), and import it back.
# Works with torch 1.13 through current. Run it in your own PyTorch environment.
"""fx-json/1 exporter.

    python3 tools/fx2json.py export module.pt > graph.json      # a torch.save'd GraphModule
    python3 tools/fx2json.py check graph.json                    # rebuild the graph, compare str(graph)

From Python:  import fx2json; text = fx2json.dumps(gm); g = fx2json.loads(text)
"""
import json
import math
import operator
import sys

import torch
import torch.fx

FORMAT = "fx-json/1"


def _target_name(node):
    t = node.target
    if node.op != "call_function":
        return str(t)
    if isinstance(t, torch._ops.OpOverload):
        return f"{t.namespace}.{t._schema.name.split('::')[1]}.{t._overloadname}"
    mod = getattr(t, "__module__", None) or ""
    if mod == "_operator":
        mod = "operator"
    if mod == "torch._ops.higher_order" or type(t).__name__.endswith("HigherOrderOperator"):
        return f"higher_order.{t.__name__}"
    if mod.startswith("torch"):
        # torch.flatten, torch.nn.functional.relu: the public path FX prints
        return torch.fx.node._get_qualified_name(t)
    return f"{mod}.{t.__qualname__}" if mod else t.__qualname__


def _arg(a):
    if isinstance(a, torch.fx.Node):
        return {"node": a.name}
    if a is None or isinstance(a, (bool, str)):
        return a
    if isinstance(a, int):
        return a
    if isinstance(a, float):
        if math.isnan(a):
            return {"float": "nan"}
        if math.isinf(a):
            return {"float": "inf" if a > 0 else "-inf"}
        return a
    if isinstance(a, tuple):
        return {"tuple": [_arg(x) for x in a]}
    if isinstance(a, list):
        return [_arg(x) for x in a]
    if isinstance(a, dict):
        return {"dict": [[_arg(k), _arg(v)] for k, v in a.items()]}
    if isinstance(a, slice):
        return {"slice": [_arg(a.start), _arg(a.stop), _arg(a.step)]}
    if a is Ellipsis:
        return {"ellipsis": True}
    if isinstance(a, torch.dtype):
        return {"dtype": str(a)}
    if isinstance(a, torch.device):
        return {"device": str(a)}
    if isinstance(a, torch.memory_format):
        return {"memory_format": str(a)}
    if isinstance(a, torch.layout):
        return {"layout": str(a)}
    if isinstance(a, complex):
        return {"complex": [a.real, a.imag]}
    if isinstance(a, torch._ops.OpOverload):
        return {"op": f"{a.namespace}.{a._schema.name.split('::')[1]}.{a._overloadname}"}
    return {"repr": repr(a)}


def _meta_value(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_meta_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _meta_value(x) for k, x in v.items()}
    if hasattr(v, "shape") and hasattr(v, "dtype") and hasattr(v, "stride"):  # TensorMetadata
        return {"shape": list(v.shape), "dtype": str(v.dtype), "stride": list(v.stride),
                "requires_grad": bool(getattr(v, "requires_grad", False))}
    if isinstance(v, type):
        return f"{v.__module__}.{v.__qualname__}"
    return repr(v)


def _nodes(graph):
    out = []
    for n in graph.nodes:
        d = {"name": n.name, "op": n.op, "target": _target_name(n), "args": [_arg(a) for a in n.args],
             "kwargs": {k: _arg(v) for k, v in n.kwargs.items()},
             "meta": {k: _meta_value(v) for k, v in n.meta.items() if k != "val"}}
        if n.type is not None:
            d["type"] = torch.fx.graph._type_repr(n.type)
        out.append(d)
    return out


def dumps(gm, name=""):
    doc = {"format": FORMAT, "name": name, "num_nodes": len(gm.graph.nodes), "nodes": _nodes(gm.graph)}
    subs = []
    for path, m in gm.named_modules():
        if path and isinstance(m, torch.fx.GraphModule):
            subs.append({"name": path, "nodes": _nodes(m.graph)})
    if subs:
        doc["submodules"] = subs
    return json.dumps(doc)


def _resolve(name):
    if name.startswith("operator."):
        return getattr(operator, name.split(".", 1)[1])
    if name.startswith("builtins."):
        import builtins
        return getattr(builtins, name.split(".", 1)[1])
    if name.startswith("higher_order."):
        return getattr(torch.ops.higher_order, name.split(".", 1)[1])
    parts = name.split(".")
    if len(parts) == 3 and not name.startswith("torch."):
        ns, op, overload = parts
        return getattr(getattr(getattr(torch.ops, ns), op), overload)
    obj = torch
    for p in parts[1:]:
        obj = getattr(obj, p)
    return obj


def _unarg(a, env):
    if isinstance(a, list):
        return [_unarg(x, env) for x in a]
    if isinstance(a, dict):
        (tag, v), = a.items()
        if tag == "node":
            return env[v]
        if tag == "tuple":
            return tuple(_unarg(x, env) for x in v)
        if tag == "dict":
            return {_unarg(k, env): _unarg(x, env) for k, x in v}
        if tag == "slice":
            return slice(*[_unarg(x, env) for x in v])
        if tag == "ellipsis":
            return Ellipsis
        if tag == "float":
            return float(v)
        if tag == "dtype":
            return getattr(torch, v.split(".", 1)[1])
        if tag == "device":
            return torch.device(v)
        if tag in ("memory_format", "layout"):
            return getattr(torch, v.split(".", 1)[1])
        if tag == "complex":
            return complex(v[0], v[1])
        if tag == "op":
            return _resolve(v)
        raise ValueError(f"cannot rebuild {{{tag!r}: ...}}")
    return a


def loads(text):
    """Rebuilds the root graph (a torch.fx.Graph) from fx-json/1."""
    doc = json.loads(text)
    assert doc["format"] == FORMAT, doc["format"]
    g = torch.fx.Graph()
    env = {}
    for d in doc["nodes"]:
        target = _resolve(d["target"]) if d["op"] == "call_function" else d["target"]
        args = tuple(_unarg(a, env) for a in d["args"])
        kwargs = {k: _unarg(v, env) for k, v in d["kwargs"].items()}
        n = g.create_node(d["op"], target, args, kwargs, name=d["name"])
        n.meta.update(d.get("meta", {}))
        if "type" in d:
            n.type = _resolve(d["type"]) if d["type"].startswith("torch.") else d["type"]
        env[d["name"]] = n
    return g


def check(text):
    """Rebuilds the graph and compares str(graph) with the recorded graph_str (when present)."""
    doc = json.loads(text)
    g = loads(text)
    want = doc.get("graph_str")
    got = str(g)
    if want is not None and got != want:
        print("str(graph) differs", file=sys.stderr)
        return 1
    print(f"ok: {len(g.nodes)} nodes")
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "export":
        gm = torch.load(argv[2])
        print(dumps(gm, name=argv[2]))
        return 0
    if len(argv) == 3 and argv[1] == "check":
        with open(argv[2]) as f:
            return check(f.read())
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
