"""The README's tour runs as written: every ```python fence, in order, in one namespace."""
import re
from pathlib import Path

import matplotlib

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_readme_python_fences_run(tmp_path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)                 # the tour may write files
    monkeypatch.setenv("MINIGAN_OFFLINE", "1")
    fences = FENCE.findall(README.read_text())
    assert fences, "the README has no python fences"
    namespace = {"__name__": "readme"}
    for i, code in enumerate(fences):
        exec(compile(code, f"README.md (python fence {i + 1})", "exec"), namespace)


def test_quoted_algorithm_is_the_code():
    """The README quotes VanillaGAN.train_step: every quoted line must still be in it."""
    import inspect

    from minigan.gans.mlp import VanillaGAN
    source = {line.strip() for line in inspect.getsource(VanillaGAN.train_step).splitlines()}
    quoted = README.read_text().split("Algorithm 1 of Goodfellow et al. (2014):")[1]
    quoted = quoted.split("```text\n")[1].split("```")[0]
    for line in quoted.splitlines():
        code = line.split("#")[0].strip()
        if code:
            assert any(s.startswith(code) for s in source), code
