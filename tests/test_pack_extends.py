"""``extends:``: dropping inherited patterns, replacing ones that others refer to (a
PackWarning unless ``overrides`` acknowledges it), and the defaults a standalone pack gets."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from _engine_helpers import PACK_NAMES, adult, pack

import labinterp
from labinterp import PackError, PackWarning, dump_pack, extend_pack, interpret, load_pack
from labinterp._pack_models import EVERYONE, STANDARD_DISCLAIMER

# A stricter anemia: every inherited pattern that says {pattern: anemia} changes with it.
STRICT_ANEMIA = {"label": "anemia (severe only)", "criteria": {"threshold": "hb_severe"}}


def _referrers_of_anemia() -> list[str]:
    """The default pack's patterns that say {pattern: anemia}, in pack order."""
    text = json.dumps
    return [
        pid
        for pid, spec in labinterp.default_pack().patterns.items()
        if '"pattern": "anemia"' in text(spec.model_dump(mode="json", by_alias=True))
    ]


ANEMIA_REFERRER_IDS = _referrers_of_anemia()
ANEMIA_REFERRERS = (
    ", ".join(f"patterns.{pid}" for pid in ANEMIA_REFERRER_IDS[:-1])
    + f" and patterns.{ANEMIA_REFERRER_IDS[-1]}"
)


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def child(**changes: Any) -> dict[str, Any]:
    return {"name": "child", "version": "1", "extends": "default", "title": "A child", **changes}


def derived(**changes: Any) -> labinterp.Pack:
    return extend_pack(labinterp.default_pack(), {"name": "derived", "version": "1", **changes})


# --- drop -------------------------------------------------------------------------------------


def test_drop_leaves_inherited_patterns_out(tmp_path: Path) -> None:
    p = load_pack(write(tmp_path / "c.yaml", child(drop=["anemia_with_back_pain"])))
    assert "anemia_with_back_pain" not in p.patterns
    assert "anemia" in p.patterns
    assert p.drop == ["anemia_with_back_pain"]
    assert "anemia_with_back_pain" not in interpret(adult(), pack=p).statuses()


def test_extend_pack_can_drop_too() -> None:
    p = derived(drop=["mixed_deficiency_possible"])
    assert "mixed_deficiency_possible" not in p.patterns
    assert set(labinterp.default_pack().patterns) - set(p.patterns) == {"mixed_deficiency_possible"}


def test_dropping_a_pattern_that_remaining_patterns_need_names_both(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", child(drop=["anemia"]))
    with pytest.raises(PackError) as info:
        load_pack(path)
    message = str(info.value)
    assert info.value.field == "drop[0]"
    assert f"cannot drop 'anemia': {ANEMIA_REFERRERS} still refer to it" in message
    # Reported once, at the drop, not again at each reference.
    assert "unknown pattern 'anemia'" not in message


def test_dropping_a_pattern_and_what_refers_to_it_is_fine() -> None:
    p = derived(drop=["anemia", *ANEMIA_REFERRER_IDS])
    assert "anemia" not in p.patterns


def test_dropping_the_inflammation_pattern_is_refused() -> None:
    with pytest.raises(PackError, match="cannot drop 'inflammation': inflammation_pattern"):
        derived(drop=["inflammation"])


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"drop": ["anemai"]}, "no inherited pattern or classification 'anemai'; did you mean"),
        (
            {"drop": ["anemia"], "patterns": {"anemia": STRICT_ANEMIA}},
            "'anemia' is dropped and defined again under patterns",
        ),
    ],
)
def test_a_drop_that_cannot_apply_is_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(PackError) as info:
        derived(**changes)
    assert info.value.field == "drop[0]"
    assert words in str(info.value)


def test_drop_needs_extends(tmp_path: Path) -> None:
    data = child(drop=["anemia"])
    del data["extends"]
    data["sources"] = {}
    with pytest.raises(PackError, match="only a pack that extends another can use drop"):
        load_pack(write(tmp_path / "c.yaml", data))


def test_drop_belongs_to_the_pack_that_writes_it(tmp_path: Path) -> None:
    # A pack extending a pack that dropped something does not inherit the drop, and may
    # define the pattern again.
    write(tmp_path / "middle.yaml", child(name="middle", drop=["anemia_with_back_pain"]))
    again = {"anemia_with_back_pain": {"label": "back again", "criteria": {"pattern": "anemia"}}}
    p = load_pack(
        write(tmp_path / "last.yaml", child(name="last", extends="middle.yaml", patterns=again))
    )
    assert p.drop == []
    assert p.patterns["anemia_with_back_pain"].label == "back again"


def test_extending_a_pack_that_drops_or_overrides_keeps_what_it_did() -> None:
    base = derived(drop=["anemia_with_back_pain"], overrides=[], patterns={})
    again = extend_pack(base, {"name": "again", "version": "1"})
    assert "anemia_with_back_pain" not in again.patterns
    assert again.drop == []
    assert extend_pack(pack("who_2020_ferritin"), {"name": "w", "version": "1"}).overrides == []


def test_a_pack_that_drops_dumps_and_loads_back_equal(tmp_path: Path) -> None:
    p = derived(drop=["anemia_with_back_pain"])
    path = tmp_path / "dumped.yaml"
    path.write_text(dump_pack(p), encoding="utf-8")
    assert load_pack(path) == p


# --- replacing a pattern others refer to ------------------------------------------------------


def test_replacing_a_pattern_others_refer_to_warns_naming_both(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", child(patterns={"anemia": STRICT_ANEMIA}))
    with pytest.warns(PackWarning) as caught:
        p = load_pack(path)
    assert len(caught) == 1
    message = str(caught[0].message)
    line = path.read_text(encoding="utf-8").splitlines().index("  anemia:") + 1
    assert message.startswith(f"{path}:{line}:3: patterns.anemia replaces the inherited pattern")
    assert f"which {ANEMIA_REFERRERS} refer to" in message
    assert "overrides: [anemia]" in message
    assert caught[0].filename == __file__  # the warning points at the caller's line
    # The pack still loads, and the referrers follow the new definition.
    panel = adult(sex="male", hb="11 g/dL")
    assert interpret(panel, pack=p).status("anemia") == "not_consistent"


def test_extend_pack_warns_too() -> None:
    with pytest.warns(PackWarning, match="<extend_pack 'derived'>: changes: patterns.anemia"):
        derived(patterns={"anemia": STRICT_ANEMIA})


def test_overrides_acknowledges_the_replacement() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = derived(overrides=["anemia"], patterns={"anemia": STRICT_ANEMIA})
    assert p.overrides == ["anemia"]


def test_replacing_a_pattern_no_one_refers_to_does_not_warn() -> None:
    # Today no default pattern refers to iron_deficiency; with filterwarnings=error, any
    # warning would fail this test.
    p = derived(
        patterns={"iron_deficiency": {"label": "x y", "criteria": {"threshold": "tsat_hf"}}}
    )
    assert p.patterns["iron_deficiency"].label == "x y"


def test_writing_the_same_definition_again_does_not_warn() -> None:
    same = labinterp.default_pack().patterns["anemia"].model_dump(by_alias=True)
    assert (
        derived(patterns={"anemia": same}).patterns["anemia"]
        == (labinterp.default_pack().patterns["anemia"])
    )


def test_replacing_the_inflammation_pattern_names_the_pack_key() -> None:
    changed = {
        "label": "inflammation (CRP above 10)",
        "criteria": {"threshold": "crp_inflammation"},
    }
    changed["description"] = "changed"
    with pytest.warns(PackWarning, match="which inflammation_pattern, patterns.iron_deficiency, "):
        derived(patterns={"inflammation": changed})


def test_overrides_must_name_a_replaced_pattern() -> None:
    with pytest.raises(PackError) as info:
        derived(overrides=["anemia"])
    assert info.value.field == "overrides[0]"
    assert "'anemia' is not an inherited pattern or classification that this pack replaces" in (
        str(info.value)
    )


@pytest.mark.parametrize("name", PACK_NAMES)
def test_bundled_packs_load_without_a_warning(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_pack(Path(labinterp.__file__).parents[1] / "reference_ranges" / f"{name}.yaml")


# --- defaults of a standalone pack -------------------------------------------------------------

MINIMAL = {
    "name": "minimal",
    "version": "1",
    "title": "A minimal pack",
    "sources": {"src": {"title": "A source title", "kind": "guideline"}},
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


def test_a_standalone_pack_without_population_or_disclaimer_gets_the_defaults(
    tmp_path: Path,
) -> None:
    p = load_pack(write(tmp_path / "minimal.yaml", MINIMAL))
    assert p.population == EVERYONE
    assert p.population.age_min is None
    assert p.population.age_max is None
    assert "no age limits" in p.population.description
    assert p.disclaimer == STANDARD_DISCLAIMER
    result = interpret({"age": 3, "ferritin": "10 ug/L"}, pack=p)
    assert result.status("low_ferritin") == "consistent"  # every age is in the population
    assert result.disclaimer == STANDARD_DISCLAIMER


def test_the_default_pack_uses_the_standard_disclaimer() -> None:
    assert pack("default").disclaimer == STANDARD_DISCLAIMER
    for word in ("Educational", "not a diagnosis", "not advice on treatment"):
        assert word in STANDARD_DISCLAIMER


def test_an_extending_pack_inherits_population_and_disclaimer(tmp_path: Path) -> None:
    base = {**MINIMAL, "population": {"age_min": 18, "description": "adults"}}
    base["disclaimer"] = "Our own disclaimer."
    write(tmp_path / "base.yaml", base)
    p = load_pack(write(tmp_path / "c.yaml", child(extends="base.yaml")))
    assert p.population.age_min == 18
    assert p.disclaimer == "Our own disclaimer."
    q = extend_pack(p, {"name": "q", "version": "1"})
    assert (q.population, q.disclaimer) == (p.population, p.disclaimer)


def test_an_extending_pack_that_restates_a_default_dumps_and_loads_back_equal(
    tmp_path: Path,
) -> None:
    # The child writes the standard disclaimer over its base's own: the dump must keep it,
    # or the base's would come back on reading.
    base = {**MINIMAL, "disclaimer": "Our own disclaimer."}
    write(tmp_path / "base.yaml", base)
    p = load_pack(
        write(tmp_path / "c.yaml", child(extends="base.yaml", disclaimer=STANDARD_DISCLAIMER))
    )
    dumped = tmp_path / "dumped.yaml"
    dumped.write_text(dump_pack(p), encoding="utf-8")
    assert load_pack(dumped) == p
