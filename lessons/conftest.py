"""Run every lesson as a test: each ``lessons/NN_*.md`` becomes one pytest item.

The item runs all ```` ```python ```` fences of the file, in order, in one
namespace, as a reader would in a notebook.  Other fences (``math``, ``text``)
are prose.  Each fence is compiled with the Markdown file as its file name and
padded with blank lines, so a traceback points at the line of the ``.md`` file
where the error happened; the failure report also names the fence.

Figures: lessons save their PNGs under ``MINIGAN_FIG_DIR``.  The collector points
it at a temporary directory, so a test run never rewrites the committed figures;
``MINIGAN_WRITE_FIGURES=1 python -m pytest lessons`` refreshes ``lessons/figures/``.

Every lesson starts on the NumPy backend with global seed 0, with the repository
root as its working directory (so ``lessons/data/...`` resolves), and all of its
matplotlib figures are closed when it ends.
"""
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

LESSON_NAME = re.compile(r"^\d\d_.*\.md$")
OPEN_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
FIGURES = Path(__file__).parent / "figures"


def python_fences(text):
    """The python fences of a Markdown text: a list of (first code line, code).

    Line numbers are 1-based lines of the Markdown file.  A fence opens with three
    or more backticks (or tildes) and the info word ``python``; it closes with the
    same character repeated at least as often, as CommonMark says.
    """
    fences, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = OPEN_FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m["fence"], len(m["indent"])
        is_python = m["info"].split()[:1] == ["python"]
        start, i = i + 1, i + 1
        while i < len(lines) and not _closes(lines[i], fence):
            i += 1
        if is_python:
            # a fence indented by k spaces (inside a list) has its code indented too
            body = [line[indent:] if line[:indent].strip() == "" else line
                    for line in lines[start:i]]
            fences.append((start + 1, "\n".join(body) + "\n"))
        i += 1
    return fences


def _closes(line, fence):
    stripped = line.strip()
    return (stripped[:1] == fence[0] and set(stripped) == {fence[0]}
            and len(stripped) >= len(fence))


class LessonFailure(Exception):
    """A fence of a lesson raised; carries where, so the report can say it."""

    def __init__(self, path, fence_line, error):
        super().__init__(f"{path.name}: python fence starting at line {fence_line}")
        self.path, self.fence_line, self.error = path, fence_line, error


def pytest_unconfigure(config):
    fig_dir = getattr(config, "_lesson_fig_dir", None)
    if fig_dir is not None:
        shutil.rmtree(fig_dir, ignore_errors=True)


def pytest_collect_file(file_path, parent):
    if file_path.parent == Path(__file__).parent and LESSON_NAME.match(file_path.name):
        return LessonFile.from_parent(parent, path=file_path)
    return None


class LessonFile(pytest.File):
    def collect(self):
        yield LessonItem.from_parent(self, name=self.path.stem)


class LessonItem(pytest.Item):
    def runtest(self):
        fences = python_fences(self.path.read_text(encoding="utf-8"))
        if not fences:
            pytest.fail(f"{self.path.name} has no python fence to run", pytrace=False)
        with _lesson_environment(self.config):
            namespace = {"__name__": "__lesson__", "__file__": str(self.path)}
            for line, code in fences:
                try:
                    # pad so that line k of the code is line k of the Markdown file
                    compiled = compile("\n" * (line - 1) + code, str(self.path), "exec")
                    exec(compiled, namespace)  # noqa: S102 - running the lesson is the test
                except Exception as error:
                    raise LessonFailure(self.path, line, error) from error

    def repr_failure(self, excinfo):
        if not isinstance(excinfo.value, LessonFailure):
            return super().repr_failure(excinfo)
        failure = excinfo.value
        inner = pytest.ExceptionInfo.from_exception(failure.error)
        # keep the frames of the lesson and below; drop this collector's frames
        inner.traceback = inner.traceback.filter(
            lambda entry: Path(str(entry.path)) != Path(__file__))
        where = ""
        lesson_lines = [e.lineno + 1 for e in inner.traceback
                        if Path(str(e.path)) == self.path]
        if lesson_lines:
            where = f", error at line {lesson_lines[-1]}"
        header = (f"{self.path.name}: the python fence starting at line "
                  f"{failure.fence_line} failed{where}\n")
        return header + str(inner.getrepr(style="short", funcargs=False))

    def reportinfo(self):
        return self.path, 0, f"lesson {self.path.name}"


class _lesson_environment:
    """NumPy backend, seed 0, repository root as cwd, figures to a temp dir, Agg."""

    def __init__(self, config):
        self.config = config

    def __enter__(self):
        import matplotlib
        matplotlib.use("Agg")
        import minigan as mg
        self.old_cwd, self.old_env = os.getcwd(), os.environ.get("MINIGAN_FIG_DIR")
        if os.environ.get("MINIGAN_WRITE_FIGURES") == "1":
            fig_dir = FIGURES
        else:
            fig_dir = getattr(self.config, "_lesson_fig_dir", None)
            if fig_dir is None:
                fig_dir = self.config._lesson_fig_dir = tempfile.mkdtemp(prefix="minigan_figs_")
        os.environ["MINIGAN_FIG_DIR"] = str(fig_dir)
        os.chdir(Path(__file__).parent.parent)
        mg.backend.use("numpy")
        mg.backend.manual_seed(0)
        return self

    def __exit__(self, *exc):
        import matplotlib.pyplot as plt
        plt.close("all")
        os.chdir(self.old_cwd)
        if self.old_env is None:
            os.environ.pop("MINIGAN_FIG_DIR", None)
        else:
            os.environ["MINIGAN_FIG_DIR"] = self.old_env
        return False
