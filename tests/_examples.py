"""The bundled examples, written into a pytester folder for a test (one edit optional), and pytest run in a
subprocess on a folder a module-scoped fixture made (pytester's folders live for one test only)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def copy_example(pytester: pytest.Pytester, example: str, dest: str | None = None, *,
                 replace: tuple[str, str] = ("", "")) -> Path:
    """``examples/<example>`` written to ``dest`` (default: its file name) with ``replace = (old, new)`` made in
    it; an ``old`` that is not in the example is the test's own mistake and fails at once."""
    source = (EXAMPLES / example).read_text()
    if replace[0]:
        assert replace[0] in source, f"{replace[0]!r} is not in examples/{example}"
    path = pytester.path / (dest or Path(example).name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source.replace(*replace))
    return path


def pytest_in(folder: Path, *args: str, report: str = "grades.json") -> tuple[subprocess.CompletedProcess, dict]:
    """``pytest ARGS --gradcheck-report REPORT`` run in ``folder`` in a subprocess: (the run, the JSON report)."""
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args, "--gradcheck-report", report],
                         cwd=folder, capture_output=True, text=True, timeout=600)
    return run, json.loads((folder / report).read_text())
