"""Unknown analyte names: suggestions for typos only, never a different test (issue 6)."""

from __future__ import annotations

import pytest

from labinterp import ANALYTES, Panel, PanelError, UnknownAnalyteError, resolve_analyte_id


def _refusal(name: str) -> UnknownAnalyteError:
    with pytest.raises(UnknownAnalyteError) as info:
        resolve_analyte_id(name)
    return info.value


@pytest.mark.parametrize(
    ("name", "mistaken_for"),
    [
        ("UIBC", "TIBC"),
        ("RBC folate", "serum folate"),
        ("red cell folate", "serum folate"),
        ("MCH", "MCV"),
        ("Ret-He", "the reticulocyte count"),
        ("HbA1c", "total hemoglobin"),
        ("RDW-SD", "RDW-CV (%)"),
        ("direct bilirubin", "total or indirect bilirubin"),
        ("DBIL", "total or indirect bilirubin"),
        ("creatinine clearance", "eGFR"),
        ("CrCl", "eGFR"),
        ("transcobalamin", "active B12 (holotranscobalamin)"),
    ],
)
def test_a_known_different_test_is_refused_with_the_reason(name: str, mistaken_for: str) -> None:
    exc = _refusal(name)
    assert exc.suggestion is None
    assert f"is a different test from {mistaken_for}; labinterp does not read it" in str(exc)
    assert str(exc).startswith(repr(name))


def test_the_uibc_message_reads_as_documented() -> None:
    assert str(_refusal("UIBC")).startswith(
        "'UIBC' (unsaturated iron-binding capacity) is a different test from TIBC; "
        "labinterp does not read it"
    )


@pytest.mark.parametrize(
    ("name", "analyte_id"),
    [
        # Refused as "a different test" until issue 7 made them catalog analytes.
        ("RBC", "rbc"),
        ("RBC count", "rbc"),
        ("Hct", "hematocrit"),
        ("PCV", "hematocrit"),
        ("sTfR", "stfr"),
        ("soluble transferrin receptor", "stfr"),
        ("TfR", "stfr"),
        ("holoTC", "active_b12"),
        ("holotranscobalamin", "active_b12"),
        ("haptoglobin", "haptoglobin"),
        ("Hapto", "haptoglobin"),
        ("LDH", "ldh"),
        ("LD", "ldh"),
        ("T-Bili", "bilirubin_total"),
        ("indirect bilirubin", "bilirubin_indirect"),
        ("eGFR", "egfr"),
        ("Crea", "creatinine"),
    ],
)
def test_tests_once_refused_now_resolve(name: str, analyte_id: str) -> None:
    assert resolve_analyte_id(name) == analyte_id


@pytest.mark.parametrize("name", ["ph", "dl", "th", "rc"])
def test_two_letter_names_get_no_suggestion(name: str) -> None:
    # A swap would turn pH into "hp" (haptoglobin) and "dl" into "ld" (LDH).
    exc = _refusal(name)
    assert exc.suggestion is None
    assert "did you mean" not in str(exc)


def test_a_derived_index_given_in_a_panel_is_refused_naming_its_inputs() -> None:
    with pytest.raises(PanelError) as info:
        Panel.from_mapping({"mentzer": "11 1"})
    message = str(info.value)
    assert "computed by labinterp" in message
    assert "mean corpuscular volume and red blood cell count" in message
    assert info.value.field == "mentzer_index"


# Each of these once got a suggestion of a different test (in brackets).
NEVER_SUGGESTED = [
    "rbc folate",  # folate
    "uibc",  # tibc
    "mch",  # mcv
    "chr",  # crp
    "albumin",  # vitamin_b12
    "ceruloplasmin",  # vitamin_b12
    "vitamin d",  # vitamin_b12
    "lactate",  # folate
    "urine iron",  # iron
    "csf ferritin",  # ferritin
    "ferritin urine",  # ferritin
    "free iron",  # iron
    "hemoglobin a1c",  # hemoglobin
    "Hgb A2",  # hemoglobin
    "hbf",  # hemoglobin
    "fetal hemoglobin",  # hemoglobin
    "erythrocyte folate",  # esr
    "reticulocyte hemoglobin",  # reticulocytes_absolute
    "direct bili",  # bilirubin_indirect (via "bili_indirect")
    "conjugated bilirubine",  # bilirubin_unconjugated
    "mean corpuscular hemoglobin",  # mcv
    "b12 binding capacity",  # tibc
    "iron urine",  # transferrin_saturation
]


@pytest.mark.parametrize("name", NEVER_SUGGESTED)
def test_no_different_test_is_suggested(name: str) -> None:
    exc = _refusal(name)
    assert exc.suggestion is None
    assert "did you mean" not in str(exc)


@pytest.mark.parametrize("name", ["urine iron", "csf ferritin", "iron urine", "free iron"])
def test_a_qualifier_is_named_as_the_reason(name: str) -> None:
    exc = _refusal(name)
    qualifier = next(word for word in ("urine", "csf", "free") if word in name)
    assert f"'{qualifier}' names another test or specimen" in str(exc)


@pytest.mark.parametrize(
    ("typo", "analyte_id"),
    [
        ("ferritn", "ferritin"),
        ("hbg", "hemoglobin"),
        ("tsta", "transferrin_saturation"),
        ("tsatt", "transferrin_saturation"),
        ("hemoglobine", "hemoglobin"),
        ("heamoglobin", "hemoglobin"),
        ("Vitamin B-12", "vitamin_b12"),
        ("transferin saturation", "transferrin_saturation"),
        ("homocystiene", "homocysteine"),
        ("red cell distribution widht", "rdw"),
        ("erythrocyte sedimentation rat", "esr"),
    ],
)
def test_one_typo_still_gets_a_suggestion(typo: str, analyte_id: str) -> None:
    exc = _refusal(typo)
    assert exc.suggestion == analyte_id
    assert f"did you mean {analyte_id!r}?" in str(exc)


def test_three_letter_names_get_a_suggestion_only_for_swapped_letters() -> None:
    assert _refusal("hbg").suggestion == "hemoglobin"  # "hgb" with two letters swapped
    assert _refusal("hcv").suggestion is None  # one letter from "hcy", but another test


def test_every_catalog_name_still_resolves() -> None:
    for analyte in ANALYTES.values():
        assert resolve_analyte_id(analyte.id) == analyte.id
        for alias in analyte.aliases:
            assert resolve_analyte_id(alias) == analyte.id


def test_a_panel_key_for_a_different_test_is_refused_with_the_reason() -> None:
    with pytest.raises(UnknownAnalyteError, match="different test from TIBC"):
        Panel.from_mapping({"uibc": "30 umol/L"})
