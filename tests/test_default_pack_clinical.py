"""Issue 7: the default pack's clinical content, case by case (alerts, notes, grey zones).

Each case is a panel a teacher would use, with the status the cited sources support.
"""

from __future__ import annotations

from typing import Any

import pytest
from _engine_helpers import adult, finding, pack, run

RED_FLAGS = [
    "loss_of_bladder_control",
    "loss_of_bowel_control",
    "saddle_numbness",
    "limb_numbness",
    "one_sided_weakness",
    "progressive_weakness",
    "fever",
    "unexplained_weight_loss",
    "night_pain",
    "recent_trauma",
]


@pytest.mark.parametrize("flag", RED_FLAGS)
def test_back_pain_with_any_red_flag_raises_the_alert_whatever_the_labs(flag: str) -> None:
    normal_labs = {"hb": "14.5 g/dL", "ferritin": "80 ug/L", "crp": "1 mg/L"}
    result = run(adult(sex="male", symptoms=["back_pain", flag], **normal_labs))
    assert result.status("back_pain_red_flags") == "consistent"
    assert [a.id for a in result.alerts] == ["back_pain_red_flags"]
    assert result.pattern("back_pain_red_flags").label.startswith("alert: ")


@pytest.mark.parametrize(
    "symptoms",
    [["back_pain"], ["fever"], ["back_pain", "fatigue", "muscle_cramps"], []],
)
def test_no_alert_without_back_pain_and_a_red_flag(symptoms: list[str]) -> None:
    result = run(adult(sex="male", symptoms=symptoms))
    assert result.status("back_pain_red_flags") == "not_consistent"
    assert result.alerts == ()


def test_the_alert_comes_first_in_the_text_report() -> None:
    import labinterp

    text = labinterp.render_text(run(adult(symptoms=["back_pain", "saddle_numbness"])))
    assert text.index("ALERT") < text.index("Context used") < text.index("Summary")


def test_notes_and_alerts_cite_their_sources() -> None:
    for pid, spec in pack().patterns.items():
        if spec.kind != "pattern":
            assert spec.sources, pid
    found = finding(adult(symptoms=["back_pain", "fever"]), "back_pain_red_flags")
    assert any("What is backache?" in s for s in found.sources)
    assert any("Acute Low Back Problems" in s for s in found.sources)


NOTE_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # B12 low or in the grey zone with nerve symptoms: why early testing matters.
    (
        "b12_neuro_low",
        adult(sex="male", b12="150 ng/L", symptoms=["tingling_or_numbness"]),
        "b12_neurological_symptoms",
        "consistent",
    ),
    (
        "b12_neuro_grey",
        adult(sex="male", b12="250 ng/L", symptoms=["balance_problems"]),
        "b12_neurological_symptoms",
        "consistent",
    ),
    (
        "b12_neuro_normal_b12",
        adult(sex="male", b12="500 ng/L", symptoms=["tingling_or_numbness"]),
        "b12_neurological_symptoms",
        "not_consistent",
    ),
    (
        "b12_neuro_no_symptoms",
        adult(sex="male", b12="150 ng/L"),
        "b12_neurological_symptoms",
        "not_consistent",
    ),
    ("b12_risk_vegan", adult(diet="vegan"), "b12_risk_factors", "consistent"),
    ("b12_risk_metformin", adult(medications=["metformin"]), "b12_risk_factors", "consistent"),
    (
        "b12_risk_ppi",
        adult(medications=["proton_pump_inhibitor"]),
        "b12_risk_factors",
        "consistent",
    ),
    ("b12_risk_celiac", adult(conditions=["celiac_disease"]), "b12_risk_factors", "consistent"),
    ("b12_risk_none", adult(diet="omnivore"), "b12_risk_factors", "not_consistent"),
    # Methotrexate is an antifolate, not a B12 risk factor in the sources read.
    (
        "b12_risk_methotrexate",
        adult(medications=["methotrexate"]),
        "b12_risk_factors",
        "not_consistent",
    ),
    (
        "anemia_back_pain",
        adult(sex="male", hb="11 g/dL", symptoms=["back_pain"]),
        "anemia_with_back_pain",
        "consistent",
    ),
    (
        "no_anemia_back_pain",
        adult(sex="male", hb="15 g/dL", symptoms=["back_pain"]),
        "anemia_with_back_pain",
        "not_consistent",
    ),
    (
        "anemia_back_pain_hb_missing",
        adult(sex="male", symptoms=["back_pain"]),
        "anemia_with_back_pain",
        "indeterminate",
    ),
]


@pytest.mark.parametrize(
    ("panel", "pattern_id", "status"),
    [case[1:] for case in NOTE_CASES],
    ids=[case[0] for case in NOTE_CASES],
)
def test_notes(panel: dict[str, Any], pattern_id: str, status: str) -> None:
    assert finding(panel, pattern_id).status == status


B12_ZONES: list[tuple[str, dict[str, Any], str, tuple[str, ...]]] = [
    # A normal total B12 with both metabolites clearly raised: functional deficiency or assay
    # interference (nitrous oxide, intrinsic factor antibodies); active B12 decides.
    (
        "functional",
        adult(sex="male", b12="500 ng/L", mma="600 nmol/L", hcy="30 umol/L"),
        "indeterminate",
        ("cannot be decided from these results", "nitrous oxide"),
    ),
    (
        "normal_b12_only_mma_raised",
        adult(sex="male", b12="500 ng/L", mma="600 nmol/L", hcy="10 umol/L"),
        "not_consistent",
        (),
    ),
    (
        "normal_b12_no_metabolites",
        adult(sex="male", b12="500 ng/L"),
        "not_consistent",
        (),
    ),
    # Total B12 in pregnancy: active B12 decides (NICE NG239).
    (
        "pregnancy_low_b12",
        adult(sex="female", pregnant=True, trimester=2, b12="150 ng/L"),
        "indeterminate",
        ("active B12",),
    ),
    (
        "pregnancy_unknown",
        adult(sex="female", b12="150 ng/L"),
        "indeterminate",
        ("without the pregnancy status",),
    ),
    (
        "not_pregnant_low_b12",
        adult(sex="female", pregnant=False, b12="150 ng/L"),
        "consistent",
        (),
    ),
    (
        "older_woman_low_b12",
        {"age": 70, "sex": "female", "b12": "150 ng/L"},
        "consistent",
        (),
    ),
    # MMA raised with chronic kidney disease in the B12 grey zone: kidneys could explain it.
    (
        "ckd_grey_zone_mma",
        adult(sex="male", b12="250 ng/L", mma="350 nmol/L", conditions=["chronic_kidney_disease"]),
        "indeterminate",
        ("kidneys",),
    ),
    (
        "ckd_low_b12",
        adult(sex="male", b12="150 ng/L", mma="350 nmol/L", conditions=["chronic_kidney_disease"]),
        "consistent",
        (),
    ),
]


@pytest.mark.parametrize(
    ("panel", "status", "label_has"),
    [case[1:] for case in B12_ZONES],
    ids=[case[0] for case in B12_ZONES],
)
def test_b12_grey_zones(panel: dict[str, Any], status: str, label_has: tuple[str, ...]) -> None:
    found = finding(panel, "b12_deficiency")
    assert found.status == status, found.label
    for text in label_has:
        assert text in found.label or text in found.decisive_tests, found.label


KIDNEY_AND_INDEX: list[tuple[str, dict[str, Any], str, str, str]] = [
    # MMA raised in the B12 grey zone with eGFR below 60: kidneys could explain it.
    (
        "mma_low_egfr",
        adult(sex="male", b12="250 ng/L", mma="350 nmol/L", egfr="45 mL/min/1.73m2"),
        "b12_deficiency",
        "indeterminate",
        "kidneys",
    ),
    (
        "mma_normal_egfr",
        adult(sex="male", b12="250 ng/L", mma="350 nmol/L", egfr="85 mL/min/1.73m2"),
        "b12_deficiency",
        "consistent",
        "",
    ),
    # Under 65 an unknown eGFR does not hold the decision back.
    (
        "mma_egfr_unknown_age_40",
        adult(sex="male", b12="250 ng/L", mma="350 nmol/L"),
        "b12_deficiency",
        "consistent",
        "",
    ),
    # At 65 and over, MMA up to 460 nmol/L with kidney function unknown: indeterminate.
    (
        "mma_egfr_unknown_age_70",
        {"age": 70, "sex": "male", "b12": "250 ng/L", "mma": "350 nmol/L"},
        "b12_deficiency",
        "indeterminate",
        "65 and over",
    ),
    (
        "mma_very_high_age_70",
        {"age": 70, "sex": "male", "b12": "250 ng/L", "mma": "700 nmol/L"},
        "b12_deficiency",
        "consistent",
        "",
    ),
    # Ferritin 30-100 with inflammation and low TSAT: the sTfR/log ferritin index decides.
    (
        "index_above_2",
        adult(sex="male", ferritin="50 ug/L", tsat="10 %", crp="40 mg/L", stfr="5 mg/L"),
        "iron_deficiency",
        "consistent",
        "",
    ),
    (
        "index_between_1_and_2",
        adult(sex="male", ferritin="50 ug/L", tsat="10 %", crp="40 mg/L", stfr="2 mg/L"),
        "iron_deficiency",
        "indeterminate",
        "mixed picture",
    ),
    (
        "index_below_1",
        adult(sex="male", ferritin="50 ug/L", tsat="10 %", crp="40 mg/L", stfr="1 mg/L"),
        "iron_deficiency",
        "not_consistent",
        "",
    ),
]


@pytest.mark.parametrize(
    ("panel", "pattern_id", "status", "label_has"),
    [case[1:] for case in KIDNEY_AND_INDEX],
    ids=[case[0] for case in KIDNEY_AND_INDEX],
)
def test_kidney_function_and_the_stfr_index(
    panel: dict[str, Any], pattern_id: str, status: str, label_has: str
) -> None:
    found = finding(panel, pattern_id)
    assert found.status == status, found.label
    assert label_has in found.label
