"""The analyte catalog: what each lab test is, how it is coded, and which units it accepts.

Facts here (LOINC codes, molar masses) come from the project's facts table, which names its
sources; each entry repeats the source so that the catalog can be reviewed on its own.
Plausibility bounds are *not* clinical thresholds: they are generous guards, chosen by
labinterp, beyond which a value is taken to be an entry or unit error. Each says why.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from labinterp._errors import (
    DimensionError,
    ImplausibleValueError,
    InvalidValueError,
    MissingMolarMassError,
    UnknownAnalyteError,
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
]

_FACTS = "labinterp facts table (Part C), compiled 2026-11-21"


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
        if dim not in self.dimensions:
            expected = " or ".join(
                f"{_a(d)} (e.g. {self._example_unit(d)})" for d in sorted(self.dimensions)
            )
            extra = _WRONG_DIMENSION_HINTS.get((self.id, dim), "")
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
                f"{self.id}: value {value!r} {resolved.written} is {what}; expected a finite, "
                "non-negative number",
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
_MASS = Dimension.MASS_CONCENTRATION
_SUBST = Dimension.SUBSTANCE_CONCENTRATION


def _a(dim: Dimension) -> str:
    return f"{'an' if dim.value[0] in 'aeiou' else 'a'} {dim.value}"


_WRONG_DIMENSION_HINTS: dict[tuple[str, Dimension], str] = {
    ("rdw", Dimension.ENTITIC_VOLUME): (
        "; a width in fL is RDW-SD, a different measure from RDW-CV (%), and is not converted"
    ),
    ("reticulocytes", Dimension.NUMBER_CONCENTRATION): (
        "; an absolute count belongs to 'reticulocytes_absolute'"
    ),
    ("reticulocytes_absolute", Dimension.FRACTION): (
        "; a percentage of red cells belongs to 'reticulocytes'"
    ),
    ("transferrin", _SUBST): "; no molar mass is agreed for transferrin (sources give 79-81 kDa)",
    ("crp", _SUBST): "; no molar mass is agreed for CRP (sources give 100-115 kDa)",
    ("hemoglobin", Dimension.NUMBER_CONCENTRATION): (
        "; note that 'G/L' means giga (10^9) per litre; for grams per litre write 'g/L'"
    ),
}


def _closest_unit(written: str, units: tuple[str, ...]) -> str | None:
    # Compare case-insensitively so that 'Mmol/L' finds 'mmol/L'; the suggestion is only shown.
    lowered = {u.lower(): u for u in units}
    cleaned = written.strip().replace("\u00b5", "u").replace("\u03bc", "u").lower()
    if cleaned in lowered:
        return lowered[cleaned]
    # Only near-identical spellings: "mEq/L" must not be offered "mg/L".
    matches = difflib.get_close_matches(cleaned, sorted(lowered), n=1, cutoff=0.8)
    return lowered[matches[0]] if matches else None


def _catalog() -> tuple[Analyte, ...]:
    return (
        Analyte(
            id="ferritin",
            display_name="ferritin",
            aliases=("ferr", "serum_ferritin", "ferritin_serum"),
            loinc=(
                LoincCode("2276-4", "Ferritin [Mass/volume] in Serum or Plasma", "MCnc"),
                LoincCode("14723-1", "Ferritin [Moles/volume] in Serum or Plasma", "SCnc"),
            ),
            canonical_unit="ug/L",
            dimensions=frozenset({_MASS, _SUBST}),
            common_units=("ug/L", "ng/mL", "mg/L", "pmol/L"),
            molar_mass=MolarMass(
                445_000.0,
                "ferritin (about 445 kDa, implied by published conversion factors)",
                "implied by MSD Manual Professional, 'Anemia of chronic disease' "
                "(100 ng/mL = 224.7 pmol/L) and MIRACUM loinc-conversion (factor 0.445); "
                "molar ferritin reporting is rare",
                uncertain=True,
            ),
            plausible=PlausibleRange(
                0.0,
                1_000_000.0,
                "ferritin can exceed 100 000 ug/L in haemophagocytic syndromes; 10^6 ug/L is "
                "a guard against unit slips, not a clinical limit",
            ),
        ),
        Analyte(
            id="transferrin_saturation",
            display_name="transferrin saturation",
            aliases=("tsat", "tfsat", "tf_sat", "iron_saturation", "transferrin_sat"),
            loinc=(
                LoincCode("2502-3", "Iron saturation [Mass Fraction] in Serum or Plasma", "MFr"),
                LoincCode(
                    "14801-5",
                    "Iron saturation [Molar fraction] in Serum or Plasma",
                    "SFr",
                    uncertain=True,
                ),
            ),
            canonical_unit="%",
            dimensions=frozenset({Dimension.FRACTION}),
            common_units=("%", "1"),
            plausible=PlausibleRange(
                0.0,
                200.0,
                "a calculated saturation can pass 100 % when serum iron exceeds the binding "
                "capacity (iron overload or poisoning); 200 % is a guard that still catches a "
                "percentage written with the fraction unit ('15' with unit '1')",
            ),
            note="Some European labs report a fraction (0.15) instead of a percentage (15 %): "
            "write the unit '1' for a fraction.",
        ),
        Analyte(
            id="iron",
            display_name="serum iron",
            aliases=("fe", "serum_iron", "iron_serum", "s_iron"),
            loinc=(
                LoincCode("2498-4", "Iron [Mass/volume] in Serum or Plasma", "MCnc"),
                LoincCode("14798-3", "Iron [Moles/volume] in Serum or Plasma", "SCnc"),
            ),
            canonical_unit="umol/L",
            dimensions=frozenset({_MASS, _SUBST}),
            common_units=("umol/L", "ug/dL", "mg/L", "ug/L"),
            molar_mass=MolarMass(55.845, "iron (Fe)", f"{_FACTS}; IUPAC atomic weight"),
            plausible=PlausibleRange(
                0.0,
                400.0,
                "400 umol/L (about 2200 ug/dL) is a generous guard above the serum iron of "
                "severe acute iron poisoning, which is reported in the hundreds of ug/dL",
            ),
        ),
        Analyte(
            id="tibc",
            display_name="total iron-binding capacity",
            aliases=("total_iron_binding_capacity", "iron_binding_capacity"),
            loinc=(
                LoincCode(
                    "2500-7", "Iron binding capacity [Mass/volume] in Serum or Plasma", "MCnc"
                ),
                LoincCode(
                    "14800-7", "Iron binding capacity [Moles/volume] in Serum or Plasma", "SCnc"
                ),
            ),
            canonical_unit="umol/L",
            dimensions=frozenset({_MASS, _SUBST}),
            common_units=("umol/L", "ug/dL", "mg/L"),
            molar_mass=MolarMass(
                55.845, "iron (Fe) that transferrin can bind", f"{_FACTS}; IUPAC atomic weight"
            ),
            plausible=PlausibleRange(
                0.0,
                250.0,
                "250 umol/L (about 1400 ug/dL) is about three times the top of usual reference "
                "intervals",
            ),
        ),
        Analyte(
            id="transferrin",
            display_name="transferrin",
            aliases=("tf", "trf", "serum_transferrin"),
            loinc=(
                LoincCode("3034-6", "Transferrin [Mass/volume] in Serum or Plasma", "MCnc"),
                LoincCode("22674-6", "Transferrin [Moles/volume] in Serum or Plasma", "SCnc"),
            ),
            canonical_unit="g/L",
            dimensions=frozenset({_MASS}),
            common_units=("g/L", "mg/dL"),
            plausible=PlausibleRange(
                0.0, 15.0, "15 g/L is about four times the top of usual reference intervals"
            ),
            note="No molar mass is agreed (sources give 79-81 kDa), so umol/L is refused.",
        ),
        Analyte(
            id="hemoglobin",
            display_name="hemoglobin",
            aliases=("hgb", "hb", "haemoglobin", "hemoglobin_blood"),
            loinc=(
                LoincCode("718-7", "Hemoglobin [Mass/volume] in Blood", "MCnc"),
                LoincCode("59260-0", "Hemoglobin [Moles/volume] in Blood", "SCnc"),
            ),
            canonical_unit="g/dL",
            dimensions=frozenset({_MASS, _SUBST}),
            common_units=("g/dL", "g/L", "mmol/L"),
            molar_mass=MolarMass(
                16_114.5,
                "hemoglobin monomer Hb(Fe), one quarter of the 64 458 g/mol tetramer",
                f"{_FACTS}; 1 g/dL = 0.6206 mmol/L, as used by labs reporting mmol/L",
            ),
            plausible=PlausibleRange(
                0.0,
                30.0,
                "hemoglobin must be above zero; 30 g/dL is a guard above the highest values "
                "of severe polycythaemia, so that g/L written as g/dL (120 'g/dL') is caught",
                low_exclusive=True,
            ),
        ),
        Analyte(
            id="mcv",
            display_name="mean corpuscular volume",
            aliases=("mean_corpuscular_volume", "mean_cell_volume"),
            loinc=(
                LoincCode("787-2", "MCV [Entitic volume] by Automated count", "EntVol"),
                LoincCode("30428-7", "MCV [Entitic volume]", "EntVol", uncertain=True),
            ),
            canonical_unit="fL",
            dimensions=frozenset({Dimension.ENTITIC_VOLUME}),
            common_units=("fL", "um3"),
            plausible=PlausibleRange(
                30.0,
                200.0,
                "red cells smaller than 30 fL or larger than 200 fL are outside reported "
                "extremes of microcytosis and macrocytosis",
            ),
        ),
        Analyte(
            id="rdw",
            display_name="red cell distribution width (RDW-CV)",
            aliases=("rdw_cv", "red_cell_distribution_width", "rdwcv"),
            loinc=(
                LoincCode(
                    "788-0", "Erythrocyte distribution width [Ratio] by Automated count", "Rto"
                ),
            ),
            canonical_unit="%",
            dimensions=frozenset({Dimension.FRACTION}),
            common_units=("%",),
            plausible=PlausibleRange(
                0.0, 60.0, "a coefficient of variation over 60 % is not seen in red cell sizing"
            ),
            note="RDW-SD (LOINC 21000-5, fL) is a different measure and is not accepted here.",
        ),
        Analyte(
            id="reticulocytes",
            display_name="reticulocytes (% of red cells)",
            aliases=("retic", "retics", "reticulocyte_percent", "retic_pct", "reticulocyte"),
            loinc=(
                LoincCode(
                    "17849-1", "Reticulocytes/Erythrocytes in Blood by Automated count", "NFr"
                ),
                LoincCode("4679-7", "Reticulocytes/Erythrocytes in Blood", "NFr"),
                LoincCode("31112-6", "Reticulocytes/Erythrocytes in Blood by Manual", "NFr"),
            ),
            canonical_unit="%",
            dimensions=frozenset({Dimension.FRACTION}),
            common_units=("%", "1"),
            plausible=PlausibleRange(0.0, 100.0, "a share of red cells cannot exceed 100 %"),
        ),
        Analyte(
            id="reticulocytes_absolute",
            display_name="reticulocytes (absolute count)",
            aliases=("retic_abs", "absolute_reticulocyte_count", "reticulocyte_count", "arc"),
            loinc=(
                LoincCode(
                    "60474-4", "Reticulocytes [#/volume] in Blood by Automated count", "NCnc"
                ),
                LoincCode("14196-0", "Reticulocytes [#/volume] in Blood", "NCnc"),
            ),
            canonical_unit="10*9/L",
            dimensions=frozenset({Dimension.NUMBER_CONCENTRATION}),
            common_units=("10*9/L", "10*3/uL", "10*12/L"),
            plausible=PlausibleRange(
                0.0,
                2000.0,
                "2000 x 10^9/L is several times the counts of brisk haemolytic responses",
            ),
        ),
        Analyte(
            id="vitamin_b12",
            display_name="vitamin B12 (cobalamin)",
            aliases=("b12", "cobalamin", "vit_b12", "vitb12", "serum_b12", "cyanocobalamin"),
            loinc=(
                LoincCode(
                    "2132-9", "Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma", "MCnc"
                ),
                LoincCode(
                    "14685-2",
                    "Cobalamin (Vitamin B12) [Moles/volume] in Serum or Plasma",
                    "SCnc",
                ),
            ),
            canonical_unit="pmol/L",
            dimensions=frozenset({_MASS, _SUBST}),
            common_units=("pmol/L", "pg/mL", "ng/L"),
            molar_mass=MolarMass(
                1355.37,
                "cyanocobalamin",
                f"{_FACTS}; NICE 2024 pairs 180 ng/L with 133 pmol/L; NHANES uses 1355.4",
            ),
            plausible=PlausibleRange(
                0.0,
                10_000_000.0,
                "hydroxocobalamin given as a cyanide antidote gives very high levels; "
                "10^7 pmol/L is a guard against unit slips, not a clinical limit",
            ),
            note="The code 14685-3 that circulates for serum B12 fails the LOINC check digit; "
            "16695-9 is B12 in whole blood, not serum.",
        ),
        Analyte(
            id="methylmalonic_acid",
            display_name="methylmalonic acid",
            aliases=("mma", "methylmalonate", "methylmalonic"),
            loinc=(
                LoincCode("13964-2", "Methylmalonate [Moles/volume] in Serum or Plasma", "SCnc"),
            ),
            canonical_unit="nmol/L",
            dimensions=frozenset({_MASS, _SUBST}),
            common_units=("nmol/L", "umol/L", "ug/L"),
            molar_mass=MolarMass(118.09, "methylmalonic acid (C4H6O4)", _FACTS),
            plausible=PlausibleRange(
                0.0,
                10_000_000.0,
                "inborn methylmalonic acidaemias reach thousands of umol/L; 10^7 nmol/L "
                "(10 mmol/L) leaves a margin",
            ),
        ),
        Analyte(
            id="homocysteine",
            display_name="homocysteine (total)",
            aliases=("hcy", "thcy", "total_homocysteine", "homocystein"),
            loinc=(
                LoincCode("13965-9", "Homocysteine [Moles/volume] in Serum or Plasma", "SCnc"),
                LoincCode("2428-1", "Homocysteine [Mass/volume] in Serum or Plasma", "MCnc"),
            ),
            canonical_unit="umol/L",
            dimensions=frozenset({_MASS, _SUBST}),
            common_units=("umol/L", "mg/L"),
            molar_mass=MolarMass(135.18, "homocysteine (C4H9NO2S)", _FACTS),
            plausible=PlausibleRange(
                0.0,
                1000.0,
                "classical homocystinuria gives a few hundred umol/L; 1000 leaves a margin",
            ),
        ),
        Analyte(
            id="folate",
            display_name="folate (serum)",
            aliases=("folic_acid", "serum_folate", "folate_serum", "folacin"),
            loinc=(
                LoincCode("2284-8", "Folate [Mass/volume] in Serum or Plasma", "MCnc"),
                LoincCode("14732-2", "Folate [Moles/volume] in Serum or Plasma", "SCnc"),
            ),
            canonical_unit="nmol/L",
            dimensions=frozenset({_MASS, _SUBST}),
            common_units=("nmol/L", "ng/mL", "ug/L"),
            molar_mass=MolarMass(
                441.40,
                "folic acid",
                f"{_FACTS}; WHO pairs 3 ng/mL with 6.8 nmol/L; NHANES uses a factor of 2.265",
            ),
            plausible=PlausibleRange(
                0.0,
                2000.0,
                "serum folate with heavy supplementation stays in the low hundreds of nmol/L",
            ),
            note="Serum folate only; red cell folate (LOINC 2283-0) is a different test.",
        ),
        Analyte(
            id="crp",
            display_name="C-reactive protein",
            aliases=("c_reactive_protein", "hscrp", "hs_crp", "creactive_protein"),
            loinc=(
                LoincCode("1988-5", "C reactive protein [Mass/volume] in Serum or Plasma", "MCnc"),
                LoincCode(
                    "30522-7",
                    "C reactive protein [Mass/volume] in Serum or Plasma by High sensitivity "
                    "method",
                    "MCnc",
                ),
            ),
            canonical_unit="mg/L",
            dimensions=frozenset({_MASS}),
            common_units=("mg/L", "mg/dL"),
            plausible=PlausibleRange(
                0.0, 1000.0, "CRP in overwhelming sepsis stays in the hundreds of mg/L"
            ),
            note="US labs often report mg/dL (x10 for mg/L). No agreed molar mass (100-115 kDa).",
        ),
        Analyte(
            id="esr",
            display_name="erythrocyte sedimentation rate",
            aliases=("sed_rate", "erythrocyte_sedimentation_rate", "westergren", "bsg", "bsr"),
            loinc=(
                LoincCode("4537-7", "Erythrocyte sedimentation rate by Westergren method", "Vel"),
                LoincCode("30341-2", "Erythrocyte sedimentation rate", "Vel"),
            ),
            canonical_unit="mm/h",
            dimensions=frozenset({Dimension.SEDIMENTATION_RATE}),
            common_units=("mm/h",),
            plausible=PlausibleRange(
                0.0, 200.0, "a Westergren tube is 200 mm tall, so the column cannot fall more"
            ),
        ),
    )


ANALYTES: Mapping[str, Analyte] = MappingProxyType({a.id: a for a in _catalog()})


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
