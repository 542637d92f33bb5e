"""The JAX oracle's answers on the worked examples, remembered between runs.

A worked example's JAX references (its gradients, intermediate gradients and their round-off
spread, :func:`gradcheck.oracles.jax.roundoff_spread`) depend on the example, the model's code
and the JAX build, never on the student. They are computed once, stored in the user's cache
directory, and read back on the next run without importing JAX (which costs about a second of
every ``pytest --gradcheck`` on a laptop). An entry's key is a SHA-256 of everything the answer
depends on:

- the function and its options (ulps, patterns, seed, relu's derivative at 0);
- every input and parameter array: name, dtype, shape and bytes;
- the model's class and a stamp of its code: the size and modification time of every file of
  the ``gradcheck`` package and of the module that defines the model (an edited model is a new key);
- the versions of jax, jaxlib and numpy, and the machine.

A read that fails for any reason is a miss: JAX then computes the answer again. Nothing is
remembered when ``GRADCHECK_JAX_CACHE=0`` is set. This module imports neither jax nor scipy.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..cache import cache_root

__all__ = ["has_entries", "model_gradients", "remembers", "roundoff_spread"]

#: Entries kept; the oldest go when a write finds more (each is a few kilobytes).
MAX_ENTRIES = 2000


def _enabled() -> bool:
    return os.environ.get("GRADCHECK_JAX_CACHE", "1") != "0"


def _directory() -> Path:
    return cache_root() / "results"


@functools.cache
def _versions() -> tuple[str, ...]:
    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "-"

    return (version("jax"), version("jaxlib"), np.__version__, platform.machine(), sys.version.split()[0])


def _stamp(path: Path) -> list:
    try:
        st = path.stat()
    except OSError:
        return [str(path), None]
    return [str(path), st.st_size, st.st_mtime_ns]


@functools.cache
def _package_stamp() -> tuple:
    root = Path(__file__).resolve().parent.parent
    return tuple(tuple(_stamp(p)) for p in sorted(root.rglob("*.py")))


def _model_stamp(model) -> list:
    stamps = []
    for cls in type(model).__mro__:
        module = sys.modules.get(cls.__module__)
        source = getattr(module, "__file__", None)
        if source and not source.startswith(str(Path(__file__).resolve().parent.parent)):
            stamps.append(_stamp(Path(source)))
    return [f"{type(model).__module__}.{type(model).__qualname__}", getattr(model, "name", ""), stamps]


def _key(function: str, model, arrays: Mapping[str, Mapping[str, Any]], options: Mapping[str, Any]) -> str:
    digest = hashlib.sha256()
    header = {"function": function, "options": sorted(options.items()), "versions": _versions(),
              "model": _model_stamp(model), "package": _package_stamp()}
    digest.update(json.dumps(header, default=str).encode())
    for group, values in arrays.items():
        for name in sorted(values):
            a = np.ascontiguousarray(np.asarray(values[name], dtype=np.float64))
            digest.update(f"{group}/{name}/{a.shape}".encode())
            digest.update(a.tobytes())
    return digest.hexdigest()


def _entry(function: str, model, inputs, params, options: Mapping[str, Any]) -> Path:
    """The file that holds (or will hold) ``function``'s answer on these arrays and options."""
    return _directory() / f"{_key(function, model, {'inputs': inputs, 'params': params}, options)}.npz"


def _read(entry: Path) -> tuple | None:
    try:
        with np.load(entry, allow_pickle=False) as data:
            layout = json.loads(str(data["__layout__"]))
            out: list[Any] = []
            for i, part in enumerate(layout):
                if part == "int":
                    out.append(int(data[f"{i}"]))
                else:
                    out.append({name: np.array(data[f"{i}/{name}"]) for name in part})
            return tuple(out)
    except Exception:  # missing, partly written, from another numpy: compute again
        return None


def _write(entry: Path, value: tuple) -> None:
    arrays: dict[str, np.ndarray] = {}
    layout: list[Any] = []
    for i, part in enumerate(value):
        if isinstance(part, dict):
            layout.append(list(part))
            arrays.update({f"{i}/{name}": np.asarray(v) for name, v in part.items()})
        else:
            layout.append("int")
            arrays[f"{i}"] = np.asarray(int(part))
    arrays["__layout__"] = np.asarray(json.dumps(layout))
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, entry)  # atomic: a reader sees all of an entry or none
        _prune(entry.parent)
    except OSError:  # a read-only or full disk: the answer is just not remembered
        return


#: Writes this process may still make before the folder could hold more than MAX_ENTRIES (None: not
#: counted yet). The folder is listed on a process's first write and then only when it could be full,
#: so checking many random networks does not list it once per network.
_room: int | None = None


def _prune(directory: Path) -> None:
    """Keep at most MAX_ENTRIES entries; the least recently used go first (a hit refreshes its entry)."""
    global _room
    if _room is not None and _room > 0:
        _room -= 1
        return
    with os.scandir(directory) as listing:
        entries = [e for e in listing if e.name.endswith(".npz")]
    if len(entries) > MAX_ENTRIES:
        entries.sort(key=lambda e: e.stat().st_mtime)
        for e in entries[: len(entries) - MAX_ENTRIES // 2]:
            Path(e.path).unlink(missing_ok=True)
        entries = entries[len(entries) - MAX_ENTRIES // 2:]
    _room = MAX_ENTRIES - len(entries)


def _remembered(function: str, model, inputs, params, options: dict, compute) -> tuple:
    if not _enabled():
        return compute()
    entry = _entry(function, model, inputs, params, options)
    value = _read(entry)
    if value is None:
        value = compute()
        _write(entry, value)
    else:
        with contextlib.suppress(OSError):
            os.utime(entry)  # used: the pruning keeps the entries a run reads, not only the newest written
    return value


def has_entries() -> bool:
    """Whether anything is remembered at all (not, on a first run)."""
    try:
        return _enabled() and any(_directory().glob("*.npz"))
    except OSError:
        return False


def _jax_here() -> bool:
    """Whether jax is installed here (found, and when imported already, new enough): what is remembered
    is its answer, so nothing is answered for a machine that has no jax."""
    import importlib.util

    if "gradcheck.oracles.jax" in sys.modules and sys.modules["gradcheck.oracles.jax"] is None:
        return False  # the oracle made unimportable on purpose
    if "jax" in sys.modules:
        return hasattr(sys.modules["jax"], "enable_x64")
    try:
        return importlib.util.find_spec("jax") is not None
    except (ImportError, ValueError):
        return False


def remembers(model, inputs: Mapping[str, Any], params: Mapping[str, Any], *, ulps: float, patterns: int,
              seed: int = 0) -> bool:
    """Whether :func:`roundoff_spread` with these arguments can be answered without importing JAX."""
    if not _enabled() or not _jax_here():
        return False
    return _entry("roundoff_spread", model, inputs, params, {"ulps": ulps, "patterns": patterns, "seed": seed}).is_file()


def roundoff_spread(model, inputs: Mapping[str, Any], params: Mapping[str, Any], *, ulps: float, patterns: int,
                    seed: int = 0) -> tuple[dict, dict, dict, dict, int]:
    """:func:`gradcheck.oracles.jax.roundoff_spread`, remembered."""

    def compute():
        from . import jax

        return jax.roundoff_spread(model, inputs, params, ulps=ulps, patterns=patterns, seed=seed)

    return _remembered("roundoff_spread", model, inputs, params, {"ulps": ulps, "patterns": patterns, "seed": seed},
                       compute)


def model_gradients(model, inputs: Mapping[str, Any], params: Mapping[str, Any], *,
                    relu_prime_at_zero: int = 0) -> tuple[dict, dict]:
    """:func:`gradcheck.oracles.jax.model_gradients`, remembered."""

    def compute():
        from . import jax

        return jax.model_gradients(model, inputs, params, relu_prime_at_zero=relu_prime_at_zero)

    return _remembered("model_gradients", model, inputs, params, {"relu_prime_at_zero": int(relu_prime_at_zero)},
                       compute)
