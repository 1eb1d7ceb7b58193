#!/usr/bin/env python3
# tools/check_pt2_written.py — does torch 2.6 load what `aotkit export save` wrote, as it loads the
# original? Run under torch 2.6, with the written archives in WRITTEN (same file names):
#   for f in tests/pt2/data/torch26*/*.pt2; do aotkit export save $f --output /work/w/$(basename $f); done
#   ../shared/tools/torch26 run /work /work/main/tools/check_pt2_written.py /work/w /work/main/tests/pt2/data/torch26 ...
# With `--change dce` or `--change remove_effect_tokens` the archives were written after that change
# (`aotkit export save --dce` / `--remove-effect-tokens`), and the reference is torch's own: the
# original loaded, changed by torch the same way, saved and loaded again.
"""For each written archive: torch.export.load of it and of the original give the same str(ep.graph),
graph module code, signature, state dict (dtype, shape, values, Parameter-ness, which tensors share
a storage), constants,
example inputs, and the same outputs from ep.module() on the example inputs. Prints one line per
archive and exits 1 on any difference."""
import io
import os
import sys

import torch
from torch.utils import _pytree as pytree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture_pt2_reserialized import dce, remove_tokens  # noqa: E402  (the changes, as torch makes them)


def sharing(d):
    """Which names share a storage: the partition of the names by their storage."""
    groups = {}
    for k, v in d.items():
        groups.setdefault(v.untyped_storage().data_ptr(), []).append(k)
    return sorted(sorted(g) for g in groups.values())


def same_tensors(a, b):
    if a.keys() != b.keys():
        return False
    # tied weights stay tied, views of one buffer stay views of one storage
    if sharing(a) != sharing(b):
        return False
    for k in a:
        x, y = a[k], b[k]
        if type(x) is not type(y) or x.dtype != y.dtype or x.shape != y.shape or not torch.equal(x, y):
            return False
        if isinstance(x, torch.nn.Parameter) and x.requires_grad != y.requires_grad:
            return False
    return True


def same_leaves(a, b):
    la, sa = pytree.tree_flatten(a)
    lb, sb = pytree.tree_flatten(b)
    if sa != sb or len(la) != len(lb):
        return False
    for x, y in zip(la, lb):
        if isinstance(x, torch.Tensor):
            if not isinstance(y, torch.Tensor) or x.dtype != y.dtype or x.shape != y.shape or not torch.equal(x, y):
                return False
        elif x != y:
            return False
    return True


def reference(path, change):
    """What torch 2.6 gives for the original after `change` (None: the original as loaded)."""
    ep = torch.export.load(path)
    if change is None:
        return ep
    ep = {"dce": dce, "remove_effect_tokens": remove_tokens}[change](ep)
    buffer = io.BytesIO()
    torch.export.save(ep, buffer)
    return torch.export.load(io.BytesIO(buffer.getvalue()))


def main():
    argv = sys.argv[1:]
    change = None
    if argv[:1] == ["--change"]:
        change, argv = argv[1], argv[2:]
    written, originals = argv[0], argv[1:]
    failures = checked = 0
    for folder in originals:
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".pt2") or not os.path.exists(os.path.join(written, name)):
                continue
            a = reference(os.path.join(folder, name), change)
            b = torch.export.load(os.path.join(written, name))
            checks = {
                "graph": str(a.graph) == str(b.graph),
                "code": a.graph_module.code == b.graph_module.code,
                "signature": str(a.graph_signature) == str(b.graph_signature),
                "state_dict": same_tensors(a.state_dict, b.state_dict),
                "constants": same_tensors(a.constants, b.constants),
                "example_inputs": same_leaves(a.example_inputs, b.example_inputs),
            }
            args, kwargs = a.example_inputs
            note = ""
            try:
                with torch.no_grad():
                    want = a.module()(*args, **kwargs)
            except Exception as e:  # torch 2.6 cannot run some loaded programs itself (effect tokens)
                want, note = None, f" (outputs n/a: torch fails on the original too: {type(e).__name__})"
            if want is not None:
                with torch.no_grad():
                    checks["outputs"] = same_leaves(want, b.module()(*args, **kwargs))
            bad = [k for k, ok in checks.items() if not ok]
            print(f"{name}: {'ok' if not bad else 'DIFFERS: ' + ', '.join(bad)}{note}")
            failures += bool(bad)
            checked += 1
    print(f"{checked} archives{' after ' + change if change else ''}, {failures} differ (torch {torch.__version__})")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
