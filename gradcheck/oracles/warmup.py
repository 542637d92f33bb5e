"""The oracles' start-up work done in the background while the judge waits on student code.

``pytest --gradcheck`` spends its first second importing scipy and jax and compiling the
models' gradients. None of that depends on the students: it starts in one thread as soon as
the session does (:func:`start`), runs while the submissions are recognised in their worker
processes, and compiles each worked example's shapes once they are known (:meth:`Warmup.cases`).
The judge's own calls wait for a compilation in flight rather than repeating it
(:func:`gradcheck.oracles.jax.prepare`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable

__all__ = ["Warmup", "start"]

_DONE = object()


class Warmup:
    """A thread importing the selected oracles, then compiling the cases it is given."""

    def __init__(self, oracles: Iterable[str]):
        self.oracles = tuple(oracles)
        self._cases: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="gradcheck-warmup", daemon=True)
        self._thread.start()

    def cases(self, cases: Iterable) -> None:
        """Compile the JAX gradients of these worked examples (one per model and shapes)."""
        for case in cases:
            self._cases.put(case)

    def stop(self, timeout: float = 30.0) -> None:
        """No more cases; wait for the compilation in hand (XLA must not be compiling at exit)."""
        self._cases.put(_DONE)
        self._thread.join(timeout)

    def _run(self) -> None:
        from ..tolerance import JAX_MOVE_ULPS, JAX_PATTERNS
        from . import remembered

        try:
            if "scipy" in self.oracles:
                import scipy.optimize  # noqa: F401
            from .. import judge  # noqa: F401
        except Exception:  # an oracle that cannot be imported is reported where it is used
            pass
        wants_jax = "jax" in self.oracles
        # Nothing remembered yet (a first run): jax will be needed, so it imports now.
        jax = _import_jax() if wants_jax and not remembered.has_entries() else None
        seen: set = set()
        while (case := self._cases.get()) is not _DONE:
            if not wants_jax:
                continue
            key = (case.model, tuple((k, getattr(v, "shape", ())) for k, v in {**case.inputs, **case.params}.items()))
            if key in seen or remembered.remembers(case.model, case.inputs, case.params, ulps=JAX_MOVE_ULPS,
                                                   patterns=JAX_PATTERNS):
                continue
            seen.add(key)
            jax = jax or _import_jax()
            if jax is None:
                wants_jax = False
                continue
            jax.prepare(case.model, case.inputs, case.params)


def _import_jax():
    try:
        from . import jax
    except Exception:  # not installed or too old: the judgement says so
        return None
    return jax


def start(oracles: Iterable[str]) -> Warmup:
    """Begin importing (and, once given cases, compiling) the oracles in the background."""
    return Warmup(oracles)
