"""What the playground site is built from: one Pyodide runtime and wheels pinned together.

Pyodide's own package loader and micropip resolve dependencies through a CDN, which a course
site (and these machines) cannot count on. The page therefore installs exact wheels by URL,
and this table is the whole list: every file is named by version and checked by hash at build
time, so two builds of the same labinterp give the same site.

The versions were chosen together: pydantic 2.14.4 requires pydantic-core 2.50.5 exactly, and
PyPI publishes that core as a wheel for Pyodide 314's platform (``pyemscripten_2026_0_wasm32``,
CPython 3.14). pint 0.25 is the newest release that still supports the Python 3.11 that
labinterp's own pin allows; its pure-Python dependencies follow. PyYAML publishes no pure
wheel, so one is made from its source release (its ``lib/yaml`` package without the optional
libyaml binding, which the page never needs).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PYODIDE", "PYYAML_SDIST", "WHEELS", "NpmPin", "WheelPin"]


@dataclass(frozen=True, slots=True)
class NpmPin:
    """A package from the npm registry, checked by its registry integrity (sha512)."""

    name: str
    version: str
    integrity: str


@dataclass(frozen=True, slots=True)
class WheelPin:
    """A file from PyPI, checked by sha256. Install order is the order of :data:`WHEELS`."""

    project: str
    version: str
    filename: str
    sha256: str
    platform: str | None = None  # a pip ``--platform`` for wheels built for Pyodide


PYODIDE = NpmPin(
    name="pyodide",
    version="314.0.7",
    integrity="sha512-0YvXxEhfEdpLfb/XkM2BFAeMROq0iMUX2bzzH9pOttyMcWkwq+HbE5uyuGD82LN7y2q+SNvi/6V5JEsOlD2R1A==",
)

#: Dependencies first, so each wheel finds what it imports already in place.
WHEELS: tuple[WheelPin, ...] = (
    WheelPin(
        "typing-extensions",
        "4.16.0",
        "typing_extensions-4.16.0-py3-none-any.whl",
        "481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8",
    ),
    WheelPin(
        "annotated-types",
        "0.8.0",
        "annotated_types-0.8.0-py3-none-any.whl",
        "f072f4d804ea359e4eaf198b1af7a8b0943881a87f31bb764f8bf219bb9419e0",
    ),
    WheelPin(
        "typing-inspection",
        "0.4.5",
        "typing_inspection-0.4.5-py3-none-any.whl",
        "bc210535442b39e1bf2805e0c7a17dfd6a4ace760c84c7f7d16245d23a6b1c39",
    ),
    WheelPin(
        "pydantic-core",
        "2.50.5",
        "pydantic_core-2.50.5-cp314-cp314-pyemscripten_2026_0_wasm32.whl",
        "b2910ec0fa5aeb9bef70156f2b79f4783978fdcfaa7b2f1b5d1814458d2e79a1",
        platform="pyemscripten_2026_0_wasm32",
    ),
    WheelPin(
        "pydantic",
        "2.14.4",
        "pydantic-2.14.4-py3-none-any.whl",
        "653a2ad9f6d8858529c77c72717d0ea991d6c6837fe683246b2f4b2bbfc3fadc",
    ),
    WheelPin(
        "platformdirs",
        "4.14.8",
        "platformdirs-4.14.8-py3-none-any.whl",
        "1e34af590de4d978631b751eb2202f2fee4497537a17c1720b12fcf57b331392",
    ),
    WheelPin(
        "flexcache",
        "0.3",
        "flexcache-0.3-py3-none-any.whl",
        "d43c9fea82336af6e0115e308d9d33a185390b8346a017564611f1466dcd2e32",
    ),
    WheelPin(
        "flexparser",
        "0.4",
        "flexparser-0.4-py3-none-any.whl",
        "3738b456192dcb3e15620f324c447721023c0293f6af9955b481e91d00179846",
    ),
    WheelPin(
        "pint",
        "0.25.3",
        "pint-0.25.3-py3-none-any.whl",
        "27eb25143bd5de9fcc4d5a4b484f16faf6b4615aa93ece6b3373a8c1a3c1b97d",
    ),
)

#: PyYAML's source release; the build turns its pure-Python package into a wheel.
PYYAML_SDIST = WheelPin(
    "pyyaml",
    "6.0.3",
    "pyyaml-6.0.3.tar.gz",
    "d76623373421df22fb4cf8817020cbb7ef15c725b9d5e45f17e189bfc384190f",
)
