"""The playground's bridge, called as the page calls it (JSON in and out), in CPython."""

from __future__ import annotations

import json
from typing import Any

import pytest

import labinterp
from labinterp.playground import bridge
from labinterp.render import render


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return json.loads(bridge.form_spec())  # type: ignore[no-any-return]


def ask(**request: Any) -> dict[str, Any]:
    return json.loads(bridge.interpret_request(json.dumps(request)))  # type: ignore[no-any-return]


def test_the_form_lists_every_measured_analyte_with_its_units(spec: dict[str, Any]) -> None:
    measured = {k for k, a in labinterp.ANALYTES.items() if a.derived is None}
    assert {a["id"] for a in spec["analytes"]} == measured
    for analyte in spec["analytes"]:
        assert analyte["units"] == list(labinterp.ANALYTES[analyte["id"]].common_units)
        assert set(analyte["slider"]) == set(analyte["units"])


def test_each_slider_spans_every_cutoff_in_every_unit(spec: dict[str, Any]) -> None:
    ferritin = next(a for a in spec["analytes"] if a["id"] == "ferritin")
    for unit, (low, high, step) in ferritin["slider"].items():
        cut = labinterp.convert(30, "ug/L", unit, analyte="ferritin")
        assert low < cut < high, unit
        assert 0 < step <= (high - low) / bridge.SLIDER_STEPS


def test_the_examples_name_analytes_by_id_and_interpret(spec: dict[str, Any]) -> None:
    ids = {a["id"] for a in spec["analytes"]}
    for name, panel in spec["examples"].items():
        analytes = set(panel) - {"sex", "age", "pregnant", "trimester"}
        assert analytes <= ids, name
        assert ask(panel=panel)["ok"], name
    answer = ask(panel=spec["examples"]["iron deficiency"])
    assert answer["statuses"]["iron_deficiency"] == "consistent"


def test_context_vocabularies_come_from_the_library(spec: dict[str, Any]) -> None:
    assert spec["vocabularies"] == {k: sorted(v) for k, v in labinterp.CONTEXT_VOCABULARIES.items()}
    assert spec["packs"] == list(labinterp.bundled_pack_names())


def test_a_bad_unit_comes_back_as_the_librarys_own_error() -> None:
    answer = ask(panel={"ferritin": "12 bananas"})
    assert answer["ok"] is False
    with pytest.raises(labinterp.LabinterpError) as raised:
        labinterp.Panel.from_mapping({"ferritin": "12 bananas"})
    assert answer["error"]["message"] == str(raised.value)
    assert answer["error"]["type"] == type(raised.value).__name__


def test_json_output_is_the_json_contract() -> None:
    panel = {"ferritin": "8 ug/L", "tsat": "9 %"}
    answer = ask(panel=panel, format="json")
    assert answer["output"] == labinterp.interpret(panel).to_json()


def test_html_output_is_the_librarys_html_rendering() -> None:
    panel = {"ferritin": "8 ug/L"}
    for audience in ("learner", "clinician"):
        answer = ask(panel=panel, format="html", audience=audience)
        expected = render(labinterp.interpret(panel), format="html", audience=audience)
        assert answer["output"] == expected


def test_an_unknown_format_or_audience_is_refused() -> None:
    assert ask(panel={}, format="pdf")["error"]["field"] == "format"
    assert ask(panel={}, audience="patient")["error"]["field"] == "audience"


def test_html_output_is_escaped_markup() -> None:
    answer = ask(panel={"ferritin": "8 ug/L"}, format="html")
    assert answer["ok"]
    assert answer["output"].lstrip().startswith("<")
    assert "<script" not in answer["output"].lower()


PASTED = """
extends: default
name: stricter_ferritin
version: "1"
title: Ferritin cut-off of 15 ug/L for the seed rule
thresholds:
  ferritin_iron_deficiency:
    analyte: ferritin
    source: seed_backache_anemia
    confidence: uncertain
    cutoffs:
      - {comparator: "<", value: 15, unit: ug/L}
"""


def test_a_pasted_pack_is_used() -> None:
    panel = {"ferritin": "20 ug/L", "tsat": "9 %", "hemoglobin": "10 g/dL", "sex": "female"}
    default = ask(panel=panel)
    pasted = ask(panel=panel, pack_yaml=PASTED)
    assert default["ok"], default
    assert pasted["ok"], pasted
    assert default["statuses"]["iron_deficiency"] == "consistent"
    assert pasted["statuses"]["iron_deficiency"] != "consistent"


def test_a_broken_pasted_pack_gives_a_located_error() -> None:
    answer = ask(panel={"ferritin": "20 ug/L"}, pack_yaml="name: x\nthresholds: [1, 2\n")
    assert answer["ok"] is False
    message = answer["error"]["message"]
    assert message.startswith("pasted pack:"), message
    assert "/tmp" not in message
    assert "pasted-pack.yaml" not in message


@pytest.mark.parametrize("request_text", ["[1, 2]", "not json", '"text"'])
def test_a_request_that_is_not_an_object_is_refused_as_data(request_text: str) -> None:
    answer = json.loads(bridge.interpret_request(request_text))
    assert answer["ok"] is False
    assert answer["error"]["message"]
