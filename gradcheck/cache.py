"""gradcheck's directory in the user's cache directory (JAX's compilations, remembered answers)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["cache_root"]


def cache_root() -> Path:
    """``gradcheck`` in the user's cache directory, where each platform keeps caches
    (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches``, ``%LOCALAPPDATA%``)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "gradcheck"
