#!/usr/bin/env python3
# bench/compare.py — aotkit's pytree and graph benchmarks and their PyTorch peers in one run, as
# ratio tables (the README's numbers come from here). The peer is torch 2.6 through
# ../shared/tools/torch26 when that is set up, Debian's torch (/usr/bin/python3) otherwise.
"""Usage: python3 bench/compare.py [--build build/release] [--peer auto|torch26|system] [--nodes 10000]
                                [--only pytree|graph|pt2] [--pt2-nodes 100000]

Runs build/release/bench/aotkit_pytree_bench and aotkit_graph_bench (medians of 3 repetitions)
and bench/pytree_peer.py / bench/graph_peer.py under the peer's torch, then prints one markdown
table per component: aotkit's ns per leaf (node), the peer's, the ratio, and aotkit's allocations
and page faults per leaf; for pt2, torch.export.load of an archive bench/make_big_pt2.py made. Build the release preset first (cmake --workflow --preset release).
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH26 = os.path.join(ROOT, "..", "shared", "tools", "torch26")


def peer_command(kind, script, *args):
    """The command that runs bench/<script> with the peer's torch, and the peer's name."""
    chroot_python = os.environ.get("TORCH26_ROOT", "/opt/torch26") + "/usr/bin/python3"
    if kind in ("auto", "torch26") and os.path.exists(TORCH26) and os.path.exists(chroot_python):
        return [TORCH26, "run", ROOT, f"/work/bench/{script}", *args], "torch 2.6 (../shared/tools/torch26)"
    if kind == "torch26":
        sys.exit("compare.py: torch 2.6 is not set up (run ../shared/tools/torch26 setup)")
    return ["/usr/bin/python3", os.path.join(ROOT, "bench", script), *args], "Debian's torch (/usr/bin/python3)"


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"compare.py: {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return p.stdout


def bench(binary, pattern):
    """Median rows of a Google Benchmark binary: name -> (ns per item, counters)."""
    out = run([binary, f"--benchmark_filter={pattern}", "--benchmark_format=json", "--benchmark_repetitions=3",
               "--benchmark_report_aggregates_only=true"])
    rows = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"]
        per_item = 1e9 / b["items_per_second"] if "items_per_second" in b else b.get("ns/node")
        rows[name] = (per_item, b)
    return rows


def pytree_table(build, peer):
    ours = bench(os.path.join(build, "bench", "aotkit_pytree_bench"), "^(flatten|unflatten|map)_(wide|deep|dicts)$")
    cmd, peer_name = peer_command(peer, "pytree_peer.py")
    theirs = {}
    version = ""
    for line in run(cmd).splitlines():
        m = re.match(r"(\w+)\s+(flatten|unflatten|map)\s+([\d.]+) ns/leaf", line)
        if m:
            theirs[(m.group(1), m.group(2))] = float(m.group(3))
        elif line.startswith("torch "):
            version = line.split()[1].rstrip(",")
    print(f"\npytree, ns per leaf (aotkit medians of 3; peer {peer_name} {version}, medians of 5)\n")
    print("| shape | op | aotkit | allocs/leaf | faults/leaf | peer | ratio |")
    print("|---|---|---|---|---|---|---|")
    worst = None
    for shape in ("wide", "deep", "dicts"):
        for op in ("flatten", "unflatten", "map"):
            ns, row = ours[f"{op}_{shape}"]
            peer_ns = theirs.get((shape, op))
            ratio = peer_ns / ns if peer_ns else None
            worst = ratio if ratio and (worst is None or ratio < worst) else worst
            print(f"| {shape} | {op} | {ns:.1f} | {row.get('allocs/leaf', 0):.2g} | {row.get('faults/leaf', 0):.2g} | "
                  f"{peer_ns if peer_ns else '—'} | {f'{ratio:.0f}×' if ratio else '—'} |")
    print(f"\nsmallest ratio: {worst:.0f}×" if worst else "")


def graph_table(build, peer, nodes):
    ours = bench(os.path.join(build, "bench", "aotkit_graph_bench"), f"/{nodes}$")
    cmd, peer_name = peer_command(peer, "graph_peer.py", str(nodes))
    theirs, header = {}, ""
    for line in run(cmd).splitlines():
        m = re.match(r"(\S+(?: \S+)?)\s+[\d.]+ ms\s+([\d.]+) ns/node", line)
        if m:
            theirs[m.group(1).strip()] = float(m.group(2))
        elif line.startswith("torch "):
            header = line
    names = {"build": "graph_build", "lint": "graph_lint", "str": "graph_str_bench", "python_code": "graph_code",
             "rauw": "graph_rauw", "dce": "graph_dce", "fx-json save": "graph_fx_json_save",
             "fx-json load": "graph_fx_json_load"}
    print(f"\ngraph, ns per node at {nodes} nodes (aotkit medians of 3; peer {peer_name}: {header})\n")
    print("| operation | aotkit | peer | ratio |")
    print("|---|---|---|---|")
    unit = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    for peer_name_row, ours_name in names.items():
        key = f"{ours_name}/{nodes}"
        if key not in ours:
            continue
        row = ours[key][1]
        # per node from the median wall time (RAUW touches two uses per node, as the peer counts)
        ns = row["real_time"] * unit[row["time_unit"]] / (2 * nodes if peer_name_row == "rauw" else nodes)
        p = theirs.get(peer_name_row)
        print(f"| {peer_name_row} | {ns:.1f} | {p if p else '—'} | {f'{p / ns:.0f}×' if p else '—'} |")


def pt2_table(build, peer, nodes):
    """torch.export.load of a replicated archive (bench/make_big_pt2.py) against aotkit.pt2's load."""
    path = os.path.join(ROOT, "build", f"big_{nodes}.pt2")  # under the repository: the torch26 tool mounts it
    if not os.path.exists(path):
        run([sys.executable, os.path.join(ROOT, "bench", "make_big_pt2.py"), str(nodes), path])
    env = dict(os.environ, AOTKIT_PT2_BENCH=path)
    p = subprocess.run([os.path.join(build, "bench", "aotkit_pt2_bench"), "--benchmark_format=json"], capture_output=True,
                       text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"compare.py: aotkit_pt2_bench failed:\n{p.stderr[-2000:]}")
    ours = {b["name"].split("/")[0]: b for b in json.loads(p.stdout)["benchmarks"]}
    cmd, peer_name = peer_command(peer, "pt2_peer.py", path)
    if cmd[0] == TORCH26:
        cmd[-1] = "/work/" + os.path.relpath(path, ROOT)  # the tool mounts the repository at /work
    lines = run(cmd).strip().splitlines()
    line = next((x for x in lines if " load " in x), lines[-1])
    m = re.search(r"load ([\d.]+) ns/node nodes=(\d+)", line)
    theirs = float(m.group(1)) if m else None
    s = next((re.search(r"save ([\d.]+) ns/node", x) for x in lines if " save " in x), None)
    their_save = float(s.group(1)) if s else None  # torch.export.save: its serializer over the graph module
    prog = ours["pt2_load_program"]
    print(f"\npt2, reading a {int(prog['nodes'])}-node archive (aotkit: mean wall time of 3 (save: 2); peer {peer_name}: {line})\n")
    print("| operation | aotkit ns/node | peer ns/node | ratio |")
    print("|---|---|---|---|")
    for name, label in (("pt2_load_program", "load program"), ("pt2_load_program_mapped", "load program, file mapped"),
                        ("pt2_load_with_weights", "load with weights"), ("pt2_save", "save as read"),
                        ("pt2_save_changed", "save changed (serializer)")):
        unit = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
        ns = ours[name]["real_time"] * unit[ours[name]["time_unit"]] / ours[name]["nodes"]
        peer_ns = {"pt2_save": None, "pt2_save_changed": their_save}.get(name, theirs)
        print(f"| {label} | {ns:.0f} | {peer_ns if peer_ns else '—'} | {f'{peer_ns / ns:.0f}×' if peer_ns else '—'} |")
    print(f"\nmemory per node: program {prog['program_bytes/node']:.0f} B (plus the archive's {prog['file_bytes/node']:.0f} B it "
          f"keeps as its document), of which tensor_values {prog['tensor_values_bytes/node']:.0f} B; its graph module "
          f"as aotkit.graph reads it (fx-json) {prog['graph_read_bytes/node']:.0f} B, a copy of it {prog['graph_bytes/node']:.0f} B; "
          f"program / graph read: {prog['program_bytes/node'] / prog['graph_read_bytes/node']:.2f}x")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--peer", default="auto", choices=("auto", "torch26", "system"))
    ap.add_argument("--nodes", type=int, default=10000)
    ap.add_argument("--only", choices=("pytree", "graph", "pt2"))
    ap.add_argument("--pt2-nodes", type=int, default=100000)
    a = ap.parse_args()
    if a.only in (None, "pytree"):
        pytree_table(a.build, a.peer)
    if a.only in (None, "graph"):
        graph_table(a.build, a.peer, a.nodes)
    if a.only in (None, "pt2"):
        pt2_table(a.build, a.peer, a.pt2_nodes)


if __name__ == "__main__":
    main()
