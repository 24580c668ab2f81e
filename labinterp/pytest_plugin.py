"""pytest plugin: the ``labinterp_pack`` fixture, the pack a test suite checks.

Installed with labinterp (entry point ``pytest11``), so it is active in every pytest run. It
lives outside ``labinterp.testing`` and imports only pytest and labinterp's pack loader, so it
works without Hypothesis (which ``labinterp.testing`` needs) and adds nothing to test runs that
do not ask for the fixture.

Which pack: the ``labinterp_pack`` marker on the test (``@pytest.mark.labinterp_pack("my.yaml")``,
a path relative to the test file, or a bundled pack's name), else the ``labinterp_pack`` ini
option (relative to the ini file), else the default pack.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from labinterp._packs import Pack, load_pack

_HELP = (
    "pack for the labinterp_pack fixture: a pack file (relative to the ini file) or a "
    "bundled pack's name; default: the bundled default pack"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("labinterp_pack", _HELP, default="default")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "labinterp_pack(pack): the pack file (relative to the test file) or bundled pack's "
        "name the labinterp_pack fixture loads for this test",
    )


def _located(ref: str, folder: Path) -> str | Path:
    """A bundled pack's name as it is; a file relative to ``folder``."""
    if "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml")):
        return folder / ref
    return ref


@pytest.fixture
def labinterp_pack(request: pytest.FixtureRequest) -> Pack:
    """The pack under test, loaded and validated (see the module's docstring for which)."""
    marker = request.node.get_closest_marker("labinterp_pack")
    if marker is not None:
        if len(marker.args) != 1 or not isinstance(marker.args[0], str | Path):
            raise pytest.UsageError("labinterp_pack marker: give one pack file or pack name")
        ref = marker.args[0]
        folder = Path(str(request.path)).parent
    else:
        ref = str(request.config.getini("labinterp_pack"))
        folder = (
            request.config.rootpath
            if request.config.inipath is None
            else (request.config.inipath.parent)
        )
    return load_pack(
        ref if isinstance(ref, Path) and ref.is_absolute() else _located(str(ref), folder)
    )
