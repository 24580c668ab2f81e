"""Shared test configuration: the Hypothesis profile every property test runs under."""

from __future__ import annotations

import os
import tempfile

from hypothesis import settings

# The start-up cache (labinterp._cache) of this run lives in a folder of its own, removed at
# exit, never in the user's cache; subprocesses inherit it.
_CACHE = tempfile.TemporaryDirectory(prefix="labinterp-test-cache-")
os.environ.setdefault("LABINTERP_CACHE_DIR", _CACHE.name)

# No deadline: the first example of a property may resolve pint factors (tens of ms), which is
# not a performance problem of the code under test. 100 examples keep the suite fast.
settings.register_profile("ci", deadline=None, max_examples=100)
# HYPOTHESIS_PROFILE=thorough for a longer hunt before a release.
settings.register_profile("thorough", deadline=None, max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
