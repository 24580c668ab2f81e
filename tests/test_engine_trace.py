"""The trace: every label is explained by the very criteria results that decided it."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from _engine_helpers import (
    PACK_NAMES,
    SAMPLE_PANELS,
    SEED_TITLE,
    STATUS_OF_OUTCOME,
    adult,
    finding,
    pack,
    run,
    threshold_leaves,
    walk,
)

import labinterp
from labinterp import CriterionResult, Interpretation, Outcome, convert, interpret, render_text
from labinterp._rule_logic import grey_zone_outcome

ALL_RUNS = [(panel_id, name) for panel_id in SAMPLE_PANELS for name in PACK_NAMES]
RUN_IDS = [f"{panel_id}@{name}" for panel_id, name in ALL_RUNS]


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], Interpretation]:
    return {(pid, name): run(SAMPLE_PANELS[pid], name) for pid, name in ALL_RUNS}


# --- a consistent iron deficiency, leaf by leaf -----------------------------------------------

IRON_PANEL = adult(ferritin="12 ng/mL", tsat="9 %", hb="10.2 g/dL", mcv="74 fL")


def test_consistent_iron_deficiency_leaves_carry_the_whole_explanation() -> None:
    found = finding(IRON_PANEL, "iron_deficiency")
    assert found.status == "consistent"
    # any(the seed's ferritin-and-TSAT rule, the sTfR index in the mixed picture): the first holds.
    assert found.criteria.kind == "any"
    seed_rule = found.criteria.children[0]
    assert seed_rule.kind == "all"
    assert seed_rule.outcome is Outcome.HELD
    leaves = threshold_leaves(seed_rule)
    assert [leaf.analyte for leaf in leaves] == ["ferritin", "transferrin_saturation"]
    expected = {
        # analyte: (as given, canonical value, canonical unit, cut-off, cut-off unit)
        "ferritin": ("12 ng/mL", 12.0, "ug/L", 30.0, "ug/L"),
        "transferrin_saturation": ("9 %", 9.0, "%", 15.0, "%"),
    }
    for leaf in leaves:
        assert leaf.analyte is not None
        as_given, canonical, canonical_unit, value, unit = expected[leaf.analyte]
        assert leaf.kind == "threshold"
        assert leaf.outcome is Outcome.HELD
        # The observed value as given and as compared.
        assert leaf.observed is not None
        assert leaf.observed.as_given == as_given
        assert leaf.observed.canonical_value == pytest.approx(canonical)
        assert leaf.observed.canonical_unit == canonical_unit
        # The cut-off: value, unit, inclusivity, source and confidence.
        assert len(leaf.cutoffs) == 1
        cut = leaf.cutoffs[0]
        assert cut.comparator == "<"
        assert cut.value == value
        assert cut.unit == unit
        assert cut.high == value
        assert cut.high_inclusive is False
        assert cut.low is None
        assert cut.low_inclusive is None
        assert cut.canonical_unit == canonical_unit
        assert cut.source_id == "seed_backache_anemia"
        assert SEED_TITLE in cut.source
        assert cut.confidence == "verified"
        # The seed's rule is for adults (children are not covered); age 40 is one.
        assert cut.applies_to == "age >= 15 y"
        assert leaf.cutoff_outcomes == (Outcome.HELD,)
        # Margin: signed distance from the cut-off, in the cut-off's unit.
        assert leaf.margin is not None
        assert leaf.margin_unit == unit
        in_cut_unit = convert(
            leaf.observed.canonical_value, canonical_unit, unit, analyte=leaf.analyte
        )
        assert leaf.margin == pytest.approx(in_cut_unit - value)
        assert leaf.margin < 0
        # What would change it: the cut-off, with its unit, and the direction.
        assert leaf.would_change is not None
        assert f"{value:g} {unit}" in leaf.would_change
        assert "no longer hold" in leaf.would_change
        assert "or above" in leaf.would_change
        assert leaf.missing_analytes == ()
        assert leaf.missing_context == ()
        assert leaf.reason is None


def test_failed_leaf_says_what_would_make_it_hold() -> None:
    found = finding(adult(ferritin="50 ug/L", tsat="9 %", crp="2 mg/L"), "iron_deficiency")
    assert found.status == "not_consistent"
    ferritin = threshold_leaves(found.criteria)[0]
    assert ferritin.outcome is Outcome.FAILED
    assert ferritin.margin == pytest.approx(20.0)
    assert ferritin.would_change is not None
    assert ferritin.would_change.startswith("would hold")
    assert "30 ug/L" in ferritin.would_change


def test_margin_is_reported_in_the_cutoff_unit_not_the_given_unit() -> None:
    # Hemoglobin is given in g/dL; the WHO cut-off is written in g/L.
    found = finding(adult(sex="male", hb="12 g/dL"), "anemia")
    leaf = found.criteria
    assert leaf.margin_unit == "g/L"
    assert leaf.margin == pytest.approx(-10.0)
    assert leaf.would_change is not None
    assert "130 g/L" in leaf.would_change


def test_interval_cutoff_carries_both_inclusivities() -> None:
    found = finding(
        adult(ferritin="150 ug/L", tsat="12 %"), "iron_deficiency", "heart_failure_esc_2021"
    )
    assert found.status == "consistent"
    band = next(
        leaf.cutoffs[0]
        for leaf in threshold_leaves(found.criteria)
        if leaf.cutoffs and leaf.cutoffs[0].comparator is None
    )
    assert (band.low, band.high) == (100.0, 300.0)
    assert band.low_inclusive is True
    assert band.high_inclusive is False
    assert band.source_id == "esc_2021_heart_failure"
    assert band.confidence == "verified"


def test_context_dependent_cutoffs_show_each_candidate_and_its_outcome() -> None:
    found = finding(adult(hb="12.5 g/dL"), "anemia")
    leaf = found.criteria
    assert leaf.outcome is Outcome.UNDECIDED
    assert len(leaf.cutoffs) == len(leaf.cutoff_outcomes) >= 2
    by_context = dict(zip((c.applies_to for c in leaf.cutoffs), leaf.cutoff_outcomes, strict=True))
    assert by_context["male, age >= 15 y"] is Outcome.HELD
    assert by_context["female, not pregnant, age >= 15 y"] is Outcome.FAILED
    assert leaf.reason is not None
    assert "disagree" in leaf.reason
    # No single cut-off applies, so there is no single margin to report.
    assert leaf.margin is None
    assert found.nearest_cutoff is None


def test_nearest_cutoff_is_consistent_with_the_margin() -> None:
    found = finding(adult(ferritin="29.9 ug/L", tsat="10 %"), "iron_deficiency")
    assert found.nearest_cutoff is not None
    assert found.nearest_cutoff.startswith("ferritin < 30 ug/L: 29.9 ug/L is 0.1 ug/L below")
    found = finding(adult(ferritin="10 ug/L", tsat="15 %"), "iron_deficiency")
    assert found.nearest_cutoff is not None
    assert "15 %" in found.nearest_cutoff
    assert " at the cut-off" in found.nearest_cutoff


def test_a_value_at_the_cutoff_in_another_unit_is_at_the_cutoff() -> None:
    # 30 ng/mL is 30 ug/L: the nearest-cut-off text should not report a rounding residue
    # (7.11e-15 ug/L) as a distance "above" the cut-off.
    found = finding(adult(ferritin="30 ng/mL", tsat="10 %"), "iron_deficiency")
    assert found.nearest_cutoff is not None
    assert " at the cut-off" in found.nearest_cutoff, found.nearest_cutoff
    assert "e-1" not in found.nearest_cutoff


# --- indeterminate labels ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("panel", "pattern_id", "pack_name", "label"),
    [
        (
            adult(sex="male", b12="250 ng/L"),
            "b12_deficiency",
            "default",
            "vitamin B12 deficiency cannot be decided without methylmalonic acid",
        ),
        (
            adult(ferritin="20 ug/L"),
            "iron_deficiency",
            "default",
            "iron deficiency cannot be decided without transferrin saturation",
        ),
        (
            adult(sex="female", age=30, b12="150 ng/L"),
            "b12_deficiency",
            "default",
            "vitamin B12 deficiency cannot be decided without the pregnancy status "
            "(it may fall in a grey zone: total B12 falls during a normal pregnancy, so NICE "
            "prefers active B12 (holotranscobalamin) to judge deficiency in pregnancy)",
        ),
        (
            adult(ferritin="50 ug/L", pregnant=False),
            "iron_deficiency",
            "who_2020_ferritin",
            "iron deficiency cannot be decided without C-reactive protein",
        ),
        (
            adult(ferritin="50 ug/L", sex="female"),
            "iron_deficiency",
            "who_2020_ferritin",
            "iron deficiency cannot be decided without C-reactive protein, the pregnancy status "
            "and the trimester",
        ),
        (
            adult(sex="female", pregnant=True, hb="10.7 g/dL"),
            "anemia",
            "default",
            "anemia cannot be decided without the trimester",
        ),
        (
            adult(conditions=["chronic_kidney_disease"]),
            "esa_guideline_context",
            "default",
            "note on guideline context on erythropoiesis-stimulating agents cannot be decided "
            "without hemoglobin",
        ),
    ],
)
def test_indeterminate_label_reads_cannot_be_decided_without(
    panel: dict[str, Any], pattern_id: str, pack_name: str, label: str
) -> None:
    assert finding(panel, pattern_id, pack_name).label == label


@pytest.mark.parametrize(("panel_id", "pack_name"), ALL_RUNS, ids=RUN_IDS)
def test_indeterminate_findings_name_what_is_missing(
    results: dict[tuple[str, str], Interpretation], panel_id: str, pack_name: str
) -> None:
    for found in results[panel_id, pack_name].patterns:
        if found.status != "indeterminate":
            continue
        if found.missing_analytes or found.missing_context:
            assert " cannot be decided without " in found.label
        else:
            # Censoring, the population or a grey zone: the reason is spelled out instead.
            assert " cannot be decided from these results" in found.label
            assert " cannot be decided from these results (" in found.label or any(
                zone.reason in found.label for zone in found.grey_zones
            )


# --- wording ----------------------------------------------------------------------------------

FORBIDDEN = ("diagnos", "treat", "you have", "you are", "prescri", "recommend")


@pytest.mark.parametrize(("panel_id", "pack_name"), ALL_RUNS, ids=RUN_IDS)
def test_every_label_uses_educational_wording(
    results: dict[tuple[str, str], Interpretation], panel_id: str, pack_name: str
) -> None:
    for found in results[panel_id, pack_name].patterns:
        label = found.label
        if found.kind == "note":
            assert label.startswith(("note applies: ", "note does not apply: ", "note on "))
        elif found.kind == "alert":
            assert label.startswith(("alert: ", "no alert: ", "alert on "))
        elif found.status == "consistent":
            assert label.startswith("consistent with ")
        elif found.status == "not_consistent":
            assert label.endswith(": not supported by these results")
        else:
            assert "cannot be decided" in label
            assert not label.startswith("consistent")
            assert "not supported" not in label
        lowered = label.lower()
        for word in FORBIDDEN:
            assert word not in lowered, label


@pytest.mark.parametrize(("panel_id", "pack_name"), ALL_RUNS, ids=RUN_IDS)
def test_every_rendering_carries_the_disclaimer(
    results: dict[tuple[str, str], Interpretation], panel_id: str, pack_name: str
) -> None:
    result = results[panel_id, pack_name]
    disclaimer = " ".join(pack(pack_name).disclaimer.split())
    assert result.disclaimer == disclaimer
    # Text wraps to a width: compare the words, not the line breaks.
    assert disclaimer in " ".join(render_text(result).split())
    assert disclaimer in " ".join(render_text(result, verbose=False).split())
    assert json.loads(result.to_json())["disclaimer"] == disclaimer
    assert json.loads(result.to_json(indent=None))["disclaimer"] == disclaimer
    assert result.model_dump(mode="json")["disclaimer"] == disclaimer


# --- status is the trace's outcome ------------------------------------------------------------


def _check_composites(node: CriterionResult) -> None:
    """Kleene's three-valued all/any/not, node by node."""
    outcomes = [child.outcome for child in node.children]
    if node.kind == "all":
        expected = (
            Outcome.FAILED
            if Outcome.FAILED in outcomes
            else Outcome.HELD
            if all(o is Outcome.HELD for o in outcomes)
            else Outcome.UNDECIDED
        )
        if node.children:
            assert node.outcome is expected, node
    elif node.kind == "any":
        expected = (
            Outcome.HELD
            if Outcome.HELD in outcomes
            else Outcome.FAILED
            if all(o is Outcome.FAILED for o in outcomes)
            else Outcome.UNDECIDED
        )
        assert node.outcome is expected, node
    elif node.kind == "not":
        negate = {Outcome.HELD: Outcome.FAILED, Outcome.FAILED: Outcome.HELD}
        assert node.outcome is negate.get(outcomes[0], Outcome.UNDECIDED)
    for child in node.children:
        _check_composites(child)


@pytest.mark.parametrize(("panel_id", "pack_name"), ALL_RUNS, ids=RUN_IDS)
def test_status_equals_the_outcome_of_the_trace_root(
    results: dict[tuple[str, str], Interpretation], panel_id: str, pack_name: str
) -> None:
    for found in results[panel_id, pack_name].patterns:
        zones = [zone.outcome for zone in found.grey_zones]
        expected = grey_zone_outcome(found.criteria.outcome, zones)
        assert found.status == STATUS_OF_OUTCOME[expected], found.id
        _check_composites(found.criteria)
        for zone in found.grey_zones:
            _check_composites(zone.result)
        if found.status == "indeterminate" and not found.grey_zones:
            assert found.missing_analytes == found.criteria.missing_analytes
            assert found.missing_context == found.criteria.missing_context
        elif found.status == "indeterminate" and Outcome.HELD not in zones:
            # Undecided criteria or an open zone: what is missing comes from them.
            open_parts = [found.criteria] if found.criteria.outcome is Outcome.UNDECIDED else []
            open_parts += [z.result for z in found.grey_zones if z.outcome is Outcome.UNDECIDED]
            named = {a for part in open_parts for a in part.missing_analytes}
            assert set(found.missing_analytes) <= named, found.id


@pytest.mark.parametrize(("panel_id", "pack_name"), ALL_RUNS, ids=RUN_IDS)
def test_decided_threshold_leaves_match_their_cutoffs(
    results: dict[tuple[str, str], Interpretation], panel_id: str, pack_name: str
) -> None:
    """A leaf decided by one cut-off with an exact value: margin and flip text agree."""
    for found in results[panel_id, pack_name].patterns:
        for leaf in threshold_leaves(found.criteria):
            if leaf.observed is None:
                # Unmeasured names the analyte, unless the source covers no one like this
                # patient: then measuring it would not decide anything.
                derived = labinterp.ANALYTES[leaf.analyte].derived if leaf.analyte else None
                if derived is not None:
                    # An index names the inputs that were not measured, not itself.
                    assert leaf.missing_analytes
                    assert set(leaf.missing_analytes) <= set(derived.inputs)
                    continue
                expected = () if leaf.not_covered else (leaf.analyte,)
                assert leaf.missing_analytes == expected
                continue
            assert leaf.observed.analyte == leaf.analyte
            if leaf.outcome is Outcome.UNDECIDED:
                assert leaf.reason, leaf
                continue
            assert leaf.cutoff_outcomes
            assert all(o is leaf.outcome for o in leaf.cutoff_outcomes)
            if len(leaf.cutoffs) != 1 or leaf.observed.comparator is not None:
                continue
            cut = leaf.cutoffs[0]
            assert leaf.margin is not None
            assert leaf.margin_unit == cut.unit
            assert leaf.would_change is not None
            assert leaf.would_change.startswith(
                "would no longer hold" if leaf.outcome is Outcome.HELD else "would hold"
            )
            # The flip text names the cut-off's edge, in the cut-off's unit.
            edges = [x for x in (cut.low, cut.high) if x is not None]
            assert any(f"{x:g}" in leaf.would_change for x in edges)
            assert cut.unit in leaf.would_change
            assert cut.source
            assert cut.confidence in ("verified", "established", "uncertain")


# --- determinism and JSON ---------------------------------------------------------------------


def _no_constants(name: str) -> float:
    raise AssertionError(f"non-standard JSON constant {name}")


@pytest.mark.parametrize(("panel_id", "pack_name"), ALL_RUNS, ids=RUN_IDS)
def test_json_is_deterministic_and_standard(panel_id: str, pack_name: str) -> None:
    panel = SAMPLE_PANELS[panel_id]
    first = interpret(panel, pack=pack(pack_name)).to_json()
    second = interpret(panel, pack=pack(pack_name)).to_json()
    assert first == second
    # A freshly loaded (equal, not identical) pack and a reordered panel give the same bytes.
    reloaded = interpret(dict(reversed(list(panel.items()))), pack=pack(pack_name).model_copy())
    assert reloaded.to_json() == first
    assert "Infinity" not in first
    assert "NaN" not in first
    data = json.loads(first, parse_constant=_no_constants)
    assert {p["id"] for p in data["patterns"]} == set(pack(pack_name).patterns)
    assert data["pack"]["name"] == pack(pack_name).name


@pytest.mark.parametrize(("panel_id", "pack_name"), ALL_RUNS, ids=RUN_IDS)
def test_model_dump_json_mode_works(
    results: dict[tuple[str, str], Interpretation], panel_id: str, pack_name: str
) -> None:
    result = results[panel_id, pack_name]
    # model_dump is pydantic's full Python form (Outcome values); to_json is the contract,
    # in the text's words. Both report the same statuses.
    dumped = result.model_dump(mode="json")
    json.dumps(dumped, allow_nan=False, sort_keys=True)  # standard JSON, no infinities
    document = json.loads(result.to_json())
    assert [p["status"] for p in dumped["patterns"]] == [p["status"] for p in document["patterns"]]
    for p in dumped["patterns"]:
        assert p["status"] in ("consistent", "not_consistent", "indeterminate")
        assert p["criteria"]["outcome"] in ("held", "failed", "undecided")
    for p in document["patterns"]:
        assert p["criteria"]["outcome"] in ("holds", "does not hold", "undecided")


def test_json_of_censored_values_has_no_infinite_bounds() -> None:
    result = run(adult(ferritin=">2000 ug/L", crp="<1 mg/L", mcv=">120 fL", tsat="10 %"))
    text = result.to_json()
    json.loads(text, parse_constant=_no_constants)
    for value in json.loads(text)["flags"]:
        for key in ("low", "high"):
            assert value[key] is None or math.isfinite(value[key])


def test_json_trace_carries_values_cutoffs_and_sources() -> None:
    data = json.loads(run(IRON_PANEL).to_json())
    iron = next(p for p in data["patterns"] if p["id"] == "iron_deficiency")
    ferritin = iron["criteria"]["children"][0]["children"][0]  # any -> the seed rule -> ferritin
    # The value compared is the panel's, named by the analyte rather than repeated.
    assert ferritin["analyte"] == "ferritin"
    observed = data["panel"]["ferritin"]
    assert observed["value"] == 12.0
    assert observed["unit"] == "ng/mL"
    assert observed["canonical_value"] == pytest.approx(12.0)
    assert observed["canonical_unit"] == "ug/L"
    # Cut-offs and sources are written once, in tables, and referenced by id.
    (cut_id,) = ferritin["cutoffs"]
    cut = data["cutoffs"][cut_id]
    assert cut["comparator"] == "<"
    assert cut["value"] == 30.0
    assert cut["unit"] == "ug/L"
    assert "high_inclusive" not in cut  # follows from the comparator
    assert SEED_TITLE in data["sources"][cut["source"]]
    assert cut["confidence"] == "verified"
    assert ferritin["margin"] == pytest.approx(-18.0)
    assert "30 ug/L" in ferritin["would_change"]
    # The band is internal; the factor to the canonical unit is data.
    assert "band" not in cut
    assert cut["to_canonical"] == 1.0


def test_render_text_shows_the_trace() -> None:
    text = render_text(run(IRON_PANEL), width=200)
    assert "[+] consistent with iron deficiency" in text
    # The cut-off in the unit of the result, the pack's own in brackets; the margin too.
    assert "[+] ferritin < 30 ng/mL [30 ug/L] because the age is 15 years or more: holds" in text
    assert "value: 12 ng/mL (18 ng/mL below the cut-off)" in text
    assert SEED_TITLE in text
    assert "[verified]" in text


def test_walk_visits_every_node() -> None:
    found = finding(adult(b12="250 ng/L", mma="300 nmol/L"), "b12_deficiency")
    kinds = [node.kind for node in walk(found.criteria)]
    assert kinds == ["any", "threshold", "all", "threshold", "threshold"]


def test_label_says_when_a_censored_result_also_leaves_the_pattern_open() -> None:
    # TSAT is missing, but even a low TSAT would not decide it: ferritin "<50" straddles 30.
    found = finding(adult(ferritin="<50 ug/L"), "iron_deficiency")
    assert found.status == "indeterminate"
    assert found.label.startswith("iron deficiency cannot be decided without transferrin")
    assert "ferritin < 30 ug/L" in found.label
    assert "censored result <50 ug/L" in found.label
