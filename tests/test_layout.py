"""The house rules of the layout: each course's knowledge in its folder, imports pointing downward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gradcheck
from gradcheck.course import courses

PACKAGE = Path(gradcheck.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _owners() -> dict[str, str]:
    """Each built-in model's and course's name -> the folder (under gradcheck/courses) allowed to use it."""
    owners = {}
    for course in courses():
        folder = Path(type(course).__module__.replace(".", "/")).name
        if not type(course).__module__.startswith("gradcheck.courses."):
            continue
        owners[course.name] = folder
        for model in course.models:
            owners[model.name] = folder
    return owners


def _constants(node: ast.AST) -> list[str]:
    values = []
    for child in ([node.left, *node.comparators] if isinstance(node, ast.Compare) else node.args):
        parts = child.elts if isinstance(child, (ast.Tuple, ast.List, ast.Set)) else [child]
        values += [p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
    return values


def test_no_code_outside_a_course_folder_branches_on_a_built_in_model_or_course_name():
    owners = _owners()
    assert {"welch", "welch_reg", "deep", "chain", "chain2", "scalar_net", "notes", "coursera"} <= set(owners)
    hits = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            is_test = isinstance(node, ast.Compare) or (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("startswith", "endswith"))
            if not is_test:
                continue
            for value in _constants(node):
                folder = owners.get(value)
                if folder is not None and not name.startswith(f"gradcheck.courses.{folder}"):
                    hits.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} ({value!r})")
    assert not hits, "comparisons with a course's or model's name outside its folder:\n" + "\n".join(hits)


def _imports(name: str, path: Path) -> set[str]:
    """The gradcheck modules ``name`` imports, at any depth of its code (lazy imports included).

    ``from X import y`` counts as importing ``X.y`` when that is a module, else ``X``. Imports
    under ``if TYPE_CHECKING:`` never run and are not counted. The built-in courses are loaded
    as plug-ins by name (``importlib.import_module`` in gradcheck.course, exactly as an external
    course is), which is not an import statement and not counted.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING"
                   for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = {f"{target}.{a.name}" for a in node.names} & set(MODULES)
            found |= submodules or {target}
    return {m for m in found if m in MODULES and m != name}


def test_no_import_cycle_among_gradcheck_modules_lazy_imports_included():
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [node, nxt]) if nxt in trail else f"{node} -> {nxt}")
            elif nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("gradcheck.courses.")))
def test_a_course_folder_imports_only_the_protocol_and_the_student_helpers(name):
    allowed = ("gradcheck.course", "gradcheck.case", "gradcheck.draw", "gradcheck.students.implementation",
               "gradcheck.tolerance", name.rsplit(".", 1)[0] if name.count(".") > 2 else name)
    folder = ".".join(name.split(".")[:3])
    used = _imports(name, MODULES[name])
    outside = sorted(m for m in used if not m.startswith(folder) and m not in allowed)
    assert not outside, f"{name} imports {outside}"


def test_every_module_says_what_it_is_for_in_its_docstring():
    missing = [name for name, path in MODULES.items() if not ast.get_docstring(ast.parse(path.read_text()))]
    assert not missing


def test_importing_the_plugin_imports_nothing_heavy():
    import subprocess
    import sys

    code = ("import sys, gradcheck.plugin; "
            "print(' '.join(m for m in ('numpy', 'scipy', 'jax', 'hypothesis', 'nbformat') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    assert out == ""


def test_gradcheck_strategies_needs_no_import_of_its_own():
    import subprocess
    import sys

    code = ("import sys, gradcheck; assert 'gradcheck.strategies' not in sys.modules and 'numpy' not in sys.modules; "
            "print(gradcheck.strategies.welch_cases.__name__, 'strategies' in dir(gradcheck))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    assert out == "welch_cases True"


def test_a_missing_dependency_of_a_submodule_is_named_not_hidden_as_a_missing_attribute(monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "gradcheck.strategies", raising=False)
    if "strategies" in vars(gradcheck):  # (hasattr would import it)
        monkeypatch.delattr(gradcheck, "strategies")
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # importing it now raises ModuleNotFoundError
    with pytest.raises(ModuleNotFoundError, match="hypothesis"):
        gradcheck.strategies  # noqa: B018
    with pytest.raises(AttributeError, match="module 'gradcheck' has no attribute 'strategy'"):
        gradcheck.strategy  # noqa: B018
