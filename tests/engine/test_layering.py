"""The arrows between minigan's modules point one way (docs/DESIGN.md, "Layers").

Every ``import`` in the package, lazy ones inside functions included, is read
with ``ast``.  A module may import its own part of the package and the parts of
lower layers, never a part of its own layer or above; and no chain of imports
between modules comes back to where it started.
"""
import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "minigan"

# part of the package -> layer; a part imports only its own files and lower layers
LAYERS = {
    "backend": 0,                               # NumPy or CuPy
    "autograd": 1,                              # Tensor, Function, the backward pass
    "data": 1, "metrics": 1, "viz": 1,          # beside the engine: may use backend only
    "fidelity": 1,                              # PSNR, SSIM on host arrays
    "functional": 2, "gradcheck": 2, "serialization": 2,
    "nn": 3,
    "optim": 4, "classifier": 4,
    "gans": 5, "vae": 5, "image_metrics": 5,   # vae: the VAE, beside the GANs
    "translation_scores": 5.5,                  # image-to-image scores, called by report
    "sr_report": 5.5, "simgan_report": 5.5,     # scores of SR/SimGAN runs, used by report
    "report": 6, "cli": 6,                      # the command line shared by train and sample
    "train": 7,
    "sample": 8,                                # both load a run with train.read_config
    "translate": 8,                             # python -m minigan.translate
}


def _part(module):
    """minigan.functional.conv -> functional; minigan.train -> train."""
    names = module.split(".")
    return names[1] if len(names) > 1 else ""


def _module_name(path):
    names = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(names[:-1] if names[-1] == "__init__" else names)


def _imports(path):
    """The minigan modules that the file at ``path`` imports (absolute names)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "minigan"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "minigan":
                target = node.module
            else:
                continue
            # ``from . import nn`` names a module; ``from .math import sum`` a function
            found |= {f"{target}.{a.name}" if _is_module(f"{target}.{a.name}") else target
                      for a in node.names}
    return module, found


def _is_module(name):
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _graph():
    return dict(_imports(p) for p in sorted(PACKAGE.rglob("*.py")))


def test_every_part_of_the_package_has_a_layer():
    parts = {_part(m) for m in _graph()} - {""}
    missing = sorted(parts - set(LAYERS))
    assert not missing, f"give these a layer in LAYERS (and docs/DESIGN.md): {missing}"


def test_imports_point_down_the_layers():
    upward = []
    for module, targets in _graph().items():
        if module == "minigan":         # the package's __init__ gathers everything
            continue
        here = _part(module)
        for target in targets:
            there = _part(target)
            if there and there != here and LAYERS[there] >= LAYERS[here]:
                upward.append(f"{module} imports {target} "
                              f"(layer {LAYERS[here]} -> {LAYERS[there]})")
    assert not upward, "imports that point up or across the layers:\n" + "\n".join(upward)


def test_no_import_cycle_between_modules():
    graph = _graph()
    state, path = {}, []

    def visit(m):
        state[m] = "open"
        path.append(m)
        for t in sorted(graph.get(m, ())):
            if t == "minigan" or t not in graph:
                continue
            if state.get(t) == "open":
                cycle = path[path.index(t):] + [t]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t)
        path.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_autograd_imports_nothing_from_functional():
    _, targets = _imports(PACKAGE / "autograd.py")
    assert targets == {"minigan.backend"}


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The test itself can fail: a planted lazy import of functional inside autograd."""
    fake = tmp_path / "minigan"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "backend.py").write_text("")
    (fake / "functional").mkdir()
    (fake / "functional" / "__init__.py").write_text("")
    (fake / "functional" / "math.py").write_text("from ..autograd import Tensor\n")
    (fake / "autograd.py").write_text("def f():\n    from .functional import math\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    with pytest.raises(AssertionError, match="minigan.autograd imports minigan.functional.math"):
        test_imports_point_down_the_layers()
    with pytest.raises(pytest.fail.Exception, match="import cycle"):
        test_no_import_cycle_between_modules()
