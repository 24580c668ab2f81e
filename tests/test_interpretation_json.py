"""The JSON contract of an interpretation (issue 8): versioned, compact, deterministic, in the
text's words, with tidy numbers; it reads back into an equal object whose accessors work, and
it validates against the published schema. Bad documents give located, typed errors."""

from __future__ import annotations

import json
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from _engine_helpers import (
    CLASSIFICATION_PACK,
    EXAMPLE_PANEL,
    PACK_NAMES,
    SAMPLE_PANELS,
    adult,
    pack,
    walk,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_laws import RANGES, panels_with_reported_context, pregnancy_refused

import labinterp
from labinterp import (
    ANALYTES,
    Interpretation,
    InvalidValueError,
    LabinterpError,
    UnknownPatternError,
    convert,
    interpret,
)
from labinterp._cli import main
from labinterp._interpretation_json import SCHEMA_VERSION, interpretation_json_schema
from labinterp.testing import contexts, packs

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = REPO_ROOT / "docs" / "schemas" / "interpretation.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
WORDS = {"holds", "does not hold", "undecided"}
# Float noise as it used to appear: 450.00000000000006, 179.99999999996646, 229.999999999.
NOISE = re.compile(r"\d\.\d*(?:0{6,}|9{6,})\d")


def _example() -> Interpretation:
    return interpret(labinterp.Panel.from_json(EXAMPLE_PANEL.read_bytes()))


def assert_reads_back(result: Interpretation, *, schema: bool = False) -> Interpretation:
    """Every law of the contract, for one interpretation; returns the copy read back. With
    ``schema``, the document is also checked against the published schema (a quarter of a
    second per document, so not for every generated example)."""
    text = result.to_json()
    copy = Interpretation.from_json(text)
    # Byte for byte, pretty and compact, and equal as objects (equality is on the document).
    assert copy.to_json() == text
    compact = result.to_json(indent=None)
    assert Interpretation.from_json(compact).to_json(indent=None) == compact
    assert copy == result
    assert hash(copy) == hash(result)
    # The accessors answer as on the original.
    assert copy.statuses() == result.statuses()
    assert [a.id for a in copy.alerts] == [a.id for a in result.alerts]
    for pattern_id, status in result.statuses().items():
        assert copy.status(pattern_id) == status
        assert copy.pattern(pattern_id).label == result.pattern(pattern_id).label
    for classified in result.classifications:
        assert copy.classification(classified.id) == result.classification(classified.id)
    for flag in result.flags:
        found = copy.flag(flag.analyte)
        assert found is not None
        assert (found.flag, found.code, found.observed) == (flag.flag, flag.code, flag.observed)
    # The document names the analyte, not its value: the value read back is the one compared.
    for before, after in zip(result.patterns, copy.patterns, strict=True):
        for a, b in zip(walk(before.criteria), walk(after.criteria), strict=True):
            assert (a.kind, a.rule, a.outcome) == (b.kind, b.rule, b.outcome)
            assert a.observed == b.observed
            assert [c.source for c in a.cutoffs] == [c.source for c in b.cutoffs]
    if schema:
        VALIDATOR.validate(json.loads(text))
    return copy


# --- the laws, over random panels and packs -------------------------------------------------


@st.composite
def panels(draw: st.DrawFn) -> dict[str, Any]:
    """Valid panels of random values, in any accepted unit, some censored, some with the
    lab's own reference interval."""
    out: dict[str, Any] = draw(contexts())
    for analyte, (low, high) in RANGES.items():
        if not draw(st.booleans()):
            continue
        value = draw(st.floats(low, high, allow_nan=False, allow_infinity=False))
        unit = draw(st.sampled_from(ANALYTES[analyte].common_units))
        given_value = convert(value, ANALYTES[analyte].canonical_unit, unit, analyte=analyte)
        entry: dict[str, Any] = {"value": given_value, "unit": unit}
        shape = draw(st.sampled_from(["plain", "plain", "censored", "lab interval"]))
        if shape == "censored":
            entry["value"] = draw(st.sampled_from(["<", ">", "<=", ">="])) + repr(given_value)
        elif shape == "lab interval":
            entry["reference_interval"] = {"low": given_value * 0.8, "high": given_value * 1.3}
            entry["reference_interval"]["unit"] = unit
        out[analyte] = entry
    return out


# Each example reads a whole interpretation three times; fewer examples than the profile's
# keep this file to seconds (HYPOTHESIS_PROFILE=thorough still runs more).
FEW = settings(max_examples=max(30, settings().max_examples // 3))


@FEW
@given(pack_name=st.sampled_from([*PACK_NAMES, "anemia_type"]), panel=panels())
def test_random_panels_read_back_equal_byte_for_byte(pack_name: str, panel: dict[str, Any]) -> None:
    assert_reads_back(interpret(panel, pack=pack(pack_name)))


@FEW
@given(generated=packs(), panel=panels_with_reported_context())
def test_generated_packs_read_back_equal(generated: labinterp.Pack, panel: dict[str, Any]) -> None:
    """Context-chosen cut-offs (with their `when`), gaps, grey zones, classifications."""
    if pregnancy_refused(generated, panel):
        with pytest.raises(labinterp.PanelError, match="outside the pregnancy ages"):
            interpret(panel, pack=generated)
        return
    assert_reads_back(interpret(panel, pack=generated))


@pytest.mark.parametrize("pack_name", sorted(labinterp.bundled_pack_names()))
@pytest.mark.parametrize("panel_id", sorted(SAMPLE_PANELS))
def test_every_bundled_pack_and_sample_panel(pack_name: str, panel_id: str) -> None:
    assert_reads_back(interpret(SAMPLE_PANELS[panel_id], pack=pack_name))


@pytest.mark.parametrize("pack_name", [*sorted(labinterp.bundled_pack_names()), "anemia_type"])
@pytest.mark.parametrize("panel_id", ["example", "empty", "lab_interval"])
def test_real_documents_validate_against_the_published_schema(
    pack_name: str, panel_id: str
) -> None:
    assert_reads_back(interpret(SAMPLE_PANELS[panel_id], pack=pack(pack_name)), schema=True)


def test_the_classification_example_reads_back() -> None:
    result = interpret(SAMPLE_PANELS["iron_deficiency"], pack=CLASSIFICATION_PACK)
    assert result.classifications  # the case exercises a classification
    copy = assert_reads_back(result)
    assert copy.classification("anemia_type") == result.classification("anemia_type")


def test_derived_indices_are_written_and_their_values_read_back() -> None:
    panel = adult(mcv="65 fL", rbc="5.6 10*12/L", iron="40 ug/dL", tibc="400 ug/dL")
    result = interpret(panel)
    data = json.loads(result.to_json())
    assert data["derived"], "the panel allows at least one index"
    for index in data["derived"].values():
        assert index["derived_from"]
    assert_reads_back(result)


# --- the document itself ----------------------------------------------------------------------


def test_versions_are_recorded() -> None:
    data = json.loads(_example().to_json())
    assert data["schema_version"] == SCHEMA_VERSION == "1.0"
    assert data["labinterp_version"] == labinterp.__version__
    assert list(data)[:2] == ["schema_version", "labinterp_version"]


def test_the_same_input_gives_the_same_bytes() -> None:
    first = _example().to_json()
    mapping = json.loads(EXAMPLE_PANEL.read_text(encoding="utf-8"))
    reordered = interpret(dict(reversed(list(mapping.items()))), pack=pack().model_copy())
    assert reordered.to_json() == first
    assert Interpretation.from_json(first).to_json() == first


def test_the_example_document_is_compact() -> None:
    """Before this contract the example panel's JSON was 222 KB (134 KB without indent), each
    cut-off with its citation repeated wherever it was used."""
    result = _example()
    text = result.to_json()
    assert len(text.encode()) < 128_000
    assert len(result.to_json(indent=None).encode()) < 92_000
    data = json.loads(text)
    # Each citation and each cut-off note is written once, in its table.
    for citation in data["sources"].values():
        assert text.count(json.dumps(citation, ensure_ascii=False)) == 1, citation
    for cut in data["cutoffs"].values():
        if cut.get("note"):
            assert text.count(json.dumps(cut["note"], ensure_ascii=False)) == 1
    # Every id referenced is in its table.
    for finding in data["patterns"]:
        for node in _nodes(finding["criteria"]):
            assert all(cid in data["cutoffs"] for cid in node.get("cutoffs", []))
        assert all(sid in data["sources"] for sid in finding["sources"])


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("children", []) for n in _nodes(child))]


def test_the_words_are_the_texts() -> None:
    data = json.loads(_example().to_json())
    outcomes = {
        node["outcome"] for finding in data["patterns"] for node in _nodes(finding["criteria"])
    }
    assert outcomes <= WORDS
    assert outcomes >= {"holds", "does not hold"}
    assert {p["status"] for p in data["patterns"]} <= {
        "consistent",
        "not_consistent",
        "indeterminate",
    }
    assert '"held"' not in json.dumps(data)
    assert '"failed"' not in json.dumps(data)


def test_numbers_are_tidy_and_reported_values_exact() -> None:
    """Regression: the tibc limit was written 450.00000000000006 ug/dL and its margin
    179.99999999996646 (tibc 430 ug/dL against 250-450 ug/dL)."""
    result = _example()
    text = result.to_json()
    assert not NOISE.search(text), NOISE.findall(text)
    data = json.loads(text)
    tibc_cut = next(c for c in data["cutoffs"].values() if c["rule"].startswith("tibc below"))
    assert tibc_cut["high"] == 450.0
    margins = [
        node["margin"]
        for finding in data["patterns"]
        for node in _nodes(finding["criteria"])
        if node.get("analyte") == "tibc" and "margin" in node
    ]
    assert 180.0 in margins
    # Values exactly as reported: 10.2 g/dL stays 10.2, not its conversion.
    assert data["panel"]["hemoglobin"] == {
        "value": 10.2,
        "unit": "g/dL",
        "canonical_value": 10.2,
        "canonical_unit": "g/dL",
    }
    assert data["panel"]["iron"]["unit"] == "µg/dL"  # as given, not normalised


def test_the_panel_part_is_itself_a_panel_document() -> None:
    result = _example()
    panel_text = json.dumps(json.loads(result.to_json())["panel"])
    assert interpret(labinterp.Panel.from_json(panel_text)) == result


def test_the_committed_schema_is_current_and_valid() -> None:
    assert interpretation_json_schema() == SCHEMA
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["schema_version"]["const"] == SCHEMA_VERSION


def test_the_schema_refuses_what_from_json_refuses() -> None:
    data = json.loads(_example().to_json())
    data["patterns"][0]["criteria"]["outcome"] = "held"
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(data)


# --- equality ---------------------------------------------------------------------------------


def test_equality_is_on_the_document() -> None:
    result = _example()
    copy = Interpretation.from_json(result.to_json())
    # A limit converted to the canonical unit keeps its float noise in the object, but the
    # document shows it tidied, so the copy is equal.
    assert copy == result
    other = interpret({**json.loads(EXAMPLE_PANEL.read_text(encoding="utf-8")), "mcv": "90 fL"})
    assert other != result
    assert result != "not an interpretation"


# --- the object read back ---------------------------------------------------------------------


def test_accessors_work_on_the_object_read_back() -> None:
    copy = Interpretation.from_json(_example().to_json())
    assert copy.status("iron_deficiency") == "consistent"
    assert copy.pattern("iron_deficiency").criteria.outcome is labinterp.Outcome.HELD
    ferritin = copy.flag("ferritin")
    assert ferritin is not None
    assert ferritin.observed.as_given == "12 ng/mL"
    assert copy.flag("ldh") is None  # not measured
    assert copy.panel.sex == "female"
    assert copy.pack.name == "default"
    with pytest.raises(UnknownPatternError, match="did you mean 'iron_deficiency'"):
        copy.status("iron_deficiencyy")
    text = labinterp.render_text(copy)
    assert text == labinterp.render_text(_example())


def test_alerts_read_back() -> None:
    from test_engine_alerts import ALERT_PACK

    alert_pack = labinterp.extend_pack(labinterp.default_pack(), ALERT_PACK)
    result = interpret(adult(symptoms=["back_pain", "saddle_numbness"]), pack=alert_pack)
    assert result.alerts, "the case holds an alert"
    copy = Interpretation.from_json(result.to_json())
    assert [a.id for a in copy.alerts] == [a.id for a in result.alerts]


def test_a_copy_read_back_pickles() -> None:
    copy = Interpretation.from_json(_example().to_json())
    assert pickle.loads(pickle.dumps(copy)) == copy


def test_reading_evaluates_nothing() -> None:
    """The pack named in the document is not loaded and no rule runs: a document naming a
    pack that does not exist reads back, with its statuses as written."""
    data = json.loads(_example().to_json())
    data["pack"]["name"] = "no_such_pack"
    data["patterns"][0]["status"] = "indeterminate"  # not what the rules would decide
    copy = Interpretation.from_json(json.dumps(data))
    assert copy.pack.name == "no_such_pack"
    assert copy.status(data["patterns"][0]["id"]) == "indeterminate"


# --- bad documents ----------------------------------------------------------------------------


def _edited(change: Callable[[dict[str, Any]], object]) -> str:
    data = json.loads(_example().to_json())
    change(data)
    return json.dumps(data)


def _first_cutoff_ids(data: dict[str, Any]) -> list[str]:
    return next(
        node["cutoffs"]
        for finding in data["patterns"]
        for node in _nodes(finding["criteria"])
        if node.get("cutoffs")
    )


BAD: dict[str, tuple[Callable[[], Any], str]] = {
    "not text": (lambda: 42, r"at \$: expected JSON text"),
    "not JSON": (lambda: "{not json", r"at \$: not valid JSON"),
    "not an object": (lambda: "[1, 2]", r"at \$: expected a JSON object"),
    "a key twice": (lambda: '{"schema_version": "1.0", "schema_version": "1.0"}', "twice"),
    "no schema_version": (
        lambda: _edited(lambda d: d.pop("schema_version")),
        r"at \$\.schema_version: missing",
    ),
    "a newer schema_version": (
        lambda: _edited(lambda d: d.update(schema_version="2.0")),
        r"at \$\.schema_version: labinterp .* reads schema_version '1\.0' documents, got '2\.0'",
    ),
    "a missing field": (lambda: _edited(lambda d: d.pop("flags")), r"at \$\.flags: field required"),
    "a wrong type": (
        lambda: _edited(lambda d: d["patterns"][2].update(status=5)),
        r"at \$\.patterns\[2\]\.status:",
    ),
    "the old vocabulary": (
        lambda: _edited(lambda d: d["patterns"][0]["criteria"].update(outcome="held")),
        r"at \$\.patterns\[0\]\.criteria\.outcome:",
    ),
    "a number as text": (
        lambda: _edited(lambda d: d["panel"]["ferritin"].update(canonical_value="12")),
        r"at \$\.panel\.ferritin\.canonical_value:",
    ),
    "an unknown field": (
        lambda: _edited(lambda d: d.update(comment="hello")),
        r"at \$\.comment: extra inputs are not permitted",
    ),
    "a cut-off not in the table": (
        lambda: _edited(lambda d: _first_cutoff_ids(d).__setitem__(0, "no such cut-off")),
        r"at \$\.patterns\[\d+\]\.criteria.*cutoffs\[0\]: no cut-off 'no such cut-off'",
    ),
    "a source not in the table": (
        lambda: _edited(lambda d: d["sources"].clear()),
        r"no source '.*' in \$\.sources",
    ),
    "a flag for a result not given": (
        lambda: _edited(lambda d: d["flags"][0].update(analyte="ldh")),
        r"at \$\.flags\[0\]\.analyte: 'ldh' is not a result of \$\.panel",
    ),
    "a panel value that disagrees": (
        lambda: _edited(lambda d: d["panel"]["ferritin"].update(canonical_value=99.0)),
        r"at \$\.panel\.ferritin\.canonical_value",
    ),
    "an edited derived index": (
        lambda: _edited(lambda d: d["derived"].update(x={})),
        r"at \$\.derived",
    ),
    "a pattern twice": (
        lambda: _edited(lambda d: d["patterns"].append(d["patterns"][0])),
        r"at \$\.patterns\[\d+\]\.id: the pattern id .* is given twice",
    ),
    "nested past the recursion limit": (lambda: "[" * 100_000, r"at \$:"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_documents_are_refused_with_the_path(case: str) -> None:
    make, message = BAD[case]
    with pytest.raises(InvalidValueError, match=message) as caught:
        Interpretation.from_json(make())
    assert isinstance(caught.value, LabinterpError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field is not None
    assert caught.value.field.startswith("$")


def test_a_huge_bad_value_is_not_echoed() -> None:
    text = _edited(lambda d: d["patterns"][0].update(status="x" * 1_000_000))
    with pytest.raises(InvalidValueError) as caught:
        Interpretation.from_json(text)
    assert len(str(caught.value)) < 1_000


# --- the command line -------------------------------------------------------------------------


def test_cli_prints_the_interpretation_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--output", "interpretation"]) == 0
    assert capsys.readouterr().out == SCHEMA_FILE.read_text(encoding="utf-8")
    assert main(["schema", "--output", "interpretation", "--check", str(SCHEMA_FILE)]) == 0
    assert "is current" in capsys.readouterr().out


def test_cli_schema_defaults_to_the_pack_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == labinterp.pack_json_schema()
    assert main(["schema", "--output", "pack"]) == 0
    assert json.loads(capsys.readouterr().out) == labinterp.pack_json_schema()


def test_cli_check_of_a_stale_interpretation_schema_names_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "interpretation.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert main(["schema", "--output", "interpretation", "--check", str(stale)]) == 1
    assert "labinterp schema --output interpretation >" in capsys.readouterr().err


def test_cli_json_output_reads_back(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["interpret", str(EXAMPLE_PANEL), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert Interpretation.from_json(out) == _example()


# --- hostile documents: a typed error or a value, never anything else -----------------------

_EXAMPLE_DATA: dict[str, Any] = json.loads(
    interpret(SAMPLE_PANELS["lab_interval"], pack=pack("anemia_type")).to_json()
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["holds", "<", "ferritin", "1.0", "consistent", "ug/L", "*", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


def _locations(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _locations(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _locations(value, (*path, i))
    return found


LOCATIONS = _locations(_EXAMPLE_DATA)[1:]


@FEW
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(LOCATIONS), st.sampled_from(["set", "drop"]), JSON_VALUES),
        min_size=1,
        max_size=3,
    )
)
def test_edited_documents_read_back_or_raise_a_typed_error(
    edits: list[tuple[tuple[Any, ...], str, Any]],
) -> None:
    data = json.loads(json.dumps(_EXAMPLE_DATA))
    for location, action, value in edits:
        parent: Any = data
        try:
            for key in location[:-1]:
                parent = parent[key]
            if action == "drop" and isinstance(parent, dict):
                parent.pop(location[-1], None)
            else:
                parent[location[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this place
    refused: LabinterpError | None = None
    try:
        copy = Interpretation.from_json(json.dumps(data))
    except LabinterpError as exc:
        refused = exc
    if refused is not None:
        assert isinstance(refused, InvalidValueError)
        assert str(refused).startswith("interpretation JSON at $")
        return
    # Read back: it is data, and it writes itself back the same way every time.
    text = copy.to_json()
    assert Interpretation.from_json(text).to_json() == text
    copy.statuses()
    copy.alerts  # noqa: B018 - the accessor must not fail
