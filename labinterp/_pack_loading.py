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
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from labinterp._errors import PackError, did_you_mean, shorten
from labinterp._pack_layers import MergedPack, PackText, merge_documents
from labinterp._pack_models import MAX_NESTING
from labinterp._resources import bundled_packs_dir

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

# libyaml's parser is about five times faster than PyYAML's; the checks below work with both.
_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping whose keys are plain and unique (YAML would silently keep the last)."""
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {str(key)[:80]!r}", key_node.start_mark
            )
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


#: The longest number a pack may write, in characters. YAML 1.1 reads ``1:2:3`` as a base-60
#: integer, and PyYAML builds it part by part: 800 kB of ``1:`` took a minute. A cut-off is
#: never more than a few digits; anything this long is a mistake.
MAX_NUMBER_CHARS = 100

_SCALAR_KINDS = {"int": "an integer", "float": "a number", "bool": "true or false"}
_SCALAR_KINDS |= {"timestamp": "a date", "binary": "base64 data", "null": "null"}

_Construct = Callable[[yaml.SafeLoader, yaml.ScalarNode], Any]


def _checked_scalar(kind: str, construct: _Construct) -> _Construct:
    """PyYAML's constructor for one kind of scalar, refusing what it cannot read with the
    line and column instead of a ValueError (``2020-02-30``, ``!!bool maybe``, an integer past
    Python's digit limit) and refusing overlong numbers before it reads them."""

    def build(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        what = _SCALAR_KINDS[kind]
        if kind in ("int", "float") and len(str(node.value)) > MAX_NUMBER_CHARS:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"{shorten(node.value)} is longer than {MAX_NUMBER_CHARS} characters, too long "
                f"for {what} in a pack",
                node.start_mark,
            )
        try:
            return construct(loader, node)
        except (ValueError, OverflowError, KeyError, TypeError):
            raise yaml.constructor.ConstructorError(
                None, None, f"{shorten(node.value)} is not {what}", node.start_mark
            ) from None

    return build


def _loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    cls: type[yaml.SafeLoader] = type(f"_Pack{base.__name__}", (base,), {})
    cls.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    for kind in _SCALAR_KINDS:
        tag = f"tag:yaml.org,2002:{kind}"
        cls.add_constructor(tag, _checked_scalar(kind, base.yaml_constructors[tag]))
    return cls


#: The loaders packs are read with: libyaml's when installed, and PyYAML's own.
LOADERS: Mapping[str, type[yaml.SafeLoader]] = {
    "libyaml": _loader(_FastLoader),
    "python": _loader(yaml.SafeLoader),
}


def _where(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _check_nodes(root: yaml.Node, label: str) -> None:
    """Refuse aliases and deep nesting before anything is built from the document.

    An alias makes the parser hand back the node it names a second time: a node met twice
    is an alias. Walked with a stack, so that depth cannot overflow Python's.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            raise PackError(
                f"{label}: the value at {_where(node.start_mark)} is used again through a YAML "
                "alias (*name); packs do not allow aliases: write the value out"
            )
        seen.add(id(node))
        if depth > MAX_NESTING:
            raise PackError(
                f"{label}: {_where(node.start_mark)}: nested more than {MAX_NESTING} levels deep"
            )
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack += [(key_node, depth + 1), (value_node, depth + 1)]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(item, depth + 1) for item in node.value]


def parse_pack_yaml(
    text: str, label: str, *, quote: bool = True, loader: type[yaml.SafeLoader] | None = None
) -> Any:
    """The data of one YAML document, read safely.

    With ``quote=False`` (a file reached through ``extends:`` that may not be a pack at all),
    a syntax error gives only its line and column, never the text found there.
    """
    reader = (loader or LOADERS["libyaml"])(text)
    try:
        node = reader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, label)
        return reader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at {_where(mark)}" if mark is not None else ""
        if not quote:
            raise PackError(f"{label}: not a valid pack: not valid YAML{where}") from None
        raise PackError(f"{label}: not valid YAML{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise PackError(f"{label}: not valid YAML" + (f": {exc}" if quote else "")) from None
    except RecursionError:
        # PyYAML's own parser recurses per level; libyaml stops at its own limit first.
        raise PackError(f"{label}: nested more than {MAX_NESTING} levels deep") from None
    finally:
        reader.dispose()


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
