"""The oracles' start-up in the background: one compilation per model and shapes, a persistent cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gradcheck.case import load_case

jax_oracle = pytest.importorskip("gradcheck.oracles.jax")


def _key_count() -> int:
    return len(jax_oracle._compiled)


def test_a_prepared_compilation_is_the_one_the_judgement_uses():
    case = load_case("three-examples").with_params(load_case("three-examples").params, name="warm")
    before = _key_count()
    jax_oracle.prepare(case.model, case.inputs, case.params)
    after_prepare = _key_count()
    grads, _ = jax_oracle.model_gradients(case.model, case.inputs, case.params)
    assert after_prepare - before <= 1 and _key_count() == after_prepare  # nothing compiled twice
    reference = case.model.backward(case.inputs, case.params)[0]
    for k, v in grads.items():
        assert v == pytest.approx(reference[k], rel=1e-9, abs=1e-12)


def test_the_background_warmup_compiles_each_case_once_and_stops(cache_home):
    # an empty cache (as on a first run): remembered cases would need no compilation
    from gradcheck.oracles import warmup

    cases = [load_case(name) for name in ("single-example", "three-examples", "single-example-asymmetric")]
    warm = warmup.start(("fd", "scipy", "jax"))
    warm.cases(cases + cases)  # the same shapes again: nothing more
    warm.stop()
    assert not warm._thread.is_alive()
    for case in cases:
        dims = case.model.dims(case.inputs, case.params)
        shapes = case.model.shapes(dims)
        taps = {k: shapes[k] for k in case.model.tap_names(dims)}
        signature = tuple(tuple(sorted(tree.items())) for tree in
                          ({k: v.shape for k, v in case.params.items()}, taps,
                           {k: v.shape for k, v in case.inputs.items()}))
        future = jax_oracle._compiled[(case.model, 0, signature)]
        assert future.done() and future.exception() is None


def test_a_failed_warmup_is_left_for_the_judgement_to_report():
    case = load_case("three-examples")
    bad = {**case.params, "W1": case.params["W1"][:1]}  # shapes that do not fit: the model's own error later
    before = dict(jax_oracle._compiled)
    jax_oracle.prepare(case.model, case.inputs, bad)  # never raises
    assert all(f.exception() is None for k, f in jax_oracle._compiled.items() if k not in before and f.done())


def _cache_setting(env: dict) -> str | None:
    code = ("import json, jax, gradcheck.oracles.jax; "
            "print(json.dumps(jax.config.jax_compilation_cache_dir))")
    full = {k: v for k, v in os.environ.items() if k not in ("JAX_COMPILATION_CACHE_DIR", "GRADCHECK_JAX_CACHE")}
    out = subprocess.run([sys.executable, "-c", code], env={**full, **env}, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_persistent_compilation_cache_lives_in_the_users_cache_directory(tmp_path):
    assert _cache_setting({"XDG_CACHE_HOME": str(tmp_path)}) == str(tmp_path / "gradcheck" / "jax")
    assert (tmp_path / "gradcheck" / "jax").is_dir()


def test_the_users_own_cache_setting_and_an_opt_out_are_respected(tmp_path):
    own = str(tmp_path / "mine")
    assert _cache_setting({"XDG_CACHE_HOME": str(tmp_path), "JAX_COMPILATION_CACHE_DIR": own}) == own
    assert _cache_setting({"XDG_CACHE_HOME": str(tmp_path), "GRADCHECK_JAX_CACHE": "0"}) is None


# Remembered answers ------------------------------------------------------------------------


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("GRADCHECK_JAX_CACHE", raising=False)
    return tmp_path / "gradcheck" / "results"


def _spread(case):
    from gradcheck.oracles import remembered

    return remembered.roundoff_spread(case.model, case.inputs, case.params, ulps=4, patterns=2)


def test_a_worked_examples_jax_answer_is_remembered_and_read_back_without_jax(cache_home, monkeypatch):
    from gradcheck.oracles import remembered

    case = load_case("three-examples")
    direct = jax_oracle.roundoff_spread(case.model, case.inputs, case.params, ulps=4, patterns=2)
    assert not remembered.remembers(case.model, case.inputs, case.params, ulps=4, patterns=2)
    first = _spread(case)
    assert remembered.remembers(case.model, case.inputs, case.params, ulps=4, patterns=2)
    monkeypatch.setattr(jax_oracle, "roundoff_spread", lambda *a, **k: pytest.fail("JAX asked again"))
    again = _spread(case)
    for got in (first, again):
        assert got[4] == direct[4]
        for part, want in zip(got[:4], direct[:4], strict=True):
            assert set(part) == set(want)
            for k in want:
                np.testing.assert_array_equal(part[k], want[k])


def test_other_arrays_or_options_are_other_entries(cache_home):
    from gradcheck.oracles import remembered

    case = load_case("three-examples")
    _spread(case)
    moved = {**case.params, "W1": case.params["W1"] + 1e-12}
    assert not remembered.remembers(case.model, case.inputs, moved, ulps=4, patterns=2)
    assert not remembered.remembers(case.model, case.inputs, case.params, ulps=8, patterns=2)
    assert not remembered.remembers(case.model, case.inputs, case.params, ulps=4, patterns=2, seed=1)


def test_a_damaged_entry_is_computed_again(cache_home):
    case = load_case("single-example")
    want = _spread(case)
    (entry,) = cache_home.glob("*.npz")
    entry.write_bytes(entry.read_bytes()[:40])
    got = _spread(case)
    np.testing.assert_array_equal(got[0]["W1"], want[0]["W1"])
    assert entry.stat().st_size > 40  # written whole again


def test_nothing_is_remembered_when_turned_off(cache_home, monkeypatch):
    monkeypatch.setenv("GRADCHECK_JAX_CACHE", "0")
    _spread(load_case("single-example"))
    assert not cache_home.exists() or not any(cache_home.iterdir())


def test_the_folder_keeps_its_size_and_the_entries_a_run_reads(cache_home, monkeypatch):
    from gradcheck.oracles import remembered

    monkeypatch.setattr(remembered, "MAX_ENTRIES", 8)
    monkeypatch.setattr(remembered, "_room", None)
    case = load_case("three-examples")
    _spread(case)
    for i in range(30):  # a check of many random networks, the worked example read between them
        _spread(case)
        moved = {**case.params, "W1": case.params["W1"] + 1e-9 * (i + 1)}
        remembered.roundoff_spread(case.model, case.inputs, moved, ulps=4, patterns=2)
        assert len(list(cache_home.glob("*.npz"))) <= 8
    assert len(list(cache_home.glob("*.npz"))) >= 4
    assert remembered.remembers(case.model, case.inputs, case.params, ulps=4, patterns=2)
