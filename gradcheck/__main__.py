"""``python -m gradcheck``: show the worked examples, their exact answers and the sources' errata.

Imports: numpy; :mod:`gradcheck.case`.
"""

from __future__ import annotations

import numpy as np

from .case import case_names, load_case


def _fmt(value) -> str:
    arr = np.asarray(value, dtype=float)
    if arr.size == 1:
        return f"{float(arr.ravel()[0]):.6g}"
    return np.array2string(arr.ravel(), precision=6, separator=", ")


def main() -> None:
    for name in case_names():
        case = load_case(name)
        dims = ", ".join(f"{k} = {v}" for k, v in case.dims.items())
        print(f"{name}  [{case.model.name}{': ' + dims if dims else ''}]")
        print(f"  {case.title}")
        exp = case.expected
        print(f"  J = {exp['cost']:.10g}")
        for k, g in exp["grads"].items():
            print(f"  dJ/d{k} = {_fmt(g)}")
        for p in case.printed:
            if p["status"] == "erratum":
                print(f"  erratum ({p['where']}): {p['quantity']} printed {_fmt(p['printed'])}, exactly {_fmt(p['exact'])}")
        for e in case.errata:
            print(f"  erratum ({e['where']}): {e['note']}")
        print()


if __name__ == "__main__":
    main()
