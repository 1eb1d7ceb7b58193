#!/usr/bin/env python3
# tools/capture_torch_save_views.py — a torch.save payload of views, dtypes and a parameter, with
# torch 2.6's own reading of it, for aotkit.pt2's unpickler. Run under torch 2.6:
#   ../shared/tools/torch26 run "$PWD" /work/tools/capture_torch_save_views.py /work/tests/pt2/data/torch26
"""Writes views.pt (torch.save of a dict: a base tensor, views of it with offsets and strides, a
transposed view, a Parameter, float16/bfloat16/int64/bool/int8 tensors, a 0-d and an empty tensor)
and views.oracle.json: per key, shape, stride, storage_offset, dtype, requires_grad, is_parameter,
all values (row-major) and which keys share a storage."""
import json
import os
import sys

import torch


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    base = torch.randn(4, 5)
    d = {
        "base": base,
        "row": base[2],
        "col": base[:, 3],
        "block": base[1:3, 2:5],
        "transposed": base.t(),
        "param": torch.nn.Parameter(torch.randn(3, 2)),
        "half": torch.randn(6).half(),
        "bf16": torch.randn(2, 3).bfloat16(),
        "i64": torch.arange(-3, 9).reshape(3, 4),
        "flags": torch.tensor([True, False, True]),
        "i8": torch.tensor([-128, 0, 127], dtype=torch.int8),
        "scalar": torch.tensor(2.5, dtype=torch.float64),
        "empty": torch.zeros(0, 3),
    }
    torch.save(d, os.path.join(out, "views.pt"))
    loaded = torch.load(os.path.join(out, "views.pt"), weights_only=True)
    oracle = {}
    for k, t in loaded.items():
        oracle[k] = {"shape": list(t.shape), "stride": list(t.stride()), "storage_offset": t.storage_offset(),
                     "dtype": str(t.dtype), "requires_grad": t.requires_grad,
                     "is_parameter": isinstance(t, torch.nn.Parameter),
                     "values": [float(x) for x in t.detach().reshape(-1).tolist()],
                     "storage": t.untyped_storage().data_ptr()}
    ptrs = {}
    for k, v in oracle.items():
        ptrs.setdefault(v.pop("storage"), []).append(k)
    with open(os.path.join(out, "views.oracle.json"), "w") as f:
        json.dump({"torch": torch.__version__, "tensors": oracle,
                   "shared": sorted(g for g in ptrs.values() if len(g) > 1)}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
