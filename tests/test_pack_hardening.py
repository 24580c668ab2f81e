"""Packs never give a wrong answer, never hang and never crash (issue 6).

Names versus paths, overlapping and missing cut-offs, contexts no patient has, YAML aliases,
size and nesting limits, odd bytes, long chains of ``extends``, errors from the public
constructors, ``extends`` outside the pack's folder, and one format for ``PackError.field``.
The few timed tests are hang regressions: each took seconds to minutes before its fix and
must now finish well inside a generous limit.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from _engine_helpers import EXAMPLE_PANEL, adult

import labinterp
from labinterp import Cutoff, Pack, PackError, Source, When, extend_pack, interpret, load_pack
from labinterp._cli import main
from labinterp._pack_loading import MAX_EXTENDS, MAX_PACK_BYTES, parse_pack_yaml
from labinterp._pack_models import MAX_AGE, MAX_NESTING
from labinterp._pack_patterns import MAX_CRITERIA_DEPTH, AllOf, NotOf, PatternSpec, ThresholdRef
from labinterp._pack_yaml import LOADERS
from labinterp._packs import check_pack, dump_pack
from labinterp._rules import Facts, Outcome, compile_pack

# --- helpers ----------------------------------------------------------------------------------


def tiny(**changes: Any) -> dict[str, Any]:
    """A small valid pack (one threshold for everyone, one pattern), top-level keys replaced."""
    data: dict[str, Any] = {
        "schema_version": 1,
        "name": "tiny",
        "version": "1",
        "title": "A tiny pack",
        "population": {"age_min": 15, "description": "adults"},
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
    data.update(changes)
    return data


def with_cutoffs(*cutoffs: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = tiny(**changes)
    data["thresholds"]["ferritin_low"]["cutoffs"] = list(cutoffs)
    return data


def cut(value: float, **when: Any) -> dict[str, Any]:
    return {"when": when, "comparator": "<", "value": value, "unit": "ug/L"}


def write(path: Path, data: dict[str, Any] | str | bytes) -> Path:
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        path.write_text(text, encoding="utf-8")
    return path


def refusal(action: Any, *args: Any, **kwargs: Any) -> PackError:
    with pytest.raises(PackError) as info:
        action(*args, **kwargs)
    return info.value


@contextmanager
def finishes_within(seconds: float) -> Iterator[None]:
    """A hang regression: the body must end (here, by refusing) well inside ``seconds``."""
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"took {elapsed:.1f} s"


KEY_PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[A-Za-z0-9_]+|\[\d+\])*")

# --- 1. a bundled name is a name, a path is a path ----------------------------------------------


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_folder_named_like_a_bundled_pack_does_not_shadow_it(in_tmp: Path) -> None:
    (in_tmp / "default").mkdir()
    assert load_pack("default") is labinterp.default_pack()
    result = interpret(adult(ferritin="12 ug/L"), pack="default")
    assert result.pack.name == "default"


def test_a_stray_file_named_like_a_bundled_pack_is_not_loaded(in_tmp: Path) -> None:
    write(in_tmp / "who_2020_ferritin", "name: not_the_bundled_pack\nthis is: garbage\n")
    assert load_pack("who_2020_ferritin").title.startswith("Iron deficiency by WHO 2020")


def test_the_cli_pack_option_follows_the_same_rule(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "default").mkdir()
    code = main(["interpret", str(EXAMPLE_PANEL), "--pack", "default", "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert json.loads(out)["pack"]["name"] == "default"


def test_extends_follows_the_same_rule(tmp_path: Path) -> None:
    write(tmp_path / "default", "not a pack")
    child = write(tmp_path / "child.yaml", {"name": "c", "version": "1", "extends": "default"})
    assert load_pack(child).patterns == labinterp.default_pack().patterns


def test_a_path_object_is_always_a_path(in_tmp: Path) -> None:
    error = refusal(load_pack, Path("default"))
    assert "cannot read pack" in str(error)
    (in_tmp / "default").mkdir()
    assert "a folder" in str(refusal(load_pack, Path("default")))


def test_a_file_named_like_an_unknown_name_gets_a_hint(in_tmp: Path) -> None:
    write(in_tmp / "mypack", tiny())
    error = refusal(load_pack, "mypack")
    assert "no bundled pack named 'mypack'" in str(error)
    assert "write './mypack'" in str(error)
    assert load_pack("./mypack").name == "tiny"


def test_text_that_is_neither_a_name_nor_a_path_is_refused_with_a_suggestion(
    in_tmp: Path,
) -> None:
    error = refusal(load_pack, "Default")
    assert "not a bundled pack name" in str(error)
    assert error.suggestion == "default"
    write(in_tmp / "my_pack.yaml", tiny())
    assert load_pack("my_pack.yaml").name == "tiny"  # a suffix makes a path


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("a" * 5000, "too long to be a file path"),
        ("x\0y.yaml", "contains a NUL byte"),
        ("mypack\0", "contains a NUL byte"),
        ("a" * 300 + ".yaml", "cannot read pack: File name too long"),
        ("/" + "d" * 300 + "/p.yaml", "cannot read pack: File name too long"),
    ],
    ids=["very_long", "nul_in_path", "nul_in_name", "long_file_name", "long_folder"],
)
def test_long_names_and_nul_bytes_are_refused(ref: str, words: str) -> None:
    error = refusal(load_pack, ref)
    assert words in str(error)
    assert len(str(error)) < 500  # a long name is shortened, never echoed whole


@pytest.mark.parametrize("ref", [Path("x\0y.yaml"), Path("a" * 300 + ".yaml")])
def test_long_or_nul_path_objects_are_refused(ref: Path) -> None:
    assert isinstance(refusal(load_pack, ref), PackError)


def test_a_nul_byte_in_extends_is_refused(tmp_path: Path) -> None:
    child = write(tmp_path / "c.yaml", 'name: c\nversion: "1"\nextends: "a\\0b.yaml"\n')
    assert "NUL" in str(refusal(load_pack, child))


# --- 2. overlapping cut-offs and gaps -----------------------------------------------------------


def test_overlapping_cutoffs_are_refused_naming_both_and_the_shared_context(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "p.yaml", with_cutoffs(cut(30), cut(15, sex="female")))
    error = refusal(load_pack, path)
    assert "cutoffs[0] (everyone) and cutoffs[1] (female) both apply to female" in str(error)
    assert error.field == "thresholds.ferritin_low.cutoffs[1]"


def test_overlap_in_part_of_an_age_band_is_refused(tmp_path: Path) -> None:
    data = with_cutoffs(cut(30, age_max=60), cut(20, age_min=50))
    error = refusal(load_pack, write(tmp_path / "p.yaml", data))
    assert "both apply to age >= 50 y, age < 60 y" in str(error)


def test_a_pack_with_overlaps_built_directly_is_refused_by_interpret() -> None:
    pack = Pack(**with_cutoffs(cut(30), cut(15, sex="female")))  # structure only
    error = refusal(interpret, adult(sex="female", ferritin="20 ug/L"), pack=pack)
    assert "both apply to female" in str(error)


def test_overlapping_cutoffs_never_blame_an_uncensored_value() -> None:
    """The engine's reason, had an overlap slipped past the checks (it said 'censored')."""
    compiled = compile_pack(Pack(**with_cutoffs(cut(30), cut(15, sex="female"))))
    panel = labinterp.Panel.from_mapping(adult(sex="female", ferritin="20 ug/L"))
    facts = Facts(
        values=panel.measurements,
        sex="female",
        pregnant=False,
        trimester=None,
        age=40,
        use_lab_reference_intervals=True,
    )
    result = compiled.thresholds["ferritin_low"].evaluate(facts)
    assert result.outcome is Outcome.UNDECIDED
    assert result.reason is not None
    assert "censored" not in result.reason
    assert "more than one cut-off applies" in result.reason


def test_a_censored_value_still_gets_the_censored_reason() -> None:
    found = interpret(adult(ferritin="<40 ug/L", tsat="10 %")).pattern("iron_deficiency")
    reasons = [leaf.reason for leaf in found.criteria.leaves() if leaf.reason]
    assert any("censored result <40 ug/L" in r for r in reasons)


@pytest.mark.parametrize(
    ("cutoffs", "uncovered"),
    [
        ([cut(30, sex="male")], "female"),
        ([cut(30, pregnant=True)], "not pregnant"),
        ([cut(30, age_min=15, age_max=50), cut(20, age_min=60)], "age >= 50 y, age < 60 y"),
        (
            [
                cut(130, sex="male"),
                cut(120, sex="female", pregnant=False),
                cut(110, sex="female", pregnant=True, trimester=[1, 3]),
            ],
            "pregnant, trimester 2",
        ),
    ],
    ids=["sex", "pregnancy", "age", "trimester"],
)
def test_contexts_without_a_cutoff_are_refused(
    tmp_path: Path, cutoffs: list[dict[str, Any]], uncovered: str
) -> None:
    error = refusal(load_pack, write(tmp_path / "p.yaml", with_cutoffs(*cutoffs)))
    assert f"no cut-off applies to: {uncovered}" in str(error)
    assert error.field == "thresholds.ferritin_low.cutoffs"


def test_a_gap_in_inflammation_is_refused(tmp_path: Path) -> None:
    data = with_cutoffs(cut(70, inflammation=True), inflammation_pattern="low_ferritin")
    data["thresholds"]["crp_high"] = {
        "analyte": "crp",
        "source": "src",
        "confidence": "verified",
        "cutoffs": [{"comparator": ">", "value": 5, "unit": "mg/L"}],
    }
    data["patterns"]["low_ferritin"]["criteria"] = {"threshold": "crp_high"}
    data["patterns"]["iron"] = {"label": "iron", "criteria": {"threshold": "ferritin_low"}}
    error = refusal(load_pack, write(tmp_path / "p.yaml", data))
    assert "no cut-off applies to: without inflammation" in str(error)


def test_adjacent_bands_and_a_full_split_are_accepted(tmp_path: Path) -> None:
    data = with_cutoffs(
        cut(30, age_max=50), cut(20, sex="male", age_min=50), cut(25, sex="female", age_min=50)
    )
    pack = load_pack(write(tmp_path / "p.yaml", data))
    assert len(pack.thresholds["ferritin_low"].cutoffs) == 3


def test_overlapping_reference_intervals_are_refused(tmp_path: Path) -> None:
    data = tiny(
        reference_intervals={
            "ferritin": {
                "source": "src",
                "confidence": "verified",
                "intervals": [
                    {"low": 15, "high": 150, "unit": "ug/L"},
                    {"when": {"sex": "male"}, "low": 30, "high": 400, "unit": "ug/L"},
                ],
            }
        }
    )
    error = refusal(load_pack, write(tmp_path / "p.yaml", data))
    assert "intervals[0] (everyone) and intervals[1] (male) both apply to male" in str(error)
    assert error.field == "reference_intervals.ferritin.intervals[1]"


def test_reference_intervals_must_give_the_same_ends_in_every_context(tmp_path: Path) -> None:
    # Otherwise "above its reference interval" would be decided from the male interval alone
    # for a patient of unknown sex.
    data = tiny(
        reference_intervals={
            "iron": {
                "source": "src",
                "confidence": "verified",
                "intervals": [
                    {"when": {"sex": "male"}, "low": 65, "high": 176, "unit": "ug/dL"},
                    {"when": {"sex": "female"}, "low": 50, "unit": "ug/dL"},
                ],
            }
        }
    )
    error = refusal(load_pack, write(tmp_path / "p.yaml", data))
    assert error.field == "reference_intervals.iron.intervals[1].high"


# --- 3. contexts no patient has -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ({"sex": "male", "pregnant": True}, "applies to no patient"),
        ({"sex": "male", "trimester": [2]}, "applies to no patient"),
        ({"pregnant": False, "trimester": [1]}, "applies to no patient"),
        ({"trimester": [2, 2]}, "names a trimester twice"),
        ({"age_max": 200}, "less than or equal to 130"),
        ({"age_min": 131}, "less than or equal to 130"),
    ],
)
def test_impossible_contexts_are_refused_where_they_are_written(
    tmp_path: Path, when: dict[str, Any], words: str
) -> None:
    error = refusal(load_pack, write(tmp_path / "p.yaml", with_cutoffs(cut(30, **when))))
    assert words in str(error)
    assert error.field is not None
    assert error.field.startswith("thresholds.ferritin_low.cutoffs[0].when")
    assert isinstance(refusal(When, **when), PackError)


def test_an_age_band_outside_the_population_is_refused(tmp_path: Path) -> None:
    data = with_cutoffs(cut(30, age_max=12), cut(20, age_min=12))
    error = refusal(load_pack, write(tmp_path / "p.yaml", data))
    assert "age < 12 y applies to no one in the pack's population (adults)" in str(error)
    assert error.field == "thresholds.ferritin_low.cutoffs[0].when"


@pytest.mark.parametrize("population", [{"age_min": 200}, {"age_max": 1000}])
def test_a_population_beyond_human_ages_is_refused(
    tmp_path: Path, population: dict[str, Any]
) -> None:
    data = tiny(population={**population, "description": "nobody"})
    error = refusal(load_pack, write(tmp_path / "p.yaml", data))
    assert f"less than or equal to {MAX_AGE}" in str(error)
    assert error.field == f"population.{next(iter(population))}"


def test_the_age_limit_agrees_with_the_panel() -> None:
    labinterp.Panel(age=MAX_AGE)
    with pytest.raises(labinterp.PanelError):
        labinterp.Panel(age=MAX_AGE + 1)


# --- 4 and 5. aliases, size and nesting ---------------------------------------------------------


def alias_bomb(levels: int) -> str:
    lines = ["a0: &a0 {threshold: ferritin_low}"]
    for i in range(1, levels + 1):
        items = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} {{all: [{items}]}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_yaml_aliases_are_refused_quickly_with_their_place(tmp_path: Path, loader: str) -> None:
    # 1 KB that expanded to 10**7 criteria: 96 s to load and 2.7 GB of JSON before the fix.
    with finishes_within(5):
        error = refusal(parse_pack_yaml, alias_bomb(7), "bomb.yaml", loader=LOADERS[loader])
    assert "alias" in str(error)
    assert re.search(r"line \d+, column \d+", str(error))


def test_an_alias_bomb_pack_file_is_refused_quickly(tmp_path: Path) -> None:
    text = yaml.safe_dump(tiny(), sort_keys=False).replace(
        "patterns:\n",
        "x_anchors:\n"
        + "".join(f"  {line}\n" for line in alias_bomb(7).split("\n") if line)
        + "patterns:\n",
    )
    with finishes_within(5):
        assert "alias" in str(refusal(load_pack, write(tmp_path / "p.yaml", text)))


def test_an_anchor_that_is_never_reused_is_harmless() -> None:
    assert parse_pack_yaml("a: &x 1\nb: 2\n", "t") == {"a": 1, "b": 2}


def test_the_fast_yaml_loader_is_used_when_libyaml_is_installed() -> None:
    fast = LOADERS["libyaml"]
    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert issubclass(fast, expected)


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_both_loaders_refuse_duplicate_keys(loader: str) -> None:
    error = refusal(parse_pack_yaml, "a: 1\nb: 2\na: 3\n", "t", loader=LOADERS[loader])
    assert "duplicate key 'a'" in str(error)
    assert "line 3, column 1" in str(error)


def test_shared_python_data_is_refused_before_it_is_walked() -> None:
    criterion: dict[str, Any] = {"threshold": "ferritin_low"}
    for _ in range(12):  # 10**12 criteria once written out
        criterion = {"all": [criterion] * 10}
    data = tiny()
    data["patterns"]["low_ferritin"]["criteria"] = criterion
    with finishes_within(5):
        error = refusal(Pack.model_validate, data)
    assert "values once written out" in str(error)


def test_shared_criteria_objects_are_refused_before_they_are_walked() -> None:
    criterion: Any = ThresholdRef(threshold="ferritin_low")
    for _ in range(12):
        criterion = AllOf(all=[criterion] * 10)
    with finishes_within(5):
        error = refusal(PatternSpec, label="huge", criteria=criterion)
    assert "criteria once written out" in str(error)


def test_criteria_nested_too_deeply_are_refused_with_their_path(tmp_path: Path) -> None:
    criterion: dict[str, Any] = {"threshold": "ferritin_low"}
    for _ in range(MAX_CRITERIA_DEPTH + 4):
        criterion = {"not": criterion}
    data = tiny()
    data["patterns"]["low_ferritin"]["criteria"] = criterion
    error = refusal(load_pack, write(tmp_path / "p.yaml", data))
    assert error.field == "patterns.low_ferritin.criteria" + ".not" * MAX_CRITERIA_DEPTH
    assert f"more than {MAX_CRITERIA_DEPTH} levels" in str(error)


def test_criteria_objects_nested_thousands_deep_are_refused_without_recursion_error() -> None:
    criterion: Any = ThresholdRef(threshold="ferritin_low")
    for _ in range(5000):
        criterion = NotOf.model_validate({"not": criterion})
    error = refusal(PatternSpec, label="deep", criteria=criterion)
    assert "levels of all/any/not" in str(error)


@pytest.mark.parametrize("loader", sorted(LOADERS))
@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 5000, 100_000])
def test_deep_yaml_is_refused_without_recursion_error(loader: str, depth: int) -> None:
    error = refusal(parse_pack_yaml, "[" * depth + "]" * depth, "t", loader=LOADERS[loader])
    assert "nested" in str(error) or "not valid YAML" in str(error)


def test_deep_python_data_is_refused_without_recursion_error() -> None:
    data: dict[str, Any] = {}
    for _ in range(10_000):
        data = {"x": data}
    error = refusal(Pack.model_validate, {**tiny(), "description": data})
    assert f"nested more than {MAX_NESTING} levels" in str(error)


def test_data_that_contains_itself_is_refused() -> None:
    data = tiny()
    data["sources"]["src"]["note"] = data
    assert "contains itself" in str(refusal(Pack.model_validate, data))


def test_a_pack_over_the_size_limit_is_refused_quickly(tmp_path: Path) -> None:
    # 10,000 thresholds took 10 s and a 26 MB pack 57 s; the limit stops both at the door.
    thresholds = {
        f"t{i}": {
            "analyte": "ferritin",
            "source": "src",
            "confidence": "verified",
            "cutoffs": [{"comparator": "<", "value": 30, "unit": "ug/L"}],
        }
        for i in range(10_000)
    }
    path = write(tmp_path / "big.yaml", tiny(thresholds=thresholds))
    assert path.stat().st_size > MAX_PACK_BYTES
    with finishes_within(5):
        error = refusal(load_pack, path)
    assert f"at most {MAX_PACK_BYTES:,} bytes" in str(error)


def test_the_size_limit_counts_the_packs_extended(tmp_path: Path) -> None:
    filler = "# " + "x" * 100 + "\n"
    base = yaml.safe_dump(tiny(name="base"), sort_keys=False)
    write(tmp_path / "base.yaml", base + filler * (MAX_PACK_BYTES // len(filler) // 2 + 10))
    child = 'name: child\nversion: "1"\nextends: base.yaml\n'
    child_path = write(tmp_path / "child.yaml", child + filler * (MAX_PACK_BYTES // 2 // 103))
    assert "too large" in str(refusal(load_pack, child_path))


def test_patterns_referring_to_patterns_in_a_long_chain_are_refused() -> None:
    data = tiny()
    for i in range(3000):
        data["patterns"][f"p{i}"] = {"label": f"p {i}", "criteria": {"pattern": f"p{i + 1}"}}
    data["patterns"]["p3000"] = {"label": "last", "criteria": {"threshold": "ferritin_low"}}
    error = refusal(Pack.model_validate, data)
    assert "patterns refer to patterns more than 16 deep" in str(error)


# --- 6. bytes, chains and names that used to crash ----------------------------------------------


def test_a_utf16_pack_is_refused(tmp_path: Path) -> None:
    text = yaml.safe_dump(tiny(), sort_keys=False)
    error = refusal(load_pack, write(tmp_path / "p.yaml", text.encode("utf-16")))
    assert "UTF-16" in str(error)


def test_a_latin1_pack_is_refused_naming_the_byte(tmp_path: Path) -> None:
    text = yaml.safe_dump(tiny(title="Hämoglobin"), sort_keys=False, allow_unicode=True)
    error = refusal(load_pack, write(tmp_path / "p.yaml", text.encode("latin-1")))
    assert "not UTF-8 text (byte 0xe4" in str(error)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    text = yaml.safe_dump(tiny(), sort_keys=False)
    assert load_pack(write(tmp_path / "p.yaml", b"\xef\xbb\xbf" + text.encode())).name == "tiny"


def test_a_long_chain_of_extends_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "p0.yaml", tiny(name="p0"))
    for i in range(1, 1200):
        write(tmp_path / f"p{i}.yaml", {"name": f"p{i}", "extends": f"p{i - 1}.yaml"})
    error = refusal(load_pack, tmp_path / "p1199.yaml")
    assert f"more than {MAX_EXTENDS} packs in one chain" in str(error)
    chain = tmp_path / f"p{MAX_EXTENDS - 1}.yaml"  # exactly the limit: fine
    assert load_pack(chain).name == f"p{MAX_EXTENDS - 1}"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with finishes_within(5):
        assert "not a regular file" in str(refusal(load_pack, fifo))


# --- 7. public constructors and helpers raise PackError -----------------------------------------


def loose(**kwargs: Any) -> dict[str, Any]:
    """Keyword arguments of any type, as a caller without a type checker may pass them."""
    return kwargs


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Pack(**loose(name=5)), "name"),
        (lambda: When(**loose(sex="F")), "sex"),
        (lambda: Cutoff(**loose(comparator="<", value="30", unit="ug/L")), "value"),
        (lambda: Cutoff(unit="ug/L"), None),
        (lambda: Source(**loose(title="A title", kind="blog")), "kind"),
        (lambda: Pack.model_validate_json("{}"), "name"),
        (lambda: Pack.model_validate_json("not json"), None),
        (lambda: When.model_validate({"sex": "female", "colour": "red"}), "colour"),
    ],
)
def test_public_constructors_raise_pack_errors(build: Any, field: str | None) -> None:
    error = refusal(build)
    assert error.field == field


@pytest.mark.parametrize(
    "call",
    [
        lambda: extend_pack(labinterp.default_pack(), None),  # type: ignore[arg-type]
        lambda: extend_pack(None, {"name": "x", "version": "1"}),  # type: ignore[arg-type]
        lambda: dump_pack(None),  # type: ignore[arg-type]
        lambda: check_pack(None),  # type: ignore[arg-type]
        lambda: load_pack(None),  # type: ignore[arg-type]
        lambda: interpret({"ferritin": "10 ug/L"}, pack=5),  # type: ignore[arg-type]
        lambda: load_pack("p.yaml", extends_root=5),  # type: ignore[arg-type]
    ],
    ids=[
        "changes_none",
        "base_none",
        "dump_none",
        "check_none",
        "load_none",
        "interpret_int",
        "extends_root_int",
    ],
)
def test_public_helpers_raise_pack_errors_for_the_wrong_type(call: Any) -> None:
    assert isinstance(refusal(call), PackError)


# --- 8. extends stays inside the pack's folder and never echoes other files ----------------------

SECRET = "root_password: hunter2\nadmin_user: alice\n"


@pytest.fixture
def packs_dir(tmp_path: Path) -> Path:
    write(tmp_path / "secret.yaml", SECRET)
    (tmp_path / "packs").mkdir()
    return tmp_path / "packs"


def assert_no_secret(message: str) -> None:
    for word in ("hunter2", "root_password", "alice", "admin_user"):
        assert word not in message, message


@pytest.mark.parametrize("ref", ["../secret.yaml", "{root}/secret.yaml"])
def test_extends_outside_the_folder_is_refused(packs_dir: Path, ref: str) -> None:
    ref = ref.format(root=packs_dir.parent)
    child = write(packs_dir / "c.yaml", {"name": "c", "version": "1", "extends": ref})
    error = refusal(load_pack, child)
    assert "is outside" in str(error)
    assert error.field == "extends"
    assert_no_secret(str(error))


def test_a_file_that_is_not_a_pack_is_never_echoed(packs_dir: Path) -> None:
    child = write(packs_dir / "c.yaml", {"name": "c", "version": "1", "extends": "../secret.yaml"})
    error = refusal(load_pack, child, extends_root=packs_dir.parent)  # allowed, but not a pack
    assert "not a pack file" in str(error)
    assert_no_secret(str(error))


def test_a_yaml_error_in_an_extended_file_is_not_quoted(packs_dir: Path) -> None:
    write(packs_dir / "broken.yaml", "root_password: [hunter2\n")
    child = write(packs_dir / "c.yaml", {"name": "c", "version": "1", "extends": "broken.yaml"})
    error = refusal(load_pack, child)
    assert "not valid YAML at line" in str(error)
    assert_no_secret(str(error))


def test_extends_root_on_the_command_line(
    packs_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(packs_dir.parent / "base.yaml", {"name": "base", "version": "1", "extends": "default"})
    child = write(packs_dir / "c.yaml", {"name": "c", "version": "2", "extends": "../base.yaml"})
    assert main(["interpret", str(EXAMPLE_PANEL), "--pack", str(child)]) == 2
    assert "is outside" in capsys.readouterr().err
    argv = ["interpret", str(EXAMPLE_PANEL), "--pack", str(child), "--format", "json"]
    assert main([*argv, "--extends-root", str(packs_dir.parent)]) == 0
    assert json.loads(capsys.readouterr().out)["pack"]["name"] == "c"


# --- 9. PackError.field is a dotted key path ----------------------------------------------------


def test_field_is_a_dotted_key_path_for_every_kind_of_problem(tmp_path: Path) -> None:
    structural = tiny()
    structural["thresholds"]["ferritin_low"]["cutoffs"][0]["unit"] = 5
    cross_reference = tiny()
    cross_reference["thresholds"]["ferritin_low"]["cutoffs"][0]["unit"] = "fL"
    expected = "thresholds.ferritin_low.cutoffs[0].unit"
    for data in (structural, cross_reference):
        error = refusal(load_pack, write(tmp_path / "p.yaml", data))
        assert error.field == expected
        assert KEY_PATH.fullmatch(error.field)
        assert str(tmp_path / "p.yaml") in str(error)  # the file is in the message
    model_error = refusal(Pack.model_validate, structural)
    assert model_error.field == expected


def test_whole_file_problems_have_no_field(tmp_path: Path) -> None:
    for text in ("a: [\n", "- a\n"):
        error = refusal(load_pack, write(tmp_path / "p.yaml", text))
        assert error.field is None


# --- 10. a pack's own long names are shortened in messages (found by benchmarks/fuzz.py) ----


def test_long_unknown_references_are_shortened_in_the_message() -> None:
    long_name = "e" * 20_000
    changes = tiny(name="derived")
    changes["patterns"] = {
        "low_ferritin": {"label": "low ferritin", "criteria": {"threshold": long_name}},
        long_name: {"label": "also", "criteria": {"pattern": long_name + "x"}},
    }
    changes["thresholds"]["ferritin_low"]["source"] = long_name
    error = refusal(extend_pack, labinterp.default_pack(), changes)
    message = str(error)
    assert len(message) < 2_000, f"{len(message):,} characters"
    assert "unknown threshold 'eeee" in message  # still says what is wrong, and where
    assert "patterns.low_ferritin.criteria.threshold" in message
    assert "..." in message


# --- 11. YAML scalars PyYAML cannot build (found by benchmarks/fuzz.py) -----------------------


@pytest.mark.parametrize("loader", sorted(LOADERS))
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1" * 5_000, "longer than 100 characters"),  # past Python's int digit limit
        ("0x" + "f" * 5_000, "longer than 100 characters"),
        ("2020-02-30", "'2020-02-30' is not a date"),
        ("2020-01-01 25:00:00", "is not a date"),
        ("!!bool maybe", "'maybe' is not true or false"),
        ("!!float abc", "'abc' is not a number"),
        ("!!int abc", "'abc' is not an integer"),
    ],
)
def test_scalars_yaml_cannot_build_are_refused_at_their_place(
    loader: str, text: str, problem: str
) -> None:
    # Each was a ValueError or KeyError from PyYAML's constructors, not a PackError.
    error = refusal(parse_pack_yaml, f"title: x\nyear: {text}\n", "p.yaml", loader=LOADERS[loader])
    assert "p.yaml: not valid YAML at line 2, column 7" in str(error)
    assert problem in str(error)
    assert len(str(error)) < 300


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_a_long_base_60_integer_is_refused_quickly(loader: str) -> None:
    # YAML 1.1 reads 1:2:3 as a base-60 integer; 800 kB of "1:" (under the size limit) took
    # about a minute to build, part by part, before the length check.
    text = "year: " + "1:" * 400_000 + "1\n"
    with finishes_within(5):
        error = refusal(parse_pack_yaml, text, "p.yaml", loader=LOADERS[loader])
    assert "too long for an integer" in str(error)


def test_numbers_of_ordinary_length_still_read() -> None:
    text = "a: 190:20:30\nb: 0x1F\nc: 1_000\nd: 2020-01-31\ne: " + "9" * 100 + "\n"
    data = parse_pack_yaml(text, "p.yaml")
    assert data["a"] == 190 * 3600 + 20 * 60 + 30
    assert (data["b"], data["c"], data["e"]) == (31, 1000, int("9" * 100))
    assert str(data["d"]) == "2020-01-31"
