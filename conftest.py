"""The repository's own test configuration: Hypothesis profiles.

``ci`` is derandomised so that CI runs are reproducible; ``dev`` is the default.
Choose with ``--hypothesis-profile=ci`` or the ``HYPOTHESIS_PROFILE`` variable.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
