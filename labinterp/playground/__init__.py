"""The labinterp playground: a static teaching page that runs labinterp in the browser.

``build_site(out_dir)`` (or ``labinterp playground build OUT_DIR``) assembles the Pyodide
runtime, pinned wheels and one page into a folder that any static web server can host. The
page interprets panels with no server of its own: no result leaves the learner's computer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labinterp.playground._build import (
        PlaygroundBuildError,
        SiteReport,
        build_site,
        default_cache_dir,
    )
    from labinterp.playground._pins import PYODIDE, PYYAML_SDIST, WHEELS

__all__ = [
    "PYODIDE",
    "PYYAML_SDIST",
    "WHEELS",
    "PlaygroundBuildError",
    "SiteReport",
    "build_site",
    "default_cache_dir",
]

# Loaded on first use: the command line imports this package for its parser on every command,
# and the build's archive, hashing and subprocess modules would slow all of them (cold start).
_HOME = {
    "PYODIDE": "_pins",
    "PYYAML_SDIST": "_pins",
    "WHEELS": "_pins",
    "PlaygroundBuildError": "_build",
    "SiteReport": "_build",
    "build_site": "_build",
    "default_cache_dir": "_build",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
