"""Notebooks as submissions: their code cells read with nbformat, then run as a module (DESIGN §7.7).

The judge reads a notebook (:func:`read_cells`: a notebook nbformat cannot read is a usage error);
the submission's worker runs its cells (:func:`run_notebook`) into a module of its own, so that
recognition and every call work as for a ``.py`` file. IPython's syntax is handled as IPython
would: ``%pylab`` gives the code numpy's names (and matplotlib's, when it is installed) as pylab
does, so a bare ``sum`` is numpy's; other magics (``%matplotlib inline``, ``%load_ext``), shell
escapes (``!pip install``) and help lines (``obj?``) are left out, as are cell magics that hold
no Python (``%%bash``, ``%%writefile``); ``%time`` and ``%timeit`` run their statement once, and
``display()`` prints its arguments' reprs.

Two policies (``--gradcheck-notebook``):

* ``needed`` (the default) runs what grading needs: imports, function and class definitions and the
  top-level assignments these definitions use (transitively, unless the assignment itself loads
  data, trains or plots), cell by cell in order. Top-level code
  that trains, plots, loads data or only prints is not run, and a statement that raises does not
  stop the rest; :data:`NOTES` says which cells were not run, and why.
* ``all`` runs every cell in order, as the student's "Run All" would, with matplotlib on the Agg
  backend; the first cell that raises stops the run, and that is the submission's import failure.

Cells are numbered as code cells from 1 (markdown cells are not counted); code compiled from cell 7
has the file name ``homework.ipynb, cell 7``, so tracebacks read "homework.ipynb, cell 7, line 3".

Imports: the standard library (nbformat in :func:`read_cells`, numpy for ``%pylab``).
"""

from __future__ import annotations

import ast
import builtins
import functools
import json
import linecache
import os
import re
import symtable
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MODES", "NOTES", "Cell", "NotebookError", "cell_filename", "imported_names", "read_cells",
           "run_notebook"]

MODES = ("needed", "all")
#: What the last :func:`run_notebook` did not run, and why: one line per cell, for the report.
NOTES: list[str] = []


class NotebookError(ValueError):
    """A notebook that cannot be read: not JSON, or a format version nbformat does not read."""


@dataclass
class Cell:
    """One code cell: its number among the code cells (from 1) and its source."""

    number: int
    source: str
    python: str = ""
    magics: list[str] = field(default_factory=list)
    not_python: str = ""


def read_cells(path: Path) -> list[Cell]:
    """The code cells of the notebook at ``path``, with IPython syntax translated (:func:`translate`).

    Parsed once per content (the judge checks a target, finds helpers and starts the
    worker from the same reading).

    Raises:
        NotebookError: the file is not JSON, or not a notebook nbformat can read.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"{Path(path).name} cannot be read ({exc})") from None
    return list(_parse(Path(path).name, text))


@functools.lru_cache(maxsize=256)
def _parse(name: str, text: str) -> tuple[Cell, ...]:
    import nbformat

    try:
        json.loads(text)
    except ValueError as exc:
        raise NotebookError(f"{name} is not a notebook: its JSON does not parse ({exc})") from None
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat's own errors: a version it cannot read, a broken structure
        raise NotebookError(f"{name} is not a notebook nbformat {nbformat.__version__} can read "
                            f"({type(exc).__name__}: {exc})") from None
    cells = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append(translate(Cell(len(cells) + 1, source if isinstance(source, str) else "".join(source))))
    return tuple(cells)


# IPython syntax ---------------------------------------------------------------------------------
_MAGIC = re.compile(r"^(\s*)(%|!)(.*)$")
_ASSIGNED_MAGIC = re.compile(r"^(\s*)[\w.,\s\[\]]+=\s*(%|!)(.*)$")
_TIMED = re.compile(r"^(\s*)%(?:time|timeit|prun)\s+(?:-[nrp]\s*\d+\s+|-[a-z]+\s+)*(\S.*)$")
_HELP = re.compile(r"^(\s*)[?]*[\w.]+\?{1,2}\s*$")
#: Cell magics whose body is Python, run without the magic line; any other cell magic is not Python.
_PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun", "debug")


def translate(cell: Cell) -> Cell:
    """Fill ``cell.python`` (the source with IPython's syntax left out, line numbers kept) and ``magics``."""
    lines = cell.source.split("\n")
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].strip()[2:].split()[0] if lines[first].strip()[2:] else ""
        cell.magics.append("%%" + magic)
        if magic not in _PYTHON_CELL_MAGICS:
            cell.not_python = f"%%{magic} cell"
            cell.python = ""
            return cell
        lines[first] = ""
    out = []
    for line in lines:
        timed = _TIMED.match(line)
        if timed:  # %time f(x) runs f(x) (once: gradcheck does not time it)
            cell.magics.append(line.strip())
            out.append(f"{timed.group(1)}{timed.group(2)}")
            continue
        match = _MAGIC.match(line) or _ASSIGNED_MAGIC.match(line)
        if match and not line.lstrip().startswith(("%=", "!=")):
            cell.magics.append(line.strip())
            out.append(f"{match.group(1)}pass")
        elif _HELP.match(line):
            out.append(f"{_HELP.match(line).group(1)}pass")
        else:
            out.append(line)
    cell.python = "\n".join(out)
    return cell


def uses_pylab(cell: Cell) -> bool:
    return any(re.match(r"%pylab\b", m) for m in cell.magics)


def pylab_namespace() -> dict:
    """The names ``%pylab`` gives a notebook: IPython's ``import_pylab``, numpy's part alone when
    matplotlib is not installed (``from numpy import *`` last, so bare ``sum`` and ``max`` are numpy's)."""
    ns: dict = {"__builtins__": builtins}
    try:
        import matplotlib

        matplotlib.use("Agg")
        exec("import numpy\nimport matplotlib\nfrom matplotlib import pylab, mlab, pyplot\nnp = numpy\n"
             "plt = pyplot\nfrom matplotlib.pylab import *\nfrom numpy import *\n", ns)
    except ImportError:
        exec("import numpy\nnp = numpy\nfrom numpy.fft import *\nfrom numpy.random import *\n"
             "from numpy.linalg import *\nfrom numpy import *\n", ns)
    ns.pop("__builtins__", None)
    return ns


def _display(*objects, **_) -> None:
    for obj in objects:
        print(repr(obj))


def cell_filename(folder: str, notebook: str, number: int) -> str:
    return os.path.join(folder, f"{notebook}, cell {number}")


# What grading needs ------------------------------------------------------------------------------
_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_PLOTS = {"plot", "imshow", "figure", "show", "subplot", "subplots", "scatter", "xlabel", "ylabel", "title",
          "legend", "grid", "hist", "bar", "contour", "contourf", "savefig", "axis", "colorbar", "clf",
          "plot_decision_boundary", "semilogy", "loglog", "display"}
_LOADS = {"open", "File", "read_csv", "genfromtxt", "fromfile", "loadmat", "urlopen", "urlretrieve", "loadtxt"}


def _is_definition(node: ast.stmt) -> bool:
    if isinstance(node, _DEFINITIONS):
        return True
    if isinstance(node, ast.Try):  # try: import jax / except ImportError: ...
        return all(isinstance(n, (ast.Import, ast.ImportFrom, ast.Pass)) for n in node.body)
    return False


def _loaded(node: ast.stmt) -> set[str]:
    """The global names a statement reads: in a definition, what its bodies read that they do not bind
    (``symtable``, so a parameter ``X`` is not the notebook's ``X``)."""
    try:
        table = symtable.symtable(ast.unparse(node), "<cell>", "exec")
    except (SyntaxError, ValueError):
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    names, stack = set(), [table]
    while stack:
        t = stack.pop()
        for sym in t.get_symbols():
            if (sym.is_global() if t.get_type() != "module" else sym.is_referenced()):
                names.add(sym.get_name())
        stack.extend(t.get_children())
    return names


def _stored(node: ast.stmt) -> set[str]:
    targets = (node.targets if isinstance(node, ast.Assign) else
               [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _call_names(node: ast.AST) -> list[str]:
    names = []
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            f = n.func
            names.append(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in ("plt", "pyplot"):
            names.append("plot")
    return names


def why_not_run(node: ast.stmt) -> str:
    """Why a top-level statement is not run by default: it loads data, trains, plots, or is not needed."""
    calls = _call_names(node)
    if any(c in _LOADS or c.startswith("load") or c.endswith("_data") or c.startswith("read_") for c in calls):
        return "loads data"
    if isinstance(node, (ast.For, ast.While)) or any(
            "train" in c or c in ("fit", "optimize", "minimize") or c.endswith("_model") for c in calls):
        return "trains"
    if any(c in _PLOTS for c in calls):
        return "plots"
    return "not needed for grading"


def select(trees: dict[int, ast.Module]) -> set[int]:
    """The ids of the top-level statements grading needs: imports, definitions, and the plain
    assignments they use, transitively."""
    needed: set[str] = set()
    keep: set[int] = set()
    statements = [s for t in trees.values() for s in t.body]
    for s in statements:
        if _is_definition(s):
            keep.add(id(s))
            needed |= _loaded(s)
    # an assignment that loads data, trains or plots is not run even when a definition reads its name:
    # grading calls the definitions on its own inputs, and the data or the minutes of training may be missing
    plain = {id(s) for s in statements if why_not_run(s) == "not needed for grading"}
    changed = True
    while changed:
        changed = False
        for s in statements:
            if id(s) not in keep and id(s) in plain and _stored(s) & needed:
                keep.add(id(s))
                needed |= _loaded(s)
                changed = True
    return keep


# Running ----------------------------------------------------------------------------------------
def _first_line(cell: Cell) -> str:
    line = next((s.strip() for s in cell.source.split("\n") if s.strip()), "")
    return line if len(line) <= 60 else line[:57] + "..."


def _syntax_error(cell: Cell, filename: str) -> None:
    """Compile the cell, so that invalid Python raises a SyntaxError naming it."""
    compile(cell.python, filename, "exec", dont_inherit=True)


def _register(filename: str, source: str) -> None:
    lines = [s + "\n" for s in source.split("\n")]
    linecache.cache[filename] = (len(source), None, lines, filename)


def run_notebook(name: str, path: str, cells: list[Cell], mode: str = "needed", *,
                 script: bool = False) -> types.ModuleType:
    """The notebook's code cells run into a new module ``name`` (in ``sys.modules``); see the module's doc.

    ``script``: ``path`` is a ``.py`` file whose import failed, given as one cell holding the whole
    file; its code keeps the file's name and lines, and the notes name lines, not cells.

    Raises:
        SyntaxError: a cell is not valid Python once IPython's syntax is left out (it names the cell).
        BaseException: under ``all``, what the first failing cell raised.
    """
    NOTES.clear()
    os.environ["MPLBACKEND"] = "Agg"  # no window opens, whatever the student's environment says
    folder, notebook = os.path.dirname(path), os.path.basename(path)
    module = types.ModuleType(name)
    module.__dict__["__builtins__"] = builtins
    if not script:
        module.__dict__["display"] = _display  # IPython gives every notebook display()
    source_file = path if script else os.path.join(folder, f"{notebook} (code cells)")
    module.__file__ = source_file  # inspect.getsource(cls) reads the cells' code from here
    sys.modules[name] = module
    if not script:
        _register(source_file, "\n".join(c.python for c in cells))

    def cell_file(cell: Cell) -> str:
        return path if script else cell_filename(folder, notebook, cell.number)

    for cell in cells:
        filename = cell_file(cell)
        _register(filename, cell.python)
        if not cell.not_python:
            _syntax_error(cell, filename)
    trees = {c.number: ast.parse(c.python) for c in cells if not c.not_python}
    keep = select(trees) if mode == "needed" else None
    for cell in cells:
        if uses_pylab(cell):
            module.__dict__.update(pylab_namespace())
        if cell.not_python:
            NOTES.append(f"cell {cell.number} ({_first_line(cell)}) not run: a {cell.not_python}, not Python")
            continue
        filename = cell_file(cell)
        if keep is None:
            exec(compile(trees[cell.number], filename, "exec", dont_inherit=True), module.__dict__)
            continue
        reasons: dict[str, list[str]] = {}
        ran = 0
        for stmt in trees[cell.number].body:
            line = cell.python.split("\n")[stmt.lineno - 1].strip()
            where = f"line {stmt.lineno}: {line if len(line) <= 50 else line[:47] + '...'}"
            if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                continue  # a magic or shell line, the student's own pass, a docstring
            if id(stmt) not in keep:
                reasons.setdefault(why_not_run(stmt), []).append(where)
                continue
            code = compile(ast.Module(body=[stmt], type_ignores=[]), filename, "exec", dont_inherit=True)
            try:
                exec(code, module.__dict__)
                ran += 1
            except Exception as exc:  # a statement that raises does not stop grading
                reasons.setdefault("raised", []).append(f"line {stmt.lineno}: {type(exc).__name__}: {exc}")
        if reasons:
            parts = [f"{why} ({'; '.join(w[:2])}{'; ...' if len(w) > 2 else ''})" for why, w in reasons.items()]
            what = notebook if script else f"cell {cell.number} ({_first_line(cell)})"
            NOTES.append(f"{what} {'partly run' if ran else 'not run'}: {', '.join(parts)}")
    return module


def imported_names(cells: list[Cell]) -> set[str]:
    """The modules the notebook's code imports (each dotted name and its last part), read without running it."""
    names: set[str] = set()
    for cell in cells:
        try:
            tree = ast.parse(cell.python)
        except SyntaxError:
            continue
        names |= imports_of(tree)
    return names


def imports_of(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names |= {alias.name, alias.name.rsplit(".", 1)[-1]}
        elif isinstance(node, ast.ImportFrom):
            if node.module:
                names |= {node.module, node.module.rsplit(".", 1)[-1]}
            if node.level or not node.module:  # from . import layers
                names |= {a.name for a in node.names}
    return names
