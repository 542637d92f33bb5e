"""CS231n as students write it: nets with ``self.params`` and ``loss(X, y)``, layer pairs, losses (pytester)."""

from __future__ import annotations

import importlib.util
import shutil
import textwrap
from pathlib import Path

import jax.monitoring  # noqa: F401
import numpy as np
import pytest
import scipy.optimize  # noqa: F401

# Kept for the session (see tests/test_plugin.py): pytester drops what an inner run imported.
import gradcheck.oracles.jax  # noqa: F401

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FD = "--gradcheck-oracles=fd"


def _package(pytester: pytest.Pytester, *edits: tuple[str, str, str]) -> Path:
    """The example package ``cs231n/`` copied into the test folder, with ``(file, old, new)`` edits made."""
    target = pytester.path / "cs231n"
    shutil.copytree(EXAMPLES / "correct/cs231n", target)
    for name, old, new in edits:
        path = target / name
        text = path.read_text()
        assert old in text, f"{old!r} is not in {name}"
        path.write_text(text.replace(old, new))
    return target


def _module(name: str):
    """A module of the correct example package, imported on its own (layers.py imports numpy only)."""
    spec = importlib.util.spec_from_file_location(f"cs231n_example_{name[:-3]}", EXAMPLES / "correct/cs231n" / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(pytester: pytest.Pytester, dest: str, source: str) -> None:
    (pytester.path / dest).write_text(textwrap.dedent(source))


def test_the_correct_cs231n_package_passes_every_net_pair_and_loss(pytester):
    _package(pytester)
    result = pytester.runpytest("--gradcheck", "cs231n", "-v")
    result.assert_outcomes(passed=33)
    result.stdout.fnmatch_lines_random([
        "*fc_net.py::TwoLayerNet[[]reg-0.1[]] PASSED*",
        "*fc_net.py::FullyConnectedNet[[]batchnorm-reg-0.1[]] PASSED*",
        "*fc_net.py::FullyConnectedNet[[]layernorm-reg-0.1[]] PASSED*",
        "*fc_net.py::FullyConnectedNet[[]dropout-reg-0.1[]] PASSED*",
        "*cnn.py::ThreeLayerConvNet[[]reg-0[]] PASSED*",
        "*cnn.py::ThreeLayerConvNet[[]hypothesis[]] PASSED*",
        "*fc_net.py::FullyConnectedNet[[]hypothesis[]] PASSED*",
        "*fc_net.py::TwoLayerNet[[]hypothesis[]] PASSED*",
        "*layers.py::affine_backward[[]dout[]] PASSED*",
        "*layers.py::batchnorm_backward_alt[[]dout[]] PASSED*",
        "*layers.py::conv_backward_naive[[]dout[]] PASSED*",
        "*layers.py::max_pool_backward_naive[[]dout[]] PASSED*",
        "*layers.py::softmax_loss[[]loss[]] PASSED*",
        "*layer_utils.py::affine_relu_backward[[]dout[]] PASSED*",
        "*rnn_layers.py::rnn_backward[[]dout[]] PASSED*",
        "*rnn_layers.py::lstm_step_backward[[]dout[]] PASSED*",
        "*rnn_layers.py::lstm_backward[[]dout[]] PASSED*",
        "*rnn_layers.py::word_embedding_backward[[]dout[]] PASSED*",
        "*rnn_layers.py::temporal_softmax_loss[[]loss[]] PASSED*",
        "*layers.py::spatial_groupnorm_backward[[]dout[]] PASSED*",
        "*layer_utils.py::conv_relu_pool_backward[[]dout[]] PASSED*",
    ])


def test_a_wrong_affine_backward_fails_naming_the_function_and_dw(pytester):
    _package(pytester, ("layers.py", "flat.T @ dout, dout.sum(axis=0)", "dout.T @ flat, dout.sum(axis=0)"))
    result = pytester.runpytest("--gradcheck", "cs231n/layers.py", FD)
    result.assert_outcomes(failed=1, passed=11)
    result.stdout.fnmatch_lines([
        "*affine_backward(dout, cache) against the numerical gradient of sum(affine_forward(x, w, b)[[]0[]] * dout)*",
        "*1 of 3 gradients WRONG (dw)*",
        "likely mistake: dw is the transpose of the gradient: *dw = x.reshape(N, -1).T @ dout*",
        "dw: WRONG   shape WRONG*",
        "FAILED cs231n/layers.py::affine_backward[[]dout[]]*",
    ])


def test_batchnorm_backward_without_the_mean_term_fails_on_dx_alone(pytester):
    _package(pytester, ("layers.py", "n * dxhat - dxhat.sum(axis=0) - xhat", "n * dxhat - xhat"))
    result = pytester.runpytest("--gradcheck", "cs231n/layers.py", FD, "-k", "batchnorm_backward")
    result.assert_outcomes(failed=3, deselected=9)  # batchnorm_backward, _alt and spatial_batchnorm call it
    result.stdout.fnmatch_lines(["*1 of 3 gradients WRONG (dx)*", "likely mistake: dx lacks the mean term*",
                                 "dgamma: ok*", "dbeta: ok*"])
    result.stdout.fnmatch_lines(["*batchnorm_backward * FAILED * cs231n/batchnorm-dx-no-mean-term * dx*"])


def test_softmax_dx_not_divided_by_n_and_dropout_backward_without_its_mask_fail(pytester):
    _package(pytester, ("layers.py", "return loss, dx / n", "return loss, dx"),
             ("layers.py", "return dout if mask is None else dout * mask", "return dout"))
    result = pytester.runpytest("--gradcheck", "cs231n/layers.py", FD)
    result.assert_outcomes(failed=2, passed=10)
    result.stdout.fnmatch_lines_random(["FAILED cs231n/layers.py::softmax_loss[[]loss[]]*",
                                        "FAILED cs231n/layers.py::dropout_backward[[]dout[]]*",
                                        "likely mistake: dx is N = 5 times the gradient*",
                                        "likely mistake: dx is dout itself: apply the forward's mask*"])


def test_a_doubled_reg_gradient_is_named(pytester):
    _package(pytester, ("fc_net.py", 'grads[f"W{i}"] + self.reg * W', 'grads[f"W{i}"] + 2 * self.reg * W'))
    result = pytester.runpytest("--gradcheck", "cs231n/fc_net.py", FD, "-k", "FullyConnectedNet and not norm and not drop")
    result.assert_outcomes(passed=1, failed=2, deselected=6)
    result.stdout.fnmatch_lines(["*FullyConnectedNet * FAILED * cs231n/reg-gradient-doubled * W1, W2, W3*"])


def test_a_net_missing_the_reg_gradient_passes_at_reg_0_and_fails_at_reg_0_1(pytester):
    _package(pytester, ("fc_net.py", '"W1": dW1 + self.reg * W1', '"W1": dW1'))
    result = pytester.runpytest("--gradcheck", "cs231n/fc_net.py", FD, "-k", "TwoLayerNet", "-v")
    result.assert_outcomes(passed=1, failed=2, deselected=6)
    result.stdout.fnmatch_lines(["*TwoLayerNet[[]reg-0[]] PASSED*", "*TwoLayerNet.loss(X, y) with reg=0.1*",
                                 "*1 of 4 gradients WRONG (W1)*",
                                 "likely mistake: W1 lacks the regularisation's gradient (0.1 x W1 is missing*"])


NET_STYLES = """
    import numpy as np


    class HugeDefaults:
        '''reg as an attribute only; sizes whose defaults would make 300,000 parameters.'''

        def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10):
            assert input_dim * hidden_dim < 10_000, "gradcheck should have made the sizes small"
            self.reg = 0.0
            self.params = {"W1": np.random.randn(input_dim, hidden_dim), "W2": np.random.randn(hidden_dim, num_classes)}

        def loss(self, X, y=None):
            h = np.tanh(X @ self.params["W1"])
            s = h @ self.params["W2"]
            if y is None:
                return s
            p = np.exp(s - s.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            n = len(y)
            loss = -np.log(p[np.arange(n), y]).mean() + self.reg * sum((w ** 2).sum() for w in self.params.values())
            ds = p.copy()
            ds[np.arange(n), y] -= 1
            ds /= n
            dh = ds @ self.params["W2"].T * (1 - h ** 2)
            return loss, {"W1": X.T @ dh + 2 * self.reg * self.params["W1"],
                          "W2": h.T @ ds + 2 * self.reg * self.params["W2"]}


    class RegInLoss(HugeDefaults):
        '''Assignment 1's spelling: loss(X, y=None, reg=0.0).'''

        def loss(self, X, y=None, reg=0.0):
            self.reg = reg
            return HugeDefaults.loss(self, X, y)
"""


def test_nets_in_unusual_styles_are_built_small_and_given_reg_their_own_way(pytester):
    _write(pytester, "styles.py", NET_STYLES)
    result = pytester.runpytest("--gradcheck", "styles.py", "-v")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines_random(["*HugeDefaults[[]reg-0.1[]] PASSED*", "*RegInLoss[[]reg-0.1[]] PASSED*",
                                        "*RegInLoss[[]hypothesis[]] PASSED*"])


def test_a_pair_whose_inputs_cannot_be_drawn_is_skipped_saying_so(pytester):
    _write(pytester, "odd.py", """
        def foo_forward(x, q):
            return x * q, (x, q)

        def foo_backward(dout, cache):
            x, q = cache
            return dout * q, dout * x
    """)
    result = pytester.runpytest("--gradcheck", "odd.py", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*foo_backward not checked: cannot draw inputs for foo_forward(x, q)*"])


def test_a_wrong_rnn_step_and_an_embedding_backward_that_drops_repeated_words_fail(pytester):
    _package(pytester, ("rnn_layers.py", "da @ Wh.T, x.T @ da, prev_h.T @ da", "da @ Wh.T, x.T @ da, next_h.T @ da"),
             ("rnn_layers.py", "np.add.at(dW, x, dout)", "dW[x] += dout"))
    result = pytester.runpytest("--gradcheck", "cs231n/rnn_layers.py", FD)
    result.assert_outcomes(failed=3, passed=4)  # rnn_backward calls the wrong step
    result.stdout.fnmatch_lines_random(["*rnn_step_backward * FAILED * dWh*", "*rnn_backward * FAILED * dWh*",
                                        "*word_embedding_backward * FAILED * dW*"])


def test_the_wrong_examples_fail_each_naming_its_catalog_mistake(pytester):
    for name in ("cs231n_layers.py", "cs231n_net_reg_missing.py"):
        shutil.copy(EXAMPLES / "wrong" / name, pytester.path / name)
    result = pytester.runpytest("--gradcheck", "cs231n_layers.py", "--gradcheck", "cs231n_net_reg_missing.py", FD)
    result.assert_outcomes(failed=6, passed=2)  # relu_backward, and the net at reg = 0
    result.stdout.fnmatch_lines_random([
        "*affine_backward * FAILED * cs231n/transposed * dw*",
        "*batchnorm_backward * FAILED * cs231n/batchnorm-dx-no-mean-term * dx*",
        "*softmax_loss * FAILED * cs231n/not-divided-by-N * dx*",
        "*dropout_backward * FAILED * cs231n/dropout-mask-not-applied * dx*",
        "*TwoLayerNet * FAILED * cs231n/reg-gradient-missing * W1*",
    ])


def test_temporal_softmax_dx_not_divided_by_n_and_groupnorm_dx_without_its_mean_term_fail(pytester):
    _package(pytester, ("rnn_layers.py", "(dx * keep[:, None] / n)", "(dx * keep[:, None])"),
             ("layers.py", "dx = (m * g - g.sum(axis=2, keepdims=True) - xh", "dx = (m * g - xh"))
    result = pytester.runpytest("--gradcheck", "cs231n", FD, "-k", "temporal_softmax or groupnorm")
    result.assert_outcomes(failed=2, deselected=31)
    result.stdout.fnmatch_lines_random(["*temporal_softmax_loss * FAILED * cs231n/not-divided-by-N * dx*",
                                        "*spatial_groupnorm_backward * FAILED * dx*"])


def test_a_float32_only_net_passes_with_float32_tolerances_and_its_reg_bug_is_still_caught(pytester):
    fixed = ("fc_net.py", "normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):",
             "normalization=None, reg=0.0, weight_scale=1e-2, seed=None):\n        dtype = np.float32")
    _package(pytester, fixed)
    result = pytester.runpytest("--gradcheck", "cs231n/fc_net.py", FD, "-k", "FullyConnectedNet")
    result.assert_outcomes(passed=6, deselected=3)
    (pytester.path / "cs231n").rename(pytester.path / "ok")
    _package(pytester, fixed, ("fc_net.py", 'grads[f"W{i}"] + self.reg * W', 'grads[f"W{i}"]'))
    result = pytester.runpytest("--gradcheck", "cs231n/fc_net.py", FD, "-k", "FullyConnectedNet and (reg-0.1 or hypothesis)")
    result.assert_outcomes(failed=5, deselected=4)


def test_a_net_hard_wired_to_two_hidden_layers_fails_on_sizes_drawn_by_hypothesis(pytester):
    _package(pytester, ("fc_net.py", "self.num_layers = 1 + len(hidden_dims)", "self.num_layers = 3"))
    result = pytester.runpytest("--gradcheck", "cs231n/fc_net.py", FD, "-k", "FullyConnectedNet", "-v")
    result.assert_outcomes(passed=5, failed=1, deselected=3)
    result.stdout.fnmatch_lines([
        "*FullyConnectedNet[[]hypothesis[]] FAILED*",
        "FullyConnectedNet on FullyConnectedNet(hidden_dims=[[]1[]], input_dim=1, num_classes=2) and N=1, the smallest "
        "sizes Hypothesis drew on which it fails (a size hard-wired?), raised IndexError; your traceback*",
    ])


HARD_WIRED_BATCH = '''
    import numpy as np


    class TwoLayerNet:
        """Right for gradcheck's fixed batch of 6 examples only: the softmax's gradient is divided by 6, not N."""

        def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
            self.reg = reg
            self.params = {"W1": weight_scale * np.random.randn(input_dim, hidden_dim),
                           "W2": weight_scale * np.random.randn(hidden_dim, num_classes)}

        def loss(self, X, y=None):
            W1, W2 = self.params["W1"], self.params["W2"]
            h = np.tanh(X @ W1)
            scores = h @ W2
            if y is None:
                return scores
            p = np.exp(scores - scores.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            loss = -np.log(p[np.arange(len(y)), y]).mean() + 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            p[np.arange(len(y)), y] -= 1
            dscores = p / 6
            dh = dscores @ W2.T * (1 - h ** 2)
            return loss, {"W1": X.T @ dh + self.reg * W1, "W2": h.T @ dscores + self.reg * W2}
'''


def test_a_net_hard_wired_to_one_batch_size_passes_the_fixed_sizes_and_fails_under_hypothesis(pytester):
    _write(pytester, "batch.py", HARD_WIRED_BATCH)
    result = pytester.runpytest("--gradcheck", "batch.py", FD, "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*TwoLayerNet[[]hypothesis[]] FAILED*",
        "TwoLayerNet.loss(X, y) with reg=0.1 against its own loss, built at sizes drawn by Hypothesis*",
        "*2 of 2 gradients WRONG (W1, W2)*",
        "likely mistake: wrong at the sizes Hypothesis drew (W1 (*, *), W2 (*, *)): where the items at gradcheck's "
        "fixed sizes pass, a size is hard-wired*",
    ])


def _kinked_scores(rng):
    """Scores with two hinge margins on their kink (one exactly 0, one 1e-9 off) and a relu-like 0."""
    x, y = rng.standard_normal((5, 4)), np.array([0, 1, 2, 3, 0])
    x[0, 1] = x[0, 0] - 1.0
    x[2, 3] = x[2, 2] - 1.0 + 1e-9
    return {"x": x, "y": y}


def test_svm_hinge_kinks_are_detected_and_never_failed(monkeypatch):
    from gradcheck.courses.cs231n import layers
    from gradcheck.judge import check_function

    svm_loss = _module("layers.py").svm_loss
    kinked = _kinked_scores(np.random.default_rng(0))
    assert layers.hinge_kinks(kinked["x"], kinked["y"]) == [(0, 1), (2, 3)]
    on_the_kinks = check_function(lambda t: svm_loss(t["dx"], kinked["y"])[0],
                                  lambda t: {"dx": svm_loss(t["dx"], kinked["y"])[1]}, {"dx": kinked["x"]}, oracles="fd")
    assert not on_the_kinks.ok  # a difference straddling a kink measures the mean of its two slopes

    monkeypatch.setitem(layers.LOSSES, "svm_loss", _kinked_scores)
    loss = layers.Loss("svm_loss", svm_loss)
    cost, grad, params, _ = loss.problem("loss")
    assert loss.moved == [(0, 1), (2, 3)]
    assert layers.hinge_kinks(params["dx"], kinked["y"]) == []
    assert check_function(cost, grad, params, oracles="fd").ok


def test_relu_inputs_are_drawn_off_the_kink():
    from gradcheck.courses.cs231n import layers

    x, moved = layers.off_relu_kinks(np.array([[0.0, 1e-9, -1e-4], [0.5, -2.0, 3.0]]))
    assert moved == [(0, 0), (0, 1), (0, 2)]
    assert np.all(np.abs(x[0]) > 4 * 2.0 ** -8) and list(np.sign(x[0])) == [1, 1, -1] and x[1, 0] == 0.5


def test_five_more_wrong_layers_fail_each_naming_its_mistake_and_relu_masked_by_its_output_passes(pytester):
    shutil.copy(EXAMPLES / "wrong/cs231n_layers_more.py", pytester.path / "more.py")
    result = pytester.runpytest("--gradcheck", "more.py", FD, "-v")
    result.assert_outcomes(failed=5, passed=1)
    result.stdout.fnmatch_lines_random([
        "*more.py::relu_backward[[]dout[]] PASSED*",  # dout * (out > 0) is dout * (x > 0): no mistake to find
        "*affine_backward * FAILED * cs231n/reshaped * dx*",
        "*temporal_affine_backward * FAILED * cs231n/db-wrong-axis * db*",
        "*batchnorm_backward * FAILED * cs231n/batchnorm-dx-no-variance-term * dx*",
        "*dropout_backward * FAILED * cs231n/dropout-not-scaled * dx*",
        "*conv_backward_naive * FAILED * cs231n/conv-dw-wrong-axes * dw*",
        "likely mistake: dw is the gradient summed over w's own axes (C) too and broadcast back*",
    ])


def test_conv_dw_of_the_wrong_shape_is_named():
    from gradcheck.courses.cs231n import mistakes

    ref = np.arange(2 * 3 * 3 * 3, dtype=float).reshape(2, 3, 3, 3)
    assert mistakes.conv_dw(ref.sum(axis=1), ref)[0] == "cs231n/conv-dw-wrong-axes"
    assert mistakes.conv_dw(ref, ref) is None


def test_an_lstm_step_with_two_outputs_is_checked_through_both_and_a_wrong_dprev_c_fails_the_sequence_too(pytester):
    _package(pytester, ("rnn_layers.py", "da @ Wx.T, da @ Wh.T, dc * f,", "da @ Wx.T, da @ Wh.T, dc,"))
    result = pytester.runpytest("--gradcheck", "cs231n/rnn_layers.py", FD, "-k", "lstm")
    result.assert_outcomes(failed=2, deselected=5)
    result.stdout.fnmatch_lines([
        "lstm_step_backward(dnext_h, dnext_c, cache) against the numerical gradient of "
        "sum(lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)[[]0[]] * dnext_h) + "
        "sum(lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)[[]1[]] * dnext_c), dnext_h and dnext_c drawn at random:",
        "*1 of 6 gradients WRONG (dprev_c)*",
    ])
    result.stdout.fnmatch_lines(["*lstm_backward * FAILED*"])


def _independent(forward: str, args: dict) -> np.ndarray:
    """The published checks' outputs computed here, without the example package."""
    if forward == "affine_forward":
        return args["x"].reshape(len(args["x"]), -1) @ args["w"] + args["b"]
    if forward == "relu_forward":
        return np.where(args["x"] > 0, args["x"], 0.0)
    x, w, b, s, p = args["x"], args["w"], args["b"], args["conv_param"]["stride"], args["conv_param"]["pad"]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    hh, ww = w.shape[2:]
    rows, cols = range(0, xp.shape[2] - hh + 1, s), range(0, xp.shape[3] - ww + 1, s)
    return np.array([[[[np.sum(xp[n, :, i:i + hh, j:j + ww] * w[f]) + b[f] for j in cols] for i in rows]
                      for f in range(len(w))] for n in range(len(x))])


@pytest.mark.parametrize("forward", ["affine_forward", "relu_forward", "conv_forward_naive"])
def test_the_published_forward_checks_hold_as_printed_and_their_inputs_pass_the_backward_check(forward):
    from gradcheck.courses.cs231n import published
    from gradcheck.judge import check_function

    worked, args = published.WORKED[forward], published.inputs(forward)
    printed = np.array(worked["correct_out"])
    assert np.abs(_independent(forward, args) - printed).max() <= published.PRINTED_ABS
    layers = _module("layers.py")
    out, _ = getattr(layers, forward)(**args)
    assert published.rel_error(out, printed) < 1e-7  # the notebooks expect 1e-9 to 5e-8
    arrays = [k for k in args if isinstance(args[k], np.ndarray)]
    dout = np.random.default_rng(231).standard_normal(printed.shape)
    backward = getattr(layers, forward.replace("forward", "backward"))

    def cost(t):
        return float(np.sum(getattr(layers, forward)(**{**args, **{k[1:]: t[k] for k in t}})[0] * dout))

    def grad(t):
        grads = backward(dout, getattr(layers, forward)(**{**args, **{k[1:]: t[k] for k in t}})[1])
        return dict(zip([f"d{k}" for k in arrays], grads if isinstance(grads, tuple) else (grads,)))

    assert check_function(cost, grad, {f"d{k}": args[k] for k in arrays}, oracles="fd").ok


@pytest.mark.parametrize("loss", ["svm_loss", "softmax_loss"])
def test_the_published_loss_checks_give_about_9_and_2_3_and_their_dx_passes(loss):
    from gradcheck.courses.cs231n import layers as course_layers
    from gradcheck.courses.cs231n import published
    from gradcheck.judge import check_function

    args = published.loss_inputs()
    fn = getattr(_module("layers.py"), loss)
    value, _ = fn(**args)
    limit = {"svm_loss": 9.0, "softmax_loss": np.log(10)}[loss]
    assert abs(value - limit) < 0.01 and abs(value - published.LOSS_CHECKS[loss]["expected"]) < 0.05
    assert course_layers.hinge_kinks(args["x"], args["y"]) == []  # margins near 1: far from every kink
    assert check_function(lambda t: fn(t["dx"], args["y"])[0], lambda t: {"dx": fn(t["dx"], args["y"])[1]},
                          {"dx": args["x"]}, oracles="fd").ok
