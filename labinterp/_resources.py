"""Where the bundled threshold packs live.

In a wheel, hatchling's force-include copies the top-level ``reference_ranges/`` folder into
``labinterp/reference_ranges``. Editable installs do not apply force-include, so there the
folder is found beside the package, in the checkout. ``.ci/run`` exercises both.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["bundled_packs_dir"]

_PACKAGE = Path(__file__).resolve().parent


@cache
def bundled_packs_dir() -> Path:
    """The folder holding the bundled packs (``default.yaml`` and friends)."""
    for candidate in (_PACKAGE / "reference_ranges", _PACKAGE.parent / "reference_ranges"):
        if (candidate / "default.yaml").is_file():
            return candidate
    raise FileNotFoundError(  # pragma: no cover - a broken install
        "labinterp's bundled packs were not found beside the package; reinstall labinterp"
    )
