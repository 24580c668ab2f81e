"""Unknown analyte names: suggestions for typos only, never a different test (issue 6)."""

from __future__ import annotations

import pytest

from labinterp import ANALYTES, Panel, UnknownAnalyteError, resolve_analyte_id


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
        ("sTfR", "transferrin"),
        ("MCH", "MCV"),
        ("Ret-He", "the reticulocyte count"),
        ("HbA1c", "total hemoglobin"),
        ("haptoglobin", "hemoglobin"),
        ("holoTC", "total vitamin B12"),
        ("RDW-SD", "RDW-CV (%)"),
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


@pytest.mark.parametrize("name", ["RBC", "Hct", "hematocrit", "PCV"])
def test_tests_outside_the_catalog_are_not_suggested_as_one_in_it(name: str) -> None:
    exc = _refusal(name)
    assert exc.suggestion is None
    assert "is not a test labinterp reads" in str(exc)


# Each of these once got a suggestion of a different test (in brackets).
NEVER_SUGGESTED = [
    "rbc folate",  # folate
    "uibc",  # tibc
    "rbc",  # reticulocytes_absolute
    "hct",  # homocysteine
    "mch",  # mcv
    "chr",  # crp
    "stfr",  # transferrin
    "soluble transferrin receptor",  # transferrin
    "holotranscobalamin",  # vitamin_b12
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
    "mean corpuscular hemoglobin",  # mcv
    "b12 binding capacity",  # tibc
    "iron urine",  # transferrin_saturation
    "transferrin receptor",  # transferrin_saturation
    "tfr",  # transferrin
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
