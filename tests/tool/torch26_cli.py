#!/usr/bin/env python3
# tests/tool/torch26_cli.py — the command line against torch 2.6's own results on every graph of
# tests/graph/data/torch26: `graph print|code|lint|dce|convert` and `rewrite copy-fwd-metadata|
# unlift-tokens`, all with `--torch 2.6`; and `pytree flatten` on torch 2.6's 1000 recorded trees
# (leaves, counts, repr, treespec_dumps, keystrs). Usage: torch26_cli.py AOTKIT DATA_DIR [CASES].
import glob
import json
import os
import subprocess
import sys

tool, data = sys.argv[1], sys.argv[2]
failures, counts = [], {}


def run(args, stdin=None):
    p = subprocess.run([tool, *args], input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(name, what, ok, detail=""):
    counts[what] = counts.get(what, 0) + 1
    if not ok:
        failures.append(f"{name}: {what} {detail}".rstrip())


for path in sorted(glob.glob(os.path.join(data, "**", "*.json"), recursive=True)):
    if path.endswith("index.json"):
        continue
    name = os.path.relpath(path, data)
    doc = json.load(open(path))
    oracle = doc["oracle"]
    rc, out, _ = run(["graph", "print", "--torch", "2.6", path])
    check(name, "print", rc == 0 and out == oracle["graph_str"] + "\n")
    if doc["format"] != "fx-json/1" or "tree_flatten_spec" not in oracle["python_code"]:
        rc, out, _ = run(["graph", "code", "--torch", "2.6", path])
        check(name, "code", rc == 0 and out == oracle["python_code"] + "\n")
    rc, out, _ = run(["graph", "lint", "--torch", "2.6", path])
    check(name, "lint", (rc == 0) == oracle["lint_ok"], out)
    rc, out, err = run(["graph", "dce", "--torch", "2.6", path])
    removed = err.split()
    check(name, "dce", rc == 0 and sorted(removed) == sorted(oracle["dce_removed"]), str(removed))
    rc, out, _ = run(["graph", "convert", path])
    rc2, back, _ = run(["graph", "print", "-"], stdin=out)
    check(name, "convert", rc == 0 and rc2 == 0 and back == oracle["graph_str"] + "\n")
    if "copied" in oracle:
        rc, out, err = run(["rewrite", "copy-fwd-metadata", "--torch", "2.6", path])
        check(name, "copy-fwd-metadata", rc == 0 and err.startswith(f"matched {len(oracle['copied'])},"), err)
    if "unlifted_graph_str" in oracle:
        backward = "tokens_bw" in name
        count = oracle["num_backward_tokens" if backward else "num_forward_tokens"]
        opt = "--backward-tokens" if backward else "--tokens"
        rc, out, err = run(["rewrite", "unlift-tokens", "--torch", "2.6", opt, str(count), path])
        ok = rc == 0
        if ok:
            _, printed, _ = run(["graph", "print", "-"], stdin=out)
            _, code, _ = run(["graph", "code", "-"], stdin=out)
            ok = printed == oracle["unlifted_graph_str"] + "\n" and code == oracle["unlifted_python_code"] + "\n"
        check(name, "unlift-tokens", ok, err)

if len(sys.argv) > 3:
    cases = [json.loads(line) for line in open(sys.argv[3])]
    rc, out, err = run(["pytree", "flatten", sys.argv[3]])
    got = [json.loads(line) for line in out.splitlines()]
    check("cases_torch26", "pytree-flatten", rc == 0 and len(got) == len(cases) == 1000, err)
    for c, g in zip(cases, got):
        name = f"tree {c['id']}"
        check(name, "pytree-leaves", g["leaves"] == c["leaves"] and g["num_leaves"] == c["num_leaves"]
              and g["num_nodes"] == c["num_nodes"])
        check(name, "pytree-repr", g["repr"] == c["repr"])
        check(name, "pytree-keystrs", g["keystrs"] == c["keystrs"], str(g["keystrs"]))
        # the CLI registers no namedtuple for serialization: those specs have no protocol-1 form
        check(name, "pytree-dumps", g["spec"] == c["dumps"] or (g["spec"] is None and "namedtuple" in json.dumps(c["tree"])))

print(" ".join(f"{k} {v}" for k, v in sorted(counts.items())))
for f in failures:
    print("FAIL", f)
sys.exit(1 if failures or counts.get("unlift-tokens", 0) < 6 else 0)
