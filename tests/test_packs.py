"""Threshold packs: the bundled packs are sound, and bad packs are refused early and clearly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from _engine_helpers import PACK_NAMES, REPO_ROOT, SCHEMA_FILE, adult, pack

import labinterp
from labinterp import PackError, extend_pack, interpret, load_pack
from labinterp._packs import pack_json_schema

# --- the bundled packs ------------------------------------------------------------------------


def test_bundled_pack_names() -> None:
    assert labinterp.bundled_pack_names() == list(PACK_NAMES)


@pytest.mark.parametrize("name", PACK_NAMES)
def test_every_bundled_pack_loads_by_name_and_by_path(name: str) -> None:
    by_name = load_pack(name)
    assert by_name.name == name
    assert load_pack(REPO_ROOT / "reference_ranges" / f"{name}.yaml") == by_name
    assert by_name.disclaimer.strip()
    assert by_name.patterns


def test_default_pack_is_loaded_once() -> None:
    assert labinterp.default_pack() is labinterp.default_pack()
    assert labinterp.default_pack() == load_pack("default")


@pytest.mark.parametrize("name", PACK_NAMES)
def test_every_cutoff_cites_an_existing_source_with_a_confidence(name: str) -> None:
    p = pack(name)
    for tid, spec in p.thresholds.items():
        assert spec.confidence in ("verified", "established", "uncertain"), tid
        for cut in spec.cutoffs:
            source_id = cut.source or spec.source
            assert source_id is not None, tid
            assert source_id in p.sources, (tid, source_id)
            assert len(p.sources[source_id].title) >= 3
    for aid, ref in p.reference_intervals.items():
        assert ref.confidence in ("verified", "established", "uncertain"), aid
        for ri in ref.intervals:
            source_id = ri.source or ref.source
            assert source_id is not None, aid
            assert source_id in p.sources, (aid, source_id)
            assert len(p.sources[source_id].title) >= 3


@pytest.mark.parametrize("name", PACK_NAMES)
def test_every_cutoff_used_in_a_trace_names_its_source(name: str) -> None:
    """What the engine compiles carries the same sources and confidences."""
    result = interpret(adult(), pack=pack(name))
    titles = {s.citation() for s in pack(name).sources.values()}
    for found in result.patterns:
        for node in _leaves(found.criteria):
            for cut in node.cutoffs:
                assert cut.source in titles, cut
                assert cut.source_id in pack(name).sources
                assert cut.confidence in ("verified", "established", "uncertain")


def _leaves(node: labinterp.CriterionResult) -> list[labinterp.CriterionResult]:
    if not node.children:
        return [node]
    return [leaf for child in node.children for leaf in _leaves(child)]


def test_derived_packs_record_what_they_extend() -> None:
    assert pack("default").extends is None
    assert pack("who_2020_ferritin").extends == "default"
    assert pack("heart_failure_esc_2021").extends == "default"
    # A derived pack keeps the base's other patterns.
    assert set(pack("default").patterns) == set(pack("who_2020_ferritin").patterns)


def test_committed_json_schema_is_current() -> None:
    expected = json.dumps(pack_json_schema(), indent=2, sort_keys=True) + "\n"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == expected


# --- bad packs --------------------------------------------------------------------------------

TINY: dict[str, Any] = {
    "schema_version": 1,
    "name": "tiny",
    "version": "1",
    "title": "A tiny pack",
    "population": {"description": "adults"},
    "disclaimer": "Educational only.",
    "sources": {"src": {"title": "A source title", "year": 2020, "kind": "guideline"}},
    "thresholds": {
        "ferritin_low": {
            "analyte": "ferritin",
            "source": "src",
            "confidence": "verified",
            "cutoffs": [{"comparator": "<", "value": 30, "unit": "ug/L"}],
        }
    },
    "patterns": {
        "low_ferritin": {"label": "low ferritin", "criteria": {"threshold": "ferritin_low"}}
    },
}


def tiny(**changes: Any) -> dict[str, Any]:
    """A copy of TINY (deep) with top-level keys replaced."""
    data: dict[str, Any] = json.loads(json.dumps(TINY))
    data.update(changes)
    return data


def write(path: Path, data: dict[str, Any] | str) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def refused(path: Path) -> str:
    with pytest.raises(PackError) as info:
        load_pack(path)
    message = str(info.value)
    assert str(path) in message, message
    return message


def test_the_tiny_pack_itself_is_valid(tmp_path: Path) -> None:
    p = load_pack(write(tmp_path / "tiny.yaml", tiny()))
    assert p.name == "tiny"
    result = interpret({"ferritin": "10 ug/L"}, pack=p)
    assert result.pattern("low_ferritin").status == "consistent"


def test_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    message = refused(write(tmp_path / "p.yaml", tiny(colour="red")))
    assert "colour" in message
    assert "Extra inputs are not permitted" in message


def test_unknown_nested_key_is_refused_with_its_path(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["cutoffs"][0]["colour"] = "red"
    message = refused(write(tmp_path / "p.yaml", data))
    assert "thresholds.ferritin_low.cutoffs[0].colour" in message


def test_unknown_key_in_a_source_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["sources"]["src"]["url"] = "https://example.invalid"
    assert "sources.src.url" in refused(write(tmp_path / "p.yaml", data))


def test_missing_source_is_refused(tmp_path: Path) -> None:
    data = tiny()
    del data["thresholds"]["ferritin_low"]["source"]
    message = refused(write(tmp_path / "p.yaml", data))
    assert "thresholds.ferritin_low.cutoffs[0]" in message
    assert "no source" in message


def test_unknown_source_id_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    data = tiny()
    data["sources"] = {"who_2020": {"title": "WHO 2020", "kind": "guideline"}}
    data["thresholds"]["ferritin_low"]["source"] = "who_2002"
    message = refused(write(tmp_path / "p.yaml", data))
    # Named once, where it is written, not at each cut-off that inherits it.
    assert "thresholds.ferritin_low.source: unknown source" in message
    assert "cutoffs[0].source" not in message
    assert "'who_2002'" in message
    assert "did you mean 'who_2020'?" in message


def test_unknown_source_on_a_cutoff_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["cutoffs"][0]["source"] = "srcc"
    message = refused(write(tmp_path / "p.yaml", data))
    assert "did you mean 'src'?" in message


def test_unknown_analyte_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["analyte"] = "ferritn"
    message = refused(write(tmp_path / "p.yaml", data))
    assert "thresholds.ferritin_low" in message
    assert "unknown analyte 'ferritn'" in message
    assert "did you mean 'ferritin'?" in message


def test_unknown_analyte_in_a_reference_criterion_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["patterns"]["low_ferritin"]["criteria"] = {
        "reference": {"analyte": "ferritn", "position": "below"}
    }
    message = refused(write(tmp_path / "p.yaml", data))
    assert "patterns.low_ferritin.criteria.reference.analyte" in message
    assert "did you mean 'ferritin'?" in message


def test_unit_of_the_wrong_dimension_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["cutoffs"][0]["unit"] = "fL"
    message = refused(write(tmp_path / "p.yaml", data))
    assert "thresholds.ferritin_low.cutoffs[0].unit" in message
    assert "'fL'" in message


def test_unknown_unit_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["cutoffs"][0]["unit"] = "ug/LL"
    assert "thresholds.ferritin_low.cutoffs[0].unit" in refused(write(tmp_path / "p.yaml", data))


def test_reference_interval_unit_of_the_wrong_dimension_is_refused(tmp_path: Path) -> None:
    data = tiny(
        reference_intervals={
            "ferritin": {
                "source": "src",
                "confidence": "verified",
                "intervals": [{"low": 15, "high": 150, "unit": "fL"}],
            }
        }
    )
    message = refused(write(tmp_path / "p.yaml", data))
    assert "reference_intervals.ferritin.intervals[0].unit" in message


@pytest.mark.parametrize(
    "cutoff",
    [
        {
            "comparator": "<",
            "value": 30,
            "interval": {"low": 1, "high": 2, "low_inclusive": True, "high_inclusive": True},
            "unit": "ug/L",
        },
        {"comparator": "<", "unit": "ug/L"},
        {"value": 30, "unit": "ug/L"},
        {"unit": "ug/L"},
    ],
    ids=["both", "comparator_without_value", "value_without_comparator", "neither"],
)
def test_cutoff_needs_exactly_one_form(tmp_path: Path, cutoff: dict[str, Any]) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["cutoffs"] = [cutoff]
    message = refused(write(tmp_path / "p.yaml", data))
    assert "thresholds.ferritin_low.cutoffs[0]" in message
    assert "either 'comparator' with 'value', or 'interval'" in message


@pytest.mark.parametrize(("low", "high"), [(2, 2), (3, 2)])
def test_interval_low_must_be_below_high(tmp_path: Path, low: float, high: float) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["cutoffs"] = [
        {
            "interval": {"low": low, "high": high, "low_inclusive": True, "high_inclusive": True},
            "unit": "ug/L",
        }
    ]
    message = refused(write(tmp_path / "p.yaml", data))
    assert "thresholds.ferritin_low.cutoffs[0].interval" in message
    assert "must be below high" in message


def test_interval_needs_explicit_inclusivity(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["cutoffs"] = [
        {"interval": {"low": 1, "high": 2}, "unit": "ug/L"}
    ]
    message = refused(write(tmp_path / "p.yaml", data))
    assert "low_inclusive" in message
    assert "high_inclusive" in message


def test_reference_interval_low_must_not_be_above_high(tmp_path: Path) -> None:
    # An inverted interval makes a value both low and high; the pack should be refused.
    data = tiny(
        reference_intervals={
            "ferritin": {
                "source": "src",
                "confidence": "verified",
                "intervals": [{"low": 150, "high": 15, "unit": "ug/L"}],
            }
        }
    )
    message = refused(write(tmp_path / "p.yaml", data))
    assert "reference_intervals.ferritin.intervals[0]" in message


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_cutoff_value_must_be_finite(tmp_path: Path, value: str) -> None:
    # A NaN cut-off never holds and never fails; an infinite one is not a cut-off.
    text = yaml.safe_dump(tiny(), sort_keys=False).replace("value: 30", f"value: {value}")
    assert f"value: {value}" in text
    message = refused(write(tmp_path / "p.yaml", text))
    assert "thresholds.ferritin_low.cutoffs[0].value" in message


def test_numbers_are_not_read_from_strings(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["cutoffs"][0]["value"] = "30"
    assert "thresholds.ferritin_low.cutoffs[0].value" in refused(write(tmp_path / "p.yaml", data))


def test_unknown_confidence_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["confidence"] = "sure"
    assert "thresholds.ferritin_low.confidence" in refused(write(tmp_path / "p.yaml", data))


def test_unknown_threshold_referenced_by_a_pattern_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["patterns"]["low_ferritin"]["criteria"] = {
        "all": [{"threshold": "ferritin_low"}, {"threshold": "ferritin_lo"}]
    }
    message = refused(write(tmp_path / "p.yaml", data))
    assert "patterns.low_ferritin.criteria.all[1].threshold" in message
    assert "unknown threshold 'ferritin_lo'" in message
    assert "did you mean 'ferritin_low'?" in message


def test_unknown_pattern_reference_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["patterns"]["low_ferritin"]["supporting"] = [{"not": {"pattern": "nowhere"}}]
    message = refused(write(tmp_path / "p.yaml", data))
    assert "patterns.low_ferritin.supporting[0].not.pattern" in message
    assert "unknown pattern 'nowhere'" in message


def test_pattern_cycle_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["patterns"]["a"] = {"label": "pattern a", "criteria": {"pattern": "b"}}
    data["patterns"]["b"] = {"label": "pattern b", "criteria": {"not": {"pattern": "a"}}}
    message = refused(write(tmp_path / "p.yaml", data))
    assert "cycle" in message
    assert "a -> b -> a" in message


def test_pattern_referring_to_itself_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["patterns"]["low_ferritin"]["criteria"] = {
        "any": [{"threshold": "ferritin_low"}, {"pattern": "low_ferritin"}]
    }
    assert "low_ferritin -> low_ferritin" in refused(write(tmp_path / "p.yaml", data))


def test_cycle_through_the_inflammation_pattern_is_refused(tmp_path: Path) -> None:
    # A cut-off that depends on inflammation makes its pattern depend on the inflammation
    # pattern; if that pattern refers back, the two form a cycle.
    data = tiny(inflammation_pattern="low_ferritin")
    data["thresholds"]["ferritin_low"]["cutoffs"][0]["when"] = {"inflammation": True}
    message = refused(write(tmp_path / "p.yaml", data))
    assert "cycle" in message


def test_inflammation_cutoff_without_an_inflammation_pattern_is_refused(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["cutoffs"][0]["when"] = {"inflammation": True}
    message = refused(write(tmp_path / "p.yaml", data))
    assert "thresholds.ferritin_low.cutoffs[0].when.inflammation" in message


def test_unknown_inflammation_pattern_is_refused(tmp_path: Path) -> None:
    message = refused(write(tmp_path / "p.yaml", tiny(inflammation_pattern="inflamation")))
    assert "inflammation_pattern" in message


def test_all_cross_reference_problems_are_reported_together(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["source"] = "nope"
    data["patterns"]["low_ferritin"]["criteria"] = {"threshold": "nope"}
    message = refused(write(tmp_path / "p.yaml", data))
    assert "unknown source 'nope'" in message
    assert "unknown threshold 'nope'" in message


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    text = yaml.safe_dump(tiny(), sort_keys=False).replace(
        "title: A tiny pack\n", "title: A tiny pack\ntitle: Another title\n"
    )
    message = refused(write(tmp_path / "p.yaml", text))
    assert "duplicate key 'title'" in message


def test_duplicate_nested_yaml_key_is_refused(tmp_path: Path) -> None:
    text = yaml.safe_dump(tiny(), sort_keys=False).replace(
        "    confidence: verified\n",
        "    confidence: verified\n    confidence: uncertain\n",
    )
    assert "duplicate key 'confidence'" in refused(write(tmp_path / "p.yaml", text))


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['echo unsafe']",
        "!!python/object:builtins.object {}",
        "!!python/name:os.system",
    ],
)
def test_yaml_is_loaded_safely(tmp_path: Path, tag: str) -> None:
    text = yaml.safe_dump(tiny(), sort_keys=False).replace("title: A tiny pack", f"title: {tag}")
    message = refused(write(tmp_path / "p.yaml", text))
    assert "python/" in message


def test_pack_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    assert "mapping" in refused(write(tmp_path / "p.yaml", "- a\n- b\n"))


def test_invalid_yaml_is_refused(tmp_path: Path) -> None:
    assert "not valid YAML" in refused(write(tmp_path / "p.yaml", "a: [\n"))


def test_missing_pack_file_is_refused(tmp_path: Path) -> None:
    assert "cannot read pack" in refused(tmp_path / "missing.yaml")


def test_unknown_bundled_pack_name_is_refused_with_a_suggestion() -> None:
    with pytest.raises(PackError) as info:
        load_pack("who_2020_feritin")
    assert "did you mean 'who_2020_ferritin'?" in str(info.value)


def test_extends_of_a_missing_pack_is_refused(tmp_path: Path) -> None:
    message = refused(write(tmp_path / "p.yaml", tiny(extends="defualt")))
    assert "extends" in message
    assert "did you mean 'default'?" in message


def test_extends_of_a_missing_file_is_refused(tmp_path: Path) -> None:
    message = refused(write(tmp_path / "p.yaml", tiny(extends="./missing.yaml")))
    assert "extends" in message
    assert "missing.yaml" in message


def test_extends_cycle_between_two_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", tiny(name="a", extends="b.yaml"))
    write(tmp_path / "b.yaml", {"name": "b", "extends": "a.yaml"})
    message = refused(tmp_path / "a.yaml")
    assert "cycle" in message
    assert "a.yaml -> b.yaml -> a.yaml" in message


def test_extends_itself_is_refused(tmp_path: Path) -> None:
    message = refused(write(tmp_path / "a.yaml", tiny(name="a", extends="a.yaml")))
    assert "a.yaml -> a.yaml" in message


# --- deriving packs ---------------------------------------------------------------------------

STRICTER_FERRITIN: dict[str, Any] = {
    "analyte": "ferritin",
    "source": "seed_backache_anemia",
    "confidence": "uncertain",
    "cutoffs": [{"comparator": "<", "value": 45, "unit": "ug/L"}],
}
PANEL_40 = adult(ferritin="40 ug/L", tsat="10 %", crp="2 mg/L")  # no inflammation: no grey zone


def test_pack_file_extending_default_overrides_one_threshold(tmp_path: Path) -> None:
    path = write(
        tmp_path / "child.yaml",
        {
            "name": "stricter",
            "version": "0.1",
            "extends": "default",
            "title": "Default with a ferritin cut-off of 45 ug/L",
            "thresholds": {"ferritin_iron_deficiency": STRICTER_FERRITIN},
        },
    )
    child = load_pack(path)
    assert child.extends == "default"
    assert child.thresholds["ferritin_iron_deficiency"].cutoffs[0].value == 45
    # Everything else is the default pack's.
    base = pack("default")
    assert child.disclaimer == base.disclaimer
    assert child.patterns == base.patterns
    assert {k: v for k, v in child.thresholds.items() if k != "ferritin_iron_deficiency"} == {
        k: v for k, v in base.thresholds.items() if k != "ferritin_iron_deficiency"
    }

    assert interpret(PANEL_40, pack=base).pattern("iron_deficiency").status == "not_consistent"
    for ref in (path, str(path)):
        result = interpret(PANEL_40, pack=ref)
        assert result.pattern("iron_deficiency").status == "consistent"
        assert (result.pack.name, result.pack.version) == ("stricter", "0.1")
        assert result.pack.extends == "default"
        assert result.pack.title == "Default with a ferritin cut-off of 45 ug/L"


def test_pack_file_can_extend_a_pack_file_by_relative_path(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", tiny())
    (tmp_path / "sub").mkdir()
    child = write(
        tmp_path / "sub" / "child.yaml",
        {"name": "child", "version": "2", "extends": "../base.yaml"},
    )
    # '../' leaves the child's folder: refused unless the caller names a wider root.
    assert "is outside" in refused(child)
    loaded = load_pack(child, extends_root=tmp_path)
    assert (loaded.name, loaded.version) == ("child", "2")
    assert loaded.patterns == load_pack(tmp_path / "base.yaml").patterns
    # A file in the pack's own folder (or below) needs no permission.
    write(tmp_path / "sub" / "base.yaml", tiny())
    (tmp_path / "sub" / "child.yaml").write_text(
        yaml.safe_dump({"name": "child", "version": "2", "extends": "./base.yaml"})
    )
    assert load_pack(child).patterns == loaded.patterns


def test_extend_pack_overrides_one_threshold() -> None:
    base = pack("default")
    derived = extend_pack(
        base,
        {
            "name": "stricter",
            "version": "0.2",
            "thresholds": {"ferritin_iron_deficiency": STRICTER_FERRITIN},
        },
    )
    assert derived.extends == "default"
    assert derived.patterns == base.patterns
    result = interpret(PANEL_40, pack=derived)
    assert result.pattern("iron_deficiency").status == "consistent"
    assert (result.pack.name, result.pack.version, result.pack.extends) == (
        "stricter",
        "0.2",
        "default",
    )
    # The base is untouched.
    assert interpret(PANEL_40, pack=base).pattern("iron_deficiency").status == "not_consistent"


def test_extend_pack_can_turn_off_lab_reference_intervals() -> None:
    panel = adult(
        sex="female",
        hb="10 g/dL",
        mcv="90 fL",
        iron={
            "value": 55,
            "unit": "ug/dL",
            "reference_interval": {"low": 60, "high": 170, "unit": "ug/dL"},
        },
        tibc="200 ug/dL",
        ferritin="150 ug/L",
    )
    derived = extend_pack(
        pack("default"),
        {"name": "pack_ranges", "version": "1", "use_lab_reference_intervals": False},
    )
    assert interpret(panel, pack=pack("default")).pattern("anemia_of_inflammation").status == (
        "consistent"
    )
    result = interpret(panel, pack=derived)
    assert result.pattern("anemia_of_inflammation").status == "not_consistent"
    flag = result.flag("iron")
    assert flag is not None
    assert flag.code == "N"


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"version": "1"}, "name"),
        ({"name": "x"}, "version"),
        ({}, "name and version"),
    ],
)
def test_extend_pack_requires_a_new_name_and_version(changes: dict[str, Any], missing: str) -> None:
    with pytest.raises(PackError) as info:
        extend_pack(pack("default"), changes)
    assert f"give {missing}" in str(info.value)


def test_extend_pack_validates_like_a_file() -> None:
    with pytest.raises(PackError) as info:
        extend_pack(
            pack("default"),
            {
                "name": "x",
                "version": "1",
                "thresholds": {
                    "ferritin_iron_deficiency": {**STRICTER_FERRITIN, "analyte": "ferritn"}
                },
            },
        )
    assert "did you mean 'ferritin'?" in str(info.value)
    with pytest.raises(PackError) as info:
        extend_pack(pack("default"), {"name": "x", "version": "1", "colour": "red"})
    assert "colour" in str(info.value)


def test_extend_pack_of_a_derived_pack() -> None:
    derived = extend_pack(pack("who_2020_ferritin"), {"name": "who_copy", "version": "9"})
    assert derived.extends == "who_2020_ferritin"
    assert derived.thresholds == pack("who_2020_ferritin").thresholds
