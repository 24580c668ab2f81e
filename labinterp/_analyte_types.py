"""One catalog entry: what a lab test is, how it is coded, and how its values are read.

The entries themselves are data (``labinterp/catalog/analytes.yaml``, read and checked by
:mod:`labinterp._catalog`); this module is their shape and behaviour: resolving a unit
spelling for one analyte, converting a value to the canonical unit, and the plausibility
guard, which is *not* a clinical threshold but a generous bound beyond which a value is taken
to be an entry or unit error.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from labinterp._errors import (
    DimensionError,
    ImplausibleValueError,
    InvalidValueError,
    MissingMolarMassError,
    UnknownUnitError,
    shorten,
)
from labinterp._units import (
    Dimension,
    check_unit_text,
    conversion_factor,
    dimension_of,
    is_close,
    normalize_unit,
)

__all__ = [
    "Analyte",
    "Catalog",
    "Derivation",
    "DifferentTest",
    "LoincCode",
    "MolarMass",
    "PlausibleRange",
    "ResolvedUnit",
    "loinc_check_digit_ok",
    "name_key",
]


@dataclass(frozen=True, slots=True)
class LoincCode:
    """A LOINC code with its long common name and the kind of quantity it reports."""

    code: str
    long_name: str
    property: str  # LOINC property: MCnc (mass), SCnc (substance), NFr, EntVol, Vel ...
    uncertain: bool = False  # seen in one codebase only, or checked by its check digit only


@dataclass(frozen=True, slots=True)
class MolarMass:
    """The molar mass used where this analyte's mass and substance units meet."""

    grams_per_mole: float
    substance: str
    source: str
    uncertain: bool = False


@dataclass(frozen=True, slots=True)
class PlausibleRange:
    """Values outside ``[low, high]`` (canonical unit) are refused as impossible."""

    low: float
    high: float
    reasoning: str
    low_exclusive: bool = False


@dataclass(frozen=True, slots=True)
class Derivation:
    """How labinterp computes a derived index (or a derivable result) from measured analytes.

    ``function`` names a formula in labinterp's own registry (:mod:`labinterp._formulas`);
    the data never holds an expression. ``inputs`` are the analyte ids it reads, in their
    canonical units.
    """

    function: str
    inputs: tuple[str, ...]
    formula: str
    source: str


@dataclass(frozen=True, slots=True)
class ResolvedUnit:
    """A unit as written, resolved once for one analyte."""

    written: str
    ucum: str
    dimension: Dimension
    to_canonical: float
    # The plausible range in this unit, for a quick check on a hot path: a value strictly
    # inside is plausible; one on or outside a bound gets the exact check (is_plausible).
    plausible_low: float = 0.0
    plausible_high: float = math.inf


_NO_HINTS: Mapping[Dimension, str] = MappingProxyType({})


def _no_hints() -> Mapping[Dimension, str]:
    return _NO_HINTS


@dataclass(frozen=True, slots=True)
class Analyte:
    """One lab test in the catalog."""

    id: str
    display_name: str
    aliases: tuple[str, ...]
    loinc: tuple[LoincCode, ...]
    canonical_unit: str
    dimensions: frozenset[Dimension]
    common_units: tuple[str, ...]
    plausible: PlausibleRange
    molar_mass: MolarMass | None = None
    note: str = ""
    # What to say when a unit of another dimension is given ("a width in fL is RDW-SD").
    dimension_hints: Mapping[Dimension, str] = field(default_factory=_no_hints, compare=False)
    # Set for an index labinterp computes (Mentzer index ...); never given by a caller.
    derived: Derivation | None = None
    # Set for a measured analyte that labinterp computes from others when a panel does not
    # report it (transferrin saturation from serum iron and TIBC); a reported value wins.
    derivable: Derivation | None = None
    _resolved: dict[str, ResolvedUnit] = field(
        default_factory=dict, repr=False, compare=False, hash=False
    )

    def resolve_unit(self, written: str) -> ResolvedUnit:
        """Resolve a unit spelling for this analyte (cached per spelling)."""
        try:
            hit = self._resolved.get(written)
        except TypeError:  # an unhashable "unit" such as a list: refused just below
            hit = None
        if hit is not None:
            return hit
        resolved = self._resolve_unit(written)
        if len(self._resolved) >= _RESOLVED_LIMIT:
            # Keyed by spelling, so odd whitespace could grow it without end; a bounded memo.
            self._resolved.clear()
        self._resolved[written] = resolved
        return resolved

    def _resolve_unit(self, written: str) -> ResolvedUnit:
        check_unit_text(written, self.id)
        try:
            code = normalize_unit(written, field=self.id)
        except UnknownUnitError as exc:
            accepted = ", ".join(self.common_units)
            suggestion = _closest_unit(written, self.common_units)
            hint = f"; did you mean {suggestion!r}?" if suggestion else ""
            raise type(exc)(
                f"{self.id}: unknown unit {shorten(written)}; accepted units for "
                f"{self.display_name} include {accepted}{hint}",
                field=self.id,
                unit=written,
                expected=accepted,
                suggestion=suggestion,
            ) from None
        dim = dimension_of(code)
        if self.derived is not None and code != self.canonical_unit:
            raise DimensionError(
                f"{self.id}: unit {shorten(written)} is not the unit of {self.display_name}, "
                f"an index labinterp computes; write its values in {self.canonical_unit!r}",
                field=self.id,
                unit=written,
                expected=self.canonical_unit,
            )
        if dim not in self.dimensions:
            expected = " or ".join(
                f"{_a(d)} (e.g. {self._example_unit(d)})" for d in sorted(self.dimensions)
            )
            why = self.dimension_hints.get(dim)
            extra = "" if why is None else f"; {why}"
            raise DimensionError(
                f"{self.id}: unit {shorten(written)} is {_a(dim)}; {self.display_name} is "
                f"expected as {expected}{extra}",
                field=self.id,
                unit=written,
                expected=expected,
            )
        if dim is not dimension_of(self.canonical_unit) and self.molar_mass is None:
            raise MissingMolarMassError(
                f"{self.id}: unit {shorten(written)} is {_a(dim)}, but labinterp knows no agreed "
                f"molar mass for {self.display_name}; give the value in "
                f"{self._example_unit(dimension_of(self.canonical_unit))}",
                field=self.id,
                unit=written,
                expected=str(dimension_of(self.canonical_unit)),
            )
        mm = self.molar_mass.grams_per_mole if self.molar_mass else None
        factor = conversion_factor(code, self.canonical_unit, mm)
        return ResolvedUnit(
            written=written,
            ucum=code,
            dimension=dim,
            to_canonical=factor,
            plausible_low=self.plausible.low / factor,
            plausible_high=self.plausible.high / factor,
        )

    def _example_unit(self, dim: Dimension) -> str:
        for unit in self.common_units:
            if dimension_of(normalize_unit(unit)) is dim:
                return unit
        return self.canonical_unit  # pragma: no cover - every dimension has a common unit

    def check_value(self, value: float, resolved: ResolvedUnit) -> float:
        """Validate a value in ``resolved`` units and return it in the canonical unit.

        The checks: a number (not a boolean), finite, not negative, and plausible.
        """
        if type(value) is not float and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidValueError(
                f"{self.id}: value {shorten(value)} is not a number",
                field=self.id,
                value=value,
                unit=resolved.written,
                expected="a finite, non-negative number",
            )
        if not math.isfinite(value) or value < 0:
            what = "negative" if value < 0 else "not finite"
            raise InvalidValueError(
                f"{self.id}: value {_as_written(value)} {resolved.written} is {what}; expected a "
                "finite, non-negative number",
                field=self.id,
                value=value,
                unit=resolved.written,
                expected="a finite, non-negative number",
            )
        canonical = value * resolved.to_canonical
        if resolved.to_canonical != 1.0:
            # 12 significant digits: 30 ng/mL reads 30 ug/L, not 30.000000000000004. The
            # change is far below REL_TOL, so no comparison can tell the difference.
            canonical = float(f"{canonical:.12g}")
        if not self.is_plausible(canonical):
            raise self._implausible(value, resolved, canonical)
        return canonical

    def check_censored(self, comparator: str | None, canonical: float, unit: str) -> None:
        """A censored result must leave room for a plausible value on its open side.

        ``<0`` leaves nothing above the floor; ``>200 %`` for a transferrin saturation leaves
        only values above the plausibility guard, which are refused when written exactly.
        """
        high = self.plausible.high
        if comparator == ">" and (canonical >= high or is_close(canonical, high)):
            raise ImplausibleValueError(
                f"{self.id}: a result >{canonical:g} {self.canonical_unit} allows only values "
                f"above {high:g} {self.canonical_unit}, more than a living patient can have; "
                "check the comparator, the value and the unit",
                field=self.id,
                value=f">{canonical:g}",
                unit=unit,
                expected=f"a bound below {high:g} {self.canonical_unit}",
            )
        low = self.plausible.low
        empty = (comparator == "<" and (canonical <= low or is_close(canonical, low))) or (
            comparator == "<=" and canonical < low and not is_close(canonical, low)
        )
        if empty:
            raise InvalidValueError(
                f"{self.id}: a result {comparator}{canonical:g} {self.canonical_unit} allows no "
                f"possible value, since nothing lies below {low:g}; check the comparator and "
                "the value",
                field=self.id,
                value=f"{comparator}{canonical:g}",
                unit=unit,
                expected=f"a bound above {low:g} {self.canonical_unit}",
            )

    def is_plausible(self, canonical: float) -> bool:
        p = self.plausible
        above_low = (
            canonical > p.low
            if p.low_exclusive
            else (canonical >= p.low or is_close(canonical, p.low))
        )
        return above_low and (canonical <= p.high or is_close(canonical, p.high))

    def _implausible(
        self, value: float, resolved: ResolvedUnit, canonical: float
    ) -> ImplausibleValueError:
        p = self.plausible
        bounds = (
            f"above {p.low:g} and up to {p.high:g} {self.canonical_unit}"
            if p.low_exclusive
            else f"{p.low:g}-{p.high:g} {self.canonical_unit}"
        )
        candidates = []
        for unit in self.common_units:
            other = self.resolve_unit(unit)
            if other.ucum == resolved.ucum:
                continue
            if self.is_plausible(value * other.to_canonical):
                candidates.append(unit)
        hint = f"; did you mean {candidates[0]}?" if candidates else ""
        same = resolved.ucum == self.canonical_unit
        shown = "" if same else f" (= {canonical:g} {self.canonical_unit})"
        return ImplausibleValueError(
            f"{self.id}: {value:g} {resolved.written}{shown} is outside what a living patient "
            f"can have ({bounds}){hint}",
            field=self.id,
            value=value,
            unit=resolved.written,
            expected=bounds,
            suggestion=candidates[0] if candidates else None,
        )


_RESOLVED_LIMIT = 512


def _a(dim: Dimension) -> str:
    return f"{'an' if dim.value[0] in 'aeiou' else 'a'} {dim.value}"


def _as_written(value: float) -> str:
    """A value as a report writes it: -3, not -3.0; nan and inf as Python spells them."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _closest_unit(written: str, units: tuple[str, ...]) -> str | None:
    # Compare case-insensitively so that 'Mmol/L' finds 'mmol/L'; the suggestion is only shown.
    lowered = {u.lower(): u for u in units}
    cleaned = written.strip().replace("\u00b5", "u").replace("\u03bc", "u").lower()
    if cleaned in lowered:
        return lowered[cleaned]
    # Only near-identical spellings: "mEq/L" must not be offered "mg/L".
    matches = difflib.get_close_matches(cleaned, sorted(lowered), n=1, cutoff=0.8)
    if matches:
        return lowered[matches[0]]
    # A unit without its denominator ("mm" for "mm/h", "ng" for "ng/mL"), when only one
    # accepted unit has that numerator.
    cut = [u for low, u in lowered.items() if "/" in low and low.split("/", 1)[0] == cleaned]
    return cut[0] if len(cut) == 1 else None


def name_key(name: str) -> str:
    """How analyte names are compared: case, spaces, hyphens and dots do not matter."""
    return re.sub(r"[\s\-.]+", "_", name.strip().lower())


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


# --- the checked catalog, as labinterp._catalog builds it ----------------------------------------
# Here rather than beside the catalog's models: the start-up cache (labinterp._cache) stores a
# Catalog, and unpickling one then needs only this light module, not those models.


@dataclass(frozen=True, slots=True)
class DifferentTest:
    """A test that looks like a catalog analyte but is another (UIBC is not TIBC)."""

    what: str
    mistaken_for: str


@dataclass(frozen=True, slots=True)
class Catalog:
    """The checked catalog: the analytes in file order and the refused look-alike names."""

    analytes: tuple[Analyte, ...]
    different_tests: Mapping[str, DifferentTest]
