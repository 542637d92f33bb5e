"""The repository's own test configuration: Hypothesis profiles and the cache folder.

``ci`` is derandomised so that CI runs are reproducible; ``dev`` is the default.
Choose with ``--hypothesis-profile=ci`` or the ``HYPOTHESIS_PROFILE`` variable.

pytester gives every test a new ``HOME``, which would give every pytest run inside a test an empty
gradcheck cache (JAX's compilations and the remembered answers, ``gradcheck.cache``): each such run
would import JAX and compile again, as no user's second run does. So the runs share the cache a user
has (``XDG_CACHE_HOME``, fixed here before pytester moves ``HOME``); the tests of the cache itself
point it elsewhere.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

os.environ.setdefault("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache"))
