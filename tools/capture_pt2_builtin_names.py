#!/usr/bin/env python3
# tools/capture_pt2_builtin_names.py — a torch.export archive whose user inputs are named like Python
# builtins (`forward(self, input, list)`, common in nn.Module code): FX keeps the placeholder names
# and its code generator renames them (`input_1 = input`). Run under torch 2.6, then
# tools/capture_pt2_loaded.py for its oracle:
#   ../shared/tools/torch26 run "$PWD" /work/tools/capture_pt2_builtin_names.py /work/tests/pt2/data/torch26_names
#   ../shared/tools/torch26 run "$PWD" /work/tools/capture_pt2_loaded.py /work/tests/pt2/data/torch26_names
import os
import sys

import torch


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l = torch.nn.Linear(3, 2)

    def forward(self, input, list):
        return self.l(input) + list


def main():
    torch.manual_seed(0)
    ep = torch.export.export(M(), (torch.randn(2, 3), torch.randn(2)))
    torch.export.save(ep, os.path.join(sys.argv[1], "builtin_names.pt2"))


if __name__ == "__main__":
    main()
