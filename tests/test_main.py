"""``python -m gradcheck``: the worked examples with their shapes, the errata under the right names, --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gradcheck.__main__ import main


def _run(capsys, *args: str) -> str:
    main(list(args))
    return capsys.readouterr().out


def test_the_q11_erratum_is_labelled_dJdW2_not_W2(capsys):
    out = _run(capsys, "single-example")
    assert "  erratum (Q11): dJdW2 printed [0.74, 0.74, 0.74], exactly (3, 1) [[0.010151]," in out
    assert " W2 printed" not in out


def test_gradients_are_printed_in_their_shapes(capsys):
    out = _run(capsys, "three-examples").splitlines()
    start = out.index("  dJ/dW1 (2, 3) = [[0.00121 , 0.00121 , 0.00121 ],")
    assert out[start + 1] == "                   [0.002397, 0.002397, 0.002397]]"
    assert "  dJ/dW2 (3, 1) = [[0.013664]," in out


def test_named_cases_only_are_shown_and_underscores_are_accepted(capsys):
    out = _run(capsys, "three_examples", "coursera-l3")
    headers = [line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")]
    assert headers == ["three-examples", "coursera-l3"]
    assert _run(capsys, "--list").split() == list(__import__("gradcheck").case_names())


def test_an_unknown_case_is_a_usage_error_listing_the_cases(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["three-exampels"])
    assert exit_.value.code == 2
    assert "no worked example called 'three-exampels'; the cases are single-example, " in capsys.readouterr().err


def test_examples_prints_the_folder_the_readme_runs_pytest_on(capsys):
    folder = Path(_run(capsys, "--examples").strip())
    assert (folder / "correct" / "neural_network.py").is_file() and (folder / "wrong").is_dir()


def test_help_is_answered_by_the_command_line():
    out = subprocess.run([sys.executable, "-m", "gradcheck", "--help"], check=True, capture_output=True, text=True)
    assert out.stdout.startswith("usage: python -m gradcheck [-h] [--list] [--examples] [CASE ...]")
    assert "pytest --gradcheck" in out.stdout
