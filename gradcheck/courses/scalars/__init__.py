"""The scalar networks of the seed threads: the chains of seed 001 and the scalar net of seed 002's answer.

Models ``chain``, ``chain2`` and ``scalar_net`` (:mod:`.model`); their worked examples (data in
``fixtures/cases``; seed 001's gradient descent under ``case.extra["descent"]``); the catalog
(:mod:`.mistakes`); Hypothesis networks (:mod:`.strategy`). Students check these with
``@gradcheck.implements("chain")``: there is no convention of their own to recognise.

Imports: :mod:`gradcheck.case`, :mod:`gradcheck.course`, :mod:`gradcheck.courses.scalars.mistakes`,
:mod:`gradcheck.courses.scalars.model`. When first needed:
:mod:`gradcheck.courses.scalars.strategy`.
"""

from __future__ import annotations

from ...case import bundled
from ...course import Course
from . import mistakes
from .model import CHAIN, CHAIN2, SCALAR_NET


class ScalarsCourse(Course):
    name = "scalars"
    title = "the scalar chains (seed 001) and the scalar net (seed 002's answer): every value a scalar"
    models = (CHAIN, CHAIN2, SCALAR_NET)

    def cases(self):
        return [bundled(name) for name in ("scalar-chain", "scalar-chain-2", "scalar-net")]

    def mistakes(self):
        return tuple(mistakes.entries())

    def strategy(self, model):
        from .strategy import chain_cases, scalar_net_cases

        if model is SCALAR_NET:
            return scalar_net_cases()
        return chain_cases(layers=1 if model is CHAIN else 2)


COURSE = ScalarsCourse()
