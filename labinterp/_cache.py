"""A cache of what labinterp builds from its own bundled files (the analyte catalog, the
bundled packs), so that a fresh process does not validate them again.

Reading and checking the bundled YAML is the same work on every start of the command line:
it builds pydantic validators and walks every cross-reference. The first process that does it
stores the result here, pickled; later ones unpickle it, which creates the objects without
validating them again. That is safe because the stored object is only ever used when the
fingerprint it was stored under matches the current one: a sha256 of labinterp's version,
the Python and pydantic versions and the bytes of every module and bundled data file that
could change the result. A file that is missing, unreadable, from another fingerprint or not
the expected type is ignored and the object is built (and stored) again; failing to store it
is silent. Nothing but the result of labinterp's own validation is ever stored.

The folder is ``$LABINTERP_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/labinterp`` or
``~/.cache/labinterp``. ``LABINTERP_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import os
import pickle
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from labinterp._resources import bundled_packs_dir
from labinterp._version import __version__

__all__ = ["cache_dir", "cached_build", "fingerprint"]

_T = TypeVar("_T")
_PACKAGE = Path(__file__).resolve().parent
# Bumped when the layout of a cache file changes.
_FORMAT = "labinterp-cache-1"


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    if os.environ.get("LABINTERP_NO_CACHE", "") not in ("", "0"):
        return None
    chosen = os.environ.get("LABINTERP_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "labinterp"


def _sources() -> list[Path]:
    """Every file whose bytes can change what is cached: labinterp's modules (the models and
    their checks), the analyte catalog and the bundled packs."""
    files = [*_PACKAGE.glob("*.py"), *(_PACKAGE / "catalog").glob("*.yaml")]
    files += bundled_packs_dir().glob("*.yaml")
    return sorted(files)


@cache
def fingerprint() -> str:
    """The sha256 every cached object is stored under (computed once per process)."""
    import pydantic_core  # already imported by every caller; its version shapes pickles

    digest = hashlib.sha256()
    for part in (_FORMAT, __version__, sys.version, pydantic_core.__version__):
        digest.update(part.encode() + b"\0")
    for path in _sources():
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cached_build(kind: str, build: Callable[[], _T], expected: type[_T]) -> _T:
    """The object ``build()`` returns, from the cache when a current copy is stored there.

    ``kind`` names the object (``"catalog"``, ``"pack-default"``); ``build`` must be
    deterministic given the fingerprinted files. When ``build`` raises, nothing is stored.
    """
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        key = fingerprint()
    except OSError:  # a source file that cannot be read: no fingerprint, so no cache
        return build()
    path = folder / f"{kind}-{key[:40]}.pickle"
    found = _read(path, key, kind, expected)
    if found is not None:
        return found
    built = build()
    _write(folder, kind, path, (_FORMAT, key, kind, built))
    return built


def _read(path: Path, key: str, kind: str, expected: type[_T]) -> _T | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        # Unpickling can run code that the data names: the folder is the user's own (made
        # 0700), so what is read here is what a process of the same user stored.
        stored = pickle.loads(data)
    except Exception:  # a truncated or corrupt file: build again
        return None
    if (
        isinstance(stored, tuple)
        and len(stored) == 4
        and stored[:3] == (_FORMAT, key, kind)
        and isinstance(stored[3], expected)
    ):
        return stored[3]
    return None


def read_only_mapping(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    """Rebuilds a read-only mapping on unpickling (pickle cannot store one by itself)."""
    return MappingProxyType(items)


def _reduce_mapping(proxy: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return read_only_mapping, (dict(proxy),)


def _pickled(stored: object) -> bytes:
    """``stored`` pickled, read-only mappings (the catalog has them) included; the rule for
    them is this pickler's own, not a change to pickle for everyone."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_mapping}
    pickler.dump(stored)
    return buffer.getvalue()


def _write(folder: Path, kind: str, path: Path, stored: object) -> None:
    """Store atomically (a reader never sees half a file); any failure leaves no cache."""
    import tempfile  # only when storing: not on the path of a start that finds the cache

    try:
        data = _pickled(stored)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=path.stem, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        for old in folder.glob(f"{kind}-*.pickle"):  # copies stored under older fingerprints
            if old != path:
                with contextlib.suppress(OSError):
                    old.unlink()
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return
