#!/usr/bin/env python3
# tests/pt2/check_export_cli.py — `aotkit export graph|code|signature|weights|run|to-fx-json|save` on torch
# 2.6's archives against the oracles torch.export.load gave (*.loaded.json, *.oracle.json, and
# *.reserialized.json for `save --dce|--remove-effect-tokens`); exit 1 on a difference.
import json
import os
import subprocess
import sys
import tempfile


def run(tool, *args, stdin=None):
    p = subprocess.run([tool, *args], input=stdin, capture_output=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(args)}: exit {p.returncode}: {p.stderr.decode()[-500:]}")
    return p.stdout


def same_outputs(got, want):
    # relative 1e-4: aotkit computes float32 programs in double and rounds, torch in float32
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if not isinstance(w, dict):
            if g != w:
                return False
            continue
        if g["shape"] != w["shape"] or g["dtype"] != w["dtype"] or len(g["values"]) != len(w["values"]):
            return False
        if any(abs(a - b) > 1e-4 * abs(b) + 1e-6 for a, b in zip(g["values"], w["values"])):
            return False
    return True


def main():
    tool, folder = sys.argv[1], sys.argv[2]
    table = "--table" in sys.argv[3:]  # one markdown row per archive: which checks it passed
    failures, checked, ran = [], 0, 0
    rows = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".pt2"):
            continue
        path = os.path.join(folder, name)
        stem = path[:-4]
        before = len(failures)
        loaded = json.load(open(stem + ".loaded.json"))
        oracle = json.load(open(stem + ".oracle.json"))
        if run(tool, "export", "graph", path).decode() != loaded["graph_str"] + "\n":
            failures.append(f"{name}: graph")
        code = loaded["python_code"] + "".join(f"# {n}\n{c}" for n, c in loaded["submodules"].items())
        if run(tool, "export", "code", path).decode() != code:
            failures.append(f"{name}: code")
        sig = json.loads(run(tool, "export", "signature", path))
        want_outputs = [{k: v for k, v in o.items()} for o in loaded["signature"]["outputs"]]
        if sig["inputs"] != loaded["signature"]["inputs"] or sig["outputs"] != want_outputs:
            failures.append(f"{name}: signature")
        if sig["in_spec"] != oracle["in_spec"] or sig["out_spec"] != oracle["out_spec"]:
            failures.append(f"{name}: in_spec/out_spec")
        weights = json.loads(run(tool, "export", "weights", path))
        if weights["state_dict"] != loaded["state_dict"] or sorted(weights["constants"]) != loaded["constants"]:
            failures.append(f"{name}: weights")
        # the bridge: fx-json of the program prints the same graph through `aotkit graph print`
        fx = run(tool, "export", "to-fx-json", path)
        if run(tool, "graph", "print", stdin=fx).decode() != loaded["graph_str"] + "\n":
            failures.append(f"{name}: to-fx-json | graph print")
        if run(tool, "graph", "lint", stdin=fx).decode() != "ok\n":
            failures.append(f"{name}: to-fx-json | graph lint")
        # written back in each layout, the archive reads as the original did
        with tempfile.TemporaryDirectory() as tmp:
            for layout, told in (("legacy", "legacy zip"), ("pt2-2.8", "PT2 archive, pickled"), ("pt2", "PT2 archive, raw")):
                out = os.path.join(tmp, f"{name[:-4]}_{layout}.pt2")
                run(tool, "export", "save", path, "--layout", layout, "--output", out)
                if told not in run(tool, "export", "info", out).decode():
                    failures.append(f"{name}: save --layout {layout}: info")
                if run(tool, "export", "graph", out).decode() != loaded["graph_str"] + "\n":
                    failures.append(f"{name}: save --layout {layout}: graph")
                if json.loads(run(tool, "export", "weights", out)) != weights:
                    failures.append(f"{name}: save --layout {layout}: weights")
            # written over the file it was read from (save reads the file; the other commands map it)
            same = os.path.join(tmp, f"{name[:-4]}_in_place.pt2")
            with open(path, "rb") as src, open(same, "wb") as dst:
                dst.write(src.read())
            run(tool, "export", "save", same, "--output", same)
            if run(tool, "export", "graph", same).decode() != loaded["graph_str"] + "\n":
                failures.append(f"{name}: save in place: graph")
            # changed, then written: reads as torch 2.6 reads what it writes for the same change
            # (tools/capture_pt2_reserialized.py)
            reserialized = json.load(open(stem + ".reserialized.json"))
            for change, flag in (("dce", "--dce"), ("remove_effect_tokens", "--remove-effect-tokens")):
                if change not in reserialized:
                    continue
                out = os.path.join(tmp, f"{name[:-4]}_{change}.pt2")
                run(tool, "export", "save", path, flag, "--output", out)
                if run(tool, "export", "graph", out).decode() != reserialized[change]["graph_str"] + "\n":
                    failures.append(f"{name}: save {flag}: graph")
                if json.loads(run(tool, "export", "weights", out)) != weights:
                    failures.append(f"{name}: save {flag}: weights")
        # run on the archive's example inputs, where the oracle ran on those (mlp_dynamic's ran on others)
        if oracle.get("example_inputs") == loaded["example_inputs"]:
            got = json.loads(run(tool, "export", "run", path))["outputs"]
            if not same_outputs(got, oracle["example_outputs"]):
                failures.append(f"{name}: run")
            ran += 1
        checked += 1
        mine = [f.split(": ", 1)[1] for f in failures[before:]]
        def mark(*checks):
            bad = [m for m in mine if any(m.startswith(c) for c in checks)]
            return "✗ " + "; ".join(bad) if bad else "✓"
        ran_here = oracle.get("example_inputs") == loaded["example_inputs"]
        rows.append(f"| {name} | {mark('graph')} | {mark('code')} | {mark('signature', 'in_spec')} | {mark('weights')} | "
                    f"{mark('to-fx-json')} | {mark('run') if ran_here else '— (oracle ran on other inputs)'} | {mark('save')} |")
    if ran < 1:
        failures.append("no archive ran")
    if checked < 7:
        failures.append(f"only {checked} archives")
    if table:
        print("| archive | graph | code | signature, specs | weights | to-fx-json | run | save (3 layouts, --dce, --remove-effect-tokens) |")
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(rows))
    for f in failures:
        print("FAIL", f)
    print(f"{checked} archives ({ran} run), {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
