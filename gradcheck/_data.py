"""Where gradcheck finds things: its own case files, its example submissions, and the entry-point group of
installed courses.

The case files hold the built-in courses' worked examples. In a wheel they live in ``gradcheck/_fixtures/cases``; in a source checkout (an editable install
included) in the repository's ``fixtures/cases``; the examples likewise in ``gradcheck/examples`` or the
repository's ``examples``. Nothing here reads a file's contents.

Imports: the standard library only.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

__all__ = ["ENTRY_POINT_GROUP", "bundled_names", "data_dir", "examples_dir"]

#: The entry-point group through which an installed distribution adds a course.
ENTRY_POINT_GROUP = "gradcheck.courses"


def data_dir():
    """The folder of case files: inside the installed package, else the source checkout's."""
    packaged = resources.files("gradcheck").joinpath("_fixtures", "cases")
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "fixtures" / "cases"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "gradcheck's case files are missing: neither gradcheck/_fixtures/cases (an installed wheel) "
        f"nor {checkout} (a source checkout) exists. Reinstall pytest-gradcheck."
    )


def examples_dir() -> Path:
    """The folder of example submissions (``correct/``, ``wrong/``, ``courses/``): inside the installed
    package (``gradcheck/examples``), else the source checkout's ``examples/``."""
    here = Path(__file__).resolve().parent
    for folder in (here / "examples", here.parent / "examples"):
        if (folder / "correct").is_dir():
            return folder
    raise FileNotFoundError(f"gradcheck's examples are missing: neither {here / 'examples'} (an installed wheel) "
                            f"nor {here.parent / 'examples'} (a source checkout) exists. Reinstall pytest-gradcheck.")


@functools.cache
def bundled_names() -> tuple[str, ...]:
    """The names of the bundled case files (``three-examples``, ...), sorted."""
    return tuple(sorted(p.name[: -len(".json")] for p in data_dir().iterdir() if p.name.endswith(".json")))
