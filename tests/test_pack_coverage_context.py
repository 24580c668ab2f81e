"""The one-entry-per-patient check with reported context, ``unless`` and ``not_covered``.

Reported context is two-valued (an id the panel does not list is not reported), so a context
and its ``unless`` complement split every patient in two; ``not_covered`` contexts are entries
of their own: they close a gap and must not overlap a cut-off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from _engine_helpers import adult

from labinterp import Pack, PackError, interpret, load_pack
from labinterp._pack_models import MAX_REPORTED_IDS

CKD = "chronic_kidney_disease"


def tiny_pack(*cutoffs: dict[str, Any], not_covered: list[dict[str, Any]] | None = None) -> Any:
    """A small pack whose one threshold, ferritin_low, has these cut-offs."""
    threshold: dict[str, Any] = {
        "analyte": "ferritin",
        "source": "src",
        "confidence": "verified",
        "cutoffs": list(cutoffs),
    }
    if not_covered is not None:
        threshold["not_covered"] = not_covered
    return {
        "schema_version": 1,
        "name": "tiny",
        "version": "1",
        "title": "A tiny pack",
        "population": {"age_min": 15, "description": "adults"},
        "disclaimer": "Educational only.",
        "sources": {"src": {"title": "A source title", "year": 2020, "kind": "guideline"}},
        "thresholds": {"ferritin_low": threshold},
        "patterns": {
            "low_ferritin": {"label": "low ferritin", "criteria": {"threshold": "ferritin_low"}}
        },
    }


def cut(value: float, **when: Any) -> dict[str, Any]:
    return {"when": when, "comparator": "<", "value": value, "unit": "ug/L"}


def gap(**when: Any) -> dict[str, Any]:
    return {"when": when, "reason": "the source gives no cut-off here"}


def load(tmp_path: Path, data: dict[str, Any]) -> Pack:
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_pack(path)


def refused(tmp_path: Path, data: dict[str, Any]) -> PackError:
    with pytest.raises(PackError) as info:
        load(tmp_path, data)
    return info.value


def status(pack: Pack, **panel: Any) -> str:
    return interpret(adult(**panel), pack=pack).status("low_ferritin")


# --- reported context and unless ----------------------------------------------------------------


def test_a_condition_cutoff_beside_one_for_everyone_is_an_overlap_naming_both(
    tmp_path: Path,
) -> None:
    error = refused(tmp_path, tiny_pack(cut(100, conditions=[CKD]), cut(30)))
    assert (
        f"cutoffs[0] (conditions: {CKD}) and cutoffs[1] (everyone) both apply to "
        f"conditions: {CKD} reported; each patient needs exactly one cut-off"
    ) in str(error)
    assert error.field == "thresholds.ferritin_low.cutoffs[1]"


def test_a_condition_and_its_unless_complement_are_accepted_and_each_applies(
    tmp_path: Path,
) -> None:
    pack = load(
        tmp_path, tiny_pack(cut(100, conditions=[CKD]), cut(30, unless={"conditions": [CKD]}))
    )
    assert status(pack, ferritin="50 ug/L", conditions=[CKD]) == "consistent"
    assert status(pack, ferritin="50 ug/L") == "not_consistent"
    assert status(pack, ferritin="20 ug/L", conditions=["heart_failure"]) == "consistent"


def test_a_complement_pair_inside_a_sex_split_is_accepted(tmp_path: Path) -> None:
    pack = load(
        tmp_path,
        tiny_pack(
            cut(30, sex="male"),
            cut(100, sex="female", conditions=[CKD]),
            cut(15, sex="female", unless={"conditions": [CKD]}),
        ),
    )
    assert status(pack, sex="female", ferritin="50 ug/L", conditions=[CKD]) == "consistent"
    assert status(pack, sex="female", ferritin="20 ug/L") == "not_consistent"


def test_a_complement_pair_over_two_fields_splits_in_three(tmp_path: Path) -> None:
    load(
        tmp_path,
        tiny_pack(
            cut(100, conditions=[CKD]),
            cut(50, medications=["metformin"], unless={"conditions": [CKD]}),
            cut(30, unless={"conditions": [CKD], "medications": ["metformin"]}),
        ),
    )


def test_two_diets_are_never_both_reported(tmp_path: Path) -> None:
    # A panel holds one diet, so these three contexts neither overlap nor leave a gap.
    load(
        tmp_path,
        tiny_pack(
            cut(40, diet="vegan"),
            cut(35, diet=["vegetarian"]),
            cut(30, unless={"diet": ["vegan", "vegetarian"]}),
        ),
    )


def test_a_condition_cutoff_alone_leaves_those_without_it_uncovered(tmp_path: Path) -> None:
    error = refused(tmp_path, tiny_pack(cut(100, conditions=[CKD])))
    assert f"no cut-off applies to: conditions: {CKD} not reported." in str(error)
    assert "or list them under not_covered" in str(error)
    assert error.field == "thresholds.ferritin_low.cutoffs"


def test_a_gap_names_the_context_and_the_reported_ids_together(tmp_path: Path) -> None:
    data = tiny_pack(
        cut(30, sex="male"),
        cut(100, sex="female", conditions=[CKD]),
        cut(15, sex="female", age_min=30, unless={"conditions": [CKD]}),
    )
    error = refused(tmp_path, data)
    assert f"no cut-off applies to: female, age < 30 y, conditions: {CKD} not reported" in str(
        error
    )


def test_a_gap_that_is_no_single_combination_is_shown_by_example(tmp_path: Path) -> None:
    # Uncovered: CKD or heart failure reported, metformin not; no one list of ids says that.
    data = tiny_pack(
        cut(100, conditions=[CKD, "heart_failure"], medications=["metformin"]),
        cut(30, unless={"conditions": [CKD, "heart_failure"]}),
    )
    error = refused(tmp_path, data)
    assert (
        "no cut-off applies to: medications: metformin not reported, and for example "
        f"conditions: {CKD} reported, conditions: heart_failure not reported."
    ) in str(error)


def test_a_context_that_requires_and_excludes_one_id_is_refused_where_written(
    tmp_path: Path,
) -> None:
    data = tiny_pack(cut(30, conditions=[CKD], unless={"conditions": [CKD, "heart_failure"]}))
    error = refused(tmp_path, data)
    assert error.field == "thresholds.ferritin_low.cutoffs[0].when.conditions"
    assert "applies to no patient" in str(error)


def test_too_many_reported_ids_in_one_threshold_are_refused(tmp_path: Path) -> None:
    conditions = [
        CKD,
        "heart_failure",
        "inflammatory_bowel_disease",
        "celiac_disease",
        "malignancy",
        "cancer_treatment",
        "pernicious_anemia",
        "gastric_surgery",
        "hypothyroidism",
    ]
    assert len(conditions) == MAX_REPORTED_IDS + 1
    data = tiny_pack(
        cut(100, conditions=conditions), cut(30, unless={"conditions": list(conditions)})
    )
    error = refused(tmp_path, data)
    assert f"at most {MAX_REPORTED_IDS} are allowed" in str(error)
    assert error.field == "thresholds.ferritin_low.cutoffs"


def test_reference_intervals_may_split_by_reported_context(tmp_path: Path) -> None:
    data = tiny_pack(cut(30))
    data["reference_intervals"] = {
        "ferritin": {
            "source": "src",
            "confidence": "verified",
            "intervals": [
                {"when": {"conditions": [CKD]}, "low": 100, "high": 800, "unit": "ug/L"},
                {"when": {"unless": {"conditions": [CKD]}}, "low": 15, "high": 150, "unit": "ug/L"},
            ],
        }
    }
    load(tmp_path, data)
    data["reference_intervals"]["ferritin"]["intervals"][1]["when"] = {}
    error = refused(tmp_path, data)
    assert f"intervals[0] (conditions: {CKD}) and intervals[1] (everyone) both apply" in str(error)
    assert error.field == "reference_intervals.ferritin.intervals[1]"


# --- not_covered ---------------------------------------------------------------------------------


PREGNANCY_SPLIT = (cut(15, pregnant=False), cut(15, pregnant=True, trimester=[1]))


def test_not_covered_closes_the_gap_it_names(tmp_path: Path) -> None:
    pack = load(
        tmp_path, tiny_pack(*PREGNANCY_SPLIT, not_covered=[gap(pregnant=True, trimester=[2, 3])])
    )
    third = {"sex": "female", "pregnant": True, "trimester": 3, "ferritin": "10 ug/L"}
    assert status(pack, **third) == "indeterminate"
    assert status(pack, **{**third, "trimester": 1}) == "consistent"


def test_without_not_covered_the_same_cutoffs_leave_a_gap(tmp_path: Path) -> None:
    error = refused(tmp_path, tiny_pack(*PREGNANCY_SPLIT))
    assert "no cut-off applies to: pregnant, trimester 2/3." in str(error)


def test_not_covered_that_overlaps_a_cutoff_is_refused_naming_both(tmp_path: Path) -> None:
    data = tiny_pack(
        cut(15, pregnant=False),
        cut(15, pregnant=True),
        not_covered=[gap(pregnant=True, trimester=[2, 3])],
    )
    error = refused(tmp_path, data)
    assert (
        "cutoffs[1] (pregnant) and not_covered[0] (pregnant, trimester 2/3) both apply to "
        "pregnant, trimester 2/3; each patient needs exactly one cut-off or not_covered context"
    ) in str(error)
    assert error.field == "thresholds.ferritin_low.not_covered[0]"


def test_a_not_covered_condition_with_a_cutoff_for_everyone_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, tiny_pack(cut(30), not_covered=[gap(conditions=[CKD])]))
    assert f"both apply to conditions: {CKD} reported" in str(error)


def test_two_not_covered_contexts_must_not_overlap_either(tmp_path: Path) -> None:
    data = tiny_pack(
        cut(30, sex="male"),
        not_covered=[gap(sex="female"), gap(pregnant=True)],
    )
    error = refused(tmp_path, data)
    assert "not_covered[0] (female) and not_covered[1] (pregnant) both apply to" in str(error)


def test_a_reported_condition_may_be_not_covered(tmp_path: Path) -> None:
    pack = load(
        tmp_path,
        tiny_pack(cut(30, unless={"conditions": [CKD]}), not_covered=[gap(conditions=[CKD])]),
    )
    assert status(pack, ferritin="10 ug/L") == "consistent"
    assert status(pack, ferritin="10 ug/L", conditions=[CKD]) == "indeterminate"


def test_the_bundled_who_pack_gives_everyone_one_entry() -> None:
    spec = load_pack("who_2020_ferritin").thresholds["ferritin_iron_deficiency"]
    assert [g.when.trimester for g in spec.not_covered] == [[2, 3]]
    assert all(c.when.pregnant is not None for c in spec.cutoffs)
