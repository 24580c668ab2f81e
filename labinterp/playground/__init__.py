"""The labinterp playground: a static teaching page that runs labinterp in the browser.

``build_site(out_dir)`` (or ``labinterp playground build OUT_DIR``) assembles the Pyodide
runtime, pinned wheels and one page into a folder that any static web server can host. The
page interprets panels with no server of its own: no result leaves the learner's computer.
"""

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
