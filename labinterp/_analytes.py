"""The analyte catalog by name: ids, aliases and the names of tests that only look alike.

The analytes themselves are described in ``_analyte_types`` and listed in
``_analyte_catalog``; this module resolves what a report calls them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from labinterp._analyte_catalog import catalog
from labinterp._analyte_types import (
    Analyte,
    AnalyteId,
    LoincCode,
    MolarMass,
    PlausibleRange,
    ResolvedUnit,
)
from labinterp._errors import UnknownAnalyteError, shorten

__all__ = [
    "ANALYTES",
    "Analyte",
    "AnalyteId",
    "LoincCode",
    "MolarMass",
    "PlausibleRange",
    "ResolvedUnit",
    "get_analyte",
    "loinc_check_digit_ok",
    "resolve_analyte_id",
]

ANALYTES: Mapping[str, Analyte] = MappingProxyType({a.id: a for a in catalog()})


def _key(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().lower())


_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        **{_key(alias): a.id for a in ANALYTES.values() for alias in a.aliases},
        **{a.id: a.id for a in ANALYTES.values()},
    }
)


def _different_tests() -> dict[str, tuple[str, str | None]]:
    """Names of tests that look like a catalog analyte but measure something else.

    Each maps to (what it is, the catalog test it is mistaken for, if any). They are refused
    with that explanation and are never "corrected" into a catalog analyte: ``UIBC`` is one
    letter from ``TIBC`` and ``Hct`` one letter from ``Hcy``, and both are different tests.
    """
    table: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
        (
            "unsaturated iron-binding capacity",
            "TIBC",
            ("uibc", "unsaturated_iron_binding_capacity", "latent_iron_binding_capacity"),
        ),
        (
            "red cell folate",
            "serum folate",
            (
                "rbc_folate",
                "red_cell_folate",
                "red_blood_cell_folate",
                "erythrocyte_folate",
                "folate_rbc",
                "whole_blood_folate",
            ),
        ),
        (
            "red cell count",
            None,
            (
                "rbc",
                "rbc_count",
                "red_blood_cells",
                "red_blood_cell_count",
                "red_cell_count",
                "erythrocytes",
                "erythrocyte_count",
            ),
        ),
        ("hematocrit", None, ("hct", "hematocrit", "haematocrit", "pcv", "packed_cell_volume")),
        (
            "mean corpuscular hemoglobin",
            "MCV",
            (
                "mch",
                "mean_corpuscular_hemoglobin",
                "mean_corpuscular_haemoglobin",
                "mean_cell_hemoglobin",
                "mchc",
                "mean_corpuscular_hemoglobin_concentration",
            ),
        ),
        (
            "soluble transferrin receptor",
            "transferrin",
            ("stfr", "tfr", "soluble_transferrin_receptor", "transferrin_receptor"),
        ),
        (
            "holotranscobalamin (active B12)",
            "total vitamin B12",
            ("holotc", "holo_tc", "holotranscobalamin", "active_b12", "transcobalamin"),
        ),
        ("RDW-SD, a width in fL", "RDW-CV (%)", ("rdw_sd", "rdwsd")),
        (
            "reticulocyte hemoglobin content",
            "the reticulocyte count",
            ("ret_he", "rethe", "chr", "reticulocyte_hemoglobin", "retic_hb", "retic_hgb"),
        ),
        ("haptoglobin", "hemoglobin", ("haptoglobin",)),
        (
            "a hemoglobin fraction (HbA1c, HbF or HbA2)",
            "total hemoglobin",
            (
                "hba1c",
                "hb_a1c",
                "a1c",
                "hemoglobin_a1c",
                "glycated_hemoglobin",
                "hbf",
                "hb_f",
                "fetal_hemoglobin",
                "hba2",
                "hb_a2",
                "hemoglobin_a2",
            ),
        ),
    )
    return {name: (what, mistaken) for what, mistaken, names in table for name in names}


_DIFFERENT_TESTS: Mapping[str, tuple[str, str | None]] = MappingProxyType(_different_tests())

# Words that make a name another test or another specimen than the catalog's, whatever the
# rest of the name is: "urine iron" is not serum iron. A suggestion whose alias lacks the
# word is never made.
_QUALIFIERS = (
    "rbc", "red_cell", "red_blood_cell", "whole_blood", "uibc", "unsaturated", "latent",
    "urine", "urinary", "csf", "saliva", "stool", "receptor", "free", "holo", "active",
    "fetal", "a1c", "glycated",
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
    key = _key(name)
    found = _ALIASES.get(key)
    if found is not None:
        return found
    raise _unknown_analyte(name, key)


def _unknown_analyte(name: str, key: str) -> UnknownAnalyteError:
    known = f"known analytes: {', '.join(ANALYTES)}"
    different = _DIFFERENT_TESTS.get(key)
    qualifier = next((q for q in _QUALIFIERS if f"_{q}_" in f"_{key}_"), None)
    target = None if different else _typo_of(key)
    if different is not None:
        what, mistaken = different
        said = shorten(name) if _key(what) == key else f"{shorten(name)} ({what})"
        reading = (
            f"is a different test from {mistaken}; labinterp does not read it"
            if mistaken
            else "is not a test labinterp reads"
        )
        message = f"{said} {reading}; {known}"
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
    inserted, dropped, changed or two letters swapped; for names of up to three letters only
    a swap ("hbg" for "hgb"), since one changed letter turns "hcy" into "hct".
    """
    targets = {
        analyte_id
        for alias, analyte_id in _ALIASES.items()
        if _one_typo(key, alias) and not _qualified_differently(key, alias)
    }
    return targets.pop() if len(targets) == 1 else None


def _qualified_differently(key: str, alias: str) -> bool:
    words, alias_words = f"_{key}_", f"_{alias}_"
    return any(f"_{q}_" in words and f"_{q}_" not in alias_words for q in _QUALIFIERS)


def _one_typo(typed: str, alias: str) -> bool:
    if typed == alias or abs(len(typed) - len(alias)) > 1:
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


def loinc_check_digit_ok(code: str) -> bool:
    """Check a LOINC code's mod-10 check digit (the LOINC variant of Luhn)."""
    match = re.fullmatch(r"(\d{1,7})-(\d)", code)
    if not match:
        return False
    body, check = match.group(1), int(match.group(2))
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit // 10 + digit % 10
        total += digit
    return (10 - total % 10) % 10 == check
