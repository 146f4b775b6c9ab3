"""Mutation testing of every derivative: plant a mistake in a backward, run its tests.

A development tool (no dependency beyond pytest).  For every ``backward`` of
every Function in minigan/functional/ and minigan/nn/, BatchNormTrain's array
formula ``_backward_arrays``, and the forward of the Functions that are
themselves derivatives (GetItemGrad, DiagonalScale, Col2im, Conv2dGradW), each
operator below makes mutants, one change each:

    flip       a + b <-> a - b                       a sign
    drop       a + b -> a,  a - b -> a,  -> b         a term
    swap       a - b, a / b, a @ b -> the operands swapped
    negate     -a -> a
    const      a number c -> 2c (0 -> 1), outside indices and reshape sizes
    scale      a returned gradient g -> 2 g
    needs      needs[i] -> not needs[i]               which gradients are made

For each mutant a forked child of the script (which imported minigan and pytest
once) executes the mutated source in the module's namespace; source files are
never modified (POSIX only: os.fork).  The child first runs the checks of the
tests on their own examples, drawn once (a fixed draw of every case in
tests/engine/cases.py and the layer examples of test_fast_paths.py): gradcheck,
gradgradcheck, array backward == graph backward, fast path == plain path.  A
mutant that passes them runs the Function's tests with pytest (NumPy backend,
one thread, stop at the first failure; -k selects the Function's own tests),
and a mutant that passes those runs all the tests of its file.  A mutant is
*killed* when anything fails.

    python scripts/mutate_derivatives.py                 # everything (~10 min, one core)
    python scripts/mutate_derivatives.py --only math.py  # one file
    python scripts/mutate_derivatives.py --list          # the mutants, without running
The record of the last full run is in tests/README.md.
"""
import argparse
import ast
import copy
import importlib
import os
import sys
import time
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")            # before NumPy is imported

import pytest  # noqa: E402
from hypothesis import HealthCheck, Phase, settings  # noqa: E402

# tests/conftest.py loads the profile named by MINIGAN_HYPOTHESIS: ten fixed examples,
# and no shrinking (a failing example need not be minimal to kill a mutant)
settings.register_profile("mutation", max_examples=10, derandomize=True, database=None,
                          deadline=None, phases=(Phase.explicit, Phase.generate),
                          suppress_health_check=list(HealthCheck))
settings.load_profile("mutation")        # before any test module is imported here
os.environ["MINIGAN_HYPOTHESIS"] = "mutation"

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
import minigan  # noqa: E402,F401  (imported once; each forked child mutates its copy)
FILES = sorted((ROOT / "minigan" / "functional").glob("*.py")) + \
    sorted((ROOT / "minigan" / "nn").glob("*.py"))
BACKWARDS = ("backward", "_backward_arrays")
# Functions whose forward is itself a derivative (the adjoint that some backward calls)
DERIVATIVE_FORWARDS = ("GetItemGrad", "DiagonalScale", "Col2im", "Conv2dGradW")

# The tests that exercise each file's Functions, and -k words per Function class.
TESTS = {
    "math.py": ["tests/engine/test_functions.py", "tests/engine/test_fast_paths.py"],
    "activation.py": ["tests/engine/test_functions.py", "tests/engine/test_fast_paths.py"],
    "loss.py": ["tests/engine/test_functions.py", "tests/engine/test_softmax.py",
                "tests/engine/test_autograd.py", "tests/engine/test_fast_paths.py"],
    "conv.py": ["tests/engine/test_conv.py", "tests/engine/test_fast_paths.py"],
    "conv_fast.py": ["tests/engine/test_conv.py", "tests/engine/test_fast_paths.py"],
    "normalization.py": ["tests/engine/test_batchnorm.py", "tests/engine/test_fast_paths.py"],
    "linear.py": ["tests/engine/test_nn.py", "tests/engine/test_fast_paths.py"],
}
KEYWORDS = {
    "AsType": "astype", "MatMul": "matmul or linear", "BroadcastTo": "broadcast_to",
    "SumTo": "sum_to or broadcast", "GetItem": "getitem", "GetItemGrad": "getitem",
    "Where": "where or maximum or minimum", "LeakyReLU": "leaky", "DiagonalScale": "relu",
    "BinaryCrossEntropy": "binary_cross_entropy", "LogSoftmax": "softmax or cross_entropy",
    "Sum": "sum or mean", "Max": "max", "Pow": "pow", "Log": "log",
}
CONV_CLASSES = ("Im2col", "Col2im", "Conv2d", "Conv2dGradW", "ConvTranspose2d",
                "BatchNormTrain", "Linear")


class Mutant:
    def __init__(self, path, cls, func, op, line, tree, what):
        self.path, self.cls, self.func, self.op, self.line = path, cls, func, op, line
        self.tree, self.what = tree, what

    def label(self):
        return f"{self.path.name}:{self.line} {self.cls}.{self.func} {self.op}: {self.what}"


def _scaled(expr):
    """(e * 2.0 if e is not None else None), for a returned gradient e."""
    twice = ast.BinOp(expr, ast.Mult(), ast.Constant(2.0))
    test = ast.Compare(copy.deepcopy(expr), [ast.IsNot()], [ast.Constant(None)])
    return ast.IfExp(test, twice, ast.Constant(None))


def _edits(func):
    """Every single change to ``func``: (line, op, description, apply(node copy))."""
    # indices and reshape sizes are not formulas: changing them only crashes
    index_nodes = {id(n) for s in ast.walk(func) if isinstance(s, ast.Subscript)
                   for n in ast.walk(s.slice)}
    index_nodes |= {id(n) for c in ast.walk(func) if isinstance(c, ast.Call)
                    and isinstance(c.func, ast.Attribute) and c.func.attr == "reshape"
                    for a in c.args for n in ast.walk(a)}
    edits = []
    for node in ast.walk(func):
        line = getattr(node, "lineno", func.lineno)
        src = ast.unparse(node) if isinstance(node, ast.expr) else ""
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, (ast.Add, ast.Sub)):
                other = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
                edits.append((line, "flip", src, node, ("op", other)))
                edits.append((line, "drop", f"{src} -> left", node, ("replace", "left")))
                edits.append((line, "drop", f"{src} -> right", node, ("replace", "right")))
            if isinstance(node.op, (ast.Sub, ast.Div, ast.MatMult)):
                edits.append((line, "swap", src, node, ("swap", None)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
                and id(node) not in index_nodes:
            edits.append((line, "negate", src, node, ("replace", "operand")))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float) \
                and id(node) not in index_nodes:
            edits.append((line, "const", f"{node.value!r} -> {node.value * 2 or 1!r}", node,
                          ("const", node.value * 2 or 1)))
        elif isinstance(node, ast.Return) and node.value is not None:
            items = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for k, item in enumerate(items):
                if not (isinstance(item, ast.Constant) and item.value is None):
                    edits.append((line, "scale", f"2 * {ast.unparse(item)}", node,
                                  ("scale", k)))
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and node.value.id == "needs":
            edits.append((line, "needs", f"not {src}", node, ("not", None)))
    return edits


def _apply(node, action):
    """A replacement for ``node`` (a deep copy), or None to change it in place."""
    kind, arg = action
    if kind == "op":
        node.op = arg
    elif kind == "replace":
        return getattr(node, arg)
    elif kind == "swap":
        node.left, node.right = node.right, node.left
    elif kind == "const":
        node.value = arg
    elif kind == "scale":
        if isinstance(node.value, ast.Tuple):
            node.value.elts[arg] = _scaled(node.value.elts[arg])
        else:
            node.value = _scaled(node.value)
    elif kind == "not":
        return ast.UnaryOp(ast.Not(), node)
    return None


class _Replace(ast.NodeTransformer):
    def __init__(self, target, action):
        self.target, self.action = target, action

    def generic_visit(self, node):
        if node is self.target:
            new = _apply(node, self.action)
            return node if new is None else new
        return super().generic_visit(node)


def mutants(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
        for func in [n for n in cls.body if isinstance(n, ast.FunctionDef)
                     and (n.name in BACKWARDS or
                          (n.name == "forward" and cls.name in DERIVATIVE_FORWARDS))]:
            for k, (line, op, what, _, action) in enumerate(_edits(func)):
                mutated = copy.deepcopy(tree)
                # the same walk over the copy finds the node that corresponds to ``_``
                mcls = next(n for n in mutated.body
                            if isinstance(n, ast.ClassDef) and n.name == cls.name)
                mfunc = next(n for n in mcls.body
                             if isinstance(n, ast.FunctionDef) and n.name == func.name)
                target = _edits(mfunc)[k][3]
                _Replace(target, action).visit(mfunc)
                ast.fix_missing_locations(mutated)
                yield Mutant(path, cls.name, func.name, op, line, mutated, what)


def _tests_for(mutant, everything=False):
    files = TESTS.get(mutant.path.name, ["tests/engine"])   # a new file: every engine test
    if everything or mutant.cls in CONV_CLASSES:
        return files, None
    return files, KEYWORDS.get(mutant.cls, mutant.cls.lower())


def quick_examples():
    """The tests' own examples, drawn once: a fixed draw of every case of cases.py and
    the layer examples of test_fast_paths.py, as (name, fn, float64 arrays)."""
    sys.path.insert(0, str(ROOT / "tests" / "engine"))
    import cases
    import test_fast_paths as tfp
    examples = [(name,) + tuple(tfp._one_example(s)) for name, s in sorted(cases.CASES.items())]
    examples += [(name, fn, arrays) for name, (fn, arrays) in tfp._layer_examples().items()]
    return tfp, examples


class _SetAttr:
    """What assert_paths_agree needs of pytest's monkeypatch, outside pytest."""
    def setattr(self, obj, name, value):
        setattr(obj, name, value)


def quick_killed(mutant, tfp, examples):
    """True when gradcheck, gradgradcheck, array == graph, or fast == plain fails on one of
    the examples with the mutant in place (in a forked child, as ``run``)."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            import numpy as np
            from minigan.functional import fast
            module = importlib.import_module(_module_name(mutant.path))
            exec(compile(mutant.tree, str(mutant.path), "exec"), module.__dict__)
            for name, fn, arrays in examples:
                xs = [minigan.backend.asarray(np.asarray(a, dtype="float64")) for a in arrays]
                mode = "elementwise" if sum(a.size for a in xs) <= 40 else "direction"
                if name != "astype":    # a float32 round trip: too coarse for differences
                    minigan.gradcheck(fn, xs, mode=mode)
                    minigan.gradgradcheck(fn, xs, mode=mode)
                tfp.assert_same_gradients(fn, xs)
                tfp.assert_paths_agree(fn, arrays, _SetAttr())
                fast.enabled = True
        except BaseException:           # any failure or crash kills the mutant
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) != 0


def _module_name(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def run(mutant, everything=False):
    """True when a test fails with the mutant in place (killed).

    The tests run in a forked child of this process, which imported minigan,
    pytest and hypothesis once: the child executes the mutated source in the
    module's namespace (every function looks its classes up there at call time)
    and runs pytest; the source file is never touched.
    """
    files, keyword = _tests_for(mutant, everything)
    selection = "numpy" if keyword is None else f"numpy and ({keyword})"
    args = ["-q", "-x", "-p", "no:cacheprovider", "-W", "ignore", *files, "-k", selection]
    pid = os.fork()
    if pid == 0:                                        # the child: mutate, test, exit
        code = 3
        try:
            module = importlib.import_module(_module_name(mutant.path))
            exec(compile(mutant.tree, str(mutant.path), "exec"), module.__dict__)
            sys.stdout = sys.stderr = open(os.devnull, "w")
            code = int(pytest.main(args))
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 5:
        raise RuntimeError(f"no test selected for {mutant.label()}: pytest {' '.join(args)}")
    return code != 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="file names, e.g. math.py conv.py")
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    args = parser.parse_args()
    files = [f for f in FILES if not args.only or f.name in args.only]
    all_mutants = [m for f in files for m in mutants(f)]
    print(f"{len(all_mutants)} mutants in {len(files)} files", flush=True)
    if args.list:
        for m in all_mutants:
            print(m.label())
        return 0
    survivors, start = [], time.time()
    tfp, examples = quick_examples()
    for f in files:     # control: the unchanged code must pass the checks
        same = Mutant(f, "-", "-", "control", 0, ast.parse(f.read_text(encoding="utf-8")), "")
        if quick_killed(same, tfp, examples):
            raise SystemExit(f"the unchanged {f.name} fails the checks: fix that first")
    for i, m in enumerate(all_mutants, 1):
        how = "checks" if quick_killed(m, tfp, examples) else "tests" if run(m) else None
        print(f"[{i}/{len(all_mutants)}] {'killed (' + how + ')' if how else 'SURVIVED'} "
              f"{m.label()}", flush=True)
        if how is None:
            survivors.append(m)
    print(f"first pass: {len(all_mutants) - len(survivors)} killed, {len(survivors)} "
          f"survived ({time.time() - start:.0f} s); survivors against all their file's tests:",
          flush=True)
    final = [m for m in survivors if not run(m, everything=True)]
    for m in final:
        print(f"SURVIVED {m.label()}", flush=True)
    print(f"total: {len(all_mutants)} mutants, {len(all_mutants) - len(final)} killed, "
          f"{len(final)} survived ({time.time() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
