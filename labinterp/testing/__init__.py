"""labinterp.testing: property tests for your own pack or your own wrapper of labinterp.

Install with ``pip install "labinterp[testing]"`` (it needs Hypothesis). ``check_pack(pack)``
checks every property and returns a report; the strategies draw measurements, patient
contexts, panels, threshold edges and whole packs for tests of your own. With pytest, the
``labinterp_pack`` fixture (``labinterp.testing.pytest_plugin``) gives the pack under test.
See docs/testing.md.
"""

from __future__ import annotations

from labinterp._errors import LabinterpError


class MissingExtraError(LabinterpError, ImportError):
    """labinterp.testing was imported without the optional dependencies it needs."""


try:
    import hypothesis  # noqa: F401  # the kit's one extra dependency
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise MissingExtraError(
        "labinterp.testing needs Hypothesis, which labinterp does not install by default; "
        'install the extra: pip install "labinterp[testing]"',
        field="hypothesis",
        expected="the 'testing' extra installed",
        suggestion='pip install "labinterp[testing]"',
    ) from exc

from labinterp.testing._checks import (  # noqa: E402  # after the Hypothesis check
    DEFAULT_MAX_EXAMPLES,
    PROPERTIES,
    PackReport,
    PropertyResult,
    check_pack,
)
from labinterp.testing._edges import EDGE_STEP, EdgeValue, unit_spellings  # noqa: E402
from labinterp.testing._pack_strategies import BrokenPack, broken_packs, packs  # noqa: E402
from labinterp.testing._strategies import (  # noqa: E402
    contexts,
    edge_values,
    measurements,
    pack_analytes,
    pack_edges,
    panels,
)

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "EDGE_STEP",
    "PROPERTIES",
    "BrokenPack",
    "EdgeValue",
    "MissingExtraError",
    "PackReport",
    "PropertyResult",
    "broken_packs",
    "check_pack",
    "contexts",
    "edge_values",
    "measurements",
    "pack_analytes",
    "pack_edges",
    "packs",
    "panels",
    "unit_spellings",
]
