"""Finding the submissions a target names, and recognising each in its own worker process.

A target is a ``.py`` file, a ``.ipynb`` notebook, a folder of them (every ``.py`` and ``.ipynb`` in
it, recursively, is a submission; tests, packaging, environments and the courses' helper modules
listed in ``gradcheck/courses/*/helpers.txt`` are skipped) or a dotted module name (found on the path
without importing anything). A file inside a package is imported by its dotted package name. In a
folder, a module in which nothing is recognised and that other code of the folder imports is a helper,
not a submission. Any other file, or a notebook nbformat cannot read, is a :class:`TargetError`. The judge never imports a submission: :func:`recognise_all` starts each one's
worker (:mod:`.sandbox`), which imports it under a name unique to its path and says what it holds.
:func:`as_data` and :func:`from_data` carry that, as plain data, to pytest-xdist's workers, so that
every process collects the same items whatever a submission's import does the second time.

Imports: the standard library, :mod:`.recognise` (the conventions' descriptions), :mod:`.sandbox`,
:mod:`.notebook` (nbformat, when a notebook is named).
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..course import courses
from .implementation import StudentError
from .notebook import NotebookError
from .recognise import conventions
from .sandbox import MAX_OPEN, RemoteImplementation, Sandbox, SandboxSettings

__all__ = ["RemoteError", "Submission", "TargetError", "as_data", "conventions_text", "find_submissions",
           "from_data", "recognise_all"]


class TargetError(ValueError):
    """A target that is not found, or in which nothing is recognised: a usage error."""


class RemoteError(Exception):
    """A submission's import failure, as its worker described it: ``type_name``, ``traceback_text``."""

    def __init__(self, message: str, type_name: str = "", traceback_text: str = "", timed_out: bool = False):
        super().__init__(message)
        self.type_name, self.traceback_text, self.timed_out = type_name, traceback_text, timed_out


@dataclass
class Submission:
    """One student module: where it is, what its import gave, and what was recognised in it."""

    path: Path
    target: str
    dotted: str = ""
    #: a file inside a package (its folders hold ``__init__.py``): its dotted name, and the package's root
    package: str = ""
    root: Path | None = None
    #: folders on the path after its own: the folder target it was found in, or where pytest runs
    paths: tuple[str, ...] = ()
    error: RemoteError | None = None
    output: str = ""
    names: list[str] = field(default_factory=list)
    implementations: list[Any] = field(default_factory=list)
    descriptors: list[dict] = field(default_factory=list)
    #: a notebook's cells (or a .py file's lines, when its import failed) that were not run, and why
    notes: list[str] = field(default_factory=list)
    #: what resembles a convention without fitting it ("not recognised: backprop(x, y, ...) does not match ...")
    near_misses: list[str] = field(default_factory=list)
    sandbox: Sandbox | None = None

    @property
    def module_name(self) -> str:
        if self.dotted or self.package:
            return self.dotted or self.package
        digest = hashlib.sha1(str(self.path).encode()).hexdigest()[:10]
        stem = re.sub(r"\W", "_", self.path.stem)
        return f"_gradcheck_submission_{digest}_{stem}"


def conventions_text() -> str:
    """The recognised conventions, one per line, for usage errors."""
    return "gradcheck recognises:\n" + "\n".join(f"  - {c}" for c in conventions())


_SKIP_DIRS = {"__pycache__", "site-packages", "node_modules", "venv", "env", "build", "dist"}


def _folder_files(folder: Path) -> list[Path]:
    """Every submission under ``folder``: its ``.py`` files, recursively, less tests, packaging and environments."""
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                         and not (Path(root, d) / "pyvenv.cfg").exists())
        for name in sorted(names):
            if not name.endswith((".py", ".ipynb")) or name in ("conftest.py", "__init__.py", "setup.py"):
                continue
            if name.startswith("test_") or name.endswith(("_test.py", "_test.ipynb")) or is_course_helper(name):
                continue
            files.append(Path(root, name))
    return sorted(files)


def _helper_patterns() -> list[str]:
    """The course helper modules named in each built-in course's ``helpers.txt`` (glob patterns)."""
    patterns = []
    for listing in sorted(Path(__file__).resolve().parent.parent.glob("courses/*/helpers.txt")):
        for line in listing.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                patterns.append(line)
    return patterns


def is_course_helper(name: str) -> bool:
    """Whether a file of a folder target is a course's helper module (``dnn_utils.py``, ``testCases_v4a.py``):
    importable by the student's code, never graded."""
    from fnmatch import fnmatch

    return any(fnmatch(name, p) for p in _helper_patterns())


def package_of(path: Path) -> tuple[str, Path] | None:
    """A file inside a package: its dotted name and the package's root (the first folder up without
    ``__init__.py``); None for a file that is not in one."""
    parts, folder = [path.stem], path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    if len(parts) == 1 or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts), folder


def _submission(path: Path, target: str, paths: tuple[str, ...]) -> Submission:
    package = package_of(path) if path.suffix == ".py" else None
    if package is None:
        return Submission(path, target, paths=paths)
    return Submission(path, target, package=package[0], root=package[1], paths=paths)


_ACCEPTED = "Give a .py file, a .ipynb notebook, a folder of them, or a dotted module name."


def _check_file(target: str, path: Path) -> None:
    """A file target must be a module or a notebook nbformat can read."""
    if path.suffix not in (".py", ".ipynb"):
        raise TargetError(f"--gradcheck {target}: {path.name} is neither a .py module nor a .ipynb notebook. "
                          + _ACCEPTED)
    if path.suffix == ".ipynb":
        from .notebook import NotebookError, read_cells

        try:
            read_cells(path)
        except NotebookError as exc:
            raise TargetError(f"--gradcheck {target}: {exc}. {_ACCEPTED}") from None


def _locate(name: str, where: Path) -> tuple[Path, Path] | None:
    """The file of the dotted module ``name`` and the folder it is importable from, found without importing."""
    parts = name.split(".")
    for root in [where, *map(Path, filter(None, sys.path))]:
        for candidate in (Path(root, *parts).with_suffix(".py"), Path(root, *parts, "__init__.py")):
            if candidate.is_file():
                return candidate.resolve(), Path(root).resolve()
    return None


def find_submissions(targets: list[str], invocation_dir: Path) -> list[tuple[str, Path, list[Submission]]]:
    """Per target, the submissions it names (nothing imported).

    Raises:
        TargetError: a target is not found, or is a folder without .py files.
    """
    out = []
    for target in targets:
        path = (invocation_dir / target).resolve()
        if path.is_dir():
            paths = tuple(dict.fromkeys((str(path), str(invocation_dir.resolve()))))
            # (a broken notebook in a folder is that student's verdict, not the whole run's usage error)
            found = [_submission(p, target, paths) for p in _folder_files(path)]
            if not found:
                raise TargetError(f"--gradcheck {target}: the folder {path} holds no .py files or notebooks.\n"
                                  + conventions_text())
        elif path.is_file():
            _check_file(target, path)
            found = [_submission(path, target, (str(invocation_dir.resolve()),))]
        else:
            located = None
            if not target.endswith(".py") and re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", target):
                located = _locate(target, invocation_dir)
            if located is None:
                raise TargetError(
                    f"--gradcheck {target}: not found. Tried the path {path} (no such file or folder)"
                    + (f" and the module name {target!r} (not importable from {invocation_dir} or sys.path)"
                       if not target.endswith(".py") else "")
                    + f". {_ACCEPTED}\n" + conventions_text()
                )
            found = [Submission(located[0], target, dotted=target)]
        out.append((target, path, found))
    return out


def _apply(sub: Submission, hello: dict, settings: SandboxSettings, allow_autodiff: bool) -> None:
    sub.output = hello.get("output", "")
    if not hello.get("ok"):
        error = hello.get("error", {})
        sub.error = RemoteError(error.get("message", ""), error.get("exc_type", ""), error.get("traceback", ""),
                                error.get("timed_out", False))
        return
    sub.names = list(hello.get("names", ()))
    sub.notes = list(hello.get("notes", ()))
    sub.near_misses = list(hello.get("near_misses", ()))
    sub.descriptors = list(hello["implementations"])
    sub.implementations = [RemoteImplementation(d, sub.sandbox, allow_autodiff) for d in sub.descriptors]


def recognise_all(targets: list[str], invocation_dir: Path, settings: SandboxSettings, *,
                  allow_autodiff: bool = False, keep: bool = True) -> list[Submission]:
    """Every submission the targets name, each imported and recognised in its own worker.

    With ``keep`` the workers stay up for the items; else they are closed (and started again when
    an item first needs one).

    Raises:
        TargetError: a target is not found, or nothing in it is recognised.
    """
    named = find_submissions(targets, invocation_dir)
    courses()  # every course is registered before the threads below describe implementations by model
    unique: dict[Path, Submission] = {}
    for _, _, found in named:
        for sub in found:
            unique.setdefault(sub.path, sub)

    def start(sub: Submission) -> None:
        sub.sandbox = _sandbox(sub, invocation_dir, settings)
        try:
            hello = sub.sandbox.start()
        except NotebookError as exc:  # a notebook in a folder that nbformat cannot read
            hello = {"ok": False, "error": {"message": f"NotebookError: {exc}", "exc_type": "NotebookError"}}
        except StudentError as exc:  # the import ran past the limit, or ended the process
            message = (f"TimeoutError: importing {sub.path.name} took longer than --gradcheck-timeout="
                       f"{settings.timeout:g} s (its process was stopped)" if exc.timed_out else
                       str(exc).replace("while importing it", f"while {sub.path.name} was imported"))
            hello = {"ok": False, "error": {"message": message, "timed_out": exc.timed_out}}
        _apply(sub, hello, settings, allow_autodiff)
        if not keep or sub.error is not None or len(unique) > MAX_OPEN:
            sub.sandbox.close()

    # Workers spend their start waiting on their own process: a few at a time, one per core.
    with ThreadPoolExecutor(max_workers=max(1, min(len(unique), os.cpu_count() or 1))) as pool:
        list(pool.map(start, unique.values()))
    for target, path, found in named:
        if path.is_dir():  # a student's helper modules get no items of their own
            helpers = _helpers([unique[s.path] for s in found])
            for p in helpers:
                if unique[p].sandbox is not None:
                    unique[p].sandbox.close()
                unique.pop(p, None)
            found[:] = [s for s in found if s.path not in helpers]
            if not found:
                raise TargetError(f"--gradcheck {target}: nothing is recognised in any of the .py files or "
                                  f"notebooks in {path}.\n" + conventions_text())
        _check_recognised(target, path, [unique[s.path] for s in found])
    return list(unique.values())


def _sandbox(sub: Submission, invocation_dir: Path, settings: SandboxSettings) -> Sandbox:
    if sub.dotted:
        root = _locate(sub.dotted, invocation_dir)[1]
        return Sandbox(sub.path, sub.module_name, settings, dotted=True, invocation_dir=root)
    return Sandbox(sub.path, sub.module_name, settings, invocation_dir=invocation_dir, root=sub.root,
                   package=bool(sub.package), paths=sub.paths)


def _helpers(found: list[Submission]) -> set[Path]:
    """Modules of a folder target in which nothing is recognised (or whose import failed) that another
    module of the target imports by name: helpers of the code that imports them, not submissions.
    (Told by name alone, so alice's import of ``utils`` also spares bob's ``utils.py`` a skipped item.)"""
    from .notebook import imported_names, imports_of, read_cells

    imported: dict[Path, set[str]] = {}
    for sub in found:
        try:
            if sub.path.suffix == ".ipynb":
                names = imported_names(read_cells(sub.path))
            else:
                names = imports_of(ast.parse(sub.path.read_text(encoding="utf-8", errors="replace")))
        except (SyntaxError, ValueError, OSError):
            names = set()
        imported[sub.path] = names
    helpers = set()
    for sub in found:
        if sub.implementations:
            continue
        name = sub.package or sub.path.stem
        if any(other.path != sub.path and (sub.path.stem in names or name in names) for other in found
               for names in [imported[other.path]]):
            helpers.add(sub.path)
    return helpers


def as_data(submissions: list[Submission]) -> list[dict]:
    """The submissions as plain data (what each import gave), for another process to collect from."""
    return [{"path": str(s.path), "target": s.target, "dotted": s.dotted, "package": s.package,
             "root": str(s.root) if s.root else "", "paths": list(s.paths), "notes": s.notes,
             "definitions_only": bool(s.sandbox is not None and s.sandbox.definitions_only),
             "near_misses": s.near_misses,
             "output": s.output, "names": s.names, "descriptors": s.descriptors,
             "error": None if s.error is None else {"message": str(s.error), "exc_type": s.error.type_name,
                                                    "traceback": s.error.traceback_text,
                                                    "timed_out": s.error.timed_out}}
            for s in submissions]


def from_data(data: list[dict], invocation_dir: Path, settings: SandboxSettings, *,
              allow_autodiff: bool = False) -> list[Submission]:
    """The submissions :func:`as_data` described; their workers start when an item first needs them."""
    out = []
    for d in data:
        sub = Submission(Path(d["path"]), d["target"], dotted=d["dotted"], package=d["package"],
                         root=Path(d["root"]) if d["root"] else None, paths=tuple(d["paths"]))
        sub.sandbox = _sandbox(sub, invocation_dir, settings)
        hello = ({"ok": False, "error": d["error"], "output": d["output"]} if d["error"] else
                 {"ok": True, "implementations": d["descriptors"], "names": d["names"], "output": d["output"],
                  "notes": d["notes"], "near_misses": d.get("near_misses", [])})
        sub.sandbox.definitions_only = d.get("definitions_only", False)  # as the controller's worker found
        _apply(sub, hello, settings, allow_autodiff)
        out.append(sub)
    return out


def _check_recognised(target: str, path: Path, found: list[Submission]) -> None:
    if any(s.implementations or s.error for s in found):
        return
    if len(found) == 1:
        names = found[0].names
        looked = f"its classes and functions: {', '.join(names)}" if names else "it defines no classes or functions"
        near = "".join(f"{line}\n" for line in found[0].near_misses)
        raise TargetError(f"--gradcheck {target}: nothing in {found[0].path.name} is recognised "
                          f"({looked}).\n" + near + conventions_text())
    raise TargetError(f"--gradcheck {target}: nothing is recognised in any of the {len(found)} .py files "
                      f"or notebooks in {path}.\n" + conventions_text())
