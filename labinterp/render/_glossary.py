"""The learner's glossary: one plain line for each term a rendering uses.

The words are message ids of the catalog (:class:`labinterp._messages.Messages`), so a
translation replaces them like any other message. A pattern is explained by the pack's own
description of it, then by an entry here; a test without an entry here by the catalog's LOINC
name. A term nothing explains is left out: a line that explains nothing teaches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from labinterp._analytes import ANALYTES
from labinterp._messages import Messages

__all__ = ["glossary_for"]

_TERMS: Mapping[str, str] = {
    # How labinterp speaks.
    "consistent with": "the results match a pattern described in the cited sources; this is "
    "not a diagnosis",
    "not supported by these results": "the results given do not match the pattern (other "
    "results might)",
    "cannot be decided": "the results and context given are not enough to say either way",
    "cut-off": "the value a source uses to separate one group of results from another",
    "reference interval": "the range of results found in most healthy people",
    "reference limit": "an end of the reference interval: results beyond it are unusual in "
    "healthy people",
    "grey zone": "values where the sources say the answer is uncertain",
    "percentage points": "the difference between two percentages (15 % to 9 % is 6 points)",
    # Tests.
    "ferritin": "a protein that stores iron; a low level suggests low iron stores",
    "transferrin saturation": "how much of the iron-carrying protein transferrin carries iron",
    "serum iron": "the iron carried in the blood",
    "total iron-binding capacity": "how much iron the blood's transferrin could carry",
    "transferrin": "the protein that carries iron in the blood",
    "hemoglobin": "the protein in red blood cells that carries oxygen",
    "mean corpuscular volume": "the average size of the red blood cells",
    "red cell distribution width (RDW-CV)": "how much the red blood cells vary in size",
    "reticulocytes (% of red cells)": "young red blood cells, as a share of all red cells",
    "vitamin B12 (cobalamin)": "a vitamin needed to make red blood cells and keep nerves healthy",
    "folate (serum)": "a B vitamin needed to make red blood cells",
    "C-reactive protein": "a protein that rises with inflammation",
    "erythrocyte sedimentation rate": "how fast red cells settle in a tube; it rises with "
    "inflammation",
    "hematocrit": "the share of the blood's volume taken up by red blood cells",
    "methylmalonic acid": "a substance that builds up when vitamin B12 runs short",
    "homocysteine (total)": "a substance that builds up when B12 or folate runs short",
    "reticulocyte production index": "the young red cell count corrected for anemia; it "
    "shows how hard the bone marrow is working",
    "sTfR/log ferritin index": "the soluble transferrin receptor divided by the logarithm "
    "of ferritin; it helps tell low iron from inflammation",
    "Mentzer index": "the red cell size divided by the red cell count; it helps tell low "
    "iron from a thalassemia trait",
    "red blood cell count": "how many red blood cells are in a volume of blood",
    "soluble transferrin receptor (sTfR)": "a protein that rises when cells lack iron",
    "inflammation": "the body's response to infection or injury; it changes several results",
    "marrow": "the bone marrow, where blood cells are made",
    # Patterns the bundled packs name without a description of their own.
    "severe anemia": "hemoglobin so far below the anemia cut-off that the sources call the "
    "anemia severe",
    "small red cells (microcytosis)": "red blood cells smaller than usual on average (a low "
    "mean corpuscular volume), as with low iron or a thalassemia trait",
    "normal-sized red cells (normocytosis)": "red blood cells of the usual size on average "
    "(a mean corpuscular volume in the usual range)",
    "large red cells (macrocytosis)": "red blood cells larger than usual on average (a high "
    "mean corpuscular volume), as with a shortage of vitamin B12 or folate",
    # Units, in the one spelling a report shows (render._view_numbers.display_unit).
    "g/dL": "grams per decilitre (a tenth of a litre)",
    "g/L": "grams per litre",
    "ng/mL": "nanograms (billionths of a gram) per millilitre",
    "ug/L": "micrograms (millionths of a gram) per litre; the same as ng/mL",
    "ug/dL": "micrograms per decilitre",
    "pg/mL": "picograms (trillionths of a gram) per millilitre",
    "pmol/L": "picomoles per litre (an amount of substance)",
    "nmol/L": "nanomoles per litre (an amount of substance)",
    "umol/L": "micromoles per litre (an amount of substance)",
    "mg/L": "milligrams per litre",
    "mg/dL": "milligrams per decilitre",
    "fL": "femtolitres, a unit for the volume of one cell",
    "um3": "cubic micrometres, a unit for the volume of one cell; the same as fL",
    "%": "per cent",
    "mm/h": "millimetres per hour",
    "mmol/L": "millimoles per litre (an amount of substance)",
    "ng/L": "nanograms (billionths of a gram) per litre",
    "U/L": "units of enzyme activity per litre",
    "ukat/L": "microkatals per litre, units of enzyme activity (1 ukat/L is 60 U/L)",
    "10*12/L": "million million (10^12) cells per litre",
    "10*9/L": "thousand million (10^9) cells per litre",
    "10*6/uL": "millions of cells per microlitre; the same count as 10*12/L",
    "10*3/uL": "thousands of cells per microlitre; the same count as 10*9/L",
    "mL/min/{1.73_m2}": "millilitres of blood filtered per minute by the kidneys, scaled to "
    "a standard body surface area of 1.73 square metres",
    "L/L": "litres per litre: a share of a whole written as a fraction (0.31 is 31 %)",
}


def terms_in(text: str) -> list[str]:
    """The glossary's words and the tests' names that ``text`` uses (units are left to the
    renderers, which know where a unit is used)."""
    lowered = text.lower()
    return [term for term, low in _known_terms() if low in lowered]


@cache
def _known_terms() -> tuple[tuple[str, str], ...]:
    known = [t for t in _TERMS if not _is_unit(t)]
    known += [a.display_name for a in ANALYTES.values()]
    return tuple((t, t.lower()) for t in dict.fromkeys(known))


def _is_unit(term: str) -> bool:
    return "/" in term or term in ("%", "fL", "um3")


def glossary_for(
    terms: Iterable[str],
    messages: Messages,
    extra: Mapping[str, str] | None = None,
) -> tuple[tuple[str, str], ...]:
    """A line for each term used, in the order first used; ``extra`` adds pack descriptions
    of patterns. A term nothing here explains (a unit without an entry) is left out."""
    by_name = {a.display_name: a for a in ANALYTES.values()}
    lines: list[tuple[str, str]] = []
    for term in dict.fromkeys(terms):
        meaning = _TERMS.get(term)
        if extra and extra.get(term):
            # The pack's own words for its pattern come before the generic ones.
            lines.append((messages.gettext(term), extra[term]))
        elif meaning is not None:
            lines.append((messages.gettext(term), messages.gettext(meaning)))
        elif term in by_name and by_name[term].loinc:
            lines.append((term, by_name[term].loinc[0].long_name))
        # A unit without an entry above is left out: "U/L: a unit of measurement: U/L"
        # would only repeat the term (every unit of labinterp's catalog has an entry).
    return tuple(lines)
