"""Unit spellings, dimensions and conversion factors.

Two steps, each cached:

1. *Spelling*: a unit as a lab report writes it (``µg/l``, ``mcg/dL``, ``mm/hr``, ``G/L``) is
   mapped to one UCUM code from a closed list. Nothing is guessed by changing case: an all-caps
   spelling is only read through UCUM's own case-insensitive forms, and ``G/L`` is giga per litre
   (a cell count), never grams.
2. *Factor*: a pair of UCUM codes (plus a molar mass where mass and amount of substance meet) is
   resolved to one float, once. Every code in the closed list has an exact scale to its
   dimension's base unit (:data:`SCALES`, decimal powers written out as fractions), so a factor
   is one correctly rounded division and building pint's registry (most of a cold command's
   time) is never needed; a test checks every scale against pint so the two cannot drift.
   A code without a scale (none today) falls back to pint, under a lock. Conversions after
   that are a dictionary lookup and a multiplication, so they are fast and thread-safe.

Floats that went through a factor are compared with :func:`is_close`, never with ``==``.
"""

from __future__ import annotations

import math
import numbers
import re
import threading
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING, Any

from labinterp._errors import DimensionError, MissingMolarMassError, UnknownUnitError, shorten

if TYPE_CHECKING:
    import pint

__all__ = [
    "EGFR_UNIT",
    "MAX_UNIT_TEXT",
    "REL_TOL",
    "SCALES",
    "Dimension",
    "check_unit_text",
    "conversion_factor",
    "dimension_of",
    "is_boolean",
    "is_close",
    "known_units",
    "normalize_unit",
    "real_number",
    "with_unit",
]

#: Relative tolerance for comparing values that went through a conversion factor. Factors are
#: exact decimal ratios or molar masses given to 5-6 significant figures; 1e-9 is far below any
#: reported precision and far above double-precision rounding (about 1e-16 per operation).
REL_TOL = 1e-9


def is_close(a: float, b: float) -> bool:
    """True when two converted values are equal within :data:`REL_TOL`."""
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)


def with_unit(number: str, unit: str) -> str:
    """``number`` followed by ``unit`` for a reader: "30 ug/L", and "13" for the unit "1"
    (a plain number, such as a derived index), never "13 1"."""
    return number if unit == "1" else f"{number} {unit}"


def is_boolean(value: object) -> bool:
    """True for ``True``/``False`` and for numpy's ``bool_``, which is not a ``bool``.

    numpy is not a dependency, so its boolean is recognised by shape: a scalar with a
    ``dtype`` of kind ``"b"``.
    """
    if isinstance(value, bool):
        return True
    try:
        return getattr(getattr(value, "dtype", None), "kind", None) == "b"
    except Exception:  # an object whose attribute lookup fails is no boolean we know
        return False


def real_number(value: object) -> float | None:
    """``value`` as a float when it is a real number, else ``None``.

    Real numbers are ``int``, ``float``, ``Decimal``, ``Fraction`` and numpy's integer and
    floating scalars (anything registered as :class:`numbers.Real`). Booleans (numpy's too),
    text, bytes and complex numbers are not numbers here. NaN and infinities are returned as
    they are; whether they are usable is the caller's rule.
    """
    if type(value) is float:
        return value
    if is_boolean(value) or not isinstance(value, numbers.Real | Decimal):
        return None
    try:
        return float(value)
    except (ArithmeticError, ValueError):  # an int past the float range, a signalling NaN
        return None


class Dimension(StrEnum):
    """The kinds of quantity lab results come in."""

    MASS_CONCENTRATION = "mass concentration"
    SUBSTANCE_CONCENTRATION = "substance concentration"
    NUMBER_CONCENTRATION = "number concentration"
    ENTITIC_VOLUME = "entitic volume"
    FRACTION = "fraction"
    SEDIMENTATION_RATE = "sedimentation rate"
    CATALYTIC_CONCENTRATION = "catalytic activity concentration"
    AREA_NORMALISED_FLOW = "volume rate per body surface area"


# --- the closed list of UCUM codes ------------------------------------------------------------

_MASS_PREFIXES = ("", "m", "u", "n", "p")
#: The UCUM code of eGFR's unit, millilitres per minute per 1.73 m2 of body surface area.
EGFR_UNIT = "mL/min/{1.73_m2}"
_SUBSTANCE_PREFIXES = ("", "m", "u", "n", "p", "f")
_VOLUME_DENOMINATORS = ("L", "dL", "mL", "uL")


def _build_known() -> dict[str, Dimension]:
    known: dict[str, Dimension] = {}
    for den in _VOLUME_DENOMINATORS:
        for p in _MASS_PREFIXES:
            known[f"{p}g/{den}"] = Dimension.MASS_CONCENTRATION
        for p in _SUBSTANCE_PREFIXES:
            known[f"{p}mol/{den}"] = Dimension.SUBSTANCE_CONCENTRATION
    for power in (3, 6, 9, 12):
        for den in ("L", "uL"):
            known[f"10*{power}/{den}"] = Dimension.NUMBER_CONCENTRATION
    for code in ("10*3/mm3", "/nL", "/uL", "/L"):
        known[code] = Dimension.NUMBER_CONCENTRATION
    known["fL"] = Dimension.ENTITIC_VOLUME
    known["um3"] = Dimension.ENTITIC_VOLUME
    known["%"] = Dimension.FRACTION
    known["1"] = Dimension.FRACTION
    known["mm/h"] = Dimension.SEDIMENTATION_RATE
    # Enzyme activity: the enzyme unit (1 umol of substrate per minute) and the SI microkatal
    # (1 umol per second), so 1 ukat/L = 60 U/L exactly.
    known["U/L"] = Dimension.CATALYTIC_CONCENTRATION
    known["ukat/L"] = Dimension.CATALYTIC_CONCENTRATION
    # eGFR is a filtration rate scaled to a body surface area of 1.73 m2; UCUM writes the
    # scaling as an annotation. It is the only unit of its kind, so nothing converts to it.
    known[EGFR_UNIT] = Dimension.AREA_NORMALISED_FLOW
    return known


_KNOWN: dict[str, Dimension] = _build_known()


_PREFIX_POWERS = {"": 0, "m": 3, "u": 6, "n": 9, "p": 12, "f": 15}  # 10**-power
_LITRE_POWERS = {"L": 0, "dL": 1, "mL": 3, "uL": 6}


def _build_scales() -> dict[str, Fraction]:
    """Each code's size in its dimension's base unit, exactly.

    The bases: g/L, mol/L, per litre, fL, the plain fraction 1, mm/h, U/L and eGFR's own unit.
    Kept exact (fractions of powers of ten) so that a factor between two codes is rounded once.
    """
    prefix: dict[str, Fraction] = {
        "": Fraction(1),
        "m": Fraction(1, 10**3),
        "u": Fraction(1, 10**6),
        "n": Fraction(1, 10**9),
    }
    prefix |= {"p": Fraction(1, 10**12), "f": Fraction(1, 10**15)}
    litres: dict[str, Fraction] = {
        "L": Fraction(1),
        "dL": Fraction(1, 10),
        "mL": Fraction(1, 10**3),
        "uL": Fraction(1, 10**6),
    }
    scales: dict[str, Fraction] = {}
    for den, volume in litres.items():
        for p in _MASS_PREFIXES:
            scales[f"{p}g/{den}"] = prefix[p] / volume
        for p in _SUBSTANCE_PREFIXES:
            scales[f"{p}mol/{den}"] = prefix[p] / volume
    for power in (3, 6, 9, 12):
        for den in ("L", "uL"):
            scales[f"10*{power}/{den}"] = Fraction(10**power) / litres[den]
    scales["10*3/mm3"] = Fraction(10**3) / litres["uL"]  # a cubic millimetre is a microlitre
    scales["/nL"] = Fraction(10**9)
    scales["/uL"] = Fraction(10**6)
    scales["/L"] = Fraction(1)
    scales["fL"] = Fraction(1)
    scales["um3"] = Fraction(1)  # (1e-6 m)**3 = 1e-18 m3 = 1e-15 L
    scales["%"] = Fraction(1, 100)
    scales["1"] = Fraction(1)
    scales["mm/h"] = Fraction(1)
    scales["U/L"] = Fraction(1)
    scales["ukat/L"] = Fraction(60)  # 1 umol/s = 60 umol/min
    scales[EGFR_UNIT] = Fraction(1)
    return scales


#: The exact size of each accepted code in its dimension's base unit (see _build_scales).
SCALES: dict[str, Fraction] = _build_scales()

# Spellings seen on real reports and LIS exports that are not UCUM codes (or are UCUM codes we
# prefer to write another way). Keys are compared exactly, after whitespace is removed and the
# micro sign is written as "u". Sources: MIRACUM loinc-conversion synonyms.tsv and a German lab
# unit mapper, as collected in the project's facts table.
_SYNONYMS: dict[str, str] = {
    # sedimentation rate
    "mm/hr": "mm/h",
    "mm/Hr": "mm/h",
    "mm/1h": "mm/h",
    "mm/1hr": "mm/h",
    "mm/hour": "mm/h",
    "MM/HR": "mm/h",
    "MM/H": "mm/h",
    # cell counts per volume; G = giga, T = tera, K = thousand per microlitre
    "10^9/L": "10*9/L",
    "x10^9/L": "10*9/L",
    "x10*9/L": "10*9/L",
    "x10E9/L": "10*9/L",
    "10E9/L": "10*9/L",
    "G/L": "10*9/L",
    "G/l": "10*9/L",
    "Giga/L": "10*9/L",
    "Giga/l": "10*9/L",
    "GPt/l": "10*9/L",
    "GPt/L": "10*9/L",
    "/nl": "/nL",
    "10^3/uL": "10*3/uL",
    "x10^3/uL": "10*3/uL",
    "x10*3/uL": "10*3/uL",
    "K/uL": "10*3/uL",
    "k/uL": "10*3/uL",
    "thou/uL": "10*3/uL",
    "Tsd/uL": "10*3/uL",
    "10^3/mm3": "10*3/mm3",
    "10^12/L": "10*12/L",
    "x10^12/L": "10*12/L",
    "x10*12/L": "10*12/L",
    "T/L": "10*12/L",
    "T/l": "10*12/L",
    "Tera/l": "10*12/L",
    "Tera/L": "10*12/L",
    "TPt/l": "10*12/L",
    "TPt/L": "10*12/L",
    "10^6/uL": "10*6/uL",
    "x10^6/uL": "10*6/uL",
    "M/uL": "10*6/uL",
    # hemoglobin written with its substance in the unit
    "gm/dL": "g/dL",
    "gHb/dL": "g/dL",
    "g{Hb}/dL": "g/dL",
    "gm/L": "g/L",
    "GM/DL": "g/dL",
    "GM/L": "g/L",
    # entitic volume
    "fl": "fL",
    "FL": "fL",
    "cuum": "um3",
    "um^3": "um3",
    # fractions
    "percent": "%",
    "pct": "%",
    "{ratio}": "1",
    "ratio": "1",
    "fraction": "1",
    "L/L": "1",
    "l/l": "1",  # a volume fraction as German reports write it (hematocrit "0,42 l/l")
    # enzyme activity: "IU" on a report of an enzyme means the enzyme unit (UCUM's [IU] is a
    # different unit, for hormones and vitamins, and is not read); IE and E are German, UI
    # French and Spanish.
    "IU/L": "U/L",
    "IE/L": "U/L",
    "E/L": "U/L",
    "UI/L": "U/L",
}


def _egfr_spellings() -> dict[str, str]:
    """eGFR's unit as reports write it: mL/min/1.73m2, ml/min/1.73 m², mL/min/1,73m2 ...

    Exact spellings only (after whitespace is dropped). The decimal comma is read here and
    nowhere else: "1,73" next to "m2" can only mean 1.73 square metres.
    """
    out: dict[str, str] = {}
    for ml in ("mL", "ml"):
        for scale in ("1.73", "1,73"):
            for area in ("m2", "m\u00b2", "m^2"):
                out[f"{ml}/min/{scale}{area}"] = EGFR_UNIT
        out[f"{ml}/min/{{1.73_m2}}"] = EGFR_UNIT
    del out[EGFR_UNIT]  # the code itself is in the closed list
    return out


def _power_of_ten_spellings() -> dict[str, str]:
    """10^9/L written every way reports write it: x10^9/L, 10E9/L, x10e9/L, *10^9/L ..."""
    out: dict[str, str] = {}
    for power in (3, 6, 9, 12):
        for den in ("L", "uL"):
            code = f"10*{power}/{den}"
            for lead in ("", "x", "*"):
                for sep in ("^", "*", "E", "e"):
                    spelling = f"{lead}10{sep}{power}/{den}"
                    if spelling != code:
                        out[spelling] = code
    return out


_SYNONYMS.update(_power_of_ten_spellings())
_SYNONYMS.update(_egfr_spellings())
_SUPERSCRIPT_DIGITS = str.maketrans(
    "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079", "0123456789"
)
# "10⁹/L": a superscript power after 10 means the same as "10^9/L".
_SUPERSCRIPT_POWER = re.compile(r"10([\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+)")
_WHITESPACE = re.compile(r"\s+")
_MICRO = str.maketrans({"\u00b5": "u", "\u03bc": "u", "\u00d7": "x"})
# "mcg", "mcmol" and "mcL" use "mc" for micro; only at the start of a unit term.
_MC_MICRO = re.compile(r"(?<![A-Za-z])mc(?=g|mol|L|l)")
_MC_MICRO_CAPS = re.compile(r"(?<![A-Za-z])MC(?=G|MOL|L)")
# A lower-case litre after the slash: "ng/ml", "umol/l", "10*3/ul". UCUM has both "l" and "L";
# rewriting only this token never touches a prefix or another unit's case.
_LOWER_LITRE = re.compile(r"/([dmun]?)l$")


def _caps_forms() -> dict[str, str]:
    # UCUM's case-insensitive forms are the upper-cased codes (M = milli, U = micro, G = gram,
    # L = litre), except hour ("HR"). Explicit synonyms above win, so "G/L" stays giga per litre.
    forms: dict[str, str] = {}
    for code in _KNOWN:
        upper = code.upper()
        if upper != code and upper not in _SYNONYMS:
            forms[upper] = code
    return forms


_CAPS: dict[str, str] = _caps_forms()


def known_units() -> dict[str, Dimension]:
    """Every UCUM code labinterp accepts, with its dimension."""
    return dict(_KNOWN)


#: The longest unit spelling read. The longest accepted spelling is under 20 characters; a
#: longer one is refused before any work, so junk of any size costs nothing.
MAX_UNIT_TEXT = 40

# Accepted spellings only, so refused junk never stays in memory; cleared when full, since
# whitespace variants ("ng / mL") could otherwise grow it without end.
_SPELLINGS: dict[str, str] = {}
_SPELLINGS_LIMIT = 4096


def _normalize(raw: str) -> str | None:
    s = _WHITESPACE.sub("", raw).translate(_MICRO)
    s = _SUPERSCRIPT_POWER.sub(lambda m: "10^" + m.group(1).translate(_SUPERSCRIPT_DIGITS), s)
    if s in _KNOWN:
        return s
    if s in _SYNONYMS:
        return _SYNONYMS[s]
    s = _MC_MICRO.sub("u", s)
    s = _MC_MICRO_CAPS.sub("U", s)
    s = _LOWER_LITRE.sub(r"/\1L", s)
    if s in _KNOWN:
        return s
    if s in _SYNONYMS:
        return _SYNONYMS[s]
    if s == s.upper() and s in _CAPS:
        return _CAPS[s]
    return None


def normalize_unit(raw: str, *, field: str = "unit") -> str:
    """Map a unit as a report writes it to labinterp's UCUM code.

    Raises :class:`UnknownUnitError` for a spelling outside the closed list, and for one
    longer than :data:`MAX_UNIT_TEXT` characters.
    """
    code = _SPELLINGS.get(raw) if type(raw) is str else None
    if code is not None:
        return code
    check_unit_text(raw, field)
    code = _normalize(raw)
    if code is None:
        raise UnknownUnitError(
            f"{field}: unknown unit {shorten(raw)}; expected a UCUM code such as 'ug/L', "
            "'umol/L', 'g/dL', 'fL', '%', '10*9/L' or 'mm/h'",
            field=field,
            unit=raw,
            expected="a known lab unit",
        )
    if len(_SPELLINGS) >= _SPELLINGS_LIMIT:
        _SPELLINGS.clear()
    _SPELLINGS[raw] = code
    return code


def check_unit_text(raw: object, field: str) -> str:
    """``raw`` itself when it is text of a length a unit can have; else UnknownUnitError."""
    if not isinstance(raw, str):
        raise UnknownUnitError(
            f"{field}: unit must be text such as 'ug/L', got {shorten(raw)}",
            field=field,
            value=raw,
            expected="a unit string",
        )
    if len(raw) > MAX_UNIT_TEXT:
        raise UnknownUnitError(
            f"{field}: unit {shorten(raw)} is {len(raw)} characters long; a unit has at most "
            f"{MAX_UNIT_TEXT}",
            field=field,
            unit=shorten(raw),
            expected=f"a unit of at most {MAX_UNIT_TEXT} characters",
        )
    return raw


def dimension_of(code: str) -> Dimension:
    """The dimension of a normalised UCUM code."""
    return _KNOWN[code]


# --- pint, behind a lock ------------------------------------------------------------------------

_PINT_LOCK = threading.Lock()
_POWER_OF_TEN = re.compile(r"^10\*(\d+)/(.+)$")


@cache
def _registry() -> pint.UnitRegistry[Any]:
    import pint

    return pint.UnitRegistry(cache_folder=None)


def _pint_expression(code: str) -> str:
    """Rewrite a UCUM code into something pint parses with the same meaning."""
    if code == "%":
        return "percent"
    if code == "1":
        return "dimensionless"
    if code.endswith("m3"):  # um3, mm3: UCUM writes the power as a digit, pint as **
        code = code[:-1] + "**3"
    if code == "mm/h":
        return "millimeter / hour"
    if code == EGFR_UNIT:
        return "milliliter / minute / (1.73 * meter ** 2)"
    if code == "U/L":
        return "enzyme_unit / liter"
    if code == "ukat/L":
        return "microkatal / liter"
    if code.startswith("/"):
        return f"1{code}"
    match = _POWER_OF_TEN.match(code)
    if match:
        return f"1e{match.group(1)} / {match.group(2)}"
    return code


def pint_quantity(code: str) -> pint.Quantity[Any]:
    """One of ``code`` as a pint quantity (exposed for tests that check factors against pint).

    Parsed as an expression, since ``10*9/L`` carries a scale (``1e9 / L``) that pint does not
    accept inside a unit.
    """
    with _PINT_LOCK:
        quantity: pint.Quantity[Any] = _registry().parse_expression(_pint_expression(code)) * 1.0
    return quantity


_FACTORS: dict[tuple[str, str, float | None], float] = {}


def conversion_factor(from_code: str, to_code: str, molar_mass: float | None = None) -> float:
    """The factor ``f`` with ``value[to_code] = f * value[from_code]``.

    ``molar_mass`` (g/mol) is needed only when one side is a mass and the other an amount of
    substance concentration; it is ignored otherwise.
    """
    key = (from_code, to_code, molar_mass)
    found = _FACTORS.get(key)
    if found is not None:
        return found
    factor = _compute_factor(from_code, to_code, molar_mass)
    # A race here computes the same float twice; the dictionary write itself is atomic.
    _FACTORS[key] = factor
    return factor


def _compute_factor(from_code: str, to_code: str, molar_mass: float | None) -> float:
    src, dst = dimension_of(from_code), dimension_of(to_code)
    crossing = {src, dst} == {Dimension.MASS_CONCENTRATION, Dimension.SUBSTANCE_CONCENTRATION}
    if src != dst and not crossing:
        raise DimensionError(
            f"cannot convert {from_code!r} ({src}) to {to_code!r} ({dst})",
            unit=from_code,
            expected=str(dst),
        )
    if crossing and molar_mass is None:
        raise MissingMolarMassError(
            f"converting {from_code!r} ({src}) to {to_code!r} ({dst}) needs a molar mass; "
            "pass analyte=... for an analyte whose molar mass is known",
            unit=from_code,
            expected="an analyte with a molar mass",
            suggestion="analyte=",
        )
    scaled = _scaled_factor(from_code, to_code, molar_mass if crossing else None)
    if scaled is not None:
        return scaled
    return pint_factor(from_code, to_code, molar_mass if crossing else None)


def _scaled_factor(from_code: str, to_code: str, molar_mass: float | None) -> float | None:
    """The factor from the exact scales, or ``None`` for a code that has none."""
    src, dst = SCALES.get(from_code), SCALES.get(to_code)
    if src is None or dst is None:
        return None
    ratio = src / dst
    if molar_mass is not None:  # grams and moles meet: g/L = mol/L * g/mol
        mass = Fraction(molar_mass)
        from_mass = dimension_of(from_code) is Dimension.MASS_CONCENTRATION
        ratio = ratio / mass if from_mass else ratio * mass
    return float(ratio)


def pint_factor(from_code: str, to_code: str, molar_mass: float | None = None) -> float:
    """The factor as pint computes it: the fallback, and the reference the tests check."""
    src = dimension_of(from_code)
    q = pint_quantity(from_code)
    target = pint_quantity(to_code)
    with _PINT_LOCK:
        if molar_mass is not None:
            mm = _registry().Quantity(molar_mass, "g/mol")
            q = q * mm if src is Dimension.SUBSTANCE_CONCENTRATION else q / mm
        return float((q / target).to("dimensionless").magnitude)
