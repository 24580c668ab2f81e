"""Children in the default pack (issue 7): WHO 2024 hemoglobin cut-offs from 6 months, WHO
2020 ferritin cut-offs by age, adult-only cut-offs declared not covered for children, and the
pack's rule when age is not given (an adult is assumed, and the assumption listed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import labinterp
from labinterp import Interpretation, PackError

NO_CHILD_CUTOFF = "no cited cut-off for children in this pack"


def run(panel: dict[str, Any], pack: str | labinterp.Pack | None = None) -> Interpretation:
    return labinterp.interpret(panel, pack=pack)


def status(panel: dict[str, Any], pattern: str, pack: str | None = None) -> str:
    return run(panel, pack).status(pattern)


# --- hemoglobin: WHO 2024 cut-offs by age --------------------------------------------------


@pytest.mark.parametrize(
    ("age", "sex", "hb", "expected"),
    [
        (1, "male", "100 g/L", "consistent"),  # 6-23 months: < 105
        (1, "male", "107 g/L", "not_consistent"),
        (3, "female", "107 g/L", "consistent"),  # 24-59 months: < 110
        (8, "female", "113 g/L", "consistent"),  # 5-11 years: < 115
        (13, "male", "125 g/L", "not_consistent"),  # 12-14 years: < 120, boys too
        (40, "male", "125 g/L", "consistent"),  # an adult man: < 130
    ],
)
def test_anemia_uses_the_cut_off_for_the_age(age: float, sex: str, hb: str, expected: str) -> None:
    assert status({"age": age, "sex": sex, "hb": hb}, "anemia") == expected


@pytest.mark.parametrize(
    ("boundary", "cut_below", "cut_from"),
    [(2, 105, 110), (5, 110, 115), (12, 115, 120), (15, 120, 130)],
)
def test_each_age_boundary_belongs_to_the_older_band(
    boundary: float, cut_below: float, cut_from: float
) -> None:
    between = f"{(cut_below + cut_from) / 2:g} g/L"  # anemic only by the older band's cut-off
    assert status({"age": boundary, "sex": "male", "hb": between}, "anemia") == "consistent"
    younger = {"age": boundary - 0.01, "sex": "male", "hb": between}
    assert status(younger, "anemia") == "not_consistent"
    # The comparator is strict: exactly at the cut-off is not anemia.
    at_cut = {"age": boundary, "sex": "male", "hb": f"{cut_from:g} g/L"}
    assert status(at_cut, "anemia") == "not_consistent"


def test_six_months_is_inside_the_population_and_just_below_is_outside() -> None:
    assert status({"age": 0.5, "sex": "female", "hb": "104 g/L"}, "anemia") == "consistent"
    assert status({"age": 0.5, "sex": "female", "hb": "105 g/L"}, "anemia") == "not_consistent"
    assert status({"age": 0.49, "sex": "female", "hb": "104 g/L"}, "anemia") == "indeterminate"


def test_a_four_month_old_is_outside_the_population_and_says_so() -> None:
    result = run({"age": 4 / 12, "sex": "male", "hb": "90 g/L", "mcv": "70 fL"})
    assert set(result.statuses().values()) == {"indeterminate"}
    found = result.pattern("anemia")
    assert "is outside this pack's population" in found.label
    assert "children from 6 months" in found.label
    assert any("outside this pack's population" in a for a in result.assumptions)
    # No pack interval is used for flags outside the population.
    assert {f.flag for f in result.flags} == {"no reference interval"}


@pytest.mark.parametrize(
    ("age", "hb", "mild", "moderate", "severe"),
    [
        (1, "102 g/L", "consistent", "not_consistent", "not_consistent"),
        (1, "90 g/L", "not_consistent", "consistent", "not_consistent"),
        (1, "69 g/L", "not_consistent", "not_consistent", "consistent"),
        (3, "97 g/L", "not_consistent", "consistent", "not_consistent"),  # split known: 100
        (3, "75 g/L", "not_consistent", "consistent", "not_consistent"),  # severe < 70
        (8, "112 g/L", "consistent", "not_consistent", "not_consistent"),
        (8, "75 g/L", "not_consistent", "not_consistent", "consistent"),  # severe < 80
        (13, "115 g/L", "consistent", "not_consistent", "not_consistent"),
    ],
)
def test_severity_bands_for_children(
    age: float, hb: str, mild: str, moderate: str, severe: str
) -> None:
    result = run({"age": age, "sex": "male", "hb": hb})
    assert result.status("mild_anemia") == mild
    assert result.status("moderate_anemia") == moderate
    assert result.status("severe_anemia") == severe


@pytest.mark.parametrize("pattern", ["mild_anemia", "moderate_anemia"])
def test_the_uncertain_split_at_6_to_23_months_is_a_named_grey_zone(pattern: str) -> None:
    found = run({"age": 1, "sex": "male", "hb": "97 g/L"}).pattern(pattern)
    assert found.status == "indeterminate"
    assert "at 6-23 months WHO 2024 puts anemia below 105 g/L" in found.label
    assert "(95 or 100 g/L) was not verified" in found.label
    held = [z for z in found.grey_zones if z.outcome is labinterp.Outcome.HELD]
    assert [z.confidence for z in held] == ["uncertain"]


def test_a_childs_hemoglobin_flag_uses_the_childs_limit_and_no_adult_critical_limit() -> None:
    low = run({"age": 1, "sex": "male", "hb": "100 g/L"}).flag("hemoglobin")
    assert low is not None
    assert low.flag == "low"
    assert low.low == pytest.approx(10.5)  # 105 g/L, shown in the canonical unit
    assert low.unit == "g/dL"
    # BMJ's critical limit (65 g/L) is not cited for children: low, never critically low.
    child = run({"age": 1, "sex": "male", "hb": "50 g/L"}).flag("hemoglobin")
    adult = run({"age": 40, "sex": "male", "hb": "50 g/L"}).flag("hemoglobin")
    assert child is not None
    assert adult is not None
    assert (child.flag, adult.flag) == ("low", "critically low")


# --- ferritin: WHO 2020 cut-offs by age -------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "ferritin", "crp", "expected"),
    [
        (3, "13 ug/L", "2 mg/L", "not_consistent"),  # under 5: < 12 without inflammation
        (3, "11 ug/L", "2 mg/L", "consistent"),
        (3, "12 ug/L", "2 mg/L", "not_consistent"),  # strict comparator
        (3, "25 ug/L", "20 mg/L", "consistent"),  # under 5 with inflammation: < 30
        (3, "31 ug/L", "20 mg/L", "not_consistent"),
        (4.99, "13 ug/L", "2 mg/L", "not_consistent"),
        (5, "13 ug/L", "2 mg/L", "consistent"),  # from 5 years: < 15
        (5, "60 ug/L", "20 mg/L", "consistent"),  # from 5 years with inflammation: < 70
        (3, "25 ug/L", None, "indeterminate"),  # 12 and 30 disagree without a CRP
    ],
)
def test_who_2020_ferritin_cut_offs_by_age(
    age: float, ferritin: str, crp: str | None, expected: str
) -> None:
    panel = {"age": age, "sex": "female", "ferritin": ferritin}
    if crp is not None:
        panel["crp"] = crp
    found = run(panel, "who_2020_ferritin").pattern("iron_deficiency")
    assert found.status == expected
    if crp is None:
        assert found.missing_analytes == ("crp",)


def test_the_crp_inflammation_mark_applies_to_children() -> None:
    assert status({"age": 3, "crp": "20 mg/L"}, "inflammation") == "consistent"
    assert status({"age": 3, "crp": "2 mg/L"}, "inflammation") == "not_consistent"


def test_default_pack_leaves_a_childs_iron_deficiency_undecided_and_says_why() -> None:
    panel = {"age": 3, "sex": "female", "ferritin": "13 ug/L", "tsat": "10 %", "crp": "2 mg/L"}
    found = run(panel).pattern("iron_deficiency")
    assert found.status == "indeterminate"
    assert "is written for adults" in found.label
    assert "seed document" not in found.label
    assert found.decisive_tests == ()  # no test would decide it: the source covers no child


def test_default_pack_names_the_who_2020_grey_zone_for_a_childs_low_ferritin() -> None:
    low = run({"age": 3, "sex": "female", "ferritin": "11 ug/L"}).pattern("iron_deficiency")
    assert low.status == "indeterminate"
    assert "below the WHO 2020 cut-off for the child's age" in low.label
    assert low.label.startswith("iron deficiency cannot be decided from these results:")
    not_low = run({"age": 3, "sex": "female", "ferritin": "13 ug/L"}).pattern("iron_deficiency")
    assert "WHO 2020 cut-off for the child's age" not in not_low.label


# --- adult cut-offs are declared not covered for children -----------------------------------


def test_a_childs_mcv_cannot_be_decided_and_names_the_reason() -> None:
    result = run({"age": 8, "sex": "male", "mcv": "70 fL"})
    found = result.pattern("microcytic")
    assert found.status == "indeterminate"
    assert NO_CHILD_CUTOFF in found.label
    assert found.decisive_tests == ()
    leaf = found.criteria
    assert leaf.not_covered
    assert leaf.not_covered[0].applies_to == "age < 15 y"
    flag = result.flag("mcv")
    assert flag is not None
    assert flag.flag == "no reference interval"


def test_a_childs_mcv_with_the_labs_own_interval_is_flagged_by_it() -> None:
    mcv = {"value": 70, "unit": "fL", "reference_interval": {"low": 72, "high": 90, "unit": "fL"}}
    flag = run({"age": 8, "mcv": mcv}).flag("mcv")
    assert flag is not None
    assert (flag.flag, flag.code) == ("low", "L")


def test_a_reference_position_criterion_is_not_covered_for_a_child() -> None:
    panel = {
        "age": 8,
        "sex": "male",
        "hb": "100 g/L",
        "mcv": "85 fL",
        "iron": "30 ug/dL",
        "tibc": "200 ug/dL",
        "ferritin": "150 ug/L",
    }
    found = run(panel).pattern("anemia_of_inflammation")
    assert found.status == "indeterminate"
    assert "no cited reference interval for children in this pack" in found.label


@pytest.mark.parametrize("analyte", ["b12", "folate", "mma", "rdw", "retic", "esr"])
def test_other_adult_intervals_give_a_child_no_flag(analyte: str) -> None:
    values = {
        "b12": "150 ng/L",
        "folate": "2 ng/mL",
        "mma": "500 nmol/L",
        "rdw": "17 %",
        "retic": "3 %",
        "esr": "40 mm/h",
    }
    result = run({"age": 10, "sex": "female", analyte: values[analyte]})
    assert [f.flag for f in result.flags] == ["no reference interval"]


def test_b12_deficiency_is_not_decided_for_a_child() -> None:
    found = run({"age": 10, "sex": "male", "b12": "100 ng/L"}).pattern("b12_deficiency")
    assert found.status == "indeterminate"
    assert "NICE NG239 covers people over 16" in found.label


def test_heart_failure_pack_does_not_apply_its_adult_cut_offs_to_a_child() -> None:
    found = run(
        {"age": 10, "sex": "male", "ferritin": "50 ug/L", "tsat": "10 %"},
        "heart_failure_esc_2021",
    ).pattern("iron_deficiency")
    assert found.status == "indeterminate"
    assert "ESC 2021 heart failure guideline is written for adults" in found.label


# --- age not given ----------------------------------------------------------------------------


def test_age_unknown_is_taken_as_an_adult_and_listed() -> None:
    result = run({"sex": "male", "hb": "125 g/L", "mcv": "70 fL"})
    assert result.status("anemia") == "consistent"
    assert result.status("microcytic") == "consistent"
    assert result.assumptions == (
        "age was not given; taken as 15 years or older (an adult), this pack's rule when age "
        "is unknown",
    )
    # A context criterion on age shows the assumption in its trace.
    zone = result.pattern("iron_deficiency").grey_zones[0].result.children[0]
    assert zone.rule == "context(age >= 15 y)"
    assert zone.reason == "age not given (taken as 15 y or older)"


def test_an_age_only_context_is_read_against_the_assumed_ages() -> None:
    # The 65-and-over MMA grey zone needs an age the assumption (15 or older) cannot settle.
    panel = {"sex": "male", "b12": "250 ng/L", "mma": "300 nmol/L"}
    found = run(panel).pattern("b12_deficiency")
    assert found.status == "indeterminate"
    assert "age" in found.missing_context


def test_a_pack_without_the_rule_keeps_age_unknown(tmp_path: Path) -> None:
    data = {
        "schema_version": 1,
        "name": "no_age_rule",
        "version": "1",
        "title": "default without the rule",
        "extends": "default",
        "population": {"age_min": 0.5, "description": "from 6 months"},
    }
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    pack = labinterp.load_pack(path)
    assert pack.population.when_age_unknown is None
    result = run({"sex": "male", "hb": "125 g/L"}, pack)
    found = result.pattern("anemia")
    assert found.status == "indeterminate"  # 125 is anemia for a man, not for a child
    assert found.missing_context == ("age",)
    assert any("the pack's thresholds are for from 6 months" in a for a in result.assumptions)


# --- the pack language ------------------------------------------------------------------------


def _population_pack(population: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "name": "p",
        "version": "1",
        "title": "p",
        "population": population,
        "sources": {"s": {"title": "A source", "kind": "textbook"}},
        "thresholds": {
            "ferritin_low": {
                "analyte": "ferritin",
                "source": "s",
                "confidence": "verified",
                "cutoffs": [{"comparator": "<", "value": 30, "unit": "ug/L"}],
            }
        },
    }


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"assume_age_min": 10, "description": "a child"}, "must lie inside the population"),
        (
            {"assume_age_min": 20, "assume_age_max": 120, "description": "xyz"},
            "must lie inside the population",
        ),
        ({"assume_age_min": 30, "assume_age_max": 20, "description": "xyz"}, "must be below"),
        ({"assume_age_min": 20}, "description"),
    ],
)
def test_a_bad_age_unknown_rule_is_refused_where_it_is_written(
    tmp_path: Path, rule: dict[str, Any], words: str
) -> None:
    population = {"age_min": 15, "age_max": 100, "description": "adults", "when_age_unknown": rule}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_population_pack(population)), encoding="utf-8")
    with pytest.raises(PackError) as caught:
        labinterp.load_pack(path)
    assert words in str(caught.value)
    assert caught.value.field is not None
    assert caught.value.field.startswith("population.when_age_unknown")


def test_a_bounded_assumption_leaves_cut_offs_straddling_it_undecided(tmp_path: Path) -> None:
    population = {
        "description": "everyone",
        "when_age_unknown": {"assume_age_min": 5, "assume_age_max": 12, "description": "a child"},
    }
    data = _population_pack(population)
    data["thresholds"]["ferritin_low"]["cutoffs"] = [
        {"when": {"age_max": 5}, "comparator": "<", "value": 12, "unit": "ug/L"},
        {"when": {"age_min": 5, "age_max": 10}, "comparator": "<", "value": 15, "unit": "ug/L"},
        {"when": {"age_min": 10}, "comparator": "<", "value": 20, "unit": "ug/L"},
    ]
    data["patterns"] = {"low": {"label": "low ferritin", "criteria": {"threshold": "ferritin_low"}}}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    pack = labinterp.load_pack(path)
    # 5 to 12 years: the < 12 cut-off is out, the other two both possible.
    assert run({"ferritin": "11 ug/L"}, pack).status("low") == "consistent"
    assert run({"ferritin": "17 ug/L"}, pack).status("low") == "indeterminate"
    assert run({"ferritin": "25 ug/L"}, pack).status("low") == "not_consistent"
    assumed = run({"ferritin": "25 ug/L"}, pack).assumptions
    assert assumed == (
        "age was not given; taken as from 5 up to 12 years (a child), this pack's rule when "
        "age is unknown",
    )


def test_reference_intervals_can_declare_a_context_not_covered(tmp_path: Path) -> None:
    data = _population_pack({"description": "everyone"})
    data["reference_intervals"] = {
        "ferritin": {
            "source": "s",
            "confidence": "verified",
            "intervals": [{"when": {"age_min": 15}, "low": 15, "high": 150, "unit": "ug/L"}],
        }
    }
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PackError) as caught:
        labinterp.load_pack(path)
    assert "no interval applies to: age < 15 y" in str(caught.value)
    assert "list them under not_covered" in str(caught.value)
    data["reference_intervals"]["ferritin"]["not_covered"] = [
        {"when": {"age_max": 15}, "reason": "adult interval only"}
    ]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    pack = labinterp.load_pack(path)
    child = run({"age": 8, "ferritin": "10 ug/L"}, pack).flag("ferritin")
    adult = run({"age": 30, "ferritin": "10 ug/L"}, pack).flag("ferritin")
    unknown = run({"ferritin": "10 ug/L"}, pack).flag("ferritin")
    assert child is not None
    assert adult is not None
    assert unknown is not None
    assert (child.flag, adult.flag, unknown.flag) == (
        "no reference interval",
        "low",
        "undetermined",
    )
    assert unknown.missing_context == ("age",)


@pytest.mark.parametrize("name", labinterp.bundled_pack_names())
def test_every_bundled_pack_starts_at_six_months_and_assumes_an_adult(name: str) -> None:
    pack = labinterp.load_pack(name)
    assert pack.population.age_min == pytest.approx(0.5)
    rule = pack.population.when_age_unknown
    assert rule is not None
    assert (rule.assume_age_min, rule.assume_age_max) == (15, None)


def test_a_pack_extending_the_default_may_narrow_it_to_adults() -> None:
    adults = labinterp.extend_pack(
        labinterp.default_pack(),
        {
            "name": "adults",
            "version": "1",
            "population": {"age_min": 15, "description": "adults"},
        },
    )
    # The default's child entries never apply; the adult ones decide as before.
    assert run({"age": 40, "sex": "male", "hb": "125 g/L"}, adults).status("anemia") == "consistent"
    found = run({"age": 8, "sex": "male", "hb": "100 g/L"}, adults).pattern("anemia")
    assert found.status == "indeterminate"
    assert "outside this pack's population: adults" in found.label


def test_a_narrowed_population_that_leaves_a_threshold_empty_is_refused() -> None:
    with pytest.raises(PackError) as caught:
        labinterp.extend_pack(
            labinterp.default_pack(),
            {
                "name": "toddlers",
                "version": "1",
                "population": {"age_min": 0.5, "age_max": 2, "description": "6-23 months"},
                "thresholds": {
                    "ferritin_older": {
                        "analyte": "ferritin",
                        "source": "who_2020_ferritin",
                        "confidence": "verified",
                        "cutoffs": [
                            {"when": {"age_min": 5}, "comparator": "<", "value": 15, "unit": "ug/L"}
                        ],
                    }
                },
            },
        )
    assert "every cut-off lies outside the pack's population (6-23 months)" in str(caught.value)
