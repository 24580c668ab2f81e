"""labinterp.dask and labinterp.spark load their engines only when imported themselves, and
name the extra to install when the engine is missing (these run whether or not it is)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from _distributed import REQUIRE_ENV, require


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_import_labinterp_imports_neither_dask_nor_pyspark() -> None:
    done = _python(
        "import sys, labinterp, labinterp.frame\n"
        "labinterp.interpret({'ferritin': '8 ng/mL'})\n"
        "print(sorted(m for m in ('dask', 'pyspark', 'py4j') if m in sys.modules))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("module", "engine", "extra"),
    [("labinterp.dask", "dask", "dask"), ("labinterp.spark", "pyspark", "spark")],
)
def test_missing_engine_names_the_extra(module: str, engine: str, extra: str) -> None:
    done = _python(
        "import sys\n"
        f"sys.modules[{engine!r}] = None\n"
        "import labinterp\n"
        "try:\n"
        f"    import {module}\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, isinstance(exc, labinterp.LabinterpError), exc)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("MissingExtraError True")
    assert f"pip install 'labinterp[{extra}]'" in done.stdout


def test_missing_engine_fails_instead_of_skipping_when_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"{REQUIRE_ENV}=1 but"):
        require("labinterp_no_such_engine", "dask")


def test_missing_engine_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"pip install -e '\.\[dask\]'"):
        require("labinterp_no_such_engine", "dask")
