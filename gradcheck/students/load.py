"""Loading targets: each submission imported under a name of its own, then recognised.

A target is a ``.py`` file, a folder of them (every ``.py`` in it, recursively, is a submission;
tests, packaging and environments are skipped) or a dotted module name. Each file is imported
under a name unique to its path, with its folder importable, its output captured and under the
time limit; helper modules it imported from its own folder are forgotten afterwards, so that the
next submission's ``import utils`` finds its own.

Imports: the standard library, :mod:`.implementation` and :mod:`.recognise`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import io
import os
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

from .implementation import Implementation, StudentTimeout, time_limit
from .recognise import conventions, recognise

__all__ = ["Submission", "TargetError", "conventions_text", "resolve_targets"]


class TargetError(ValueError):
    """A target that is not found, or in which nothing is recognised: a usage error."""


@dataclass
class Submission:
    """One student module: where it is, what loading it gave, and what was recognised in it."""

    path: Path
    target: str
    module: types.ModuleType | None = None
    error: BaseException | None = None
    output: str = ""
    implementations: list[Implementation] = field(default_factory=list)


def conventions_text() -> str:
    """The recognised conventions, one per line, for usage errors."""
    return "gradcheck recognises:\n" + "\n".join(f"  - {c}" for c in conventions())


def _module_name(path: Path) -> str:
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    stem = re.sub(r"\W", "_", path.stem)
    return f"_gradcheck_submission_{digest}_{stem}"


def _load_file(path: Path, timeout: float | None = None) -> tuple[types.ModuleType | None, BaseException | None, str]:
    """Import ``path`` under a name unique to it, with its folder importable, its output captured, in time."""
    name = _module_name(path)
    if name in sys.modules:
        return sys.modules[name], None, ""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    out = io.StringIO()
    before = set(sys.modules)
    sys.path.insert(0, str(path.parent))
    try:
        with time_limit(timeout, "import"), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            spec.loader.exec_module(module)
    except StudentTimeout:
        del sys.modules[name]
        return None, TimeoutError(f"importing {path.name} took longer than --gradcheck-timeout={timeout:g} s"), out.getvalue()
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        return None, exc, out.getvalue()
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(path.parent))
        _forget_siblings(before, path.parent)
    return module, None, out.getvalue()


def _forget_siblings(before: set[str], folder: Path) -> None:
    """Drop helper modules a submission imported from its own folder (``utils``, ``dnn_utils``),
    so that the next submission's ``import utils`` finds its own, not its neighbour's."""
    for name in set(sys.modules) - before:
        file = getattr(sys.modules[name], "__file__", None)
        if file and not name.startswith("_gradcheck_submission_") and Path(file).resolve().is_relative_to(folder):
            del sys.modules[name]


def _load_dotted(name: str, where: Path):
    out = io.StringIO()
    sys.path.insert(0, str(where))
    try:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or spec.origin in (None, "built-in", "frozen"):
            return None
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                module = importlib.import_module(name)
        except (Exception, SystemExit) as exc:
            return Path(spec.origin), None, exc, out.getvalue()
        return Path(module.__file__), module, None, out.getvalue()
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(where))


_SKIP_DIRS = {"__pycache__", "site-packages", "node_modules", "venv", "env", "build", "dist"}


def _folder_files(folder: Path) -> list[Path]:
    """Every submission under ``folder``: its ``.py`` files, recursively, less tests, packaging and environments."""
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                         and not (Path(root, d) / "pyvenv.cfg").exists())
        for name in sorted(names):
            if not name.endswith(".py") or name in ("conftest.py", "__init__.py", "setup.py"):
                continue
            if name.startswith("test_") or name.endswith("_test.py"):
                continue
            files.append(Path(root, name))
    return sorted(files)


def resolve_targets(targets: list[str], invocation_dir: Path, timeout: float | None = None) -> list[Submission]:
    """Every submission the targets name, loaded and recognised.

    Raises:
        TargetError: a target is not found, or nothing in it is recognised.
    """
    submissions: dict[Path, Submission] = {}
    for target in targets:
        path = (invocation_dir / target).resolve()
        found: list[Submission] = []
        if path.is_dir():
            found = [Submission(p, target) for p in _folder_files(path)]
            if not found:
                raise TargetError(f"--gradcheck {target}: the folder {path} holds no .py files.\n"
                                        + conventions_text())
        elif path.is_file():
            found = [Submission(path, target)]
        else:
            loaded = None
            if not target.endswith(".py") and re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", target):
                loaded = _load_dotted(target, invocation_dir)
            if loaded is None:
                raise TargetError(
                    f"--gradcheck {target}: not found. Tried the path {path} (no such file or folder)"
                    + (f" and the module name {target!r} (not importable from {invocation_dir} or sys.path)"
                       if not target.endswith(".py") else "")
                    + ". Give a .py file, a folder of them, or a dotted module name.\n" + conventions_text()
                )
            file, module, error, output = loaded
            found = [Submission(file.resolve(), target, module=module, error=error, output=output)]
        for sub in found:
            if sub.path in submissions:
                continue
            if sub.module is None and sub.error is None:
                sub.module, sub.error, sub.output = _load_file(sub.path, timeout)
            if sub.module is not None:
                sub.implementations = recognise(sub.module)
            submissions[sub.path] = sub
        _check_recognised(target, path, found)
    return list(submissions.values())


def _check_recognised(target: str, path: Path, found: list[Submission]) -> None:
    if any(s.implementations or s.error for s in found):
        return
    if len(found) == 1:
        module = found[0].module
        names = sorted(n for n, v in vars(module).items()
                       if not n.startswith("_") and callable(v) and getattr(v, "__module__", None) == module.__name__)
        looked = f"its classes and functions: {', '.join(names)}" if names else "it defines no classes or functions"
        raise TargetError(f"--gradcheck {target}: nothing in {found[0].path.name} is recognised "
                                f"({looked}).\n" + conventions_text())
    raise TargetError(f"--gradcheck {target}: nothing is recognised in any of the {len(found)} .py files "
                            f"in {path}.\n" + conventions_text())
