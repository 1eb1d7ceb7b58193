#!/usr/bin/env python3
# bench/make_big_pt2.py — a large torch.export archive made from a real one: the graph of a torch 2.6
# program whose body maps its user input to an output of the same shape, chained to N nodes.
"""Usage: python3 bench/make_big_pt2.py NODES OUT [BASE]

BASE (default tests/pt2/data/torch26_run/mlp_square_decomposed.pt2: three Linear(8, 8) + ReLU,
decomposed) is a legacy .pt2 with one user input and one user output of the same shape. Its call
nodes are copied NODES / len(body) times; each copy renames every value as torch's namer names
it in a graph that long (the next free `<base>_<N>`: addmm_1 -> addmm_1234; node metadata,
tensor_values and all), and reads the previous copy's output where the original read
the user input. The parameters, their weights, the constants and example inputs stay as they
are (every copy uses the same parameters), so the archive is a valid program torch 2.6's
torch.export.load reads and runs. Pure Python: no torch needed."""
import json
import os
import re
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rename_args(obj, mapping):
    """Every {"name": n} / {"as_name": n} naming a renamed value, renamed (in place)."""
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            for key in ("name", "as_name"):
                if isinstance(x.get(key), str) and x[key] in mapping:
                    x[key] = mapping[x[key]]
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)


def main():
    nodes_wanted = int(sys.argv[1])
    out = sys.argv[2]
    base = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "tests/pt2/data/torch26_run/mlp_square_decomposed.pt2")
    zin = zipfile.ZipFile(base)
    program_name = next(n for n in zin.namelist() if n.endswith("serialized_exported_program.json"))
    doc = json.loads(zin.read(program_name))
    g = doc["graph_module"]["graph"]
    sig = doc["graph_module"]["signature"]
    user_inputs = [s["user_input"]["arg"]["as_tensor"]["name"] for s in sig["input_specs"] if "user_input" in s]
    user_outputs = [s["user_output"]["arg"]["as_tensor"]["name"] for s in sig["output_specs"] if "user_output" in s]
    if len(user_inputs) != 1 or len(user_outputs) != 1 or len(sig["output_specs"]) != 1:
        sys.exit("make_big_pt2.py: the base needs one user input, one user output and no mutations")
    x, y = user_inputs[0], user_outputs[0]
    body = g["nodes"]
    produced = [o["as_tensor"]["name"] for n in body for o in n["outputs"] if "as_tensor" in o]
    copies = max(1, nodes_wanted // len(body))
    # torch's namer: a base's next suffix follows the largest taken (placeholders count too)
    counters = {}
    placeholders = [i["as_tensor"]["name"] for i in g["inputs"] if "as_tensor" in i]
    for name in produced + placeholders:
        m = re.fullmatch(r"(.*)_(\d+)", name)
        b, num = (m.group(1), int(m.group(2))) if m else (name, 0)
        counters[b] = max(counters.get(b, 0), num + 1)

    def fresh(name):
        m = re.fullmatch(r"(.*)_(\d+)", name)
        b = m.group(1) if m else name
        counters[b] = counters.get(b, 1)
        out = f"{b}_{counters[b]}"
        counters[b] += 1
        return out

    nodes, values = [], dict(g["tensor_values"])
    source = x
    for k in range(copies):
        mapping = {name: fresh(name) for name in produced}
        mapping[x] = source
        for n in body:
            c = json.loads(json.dumps(n))
            rename_args(c["inputs"], mapping)
            rename_args(c["outputs"], mapping)
            nodes.append(c)
        for name in produced:
            values[mapping[name]] = g["tensor_values"][name]
        source = mapping[y]
    for name in produced:
        values.pop(name, None)
    g["nodes"] = nodes
    g["tensor_values"] = values
    g["outputs"] = [{"as_tensor": {"name": source}}]
    sig["output_specs"][0]["user_output"]["arg"]["as_tensor"]["name"] = source
    with zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = json.dumps(doc).encode() if info.filename == program_name else zin.read(info.filename)
            zout.writestr(info.filename, data)
    print(f"{out}: {len(nodes)} call nodes ({copies} copies of {len(body)}), {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
