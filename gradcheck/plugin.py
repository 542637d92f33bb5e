"""The pytest plugin: the worked examples as fixtures for any project that installs the package.

Registered through the ``pytest11`` entry point, so no conftest is needed. Importing
this module must stay cheap: numpy only; never jax or scipy.
"""

from __future__ import annotations

import pytest

from .cases import Case, case_names, load_case


def _case_fixture(case_name: str):
    def fixture() -> Case:
        return load_case(case_name)

    fixture.__name__ = case_name.replace("-", "_")
    fixture.__doc__ = f"The worked example {case_name!r} as a gradcheck.Case (fresh arrays on every access)."
    return pytest.fixture(name=fixture.__name__)(fixture)


for _name in case_names():
    globals()[_name.replace("-", "_")] = _case_fixture(_name)


@pytest.fixture(params=case_names())
def gradcheck_case(request) -> Case:
    """Each worked example in turn, as a gradcheck.Case."""
    return load_case(request.param)
