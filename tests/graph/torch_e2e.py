# tests/graph/torch_e2e.py — end to end against the installed torch: trace modules with torch.fx,
# export them with tools/fx2json.py, and require `aotkit graph print|code --style torch1.13` (or
# torch2 on torch ≥ 2) to equal torch's own str(graph) and python code. Exit 77 without torch.
import os
import subprocess
import sys
import tempfile

try:
    import torch
    import torch.fx
except ImportError:
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import fx2json  # noqa: E402

tool = sys.argv[1]
style = "torch1.13" if torch.__version__.startswith("1.") else "torch2"


class Arith(torch.nn.Module):
    def forward(self, x, y):
        a = x + y * 2 - 1
        b = -a / 3 // 2 % 5
        c = (a @ b.t())[0, 1:3, ...]
        return c, a.sum(dim=1, keepdim=True), torch.cat([a, b], 0).float()


class Methods(torch.nn.Module):
    def forward(self, x):
        y = x.view(-1).clamp(min=0.0, max=float("inf"))
        z = getattr(y, "T")
        return {"out": z.to(torch.float64), "shape": y.size(0)}


class Conv(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Conv2d(4, 2, 1))
        self.fc = torch.nn.Linear(8, 2)

    def forward(self, x):
        h = self.layers(x)
        h = torch.flatten(h, 1)
        return torch.nn.functional.relu(self.fc(h[:, :8]))


failures = 0
for m in (Arith(), Methods(), Conv()):
    gm = torch.fx.symbolic_trace(m)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(fx2json.dumps(gm, type(m).__name__))
        path = f.name
    got_str = subprocess.run([tool, "graph", "print", "--style", style, path], capture_output=True, text=True).stdout
    got_code = subprocess.run([tool, "graph", "code", "--style", style, path], capture_output=True, text=True).stdout
    os.unlink(path)
    want_str = str(gm.graph) + "\n"
    want_code = gm.graph.python_code("self").src + "\n"
    for what, got, want in (("str(graph)", got_str, want_str), ("python_code", got_code, want_code)):
        if got != want:
            failures += 1
            print(f"{type(m).__name__}: {what} differs\n--- torch\n{want}--- aotkit\n{got}")
print("ok" if failures == 0 else f"{failures} differences")
sys.exit(1 if failures else 0)
