"""The graders' files of a ``--gradcheck`` run, and its closing summary: one place, one record per item.

* ``--gradcheck-report FILE``: JSON (``"schema": 2``): the settings, then per submission its
  implementations, each with its verdict, likely mistake, wrong parameters, the full report of its
  most telling failure (once) and one short record per check, in run order.
* ``--gradcheck-gradescope FILE``: Gradescope's ``results.json``: ``score``, ``output`` (the
  settings), ``tests`` with ``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``.
* ``--gradcheck-csv FILE``: a gradebook, one row per submission.

Points: every item is worth one point unless the ini setting ``gradcheck_points`` says otherwise
(lines ``PATTERN = POINTS``, fnmatch patterns on the item's name such as ``*[hypothesis] = 3``; the
first that matches wins); with ``gradcheck_max_score`` (or ``--gradcheck-max-score``) a submission's
points are scaled to that total, so that what was recognised does not change what a score means. A
submission that cannot be imported scores 0. One mistake costs each case once, never once per oracle:
the oracles judge one item together.

Imports: the standard library only.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = 2

__all__ = ["Gradebook", "gradebook_csv", "gradescope_json", "parse_points", "report_json", "summary_lines"]


def parse_points(lines: list[str]) -> list[tuple[str, float]]:
    """``gradcheck_points`` lines -> (pattern, points); a malformed line is a usage error."""
    import pytest

    rules = []
    for line in lines:
        pattern, sep, value = line.rpartition("=")
        try:
            points = float(value)
        except ValueError:
            points = -1.0
        if not sep or not pattern.strip() or points < 0:
            raise pytest.UsageError(
                f"gradcheck_points: {line!r} is not 'PATTERN = POINTS'; write e.g. '*[hypothesis] = 3' or "
                f"'Neural_Network[*] = 2' (patterns match item names, as in homework.py::NAME; first match wins)")
        rules.append((pattern.strip(), points))
    return rules


@dataclass
class Gradebook:
    """What the run found, as the graders' files need it (plain data, in run order)."""

    version: str
    settings: dict[str, Any]
    settings_line: str
    submissions: list[tuple[str, list[tuple[str, str, str | None]]]]  # path, [(name, convention, model)]
    records: list[dict[str, Any]]
    points: list[tuple[str, float]]
    max_score: float | None = None
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)  # per submission path (a notebook's cells not run)

    def records_of(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("submission") == path]

    def worth(self, record: dict[str, Any]) -> float:
        name = record.get("name", "")
        return next((p for pattern, p in self.points if fnmatch.fnmatchcase(name, pattern)), 1.0)

    def score(self, path: str) -> tuple[float, float]:
        """(score, max_score) of a submission: passed items' points, scaled to ``max_score`` if set."""
        scored = [r for r in self.records_of(path) if r["outcome"] != "skipped"]
        total = sum(self.worth(r) for r in scored)
        got = sum(self.worth(r) for r in scored if r["outcome"] == "passed")
        if any(r.get("check") == "import" for r in scored):
            got = 0.0
        if self.max_score is None:
            return got, total
        return (self.max_score * got / total if total else 0.0), self.max_score


def _verdict(records: list[dict[str, Any]]) -> str:
    outcomes = {r["outcome"] for r in records}
    if "failed" in outcomes:
        return "FAILED"
    return "passed" if "passed" in outcomes else "skipped"


def _implementations(book: Gradebook, path: str, known: list[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
    records = book.records_of(path)
    out = []
    for name, convention, model in known:
        own = [r for r in records if r.get("implementation") == name]
        top = next((r for r in own if r.get("lead") and r.get("check") != "hypothesis"), None) or next(
            (r for r in own if r.get("lead")), None)
        out.append({
            "name": name, "convention": convention, "model": model, "verdict": _verdict(own).lower(),
            "mistake": top.get("mistake") if top else None, "diagnosis": top.get("diagnosis") if top else None,
            "wrong": sorted({w for r in own if r["outcome"] == "failed" for w in r.get("wrong") or []}),
            "report": top.get("text", "") if top else "",
            "checks": [_check(r) for r in own],
        })
    return out


def _check(r: dict[str, Any]) -> dict[str, Any]:
    keep = ("name", "case", "check", "outcome", "wrong", "mistake", "message", "notes", "hypothesis",
            "duration")
    return {k: r.get(k) for k in keep if r.get(k) not in (None, "", [])} | {"outcome": r["outcome"]}


def report_json(book: Gradebook) -> str:
    subs = []
    for path, known in book.submissions:
        records = book.records_of(path)
        score, max_score = book.score(path)
        entry = {
            "path": path, "verdict": _verdict(records).lower(), "score": round(score, 4), "max_score": max_score,
            "passed": sum(r["outcome"] == "passed" for r in records),
            "failed": sum(r["outcome"] == "failed" for r in records),
            "skipped": sum(r["outcome"] == "skipped" for r in records),
            "implementations": _implementations(book, path, known),
            **book.extra.get(path, {}),
        }
        loose = [_check(r) for r in records if r.get("implementation") is None]  # import, nothing recognised
        if loose:
            entry["checks"] = loose
        error = next((r for r in records if r.get("check") == "import"), None)
        if error is not None:
            entry["error"] = error.get("text") or error.get("message", "")
        subs.append(entry)
    return json.dumps({"schema": SCHEMA, "gradcheck": book.version, "settings": book.settings,
                       "submissions": subs}, indent=1) + "\n"


def _test_output(r: dict[str, Any]) -> str:
    if r["outcome"] == "passed":
        return ""
    return r.get("text") or r.get("message") or r["outcome"]


def gradescope_json(book: Gradebook) -> str:
    """Gradescope's results.json for the run (one submission, as Gradescope runs it, or several)."""
    several = len(book.submissions) > 1
    tests = []
    total = 0.0
    for path, _ in book.submissions:
        records = [r for r in book.records_of(path) if r["outcome"] != "skipped"]
        score, max_score = book.score(path)
        total += score
        raw = sum(book.worth(r) for r in records)
        scale = max_score / raw if raw else 0.0
        for r in records:
            worth = book.worth(r) * scale
            passed = r["outcome"] == "passed" and r.get("check") != "import"
            tests.append({"name": f"{path}::{r['name']}" if several else r["name"], "score": round(worth * passed, 4),
                          "max_score": round(worth, 4), "status": "passed" if passed else "failed",
                          "output": _test_output(r), "visibility": "visible"})
        if not records:  # nothing recognised: no points to be had, and a test that says so
            tests.append({"name": f"{path}::nothing recognised" if several else "nothing recognised", "score": 0,
                          "max_score": book.max_score or 0, "status": "failed", "visibility": "visible",
                          "output": "nothing in the submission is recognised as computing gradients"})
    return json.dumps({"score": round(total, 4), "output": book.settings_line, "visibility": "visible",
                       "stdout_visibility": "hidden", "tests": tests}, indent=1) + "\n"


def gradebook_csv(book: Gradebook) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["submission", "verdict", "score", "max_score", "passed", "failed", "skipped",
                     "implementations", "mistakes", "wrong", "error"])
    for path, known in book.submissions:
        records = book.records_of(path)
        impls = _implementations(book, path, known)
        score, max_score = book.score(path)
        error = next((r.get("message", "") for r in records if r.get("check") == "import"), "")
        writer.writerow([path, _verdict(records).lower(), round(score, 4), max_score,
                         sum(r["outcome"] == "passed" for r in records), sum(r["outcome"] == "failed" for r in records),
                         sum(r["outcome"] == "skipped" for r in records), " ".join(i["name"] for i in impls),
                         " ".join(i["mistake"] for i in impls if i["mistake"]),
                         " ".join(f"{i['name']}:{','.join(i['wrong'])}" for i in impls if i["wrong"]),
                         error.splitlines()[0] if error else ""])
    return out.getvalue()


def summary_lines(book: Gradebook) -> list[str]:
    """The closing table: submission, implementation, verdict, mistake, wrong parameters."""
    rows = [("submission", "implementation", "verdict", "mistake", "wrong")]
    for path, known in book.submissions:
        records = book.records_of(path)
        if not records:
            continue
        if not known:
            error = next((r for r in records if r.get("check") == "import"), None)
            rows.append((path, "-", "FAILED" if error else "skipped", "cannot be imported" if error else
                         "nothing recognised", ""))
            continue
        for impl in _implementations(book, path, known):
            if not impl["checks"]:
                continue
            rows.append((path, impl["name"], impl["verdict"].upper() if impl["verdict"] == "failed" else impl["verdict"],
                         impl["mistake"] or ("-" if impl["verdict"] != "failed" else "(not named)"),
                         ", ".join(impl["wrong"])))
    if len(rows) == 1:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4] for row in rows]


def write(target: Path, text: str) -> None:
    """Write atomically: a temporary file beside the target, then a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, target)
