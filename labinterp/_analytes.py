"""The analyte catalog: what each lab test is, how it is coded, and which units it accepts.

The entries are data, in ``labinterp/catalog/analytes.yaml`` (see its header for every key),
read and checked whole by :mod:`labinterp._catalog` the first time the catalog is used, not
when labinterp is imported. This module is the catalog as the rest of labinterp sees it:
:data:`ANALYTES` by id, the names and aliases that lead to them, and the names of look-alike
tests that are refused with the reason.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from labinterp._analyte_types import (
    Analyte,
    Catalog,
    Derivation,
    LoincCode,
    MolarMass,
    PlausibleRange,
    ResolvedUnit,
    loinc_check_digit_ok,
    name_key,
)
from labinterp._cache import cached_build
from labinterp._errors import UnknownAnalyteError, shorten

if TYPE_CHECKING:
    from _collections_abc import dict_items, dict_keys, dict_values

    from labinterp._analyte_types import DifferentTest

__all__ = [
    "ANALYTES",
    "Analyte",
    "AnalyteId",
    "Derivation",
    "LoincCode",
    "MolarMass",
    "PlausibleRange",
    "ResolvedUnit",
    "get_analyte",
    "is_one_typo",
    "loinc_check_digit_ok",
    "resolve_analyte_id",
]

# The catalog's ids, in catalog order, for static typing; a test checks that they are exactly
# the ids in analytes.yaml (and that Panel has one field for each measured one).
AnalyteId = Literal[
    "ferritin",
    "transferrin_saturation",
    "iron",
    "tibc",
    "transferrin",
    "hemoglobin",
    "mcv",
    "rdw",
    "reticulocytes",
    "reticulocytes_absolute",
    "vitamin_b12",
    "methylmalonic_acid",
    "homocysteine",
    "folate",
    "crp",
    "esr",
    "rbc",
    "hematocrit",
    "ldh",
    "haptoglobin",
    "bilirubin_total",
    "bilirubin_indirect",
    "stfr",
    "active_b12",
    "egfr",
    "creatinine",
    "mentzer_index",
    "reticulocyte_production_index",
    "stfr_ferritin_index",
]


# --- the catalog, read on first use -------------------------------------------------------------


class _Analytes(dict[str, Analyte]):
    """The analytes by id, filled from the catalog file on first use.

    Seen only through the read-only :data:`ANALYTES` proxy. Lookups of a present id are
    ``dict``'s own (as fast as a plain dict: the proxy adds no Python code); the first lookup
    of all misses, and ``__missing__`` reads the catalog. Every other way to see the contents
    (iteration, ``in``, ``len``, ``get`` ...) reads it first, too.
    """

    __slots__ = ()

    def __missing__(self, key: str) -> Analyte:
        # Read now, or by another thread while this one waited on the lock: look again.
        _ensure_loaded()
        if super().__contains__(key):
            return super().__getitem__(key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        _ensure_loaded()
        return super().__iter__()

    def __reversed__(self) -> Iterator[str]:
        _ensure_loaded()
        return super().__reversed__()

    def __len__(self) -> int:
        _ensure_loaded()
        return super().__len__()

    def __contains__(self, key: object) -> bool:
        _ensure_loaded()
        return super().__contains__(key)

    def __eq__(self, other: object) -> bool:
        _ensure_loaded()
        return super().__eq__(other)

    def __repr__(self) -> str:
        _ensure_loaded()
        return super().__repr__()

    def __or__(self, other: Any) -> Any:
        _ensure_loaded()
        return dict(self.items()) | other

    def __ror__(self, other: Any) -> Any:
        _ensure_loaded()
        return other | dict(self.items())

    def get(self, key: str, default: Any = None) -> Any:
        _ensure_loaded()
        return super().get(key, default)

    def keys(self) -> dict_keys[str, Analyte]:
        _ensure_loaded()
        return super().keys()

    def values(self) -> dict_values[str, Analyte]:
        _ensure_loaded()
        return super().values()

    def items(self) -> dict_items[str, Analyte]:
        _ensure_loaded()
        return super().items()

    def copy(self) -> dict[str, Analyte]:
        _ensure_loaded()
        return dict(super().items())


_BY_ID = _Analytes()
#: Every analyte of the catalog by id, in catalog order (read-only).
ANALYTES: Mapping[str, Analyte] = MappingProxyType(_BY_ID)
# Filled together with ANALYTES: id or alias (as name_key writes it) -> id; refused names.
_ALIAS_TABLE: dict[str, str] = {}
_ALIASES: Mapping[str, str] = MappingProxyType(_ALIAS_TABLE)
_DIFFERENT_TABLE: dict[str, DifferentTest] = {}
_DIFFERENT_TESTS: Mapping[str, DifferentTest] = MappingProxyType(_DIFFERENT_TABLE)
_LOAD_LOCK = threading.Lock()
_loaded = False


def _ensure_loaded() -> None:
    """Read the catalog unless it has been read (by this thread or another)."""
    if _loaded:
        return
    with _LOAD_LOCK:
        if not _loaded:
            _fill()


def _checked_catalog() -> Catalog:
    # Imported only now: its models and the file cost about 30 ms.
    from labinterp._catalog import load_catalog

    return load_catalog()


def _fill() -> None:
    """Read the catalog file into the tables; called with the lock held."""
    global _loaded
    # Checked once and then stored (see labinterp._cache): later processes skip the checks
    # and never import the catalog's models.
    catalog = cached_build("catalog", _checked_catalog, Catalog)
    aliases = {alias: a.id for a in catalog.analytes for alias in a.aliases}
    aliases.update({a.id: a.id for a in catalog.analytes})
    # Names and refusals first, the analytes last: a reader that finds an analyte by id finds
    # everything else filled, and one that misses waits on the lock.
    _ALIAS_TABLE.update(aliases)
    _DIFFERENT_TABLE.update(catalog.different_tests)
    dict.update(_BY_ID, {a.id: a for a in catalog.analytes})
    _loaded = True


# Words that make a name another test or another specimen than the catalog's, whatever the
# rest of the name is: "urine iron" is not serum iron. A suggestion whose alias lacks the
# word is never made.
_QUALIFIERS = (
    "rbc", "red_cell", "red_blood_cell", "whole_blood", "uibc", "unsaturated", "latent",
    "urine", "urinary", "csf", "saliva", "stool", "receptor", "free", "holo", "active",
    "fetal", "a1c", "glycated", "direct", "conjugated",
)  # fmt: skip

#: The longest analyte name read; catalog names are under 40 characters.
MAX_NAME_TEXT = 100


def resolve_analyte_id(name: str) -> str:
    """Map an id or alias (any case, spaces or hyphens) to the analyte id."""
    if not isinstance(name, str) or len(name) > MAX_NAME_TEXT:
        what = "text" if not isinstance(name, str) else f"at most {MAX_NAME_TEXT} characters"
        raise UnknownAnalyteError(
            f"analyte: an analyte name must be {what}, got {shorten(name)}",
            field="analyte",
            value=name,
            expected="an analyte id or alias",
        )
    found = _ALIASES.get(name)
    if found is not None:
        return found
    _ensure_loaded()  # the first name ever looked up finds the aliases still empty
    key = name_key(name)
    found = _ALIASES.get(key)
    if found is not None:
        return found
    raise _unknown_analyte(name, key)


def _unknown_analyte(name: str, key: str) -> UnknownAnalyteError:
    # What a caller may give; the derived indices are computed, never given.
    known = f"known analytes: {', '.join(a.id for a in ANALYTES.values() if a.derived is None)}"
    different = _DIFFERENT_TESTS.get(key)
    qualifier = next((q for q in _QUALIFIERS if f"_{q}_" in f"_{key}_"), None)
    target = None if different else (_typo_of(key) or _truncation_of(key))
    if different is not None:
        what, mistaken = different.what, different.mistaken_for
        said = shorten(name) if name_key(what) == key else f"{shorten(name)} ({what})"
        message = f"{said} is a different test from {mistaken}; labinterp does not read it; {known}"
    elif target is not None:
        message = f"unknown analyte {shorten(name)}; did you mean {target!r}?"
    elif qualifier is not None:
        message = (
            f"unknown analyte {shorten(name)}; '{qualifier}' names another test or specimen "
            f"than labinterp reads; {known}"
        )
    else:
        message = f"unknown analyte {shorten(name)}; {known}"
    return UnknownAnalyteError(
        message,
        field="analyte",
        value=name,
        expected="an analyte id or alias",
        suggestion=target,
    )


def _typo_of(key: str) -> str | None:
    """The one analyte whose id or alias ``key`` is a single typo of, else ``None``.

    Stricter than a similarity score, since a near name is often another test: one letter
    inserted, dropped, changed or two letters swapped; for names of three letters only a swap
    ("hbg" for "hgb"), since one changed letter turns "hcy" into "hct"; for names of two
    letters nothing, since a swap turns "ph" into "hp" (haptoglobin).
    """
    targets = {
        analyte_id
        for alias, analyte_id in _ALIASES.items()
        if _one_typo(key, alias) and not _qualified_differently(key, alias)
    }
    return targets.pop() if len(targets) == 1 else None


#: The shortest cut name read as a truncation ("bili" for "bilirubin"); shorter is a guess.
_MIN_TRUNCATION = 4


def _truncation_of(key: str) -> str | None:
    """The one analyte whose name begins with ``key`` cut inside its first word, else None.

    "bili" for "bilirubin", "hemo" for "hemoglobin". A key that is a whole first word is no
    truncation: "lactate" begins "lactate dehydrogenase" but is another test. When names of
    several analytes begin so, the one with a one-word name wins ("bilirubin" is total
    bilirubin); a tie is no suggestion.
    """
    if len(key) < _MIN_TRUNCATION or "_" in key:
        return None
    found: dict[str, set[str]] = {"one word": set(), "any": set()}
    for alias, analyte_id in _ALIASES.items():
        first = alias.split("_", 1)[0]
        if len(first) > len(key) and first.startswith(key) and not _is_derived(analyte_id):
            found["any"].add(analyte_id)
            if alias == first:
                found["one word"].add(analyte_id)
    for targets in (found["any"], found["one word"]):
        if len(targets) == 1:
            return targets.pop()
    return None


def _is_derived(analyte_id: str) -> bool:
    return _BY_ID[analyte_id].derived is not None


def is_one_typo(typed: str, name: str) -> bool:
    """True when ``typed`` is one typo (a letter inserted, dropped, changed, or two swapped)
    away from ``name``, by the rules analyte names are suggested with."""
    return _one_typo(typed, name)


def _qualified_differently(key: str, alias: str) -> bool:
    words, alias_words = f"_{key}_", f"_{alias}_"
    return any(f"_{q}_" in words and f"_{q}_" not in alias_words for q in _QUALIFIERS)


def _one_typo(typed: str, alias: str) -> bool:
    if typed == alias or abs(len(typed) - len(alias)) > 1 or min(len(typed), len(alias)) < 3:
        return False
    start = 0  # skip the common prefix; the typo is at the first difference
    while start < min(len(typed), len(alias)) and typed[start] == alias[start]:
        start += 1
    a, b = typed[start:], alias[start:]
    swapped = len(a) == len(b) >= 2 and a[0] == b[1] and a[1] == b[0] and a[2:] == b[2:]
    if swapped:
        return True
    if max(len(typed), len(alias)) <= 3:
        return False
    return a[1:] == b[1:] or a[1:] == b or a == b[1:]


def get_analyte(name: str) -> Analyte:
    """The catalog entry for an id or alias."""
    return ANALYTES[resolve_analyte_id(name)]
