"""Reading pack files: which file a name means, safe and bounded YAML, and ``extends:``.

One rule says what a pack reference means, wherever it is written (``load_pack``,
``interpret(pack=...)``, ``--pack``, ``extends:``): a bare lower-case name such as
``default`` is always the bundled pack of that name; a path has a ``.yaml``/``.yml`` suffix or
a folder separator. A ``Path`` object is always a path. Nothing in the current folder can
stand in for a bundled pack.

Every read is bounded: files over :data:`MAX_PACK_BYTES` (counted over the whole chain of
``extends``), nesting beyond :data:`MAX_NESTING`, chains longer than :data:`MAX_EXTENDS` and
YAML aliases (which let a kilobyte expand to gigabytes) are refused with the file, and the
line and column where known.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labinterp._errors import PackError, did_you_mean
from labinterp._pack_layers import MergedPack, PackText, merge_documents
from labinterp._resources import bundled_packs_dir

if TYPE_CHECKING:
    import yaml

__all__ = [
    "MAX_EXTENDS",
    "MAX_PACK_BYTES",
    "bundled_pack_file",
    "bundled_pack_names",
    "locate_pack",
    "parse_pack_yaml",
    "read_pack_data",
]

#: The most bytes a pack file may have, together with the files it extends (1 MB: fifty times
#: the bundled default pack).
MAX_PACK_BYTES = 1_000_000
#: The most packs one chain of ``extends:`` may hold, the first pack included.
MAX_EXTENDS = 16
# A file system path is at most 4096 bytes on Linux; longer text is not a path at all.
_MAX_REFERENCE = 4096
_BUNDLED_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PACK_SUFFIXES = (".yaml", ".yml")


def bundled_pack_names() -> list[str]:
    """Names of the packs shipped with labinterp."""
    return sorted(p.stem for p in bundled_packs_dir().glob("*.yaml"))


def bundled_pack_file(name: str) -> Path:
    return bundled_packs_dir() / f"{name}.yaml"


def _shown(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:60] + "...")


def _is_path_text(ref: str) -> bool:
    separators = [s for s in ("/", os.sep, os.altsep) if s]
    return any(s in ref for s in separators) or ref.lower().endswith(_PACK_SUFFIXES)


def locate_pack(ref: object, *, folder: Path, key: str, label: str | None) -> str | Path:
    """What ``ref`` names: a bundled pack's name (``str``) or a file (an absolute ``Path``).

    ``folder`` is where a relative path starts; ``key`` (``pack`` or ``extends``) and
    ``label`` (the file that holds the reference, if any) locate the message.
    """
    prefix = f"{label}: {key}: " if label else ""
    if isinstance(ref, Path):
        return _absolute(folder, ref, prefix, key)
    expected = "a bundled pack name such as 'default', or a path to a .yaml file"
    if not isinstance(ref, str) or not ref.strip():
        raise PackError(
            f"{prefix}a pack is {expected}; got {ref!r}"[:300],
            field=key,
            value=ref if isinstance(ref, str) else type(ref).__name__,
            expected=expected,
        )
    if len(ref) > _MAX_REFERENCE or "\0" in ref:
        why = "is too long to be a file path" if "\0" not in ref else "contains a NUL byte"
        raise PackError(f"{prefix}{_shown(ref)} {why}", field=key, expected=expected)
    if _BUNDLED_NAME.fullmatch(ref):
        if ref in bundled_pack_names():
            return ref
        raise _unknown_name(ref, folder, prefix, key, "no bundled pack named")
    if _is_path_text(ref):
        return _absolute(folder, Path(ref), prefix, key)
    raise _unknown_name(
        ref,
        folder,
        prefix,
        key,
        "not a bundled pack name (lower-case letters, digits and '_') nor a pack file path "
        "(ending in .yaml or .yml, or containing '/'):",
    )


def _absolute(folder: Path, path: Path, prefix: str, key: str) -> Path:
    try:
        return (folder / path).resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a symlink loop
        raise PackError(
            f"{prefix}cannot use {_shown(str(path))} as a path: {exc}", field=key
        ) from None


def _unknown_name(ref: str, folder: Path, prefix: str, key: str, what: str) -> PackError:
    names = bundled_pack_names()
    hint = did_you_mean(ref, names)
    message = f"{prefix}{what} {_shown(ref)}" + (
        f"; did you mean {hint!r}?" if hint else f" (bundled: {', '.join(names)})"
    )
    try:
        exists = (folder / ref).exists()
    except (OSError, ValueError):
        exists = False
    if exists:
        message += f"; to use the file named {_shown(ref)}, write './{ref}'"
    return PackError(message, field=key, value=ref, suggestion=hint)


# --- YAML ---------------------------------------------------------------------------------------


def parse_pack_yaml(
    text: str, label: str, *, quote: bool = True, loader: type[yaml.SafeLoader] | None = None
) -> Any:
    """The data of one YAML document, read safely (see :mod:`labinterp._pack_yaml`)."""
    # Imported here: PyYAML is needed only when a pack file is read (not from the cache).
    from labinterp._pack_yaml import parse_pack_yaml as parse

    return parse(text, label, quote=quote, loader=loader)


# --- files --------------------------------------------------------------------------------------


def _bundled_files() -> set[Path]:
    return {bundled_pack_file(name) for name in bundled_pack_names()}


def _read_text(path: Path, label: str, budget: int) -> tuple[str, int]:
    """The file's text and size in bytes, refused when over ``budget`` bytes or not UTF-8."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise PackError(f"{label}: cannot read pack: {kind}", value=str(path))
        if info.st_size > budget:
            raise _too_large(label, info.st_size)
        with path.open("rb") as handle:
            data = handle.read(budget + 1)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise PackError(f"{label}: cannot read pack: {why}", value=str(path)) from None
    if len(data) > budget:
        raise _too_large(label, len(data))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in data[:4096]:
        raise PackError(f"{label}: the file is UTF-16 (or binary); save the pack as UTF-8 text")
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), len(data)
    except UnicodeDecodeError as exc:
        raise PackError(
            f"{label}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start:,}); "
            "save the pack as UTF-8"
        ) from None


def _too_large(label: str, size: int) -> PackError:
    return PackError(
        f"{label}: {size:,} bytes is too large; a pack, together with the packs it extends, "
        f"may be at most {MAX_PACK_BYTES:,} bytes (1 MB)",
        value=size,
        expected=f"at most {MAX_PACK_BYTES:,} bytes",
    )


def read_pack_data(
    path: Path, *, extends_root: Path | None, pack_keys: Collection[str]
) -> MergedPack:
    """The pack file at ``path`` merged over the packs it extends, nearest last, with where
    each part was written.

    ``extends:`` may name a bundled pack, or a file inside ``extends_root`` (by default the
    folder of the pack that names it). A file reached that way must look like a pack (only
    pack keys, and a name) before anything from it is shown in a message.
    """
    label = str(path)
    chain: list[tuple[PackText, dict[str, Any]]] = []
    visited: list[Path] = []
    budget = MAX_PACK_BYTES
    current, ref = path, ""
    while True:
        if current in visited:
            cycle = " -> ".join(p.name for p in (*visited, current))
            raise PackError(f"{label}: extends forms a cycle: {cycle}", field="extends")
        if len(visited) == MAX_EXTENDS:
            raise PackError(
                f"{label}: extends: more than {MAX_EXTENDS} packs in one chain of extends",
                field="extends",
                expected=f"at most {MAX_EXTENDS} packs",
            )
        visited.append(current)
        # The file asked for, and bundled packs, are quoted in messages; a file reached
        # through extends is not, until it is known to be a pack.
        trusted = current == path or current in _bundled_files()
        here = label if current == path else f"{label}: extends {_shown(ref)} ({current})"
        text, size = _read_text(current, here, budget)
        budget -= size
        data = parse_pack_yaml(text, here, quote=trusted)
        if not trusted and not _looks_like_a_pack(data, pack_keys):
            raise PackError(
                f"{here}: not a pack file (a pack is a mapping of pack keys with a name); "
                "load it directly to see its problems",
                field="extends",
                value=ref,
            )
        if not isinstance(data, dict):
            raise PackError(f"{here}: a pack must be a YAML mapping")
        chain.append((PackText(str(current), text), data))
        parent = data.get("extends")
        if parent is None:
            break
        if not isinstance(parent, str):
            raise PackError(
                f"{here}: extends: expected a bundled pack name or a file path",
                field="extends",
            )
        current, ref = _extended_file(parent, current, here, extends_root), parent
    return merge_documents(chain[::-1])


def _looks_like_a_pack(data: object, pack_keys: Collection[str]) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("name"), str)
        and all(isinstance(k, str) and k in pack_keys for k in data)
    )


def _extended_file(ref: str, extending: Path, label: str, extends_root: Path | None) -> Path:
    found = locate_pack(ref, folder=extending.parent, key="extends", label=label)
    if isinstance(found, str):
        return bundled_pack_file(found)
    root = extending.parent if extends_root is None else extends_root
    if not found.is_relative_to(root):
        raise PackError(
            f"{label}: extends: {_shown(ref)} is outside {root}; a pack may extend a bundled "
            "pack or a file in its own folder or below it (load_pack(..., extends_root=FOLDER) "
            "or --extends-root FOLDER allows a wider folder)",
            field="extends",
            value=ref,
            expected=f"a file inside {root}",
        )
    if not found.is_file():
        hint = did_you_mean(ref, bundled_pack_names())
        raise PackError(
            f"{label}: extends: no file {_shown(ref)} (looked for {found})"
            + (f"; did you mean the bundled pack {hint!r}?" if hint else ""),
            field="extends",
            value=ref,
            suggestion=hint,
        )
    return found
