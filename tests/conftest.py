"""Shared test configuration: the Hypothesis profile every property test runs under, and
the rule that CI runs every test.

Tests that need an optional part (pandas for whole tables, fhir.resources, a browser, Spark)
skip with the reason where it is absent, so the README's test command passes with only Python
and pip. ``LABINTERP_NO_SKIPS=1`` (set by ``.ci/run``, which installs every part) turns any
skip into a failed run, so CI cannot pass with a test quietly left out.
"""

from __future__ import annotations

import os
import tempfile

import pytest
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


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("LABINTERP_NO_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if not skipped:
        return
    if reporter is not None:
        reporter.write_line(
            f"LABINTERP_NO_SKIPS=1: {len(skipped)} test(s) skipped; every part must be present",
            red=True,
        )
        for report in skipped[:20]:
            reporter.write_line(f"  skipped: {report.nodeid} {report.longrepr}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
