"""Shared test configuration: the Hypothesis profile every property test runs under."""

from __future__ import annotations

import os

from hypothesis import settings

# No deadline: the first example of a property may resolve pint factors (tens of ms), which is
# not a performance problem of the code under test. 100 examples keep the suite fast.
settings.register_profile("ci", deadline=None, max_examples=100)
# HYPOTHESIS_PROFILE=thorough for a longer hunt before a release.
settings.register_profile("thorough", deadline=None, max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
