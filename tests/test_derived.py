"""Derived indices: computed from exact inputs, never given, explained by their inputs."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

import labinterp
from labinterp import (
    ANALYTES,
    DimensionError,
    Measurement,
    Pack,
    Panel,
    PanelError,
    extend_pack,
    interpret,
)
from labinterp._derived import derived_measurements, why_unavailable
from labinterp._formulas import FORMULAS, maturation_days

ADULT: dict[str, Any] = {"age": 40, "sex": "female", "pregnant": False}


def index(panel: dict[str, Any], analyte: str) -> Measurement:
    found = derived_measurements(Panel.from_mapping(panel))
    assert analyte in found, found
    return found[analyte]


# --- the numbers (research notes, sections B6, B7, B11 and E) ----------------------------------


def test_mentzer_index_65_over_5_6_is_11_6() -> None:
    m = index({"mcv": "65 fL", "rbc": "5.6 10*12/L"}, "mentzer_index")
    assert m.canonical_value == pytest.approx(65 / 5.6)
    assert m.as_given == "11.6 (MCV 65 fL / RBC 5.6 10*12/L)"
    assert m.derived_from == "MCV 65 fL / RBC 5.6 10*12/L"
    assert (m.unit, m.canonical_unit, m.comparator) == ("1", "1", None)
    other = index({"mcv": "65 fL", "rbc": "3.8 10*12/L"}, "mentzer_index")
    assert other.canonical_value == pytest.approx(17.1, abs=0.05)


def test_mentzer_index_reads_its_inputs_in_canonical_units() -> None:
    # 5.6 M/uL is 5.6 x 10^12/L and 65 um3 is 65 fL: the same index.
    m = index({"mcv": "65 um3", "rbc": "5.6 M/uL"}, "mentzer_index")
    assert m.canonical_value == pytest.approx(65 / 5.6)
    assert m.derived_from == "MCV 65 fL / RBC 5.6 10*12/L"


def test_rpi_retic_6_percent_hct_27_percent_is_1_8() -> None:
    m = index({"retic": "6 %", "hct": "27 %"}, "reticulocyte_production_index")
    assert m.canonical_value == pytest.approx(6 * 27 / 45 / 2.0)
    assert m.as_given == "1.8 (reticulocytes 6 % x (hematocrit 27 % / 45 %) / 2 days maturation)"
    # The same hematocrit as a volume fraction.
    same = index({"retic": "6 %", "hct": "0.27 L/L"}, "reticulocyte_production_index")
    assert same.canonical_value == pytest.approx(1.8)


@pytest.mark.parametrize(
    ("hematocrit", "days"),
    [(45, 1.0), (40, 1.0), (39.9, 1.5), (30, 1.5), (29.9, 2.0), (20, 2.0), (19.9, 2.5), (5, 2.5)],
)
def test_rpi_maturation_time_by_hematocrit_band(hematocrit: float, days: float) -> None:
    assert maturation_days(hematocrit) == days


def test_rpi_band_edges_hold_after_a_unit_conversion() -> None:
    # 0.4 L/L is 40 % (stored to 12 significant digits), so the 1.0-day band applies.
    m = index({"retic": "2 %", "hct": "0.4 L/L"}, "reticulocyte_production_index")
    assert m.canonical_value == pytest.approx(2 * 40 / 45 / 1.0)


def test_stfr_ferritin_index_3_over_log_50_is_1_77() -> None:
    m = index({"stfr": "3.0 mg/L", "ferritin": "50 ug/L"}, "stfr_ferritin_index")
    assert m.canonical_value == pytest.approx(3.0 / math.log10(50))
    assert m.as_given == "1.77 (sTfR 3 mg/L / log10(ferritin 50 ug/L))"
    # ng/mL is ug/L.
    same = index({"stfr": "3.0 mg/L", "ferritin": "50 ng/mL"}, "stfr_ferritin_index")
    assert same.canonical_value == pytest.approx(m.canonical_value)


@pytest.mark.parametrize("ferritin", ["1 ug/L", "0.5 ug/L", "0 ug/L", "1000 ng/L"])
def test_stfr_index_needs_ferritin_above_1(ferritin: str) -> None:
    panel = Panel.from_mapping({"stfr": "3.0 mg/L", "ferritin": ferritin})
    assert "stfr_ferritin_index" not in derived_measurements(panel)
    gap = why_unavailable("stfr_ferritin_index", panel.measurements)
    assert gap is not None
    assert gap.missing_inputs == ()
    assert "needs ferritin above 1 ug/L" in gap.reason


# --- when an index cannot be computed -----------------------------------------------------------


def test_a_missing_input_is_named_not_the_index() -> None:
    panel = Panel.from_mapping({"mcv": "65 fL"})
    assert derived_measurements(panel) == {}
    gap = why_unavailable("mentzer_index", panel.measurements)
    assert gap is not None
    assert gap.missing_inputs == ("rbc",)
    assert gap.reason == "the Mentzer index needs the red blood cell count, which was not measured"
    both = why_unavailable("reticulocyte_production_index", {})
    assert both is not None
    assert both.missing_inputs == ("reticulocytes", "hematocrit")
    assert "which were not measured" in both.reason


def test_a_censored_input_makes_the_index_unavailable_with_the_reason() -> None:
    panel = Panel.from_mapping({"mcv": "65 fL", "rbc": "<1 10*12/L"})
    assert derived_measurements(panel) == {}
    gap = why_unavailable("mentzer_index", panel.measurements)
    assert gap is not None
    assert gap.missing_inputs == ()
    assert gap.reason == (
        "the Mentzer index needs exact results, and red blood cell count <1 10*12/L is censored"
    )


def test_a_measured_analyte_is_never_unavailable() -> None:
    assert why_unavailable("ferritin", {}) is None


# --- never given by a caller ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "give",
    [
        lambda: Panel.from_mapping({"mentzer_index": "11 1"}),
        lambda: Panel.from_mapping({"RPI": None}),
        lambda: Panel.from_mapping({"stfr index": {"value": 1.5, "unit": "1"}}),
        lambda: Panel(mentzer_index="11 1"),  # type: ignore[call-arg]
        lambda: Measurement(analyte="mentzer", value=11, unit="1"),
        lambda: Measurement.parse("rpi", "2 1"),
        lambda: Panel.from_json('{"mentzer_index": "11 1"}'),
        lambda: Panel.from_mapping({"mcv": "65 fL"}).get("mentzer_index"),
    ],
)
def test_a_derived_index_given_by_a_caller_is_refused(give: Any) -> None:
    with pytest.raises(PanelError, match="is computed by labinterp from the"):
        give()


def test_the_refusal_names_the_inputs_to_give_instead() -> None:
    with pytest.raises(PanelError) as info:
        Panel.from_mapping({"RPI": "2.5 1"})
    assert str(info.value) == (
        "'RPI': the reticulocyte production index is computed by labinterp from the "
        "reticulocytes (% of red cells) and hematocrit, never given; give those results instead"
    )
    assert info.value.expected == "the measured inputs: reticulocytes, hematocrit"


def test_derived_from_is_never_taken_from_a_caller() -> None:
    with pytest.raises(labinterp.InvalidValueError, match="derived_from is set by labinterp"):
        Measurement(analyte="mcv", value=65, unit="fL", derived_from="trust me")
    # None, as a dump writes it, is fine: a panel still round-trips through JSON.
    panel = Panel.from_mapping({"mcv": "65 fL"})
    assert Panel.model_validate_json(panel.model_dump_json()) == panel


def test_a_derived_index_takes_only_its_own_unit() -> None:
    with pytest.raises(DimensionError, match="an index labinterp computes"):
        ANALYTES["mentzer_index"].resolve_unit("%")
    assert ANALYTES["mentzer_index"].resolve_unit("1").to_canonical == 1.0


def test_every_derived_entry_names_a_registered_formula_with_its_inputs() -> None:
    derived = [a for a in ANALYTES.values() if a.derived is not None]
    assert [a.id for a in derived] == [
        "mentzer_index",
        "reticulocyte_production_index",
        "stfr_ferritin_index",
    ]
    for analyte in derived:
        assert analyte.derived is not None
        formula = FORMULAS[analyte.derived.function]
        assert formula.input_ids == analyte.derived.inputs
        for input_id, unit in formula.inputs:
            assert ANALYTES[input_id].canonical_unit == unit


# --- the engine sees them as measured ------------------------------------------------------------


def _mentzer_pack() -> Pack:
    return extend_pack(
        labinterp.default_pack(),
        {
            "name": "mentzer_test",
            "version": "1",
            "sources": {
                "mentzer_1973": {
                    "title": "Mentzer WC. Differentiation of iron deficiency from "
                    "thalassaemia trait. Lancet 1973",
                    "year": 1973,
                    "kind": "primary study",
                }
            },
            "thresholds": {
                "mentzer_low": {
                    "analyte": "mentzer_index",
                    "source": "mentzer_1973",
                    "confidence": "established",
                    "cutoffs": [{"comparator": "<", "value": 13, "unit": "1"}],
                },
                "rpi_low": {
                    "analyte": "reticulocyte_production_index",
                    "source": "mentzer_1973",
                    "confidence": "established",
                    "cutoffs": [{"comparator": "<", "value": 2, "unit": "1"}],
                },
            },
            "patterns": {
                "thalassemia_trait_possible": {
                    "label": "thalassemia trait possible",
                    "criteria": {"all": [{"pattern": "microcytic"}, {"threshold": "mentzer_low"}]},
                },
                "hypoproliferative": {
                    "label": "hypoproliferative",
                    "criteria": {"threshold": "rpi_low"},
                },
            },
        },
    )


MENTZER_PACK = _mentzer_pack()


def test_a_pack_threshold_on_a_derived_index_decides() -> None:
    result = interpret({**ADULT, "mcv": "65 fL", "rbc": "5.6 10*12/L"}, pack=MENTZER_PACK)
    finding = result.pattern("thalassemia_trait_possible")
    assert finding.status == "consistent"
    leaf = finding.criteria.children[1]
    assert leaf.rule == "mentzer_index < 13"  # a plain number: no unit "1" after it
    assert leaf.observed is not None
    assert leaf.observed.as_given == "11.6 (MCV 65 fL / RBC 5.6 10*12/L)"
    assert leaf.would_change == "would no longer hold at 13 or above"
    assert finding.nearest_cutoff is not None
    assert "is 1.39 below the cut-off at 13;" in finding.nearest_cutoff
    assert "13 1" not in labinterp.render_text(result)
    # The flags are for measured results only.
    assert [f.analyte for f in result.flags] == ["mcv", "rbc"]


def test_rpi_example_is_hypoproliferative() -> None:
    result = interpret({**ADULT, "retic": "6 %", "hct": "27 %"}, pack=MENTZER_PACK)
    assert result.status("hypoproliferative") == "consistent"


def test_a_missing_input_is_what_the_label_asks_for() -> None:
    result = interpret({**ADULT, "mcv": "65 fL", "hb": "10 g/dL"}, pack=MENTZER_PACK)
    finding = result.pattern("thalassemia_trait_possible")
    assert finding.status == "indeterminate"
    assert finding.missing_analytes == ("rbc",)
    assert finding.label == (
        "thalassemia trait possible cannot be decided without red blood cell count"
    )
    assert finding.decisive_tests == ("red blood cell count",)
    leaf = finding.criteria.children[1]
    assert leaf.reason == "the Mentzer index needs the red blood cell count, which was not measured"
    # Both inputs missing: both named, in the formula's order.
    rpi = interpret(ADULT, pack=MENTZER_PACK).pattern("hypoproliferative")
    assert rpi.missing_analytes == ("reticulocytes", "hematocrit")


def test_a_censored_input_is_given_as_the_reason() -> None:
    result = interpret(
        {**ADULT, "mcv": "65 fL", "rbc": "<1 10*12/L", "hb": "10 g/dL"}, pack=MENTZER_PACK
    )
    finding = result.pattern("thalassemia_trait_possible")
    assert finding.status == "indeterminate"
    assert finding.missing_analytes == ()
    assert "red blood cell count <1 10*12/L is censored" in finding.label


def test_the_json_trace_carries_the_arithmetic() -> None:
    result = interpret({**ADULT, "mcv": "65 fL", "rbc": "5.6 10*12/L"}, pack=MENTZER_PACK)
    data = json.loads(result.to_json())
    finding = next(p for p in data["patterns"] if p["id"] == "thalassemia_trait_possible")
    assert finding["criteria"]["children"][1]["analyte"] == "mentzer_index"
    index = data["derived"]["mentzer_index"]
    assert index["derived_from"] == "MCV 65 fL / RBC 5.6 10*12/L"
    assert index["value"] == pytest.approx(65 / 5.6)
    # The panel itself holds only what was given.
    assert "mentzer_index" not in data["panel"]


def test_the_default_pack_reads_a_panel_with_every_new_analyte() -> None:
    panel = {
        **ADULT,
        "hb": "9.5 g/dL",
        "mcv": "72 fL",
        "ferritin": "45 ug/L",
        "tsat": "12 %",
        "crp": "12 mg/L",
        "retic": "3 %",
        "rbc": "4.1 10*12/L",
        "hct": "29 %",
        "ldh": "310 U/L",
        "haptoglobin": "0.2 g/L",
        "bilirubin_total": "30 umol/L",
        "bilirubin_indirect": "25 umol/L",
        "stfr": "5.5 mg/L",
        "active_b12": "40 pmol/L",
        "egfr": "55 mL/min/1.73m2",
        "creatinine": "1.2 mg/dL",
    }
    result = interpret(panel)
    assert set(result.statuses()) == {p.id for p in result.patterns}
    assert len(result.flags) == len(panel) - len(ADULT)
    assert labinterp.render_text(result)
    assert json.loads(result.to_json())["panel"]["egfr"]["canonical_unit"] == "mL/min/{1.73_m2}"
    assert set(derived_measurements(result.panel)) == {
        "mentzer_index",
        "reticulocyte_production_index",
        "stfr_ferritin_index",
    }


def _missing_index_pack() -> Pack:
    return extend_pack(
        MENTZER_PACK,
        {
            "name": "missing_index_test",
            "version": "1",
            "patterns": {
                "no_mentzer_index": {
                    "label": "no Mentzer index (test)",
                    "criteria": {"missing": "mentzer_index"},
                },
            },
        },
    )


def test_missing_on_an_index_that_cannot_be_computed_names_its_input() -> None:
    # The pack language's {missing: ...} (issue 7) on an index: held, and the reason is the
    # input that was not measured rather than "Mentzer index was not measured".
    pack = _missing_index_pack()
    finding = interpret({**ADULT, "mcv": "65 fL"}, pack=pack).pattern("no_mentzer_index")
    assert finding.status == "consistent"
    assert finding.criteria.rule == "missing(mentzer_index)"
    assert finding.criteria.reason == (
        "the Mentzer index needs the red blood cell count, which was not measured"
    )
    censored = interpret({**ADULT, "mcv": "65 fL", "rbc": "<1 10*12/L"}, pack=pack)
    leaf = censored.pattern("no_mentzer_index").criteria
    assert leaf.outcome is labinterp.Outcome.HELD
    assert leaf.reason is not None
    assert "red blood cell count <1 10*12/L is censored" in leaf.reason


def test_missing_on_an_index_that_was_computed_fails_and_says_computed() -> None:
    pack = _missing_index_pack()
    result = interpret({**ADULT, "mcv": "65 fL", "rbc": "5.6 10*12/L"}, pack=pack)
    finding = result.pattern("no_mentzer_index")
    assert finding.status == "not_consistent"
    assert finding.criteria.reason == "Mentzer index was computed"
    assert finding.criteria.observed is not None
    assert finding.criteria.observed.derived_from == "MCV 65 fL / RBC 5.6 10*12/L"
