"""The law behind lazy traces: the status decided by ``interpret`` is always the outcome of
the trace built later from the same rules, for any panel, context and pack."""

from __future__ import annotations

from typing import Any

from _engine_helpers import PACK_NAMES, STATUS_OF_OUTCOME, pack
from hypothesis import given
from hypothesis import strategies as st

import labinterp
from labinterp import CONTEXT_VOCABULARIES
from labinterp._rules import grey_zone_outcome
from labinterp.testing import panels

# Values in canonical units spanning every bundled cut-off, with room on both sides.
_RANGES: dict[str, tuple[float, float, str]] = {
    "ferritin": (1.0, 600.0, "ug/L"),
    "transferrin_saturation": (1.0, 60.0, "%"),
    "iron": (2.0, 40.0, "umol/L"),
    "tibc": (20.0, 100.0, "umol/L"),
    "hemoglobin": (4.0, 18.0, "g/dL"),
    "mcv": (60.0, 120.0, "fL"),
    "vitamin_b12": (50.0, 600.0, "pmol/L"),
    "methylmalonic_acid": (100.0, 600.0, "nmol/L"),
    "homocysteine": (5.0, 30.0, "umol/L"),
    "folate": (2.0, 40.0, "nmol/L"),
    "crp": (0.5, 50.0, "mg/L"),
}


@st.composite
def _measurement(draw: st.DrawFn, analyte: str) -> dict[str, Any]:
    low, high, unit = _RANGES[analyte]
    value = draw(st.floats(low, high, allow_nan=False).map(lambda v: round(v, 1)))
    comparator = draw(st.sampled_from([None, None, None, "<", ">", "<=", ">="]))
    item: dict[str, Any] = {"value": value, "unit": unit}
    if comparator:
        item["comparator"] = comparator
    if analyte in ("iron", "mcv") and draw(st.booleans()):
        item["reference_interval"] = {"low": low * 1.5, "high": high * 0.8, "unit": unit}
    return item


@st.composite
def _panels(draw: st.DrawFn) -> dict[str, Any]:
    chosen = draw(st.sets(st.sampled_from(sorted(_RANGES))))
    panel: dict[str, Any] = {a: draw(_measurement(a)) for a in sorted(chosen)}
    sex = draw(st.sampled_from([None, "female", "male"]))
    if sex:
        panel["sex"] = sex
    age = draw(st.sampled_from([None, 10, 40, 80]))
    if age is not None:
        panel["age"] = age
    if sex != "male":
        # interpret refuses a pregnancy outside the packs' pregnancy ages (10 to 55 years).
        pregnant = draw(st.sampled_from([None, True, False] if age != 80 else [None, False]))
        if pregnant is not None:
            panel["pregnant"] = pregnant
        if pregnant and draw(st.booleans()):
            panel["trimester"] = draw(st.sampled_from([1, 2, 3]))
    # Reported context, so that patterns and cut-offs that depend on it are exercised too.
    for field in ("conditions", "medications", "symptoms"):
        ids = sorted(CONTEXT_VOCABULARIES[field])
        panel[field] = draw(st.lists(st.sampled_from(ids), max_size=3))
    diet = draw(st.sampled_from([None, *sorted(CONTEXT_VOCABULARIES["diet"])]))
    if diet is not None:
        panel["diet"] = diet
    return panel


# Hand-made panels (with lab reference intervals) and the kit's (values on and around every
# cut-off of the default pack, in any unit and spelling, some censored, context with gaps).
@given(_panels() | panels(pack()), st.sampled_from([*PACK_NAMES, "anemia_type"]))
def test_decided_status_is_the_trace_outcome(panel: dict[str, Any], pack_name: str) -> None:
    result = labinterp.interpret(panel, pack=pack(pack_name))
    decided = result.statuses()
    # The trace is the criteria's and each grey zone's; the status combines them.
    explained = {
        f.id: STATUS_OF_OUTCOME[
            grey_zone_outcome(f.criteria.outcome, (z.outcome for z in f.grey_zones))
        ]
        for f in result.patterns
    }
    assert explained == decided
    assert {f.id: f.status for f in result.patterns} == decided


@given(_panels())
def test_a_classification_decides_what_its_classes_explain(panel: dict[str, Any]) -> None:
    """The classes of a classification (patterns of their own) are decided as their traces
    explain, exactly one is consistent or none is and at least two remain possible, and the
    classification says the same."""
    result = labinterp.interpret(panel, pack=pack("anemia_type"))
    decided = result.statuses()
    found = result.classifications[0]
    classes = {k: decided[f"anemia_type.{k}"] for k in found.classes}
    for k in found.classes:
        finding = result.pattern(f"anemia_type.{k}")
        assert STATUS_OF_OUTCOME[finding.criteria.outcome] == classes[k]
        assert finding.classification == "anemia_type"
    consistent = [k for k, s in classes.items() if s == "consistent"]
    possible = tuple(k for k, s in classes.items() if s == "indeterminate")
    if consistent:
        assert consistent == [found.chosen]
        assert result.classification("anemia_type") == found.chosen
        assert found.possible == (found.chosen,)
    else:
        assert len(possible) >= 2
        assert found.chosen is None
        assert result.classification("anemia_type") == possible == found.possible
        assert "cannot be decided between" in found.label


@given(_panels())
def test_indeterminate_patterns_name_what_is_missing_or_why(panel: dict[str, Any]) -> None:
    for found in labinterp.interpret(panel, pack=pack()).patterns:
        if found.status == "indeterminate":
            assert "cannot be decided" in found.label
        else:
            assert found.missing_analytes == ()
            assert found.missing_context == ()
