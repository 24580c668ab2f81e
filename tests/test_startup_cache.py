"""The start-up cache (labinterp._cache): a stored catalog or bundled pack is used only when
it is current, equals what validation builds, and anything wrong with it means building again.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from labinterp import _cache, _packs
from labinterp._catalog import Catalog, load_catalog
from labinterp._pack_loading import bundled_pack_file
from labinterp._pack_models import EVERYONE, Population, When
from labinterp._packs import Pack, bundled_pack_names, checked_when_loaded, default_pack


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LABINTERP_CACHE_DIR", str(folder))
    monkeypatch.delenv("LABINTERP_NO_CACHE", raising=False)
    return folder


def _validated_pack(name: str) -> Pack:
    return _packs._load_path(bundled_pack_file(name), extends_root=None)


def _refuse_to_build() -> Any:
    raise AssertionError("built again: the stored copy was not used")


def _stored(folder: Path, kind: str) -> list[Path]:
    return sorted(folder.glob(f"{kind}-*.pickle"))


@pytest.mark.parametrize("name", bundled_pack_names())
def test_a_stored_bundled_pack_equals_the_validated_one(
    name: str, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    validated = _validated_pack(name)
    first = _packs._load_bundled.__wrapped__(name)  # validates and stores
    assert len(_stored(cache_folder, f"pack-{name}")) == 1
    # Were it built again, this would fail: the second load must come from the file.
    monkeypatch.setattr(_packs, "_load_path", lambda *a, **k: _refuse_to_build())
    stored = _packs._load_bundled.__wrapped__(name)
    assert stored is not first
    assert stored == first
    assert stored == validated
    assert stored.model_dump(mode="json") == first.model_dump(mode="json")
    assert repr(stored) == repr(first)


def test_the_stored_catalog_equals_the_checked_one(cache_folder: Path) -> None:
    first = _cache.cached_build("catalog", load_catalog, Catalog)
    stored = _cache.cached_build("catalog", _refuse_to_build, Catalog)
    assert stored is not first
    assert stored == first == load_catalog()
    # The read-only mappings stay read-only after the round trip.
    assert type(stored.different_tests) is type(first.different_tests)
    assert all(
        type(a.dimension_hints) is type(b.dimension_hints)
        for a, b in zip(stored.analytes, first.analytes, strict=True)
    )


def test_a_copy_stored_under_another_fingerprint_is_never_used(
    cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _cache.cached_build("thing", lambda: "old", str) == "old"
    monkeypatch.setattr(_cache, "fingerprint", lambda: "f" * 64)
    assert _cache.cached_build("thing", lambda: "new", str) == "new"
    # The copy of the older fingerprint is gone; the current one is stored.
    (only,) = _stored(cache_folder, "thing")
    assert _cache.cached_build("thing", _refuse_to_build, str) == "new"
    assert only.name.startswith("thing-" + "f" * 40)


def test_a_renamed_stale_copy_is_refused(cache_folder: Path) -> None:
    _cache.cached_build("thing", lambda: "current", str)
    (path,) = _stored(cache_folder, "thing")
    # A file under the current name whose content was stored under another fingerprint.
    stale = ("labinterp-cache-1", "0" * 64, "thing", "stale")
    path.write_bytes(pickle.dumps(stale))
    assert _cache.cached_build("thing", lambda: "rebuilt", str) == "rebuilt"


def test_a_copy_of_the_wrong_type_is_refused(cache_folder: Path) -> None:
    _cache.cached_build("thing", lambda: "text", str)
    (path,) = _stored(cache_folder, "thing")
    path.write_bytes(pickle.dumps(("labinterp-cache-1", _cache.fingerprint(), "thing", 42)))
    assert _cache.cached_build("thing", lambda: "rebuilt", str) == "rebuilt"


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05\x95garbage"])
def test_a_corrupt_copy_falls_back_to_validation(cache_folder: Path, damage: bytes) -> None:
    first = _packs._load_bundled.__wrapped__("default")
    (path,) = _stored(cache_folder, "pack-default")
    path.write_bytes(damage)
    rebuilt = _packs._load_bundled.__wrapped__("default")
    assert rebuilt == first
    assert path.read_bytes() != damage  # and a good copy is stored again


def test_a_truncated_copy_falls_back_to_validation(cache_folder: Path) -> None:
    _packs._load_bundled.__wrapped__("default")
    (path,) = _stored(cache_folder, "pack-default")
    path.write_bytes(path.read_bytes()[:500])
    assert _packs._load_bundled.__wrapped__("default") == _validated_pack("default")


def test_the_fingerprint_follows_the_bytes_of_the_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "default.yaml"
    source.write_text("a: 1\n")
    monkeypatch.setattr(_cache, "_sources", lambda: [source])
    _cache.fingerprint.cache_clear()
    try:
        before = _cache.fingerprint()
        source.write_text("a: 2\n")
        _cache.fingerprint.cache_clear()
        assert _cache.fingerprint() != before
    finally:
        _cache.fingerprint.cache_clear()


def test_the_sources_hold_the_modules_catalog_and_bundled_packs() -> None:
    names = {path.name for path in _cache._sources()}
    assert {"_packs.py", "_pack_models.py", "_catalog.py", "analytes.yaml"} <= names
    assert {f"{name}.yaml" for name in bundled_pack_names()} <= names


def test_an_unreadable_source_means_no_cache(
    cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable() -> str:
        raise PermissionError("a source file cannot be read")

    monkeypatch.setattr(_cache, "fingerprint", unreadable)
    assert _cache.cached_build("thing", lambda: "built", str) == "built"
    assert not cache_folder.exists()


def test_an_unwritable_cache_folder_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("LABINTERP_CACHE_DIR", str(blocker / "cache"))
    assert _packs._load_bundled.__wrapped__("default") == _validated_pack("default")


def test_the_cache_can_be_turned_off(cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABINTERP_NO_CACHE", "1")
    assert _cache.cache_dir() is None
    _packs._load_bundled.__wrapped__("default")
    assert not cache_folder.exists()


@pytest.mark.parametrize("name", bundled_pack_names())
def test_bundled_packs_load_without_warnings(name: str) -> None:
    # The cache skips what a load would warn about, so a bundled pack must not warn.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _validated_pack(name)


def test_only_loaded_bundled_packs_count_as_checked() -> None:
    pack = default_pack()
    assert checked_when_loaded(pack)
    assert not checked_when_loaded(_validated_pack("default"))
    assert not checked_when_loaded(Pack.model_validate(pack.model_dump(by_alias=True)))


def test_constants_built_without_validation_equal_validated_ones() -> None:
    validated = Population(description=EVERYONE.description)
    assert validated == EVERYONE
    assert repr(EVERYONE) == repr(validated)
    assert EVERYONE.model_fields_set == validated.model_fields_set
    assert EVERYONE.model_dump(exclude_unset=True) == validated.model_dump(exclude_unset=True)
    from labinterp._pack_coverage import _EVERYONE
    from labinterp._rule_base import ALWAYS

    for built in (_EVERYONE, ALWAYS):
        assert built == When()
        assert repr(built) == repr(When())
        assert built.model_fields_set == When().model_fields_set


# What ``labinterp interpret`` loads in a fresh process, once the cache holds the catalog and
# the default pack: none of the modules of other commands, and no pydantic validator at all
# (building the first one costs more than everything else the command does).
_INTERPRET_PROBE = """
import contextlib, io, json, sys
import pydantic
from labinterp._cli import main

with contextlib.redirect_stdout(io.StringIO()) as out:
    status = main(["interpret", sys.argv[1]])

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

built = sorted(
    f"{cls.__module__}.{cls.__qualname__}"
    for cls in subclasses(pydantic.BaseModel)
    if cls.__module__.startswith("labinterp") and cls.__pydantic_complete__
)
print(json.dumps({"status": status, "out": out.getvalue(), "modules": sorted(sys.modules),
                  "built": built}))
"""

_NOT_FOR_INTERPRET = (
    "labinterp.fhir",
    "labinterp._fhir",
    "labinterp.frame",
    "labinterp._frame",  # labinterp.frame's machinery (_frame_table ...)
    "labinterp._columnar",
    "labinterp.playground._build",
    "labinterp.testing",
    "labinterp._catalog",
    "labinterp._review",
    "labinterp._interpretation_",
    "labinterp._pack_yaml",
    "yaml",
    "jsonschema",
    "pint",
    "numpy",
    "zipfile",
    "tarfile",
    "subprocess",
)


def _run_interpret_probe(cache: Path) -> dict[str, Any]:
    panel = Path(__file__).resolve().parents[1] / "examples" / "iron_deficiency_panel.json"
    env = {**os.environ, "LABINTERP_CACHE_DIR": str(cache)}
    env.pop("LABINTERP_NO_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-c", _INTERPRET_PROBE, str(panel)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_interpret_loads_only_what_it_needs(tmp_path: Path) -> None:
    first = _run_interpret_probe(tmp_path)  # fills the cache
    again = _run_interpret_probe(tmp_path)
    assert first["status"] == again["status"] == 0
    assert again["out"] == first["out"]
    assert "consistent with iron deficiency" in again["out"].lower()
    loaded = [m for m in again["modules"] if m.startswith(_NOT_FOR_INTERPRET)]
    assert loaded == []
    assert again["built"] == []
    # Without the cache the same command validates (and so builds validators): the probe
    # would see it.
    assert first["built"] != []
