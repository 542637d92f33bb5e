"""Stanford's CS231n (assignments 1 and 2, and the layers of 3): no reference model, examples are rows.

Its code is built around gradient checking, so each convention is checked against itself:

* :mod:`.nets`: classes with ``self.params`` and ``loss(X, y[, reg])`` -> ``(loss, grads)``
  (``TwoLayerNet`` of assignments 1 and 2, ``FullyConnectedNet``, ``ThreeLayerConvNet``), built at
  small sizes, against their own loss;
* :mod:`.layers`: every ``NAME_forward`` / ``NAME_backward`` pair (affine, relu, batchnorm and
  ``_alt``, layernorm, dropout, conv and max-pool naive, spatial batch/group norm, the sandwich
  layers, rnn, lstm, word embedding, temporal affine), through a random upstream ``dout``; and the
  losses ``softmax_loss(x, y)``, ``svm_loss(x, y)`` -> ``(loss, dx)``.

Imports: :mod:`gradcheck.course`, :mod:`gradcheck.courses.cs231n.layers`,
:mod:`gradcheck.courses.cs231n.nets`.
"""

from __future__ import annotations

import inspect

from ...course import Course
from . import layers, nets


class Cs231nCourse(Course):
    name = "cs231n"
    title = "Stanford's CS231n: nets with params and loss(X, y), layer pairs, losses; rows are examples"
    models = ()
    conventions = (
        "a class with a params dict and loss(X, y) or loss(X, y, reg) -> (loss, grads) (CS231n), "
        "checked against its own loss at small sizes, reg 0 and 0.1, and at sizes drawn by Hypothesis",
        "a CS231n layer pair NAME_forward(x, ...) -> (out, cache) and NAME_backward(dout, cache) -> "
        "the gradients of the forward's array inputs, checked through a random dout",
        "a CS231n loss softmax_loss(x, y) or svm_loss(x, y) -> (loss, dx)",
    )

    def recognise(self, module, name, obj):
        if inspect.isclass(obj):
            return [nets.Net(name, obj)] if nets.looks_like_a_net(obj) else []
        return layers.recognise(module, name, obj)


COURSE = Cs231nCourse()
