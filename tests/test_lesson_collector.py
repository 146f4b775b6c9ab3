"""The lessons' pytest collector (lessons/conftest.py): fence parsing and failure reports."""
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("lessons_conftest", ROOT / "lessons" / "conftest.py")
collector = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(collector)


def test_only_python_fences_are_collected_with_their_markdown_line_numbers():
    text = "\n".join([
        "# title",                 # 1
        "```python",               # 2
        "a = 1",                   # 3
        "```",                     # 4
        "```math",                 # 5
        "a_b",                     # 6
        "```",                     # 7
        "- a list item:",          # 8
        "  ```python",             # 9
        "  if a:",                 # 10
        "      b = 2",             # 11
        "  ```",                   # 12
        "````python",              # 13
        "s = '''",                 # 14
        "```",                     # 15  (a shorter fence inside does not close)
        "'''",                     # 16
        "````",                    # 17
        "~~~text",                 # 18
        "not code",                # 19
        "~~~",                     # 20
    ])
    fences = collector.python_fences(text)
    assert [line for line, _ in fences] == [3, 10, 14]
    assert fences[0][1] == "a = 1\n"
    assert fences[1][1] == "if a:\n    b = 2\n"         # the list indentation is removed
    assert fences[2][1] == "s = '''\n```\n'''\n"


def test_a_failing_lesson_reports_the_fence_and_the_markdown_line(tmp_path):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    shutil.copy(ROOT / "lessons" / "conftest.py", lessons / "conftest.py")
    (lessons / "01_ok.md").write_text("# ok\n\n```python\nx = 1\nassert x == 1\n```\n")
    (lessons / "02_bad.md").write_text(
        "# bad\n\n```python\nx = 1\n```\n\ntext\n\n```python\ny = x + 1\nassert y == 3, 'wrong'\n```\n")
    (lessons / "notes.md").write_text("```python\nraise SystemExit('not a lesson')\n```\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "pytest", str(lessons), "-q",
                             "-p", "no:cacheprovider"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "1 failed, 1 passed" in out                  # notes.md is not a lesson
    assert "02_bad.md: the python fence starting at line 10 failed, error at line 11" in out
    assert "AssertionError: wrong" in out
