#!/usr/bin/env python3
# tools/fx2json.py — export any torch.fx GraphModule to fx-json/2 (data/FORMAT.md), and import it back.
# Works with torch 1.13 through current. Run it in your own PyTorch environment.
"""fx-json/2 exporter.

    python3 tools/fx2json.py export module.pt > graph.json      # a torch.save'd GraphModule
    python3 tools/fx2json.py check graph.json                    # rebuild it, compare str/code with torch

From Python:  import fx2json; text = fx2json.dumps(gm); gm2 = fx2json.loads_module(text)
`check` compares with the document's own recorded `graph_str` / `python_code` (or its
`oracle` member) when it has them; `check_module(gm)` compares a live module with its round trip.
"""
import json
import math
import operator
import sys

import torch
import torch.fx

FORMAT = "fx-json/2"
READS = ("fx-json/1", "fx-json/2")


def _op_name(t):
    # OpOverload and OpOverloadPacket: "aten.add.Tensor" / "aten.add" (FX prints torch.ops.<that>)
    if isinstance(t, torch._ops.OpOverload):
        return f"{t.namespace}.{t._schema.name.split('::')[1]}.{t._overloadname}"
    packet = getattr(torch._ops, "OpOverloadPacket", None)
    if packet is not None and isinstance(t, packet):
        return f"{t._qualified_op_name.replace('::', '.')}"
    return None


def _hop_name(t):
    """`higher_order.<name>` for a higher-order operator (one spelling; FX prints torch.ops.<that>), else None."""
    hop = getattr(torch._ops, "HigherOrderOperator", None)
    if (hop is not None and isinstance(t, hop)) or type(t).__name__.endswith("HigherOrderOperator"):
        return f"higher_order.{getattr(t, '_name', None) or t.__name__}"
    return None


def _target_name(node):
    t = node.target
    if node.op != "call_function":
        return str(t)
    name = _op_name(t) or _hop_name(t)
    if name is not None:
        return name
    mod = getattr(t, "__module__", None) or ""
    if mod == "_operator":
        mod = "operator"
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
    name = _op_name(a) or _hop_name(a)
    if name is not None:
        return {"op": name}
    return {"repr": repr(a)}


def _dim(d):
    return d if isinstance(d, int) else str(d)  # a SymInt: its expression


def _meta_value(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        if isinstance(v, float) and not math.isfinite(v):
            return repr(v)
        return v
    if isinstance(v, torch.Tensor):  # a tensor (fake or real: unlift_tokens' token, example values)
        return {"shape": [_dim(d) for d in v.shape], "dtype": str(v.dtype)}
    if hasattr(v, "shape") and hasattr(v, "dtype") and hasattr(v, "stride") and not callable(v.stride):
        # TensorMetadata (a namedtuple: test before the tuple case)
        return {"shape": [_dim(d) for d in v.shape], "dtype": str(v.dtype), "stride": [_dim(d) for d in v.stride],
                "requires_grad": bool(getattr(v, "requires_grad", False))}
    if isinstance(v, (torch.SymInt, torch.SymFloat, torch.SymBool)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return [_meta_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _meta_value(x) for k, x in v.items()}
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


def _codegen(graph):
    """FX's pytree codegen (`graph._codegen.pytree_info`) as treespec_dumps texts, or None."""
    info = getattr(getattr(graph, "_codegen", None), "pytree_info", None)
    if info is None:
        return None
    from torch.utils import _pytree as pytree
    return {"kind": "pytree", "orig_args": list(info.orig_args), "in_spec": pytree.treespec_dumps(info.in_spec),
            "out_spec": None if info.out_spec is None else pytree.treespec_dumps(info.out_spec)}


def _type_name(v):
    t = type(v)
    return f"{t.__module__}.{t.__qualname__}"


def _attributes(gm):
    """The module's attributes that FX's lint resolves targets against: submodules, parameters,
    buffers, and the plain attributes get_attr / call_module nodes reach (paths from the root)."""
    out, seen = [], set()

    def add(path, kind, value, **extra):
        if path and path not in seen:
            seen.add(path)
            out.append({"name": path, "kind": kind, "type": _type_name(value), **extra})

    def every(named):  # remove_duplicate arrived after torch 1.13 for parameters and buffers
        try:
            return list(named(remove_duplicate=False))
        except TypeError:
            return list(named())

    for path, m in every(gm.named_modules):
        add(path, "module", m)
    for path, p in every(gm.named_parameters):
        add(path, "parameter", p)
    for path, b in every(gm.named_buffers):
        owner, _, atom = path.rpartition(".")
        mod = gm.get_submodule(owner) if owner else gm
        add(path, "buffer", b, persistent=atom not in getattr(mod, "_non_persistent_buffers_set", set()))
    for mpath, m in every(gm.named_modules):
        if not isinstance(m, torch.fx.GraphModule):
            continue
        for n in m.graph.nodes:
            if n.op not in ("get_attr", "call_module") or not isinstance(n.target, str):
                continue
            obj, path = m, mpath
            for atom in n.target.split("."):
                obj = getattr(obj, atom, None)
                if obj is None:  # FX's lint reports it: nothing to record
                    break
                path = f"{path}.{atom}" if path else atom
                if not isinstance(obj, (torch.nn.Module, torch.nn.Parameter)) and path not in seen:
                    add(path, "attribute", obj)
    return out


def dumps(gm, name=""):
    doc = {"format": FORMAT, "name": name, "num_nodes": len(gm.graph.nodes), "nodes": _nodes(gm.graph)}
    cg = _codegen(gm.graph)
    if cg is not None:
        doc["codegen"] = cg
    doc["attributes"] = _attributes(gm)
    subs = []
    for path, m in gm.named_modules():
        if path and isinstance(m, torch.fx.GraphModule):
            sub = {"name": path, "nodes": _nodes(m.graph)}
            cg = _codegen(m.graph)
            if cg is not None:
                sub["codegen"] = cg
            subs.append(sub)
    if subs:
        doc["submodules"] = subs
    return json.dumps(doc)


def _resolve(name):
    if name.startswith("torch.ops."):
        name = name[len("torch.ops."):]
    if name.startswith("operator."):
        return getattr(operator, name.split(".", 1)[1])
    if name.startswith("builtins."):
        import builtins
        return getattr(builtins, name.split(".", 1)[1])
    if name.startswith("higher_order."):
        return getattr(torch.ops.higher_order, name.split(".", 1)[1])
    parts = name.split(".")
    if len(parts) in (2, 3) and not name.startswith("torch."):
        obj = torch.ops
        for p in parts:
            obj = getattr(obj, p)
        return obj
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


def _graph(nodes, codegen=None):
    g = torch.fx.Graph()
    env = {}
    for d in nodes:
        target = _resolve(d["target"]) if d["op"] == "call_function" else d["target"]
        args = tuple(_unarg(a, env) for a in d["args"])
        kwargs = {k: _unarg(v, env) for k, v in d["kwargs"].items()}
        n = g.create_node(d["op"], target, args, kwargs, name=d["name"])
        if n.name != d["name"]:  # a forced name (`node.name = ...`, e.g. an input called `input`)
            n.name = d["name"]
        n.meta.update(d.get("meta", {}))
        if "type" in d:
            n.type = _resolve(d["type"]) if d["type"].startswith("torch.") else d["type"]
        env[d["name"]] = n
    if codegen is not None:
        from torch.utils import _pytree as pytree
        out_spec = None if codegen["out_spec"] is None else pytree.treespec_loads(codegen["out_spec"])
        info = torch.fx.graph._PyTreeInfo(codegen["orig_args"], pytree.treespec_loads(codegen["in_spec"]), out_spec)
        g._codegen = torch.fx.graph._PyTreeCodeGen(info)
    return g


def loads(text):
    """Rebuilds the root graph (a torch.fx.Graph, with its pytree codegen) from fx-json/1 or /2."""
    doc = json.loads(text)
    assert doc["format"] in READS, doc["format"]
    return _graph(doc["nodes"], doc.get("codegen"))


def loads_module(text):
    """Rebuilds a GraphModule: the root graph, submodule graphs, and stand-ins for the recorded
    attributes (empty modules, zero-size parameters and buffers, under the recorded names), so lint
    and codegen see what the exported module had."""
    doc = json.loads(text)
    assert doc["format"] in READS, doc["format"]
    root = torch.nn.Module()

    def walk(path):  # the module owning `path`, made as needed, and the last atom
        obj = root
        parts = path.split(".")
        for p in parts[:-1]:
            if getattr(obj, p, None) is None:
                obj.add_module(p, torch.nn.Module())
            obj = getattr(obj, p)
        return obj, parts[-1]

    subs = {s["name"]: s for s in doc.get("submodules", [])}
    for path in sorted(subs, key=lambda p: p.count(".")):
        obj, atom = walk(path)
        if getattr(obj, atom, None) is None:
            obj.add_module(atom, torch.nn.Module())
    for a in doc.get("attributes", []):
        obj, atom = walk(a["name"])
        if getattr(obj, atom, None) is not None:
            continue
        if a["kind"] == "module":
            obj.add_module(atom, torch.nn.Module())
        elif a["kind"] == "parameter":
            obj.register_parameter(atom, torch.nn.Parameter(torch.empty(0)))
        elif a["kind"] == "buffer":
            obj.register_buffer(atom, torch.empty(0), persistent=a.get("persistent", True))
        else:
            setattr(obj, atom, torch.empty(0))
    # deepest first: a GraphModule copies the attributes its nodes name from the module it replaces
    for path in sorted(subs, key=lambda p: -p.count(".")):
        obj, atom = walk(path)
        stand_in = getattr(obj, atom)
        setattr(obj, atom, torch.fx.GraphModule(stand_in, _graph(subs[path]["nodes"], subs[path].get("codegen"))))
    return torch.fx.GraphModule(root, _graph(doc["nodes"], doc.get("codegen")))


def _code(g):
    return g.python_code("self").src


def check(text):
    """Rebuilds the module and compares str(graph) and python_code with the recorded ones."""
    doc = json.loads(text)
    gm = loads_module(text)
    oracle = doc.get("oracle", doc)
    problems = []
    if oracle.get("graph_str") is not None and str(gm.graph) != oracle["graph_str"]:
        problems.append("str(graph) differs")
    if oracle.get("python_code") is not None and _code(gm.graph) != oracle["python_code"]:
        problems.append("python_code differs")
    if oracle.get("lint_ok") is not None:
        try:
            gm.graph.lint()
            ok = True
        except Exception:
            ok = False
        if ok != oracle["lint_ok"]:
            problems.append("lint differs")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    print(f"ok: {len(gm.graph.nodes)} nodes")
    return 0


def check_module(gm, name=""):
    """Exports gm, rebuilds it, and lists what differs (str(graph), python_code, lint, each
    submodule graph); empty when the round trip is exact."""
    text = dumps(gm, name)
    back = loads_module(text)
    problems = []
    if str(back.graph) != str(gm.graph):
        problems.append("str(graph)")
    if _code(back.graph) != _code(gm.graph):
        problems.append("python_code")
    for path, m in gm.named_modules():
        if path and isinstance(m, torch.fx.GraphModule):
            if str(back.get_submodule(path).graph) != str(m.graph):
                problems.append(f"str({path}.graph)")
    try:
        gm.graph.lint()
        want = None
    except Exception as e:
        want = str(e)
    try:
        back.graph.lint()
        got = None
    except Exception as e:
        got = str(e)
    if want != got:
        problems.append(f"lint: {want!r} vs {got!r}")
    return problems


def main(argv):
    if len(argv) == 3 and argv[1] == "export":
        gm = torch.load(argv[2], weights_only=False) if torch.__version__ >= "2" else torch.load(argv[2])
        print(dumps(gm, name=argv[2]))
        return 0
    if len(argv) == 3 and argv[1] == "check":
        with open(argv[2]) as f:
            return check(f.read())
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
