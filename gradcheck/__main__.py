"""``python -m gradcheck``: show the worked examples, their exact answers and the sources' errata.

``python -m gradcheck --help`` lists the options: name cases to show only those, ``--list`` for the
names alone, ``--examples`` for the folder of example submissions to run ``pytest --gradcheck`` on.

Imports: numpy; :mod:`gradcheck.case`, :mod:`gradcheck._data`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from ._data import examples_dir
from .case import Case, case_names, load_case


def _fmt(value, prefix: str = "") -> str:
    """A number, or an array in its own shape (rows under rows, aligned after ``prefix``)."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    return np.array2string(arr, precision=6, separator=", ", prefix=prefix)


def _shape(value) -> str:
    shape = np.shape(value)
    return f" {shape}" if shape else ""


def _show(case: Case) -> None:
    dims = ", ".join(f"{k} = {v}" for k, v in case.dims.items())
    print(f"{case.name}  [{case.model.name}{': ' + dims if dims else ''}]")
    print(f"  {case.title}")
    exp = case.expected
    print(f"  J = {exp['cost']:.10g}")
    for k, g in exp["grads"].items():
        label = f"  dJ/d{k}{_shape(g)} = "
        print(label + _fmt(g, " " * len(label)))
    for p in case.printed:
        if p["status"] == "erratum":
            label = f"  erratum ({p['where']}): {p['quantity']} printed {_fmt(p['printed'])}, exactly{_shape(p['exact'])} "
            print(label + _fmt(p["exact"], " " * len(label)))
    for e in case.errata:
        print(f"  erratum ({e['where']}): {e['note']}")
    print()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gradcheck",
        description="Show gradcheck's worked examples: each case's network, its exact cost and gradients (with "
                    "their shapes), and the errata of the answers its source prints.",
        epilog="Check a student's code with: pytest --gradcheck FILE (see pytest --help, section gradcheck).")
    parser.add_argument("cases", nargs="*", metavar="CASE",
                        help=f"the cases to show (default: all): {', '.join(case_names())}")
    parser.add_argument("--list", action="store_true", help="print the case names only, one a line")
    parser.add_argument("--examples", action="store_true",
                        help="print the folder of example submissions (correct/, wrong/, courses/) and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.examples:
        print(examples_dir())
        return
    try:
        cases = [load_case(name) for name in args.cases or case_names()]
    except ValueError as exc:
        parser.error(str(exc))
    for case in cases:
        if args.list:
            print(case.name)
        else:
            _show(case)


if __name__ == "__main__":
    main()
