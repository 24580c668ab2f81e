"""Laying a pack over the pack it extends, and finding where a key was written.

A pack that ``extends:`` another is its own document laid over the other's data: sections
(``sources``, ``thresholds``, ``reference_intervals``, ``patterns``, ``classifications``)
merge by key, other keys replace the other's. ``drop:`` removes inherited patterns or
classifications, and ``overrides:`` acknowledges replacing ones that other inherited patterns
refer to; both belong to the one document that writes them and are never inherited.

:class:`MergedPack` keeps, beside the merged data, which document last wrote each key and
each section entry, so that an error found in the merged pack names the file, the key path
and, for YAML, the line and column where it was written. The place is looked up only when
there is an error: a YAML document's text is parsed again then, so a load that succeeds pays
nothing for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from labinterp._errors import did_you_mean

if TYPE_CHECKING:
    import yaml

__all__ = [
    "DROPPABLE_SECTIONS",
    "MERGED_SECTIONS",
    "ExtendStep",
    "MergedPack",
    "PackText",
    "merge_documents",
]

MERGED_SECTIONS = ("sources", "thresholds", "reference_intervals", "patterns", "classifications")
#: The sections whose entries ``drop:`` and ``overrides:`` name.
DROPPABLE_SECTIONS = ("patterns", "classifications")
# Keys that belong to one document of a chain of extends: a pack never inherits them.
_OWN_KEYS = ("drop", "overrides")
_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


@dataclass(slots=True)
class PackText:
    """One document of a pack: its label (a file path, or the caller for Python data) and,
    for YAML, its text, in which keys are located on demand."""

    label: str
    text: str | None = None
    _root: yaml.Node | None = field(default=None, init=False, repr=False)

    def place(self, path: str) -> str:
        """``label:line:column`` of the key path as written (as deep as it exists), or the
        label alone when the document is not YAML or the path is not in it."""
        if self.text is None:
            return self.label
        # Imported here: a load that needs no place (the cached bundled packs) never reads YAML.
        import yaml

        if self._root is None:
            # Only for an error report; the text was parsed and checked (no aliases, bounded
            # depth) when it was read.
            self._root = yaml.compose(
                self.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            )
        mark = _mark_at(self._root, path) if self._root is not None else None
        if mark is None:
            return self.label
        return f"{self.label}:{mark.line + 1}:{mark.column + 1}"


def _tokens(path: str) -> list[str | int]:
    return [int(index) if index else key for index, key in _TOKEN.findall(path)]


def _mark_at(root: yaml.Node, path: str) -> yaml.Mark | None:
    """The start of the deepest key (or list item) of ``path`` that the document has.

    A key may itself contain dots, so at each mapping the longest run of path parts that
    names a key is taken.
    """
    import yaml  # imported with the document's text, in place()

    node, mark, parts, i = root, None, _tokens(path), 0
    while i < len(parts):
        if isinstance(node, yaml.MappingNode):
            found = None
            run = 0
            while i + run < len(parts) and isinstance(parts[i + run], str):
                run += 1
            for n in range(run, 0, -1):
                key = ".".join(str(p) for p in parts[i : i + n])
                found = next(((k, v) for k, v in node.value if k.value == key), None)
                if found is not None:
                    i += n
                    break
            if found is None:
                break
            mark, node = found[0].start_mark, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(parts[i], int):
            index = parts[i]
            assert isinstance(index, int)
            if index >= len(node.value):
                break
            node = node.value[index]
            mark, i = node.start_mark, i + 1
        else:
            break
    return mark


@dataclass(frozen=True, slots=True)
class ExtendStep:
    """One document laid over the packs it extends: what it dropped, what it says it
    overrides, and each inherited entry it replaced (with the entry it replaced)."""

    document: int
    drop: tuple[tuple[int, str], ...]  # (position in the drop list, id), each one dropped
    overrides: tuple[tuple[int, str], ...]
    replaced: Mapping[tuple[str, str], Any]  # (section, id) -> the inherited entry


@dataclass(slots=True)
class MergedPack:
    """The data of a pack with the packs it extends, and where each part was written."""

    data: dict[str, Any]
    documents: list[PackText]
    #: (key,) or (section, entry id) -> the index of the document that last wrote it.
    origins: dict[tuple[str, ...], int] = field(default_factory=dict)
    steps: list[ExtendStep] = field(default_factory=list)
    #: Problems found while merging: (document, key path, problem).
    problems: list[tuple[int, str, str]] = field(default_factory=list)

    def document_of(self, path: str) -> int:
        """The document a key path was written in: the last to write its entry or key."""
        parts = _tokens(path)
        head = parts[0] if parts and isinstance(parts[0], str) else ""
        if head in MERGED_SECTIONS and len(parts) > 1:
            entry = self._entry_of(head, path[len(head) + 1 :])
            if entry is not None and (head, entry) in self.origins:
                return self.origins[head, entry]
        return self.origins.get((head,), len(self.documents) - 1)

    def _entry_of(self, section: str, rest: str) -> str | None:
        # An entry id may hold dots: the longest id written in the section that starts the path.
        ids = (k[1] for k in self.origins if len(k) == 2 and k[0] == section)
        found = [k for k in ids if rest == k or rest.startswith((k + ".", k + "["))]
        return max(found, key=len, default=None)

    def place(self, path: str, document: int | None = None) -> str:
        """Where ``path`` was written: ``file:line:column``, a file, or "" for the only
        document of Python data (the report's heading names it already)."""
        doc = self.documents[self.document_of(path) if document is None else document]
        if doc.text is None and len(self.documents) == 1:
            return ""
        return doc.place(path)


def merge_documents(documents: Sequence[tuple[PackText, Mapping[str, Any]]]) -> MergedPack:
    """The documents of one chain of ``extends``, the furthest base first, merged."""
    first_text, first = documents[0]
    merged = MergedPack(dict(first), [first_text])
    _record_origins(merged, first, 0)
    if len(documents) > 1:
        for key in _OWN_KEYS:
            if first.get(key):
                # The root of a chain extends nothing: its own drop or overrides cannot apply.
                merged.problems.append((0, key, f"only a pack that extends another can use {key}"))
    for index, (text, child) in enumerate(documents[1:], start=1):
        merged.documents.append(text)
        _lay_over(merged, child, index, last=index == len(documents) - 1)
    return merged


def _record_origins(merged: MergedPack, child: Mapping[str, Any], document: int) -> None:
    for key, value in child.items():
        merged.origins[(str(key),)] = document
        if key in MERGED_SECTIONS and isinstance(value, Mapping):
            for entry in value:
                merged.origins[(str(key), str(entry))] = document


def _lay_over(merged: MergedPack, child: Mapping[str, Any], document: int, *, last: bool) -> None:
    base = merged.data
    data = {k: v for k, v in base.items() if k not in _OWN_KEYS}
    replaced: dict[tuple[str, str], Any] = {}
    for key, value in child.items():
        section = base.get(key)
        if key in MERGED_SECTIONS and isinstance(value, Mapping):
            inherited = section if isinstance(section, Mapping) else {}
            if key in DROPPABLE_SECTIONS:
                replaced.update({(key, k): inherited[k] for k in value if k in inherited})
            data[key] = {**inherited, **value}
        else:
            data[key] = value
    merged.data = data
    _record_origins(merged, child, document)
    drop = _own_ids(merged, child, "drop", document, last=last)
    overrides = _own_ids(merged, child, "overrides", document, last=last)
    dropped = tuple(_drop(merged, child, base, drop, document))
    for i, pid in overrides:
        if not any((section, pid) in replaced for section in DROPPABLE_SECTIONS):
            merged.problems.append(
                (
                    document,
                    f"overrides[{i}]",
                    f"{pid!r} is not an inherited pattern or classification that this pack "
                    "replaces; list only ids this pack defines again",
                )
            )
    merged.steps.append(ExtendStep(document, dropped, overrides, replaced))


def _own_ids(
    merged: MergedPack, child: Mapping[str, Any], key: str, document: int, *, last: bool
) -> tuple[tuple[int, str], ...]:
    """The ids under ``drop`` or ``overrides``, with their positions. The last document's
    are checked with the rest of the pack; one further up the chain is checked here."""
    value = child.get(key)
    if value is None:
        return ()
    items = value if isinstance(value, list) else []
    if not last and (not isinstance(value, list) or not all(isinstance(v, str) for v in items)):
        merged.problems.append((document, key, "expected a list of pattern ids"))
    return tuple((i, v) for i, v in enumerate(items) if isinstance(v, str))


def _drop(
    merged: MergedPack,
    child: Mapping[str, Any],
    base: Mapping[str, Any],
    drop: tuple[tuple[int, str], ...],
    document: int,
) -> list[tuple[int, str]]:
    dropped: list[tuple[int, str]] = []
    for i, pid in drop:
        own = [
            s for s in DROPPABLE_SECTIONS if isinstance(child.get(s), Mapping) and pid in child[s]
        ]
        held = [
            s for s in DROPPABLE_SECTIONS if isinstance(base.get(s), Mapping) and pid in base[s]
        ]
        if own:
            merged.problems.append(
                (document, f"drop[{i}]", f"{pid!r} is dropped and defined again under {own[0]}")
            )
        elif not held:
            known = [
                k
                for s in DROPPABLE_SECTIONS
                if isinstance(base.get(s), Mapping)
                for k in base[s]
                if isinstance(k, str)
            ]
            hint = did_you_mean(pid, known)
            merged.problems.append(
                (
                    document,
                    f"drop[{i}]",
                    f"no inherited pattern or classification {pid!r}"
                    + (f"; did you mean {hint!r}?" if hint else ""),
                )
            )
        else:
            for section in held:
                kept = dict(merged.data[section])
                del kept[pid]
                merged.data[section] = kept
            dropped.append((i, pid))
    return dropped
