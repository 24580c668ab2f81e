"""Context facts, population limits, one-sided intervals and impossible censored results."""

from __future__ import annotations

from pathlib import Path

import pytest
from _engine_helpers import adult, run

import labinterp


def test_pregnant_implies_female() -> None:
    # Without sex, a pregnant patient must not be weighed against the male cut-off.
    found = run({"age": 30, "hb": "12.5 g/dL", "pregnant": True, "trimester": 2}).pattern("anemia")
    assert found.status == "not_consistent"
    assert found.missing_context == ()


def test_outside_population_uses_no_pack_interval_for_flags() -> None:
    result = run({"age": 0.25, "sex": "male", "hb": "11.5 g/dL", "mcv": "70 fL"})
    assert {f.analyte: f.flag for f in result.flags} == {
        "hemoglobin": "no reference interval",
        "mcv": "no reference interval",
    }
    assert any("outside this pack's population" in a for a in result.assumptions)
    assert set(result.statuses().values()) == {"indeterminate"}


def test_outside_population_still_uses_the_labs_own_interval() -> None:
    mcv = {"value": 70, "unit": "fL", "reference_interval": {"low": 72, "high": 90, "unit": "fL"}}
    flag = run({"age": 0.25, "mcv": mcv}).flag("mcv")
    assert flag is not None
    assert (flag.flag, flag.code) == ("low", "L")


def test_one_sided_lab_interval_reads_as_such() -> None:
    mcv = {"value": 100, "unit": "fL", "reference_interval": {"high": 100, "unit": "fL"}}
    result = run(adult(mcv=mcv))
    flag = result.flag("mcv")
    assert flag is not None
    assert (flag.flag, flag.code) == ("not high", None)
    leaf = result.pattern("anemia_of_inflammation").criteria.children[1]  # [0] is anemia
    assert leaf.rule == "mcv within the lab's interval <= 100 fL"
    assert leaf.outcome.value == "held"
    # 100 is inside a "<= 100" interval, so only values above it would change the outcome.
    assert leaf.would_change == "would no longer hold above 100 fL"


@pytest.mark.parametrize("text", ["<0 ng/mL", "<0.0 ug/L", "< 0 ug/L"])
def test_a_less_than_zero_result_is_refused(text: str) -> None:
    with pytest.raises(labinterp.InvalidValueError, match="allows no possible value"):
        labinterp.Panel.from_mapping({"ferritin": text})
    with pytest.raises(labinterp.InvalidValueError, match="allows no possible value"):
        labinterp.Measurement(analyte="ferritin", value=0, unit="ug/L", comparator="<")


def test_reference_interval_on_inflammation_needs_an_inflammation_pattern(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "schema_version: 1\nname: p\nversion: '1'\nextends: default\ntitle: t\n"
        "inflammation_pattern: null\n"
        "reference_intervals:\n  crp:\n    source: who_2020_ferritin\n"
        "    confidence: verified\n    intervals:\n"
        "      - {when: {inflammation: true}, high: 5, unit: mg/L}\n",
        encoding="utf-8",
    )
    with pytest.raises(labinterp.PackError, match=r"intervals\[0\]\.when\.inflammation"):
        labinterp.load_pack(path)


def test_reference_criteria_on_inflammation_are_ordered_after_it(tmp_path: Path) -> None:
    # An interval that depends on inflammation makes the pattern using it wait for the
    # inflammation pattern; before this, interpret raised KeyError.
    path = tmp_path / "p.yaml"
    path.write_text(
        "schema_version: 1\nname: p\nversion: '1'\nextends: default\ntitle: t\n"
        "reference_intervals:\n  ferritin:\n    source: who_2020_ferritin\n"
        "    confidence: verified\n    intervals:\n"
        "      - {when: {inflammation: false}, low: 15, unit: ug/L}\n"
        "      - {when: {inflammation: true}, low: 70, unit: ug/L}\n"
        "patterns:\n  aaa_low_ferritin:\n    label: low ferritin\n"
        "    criteria: {reference: {analyte: ferritin, position: below}}\n",
        encoding="utf-8",
    )
    loaded = labinterp.load_pack(path)
    low = labinterp.interpret(adult(ferritin="50 ug/L", crp="20 mg/L"), pack=loaded)
    assert low.status("aaa_low_ferritin") == "consistent"
    high = labinterp.interpret(adult(ferritin="50 ug/L", crp="1 mg/L"), pack=loaded)
    assert high.status("aaa_low_ferritin") == "not_consistent"
    open_ = labinterp.interpret(adult(ferritin="50 ug/L"), pack=loaded).pattern("aaa_low_ferritin")
    assert open_.status == "indeterminate"
    assert open_.missing_analytes == ("crp",)


def test_a_lab_interval_without_the_needed_bound_falls_back_to_the_pack() -> None:
    iron = {"value": 40, "unit": "ug/dL", "reference_interval": {"high": 170, "unit": "ug/dL"}}
    result = run(adult(sex="female", iron=iron))
    leaf = result.pattern("anemia_of_inflammation").criteria.children[2]  # [0] is anemia
    assert leaf.rule.startswith("iron below")
    assert leaf.outcome.value == "held"
    assert leaf.cutoffs[0].source_id == "fairbanks_1990_iron"


def test_flag_with_pregnancy_unknown_gives_each_possible_contexts_limits() -> None:
    # Regression: the flag lost its limit (low=None) and said nothing of the possible ones.
    result = labinterp.interpret(
        labinterp.Panel.from_mapping({"hemoglobin": "10.5 g/dL", "sex": "female", "age": 30})
    )
    flag = result.flag("hb")
    assert flag is not None
    assert flag.low is None  # no single limit applies
    contexts = {context: low for context, low, _high in flag.possible_limits}
    assert len(contexts) >= 2
    assert any("pregnant: false" in c for c in contexts)
    assert any("pregnant: true" in c for c in contexts)
    assert all(low is not None for low in contexts.values())


def test_flag_with_the_context_known_has_one_limit_and_no_alternatives() -> None:
    result = labinterp.interpret(
        labinterp.Panel.from_mapping(
            {"hemoglobin": "10.5 g/dL", "sex": "female", "age": 30, "pregnant": False}
        )
    )
    flag = result.flag("hb")
    assert flag is not None
    assert flag.low is not None
    assert flag.possible_limits == ()
