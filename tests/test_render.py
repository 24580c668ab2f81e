"""The renderers: one structure read top-down, units, rounding, width, audiences, escaping."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from _engine_helpers import adult

import labinterp
from labinterp import Interpretation, InvalidValueError, LabinterpError
from labinterp.render import Messages
from labinterp.render import render as render_default


def render(result: labinterp.Interpretation, **options: Any) -> str:
    """The full report (with every pattern's reasoning), which most checks here read."""
    options.setdefault("reasoning", True)
    return render_default(result, **options)


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
IRON = json.loads((EXAMPLES / "iron_deficiency_panel.json").read_text(encoding="utf-8"))
FORMATS = ("text", "markdown", "html")
AUDIENCES = ("learner", "clinician")
SECTIONS = [
    "Context used",
    "Summary",
    "Reasoning per pattern",
    "Results against reference intervals",
    "Legend",
    "Disclaimer",
]


def iron() -> Interpretation:
    return labinterp.interpret(IRON)


def alerting() -> Interpretation:
    return labinterp.interpret(adult(symptoms=["back_pain", "saddle_numbness"], hb="10 g/dL"))


def words(text: str) -> str:
    return " ".join(text.split())


# --- one structure, read top-down ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_sections_come_in_reading_order(fmt: str, audience: str) -> None:
    text = render(alerting(), format=fmt, audience=audience)
    at = [text.index("ALERT"), *(text.index(s) for s in SECTIONS)]
    assert at == sorted(at)


def test_iron_deficiency_leads_the_summary_of_the_readme_example() -> None:
    lines = render(iron(), brief=True).splitlines()
    summary = lines.index("Summary")
    assert lines[summary + 1] == "  [+] consistent with iron deficiency"
    # The brief report fits on a screen or two.
    assert len(lines) < 60


def test_the_readmes_sample_is_the_start_of_the_brief_report() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("The brief text report of `examples/iron_deficiency_panel.json`")
    block = readme[readme.index("```text\n", start) + len("```text\n") :]
    block = block[: block.index("```")]
    assert render(iron(), brief=True).startswith(block)


def test_brief_shows_the_summary_context_and_disclaimer_only() -> None:
    result = iron()
    for fmt in FORMATS:
        text = render(result, format=fmt, brief=True)
        assert "Summary" in text
        assert "Context used" in text
        assert "Reasoning per pattern" not in text
        assert "Results against reference intervals" not in text
        assert "Educational interpretation only." in words(text)


def test_render_text_keeps_verbose_false_as_brief() -> None:
    result = iron()
    assert labinterp.render_text(result, verbose=False) == render(result, brief=True)


# --- values and cut-offs in one unit ------------------------------------------------------------


def test_cut_offs_are_shown_in_the_unit_of_the_result_with_the_packs_in_brackets() -> None:
    text = render(iron(), width=200)
    assert "[+] hemoglobin < 12 g/dL [120 g/L] because the sex is female" in text
    assert "value: 10.2 g/dL (1.8 g/dL below the cut-off)" in text
    assert "[+] ferritin < 30 ng/mL [30 ug/L] because the age is 15 years or more: holds" in text
    # A percentage's margin is in percentage points.
    assert "value: 9 % (6 percentage points below the cut-off)" in text
    # The same unit needs no brackets.
    assert "mean corpuscular volume < 80 fL because the age is 15 years or more: holds" in text


def test_a_cut_off_chosen_by_context_says_why() -> None:
    result = labinterp.interpret(
        adult(ferritin="50 ug/L", crp="20 mg/L", tsat="10 %", sex="female", pregnant=False),
        pack="who_2020_ferritin",
    )
    text = render(result, width=300)
    assert (
        "[+] ferritin < 70 ug/L because the person is not pregnant, the age is 5 years or more "
        "and inflammation is present: holds"
    ) in text


def test_display_names_replace_ids() -> None:
    text = render(iron())
    assert "transferrin_saturation" not in text
    assert "pattern microcytic" not in text
    assert "pattern: small red cells (microcytosis)" in words(text)


@pytest.mark.parametrize(
    "panel",
    [
        {"ferritin": "0.45 mg/L", "hb": "7.45 mmol/L", "iron": "6.3 umol/L", "tsat": "0.09 1"},
        {"b12": "133 pmol/L", "folate": "6.8 nmol/L", "hb": "101 g/L", "mcv": "103 fL"},
        {"crp": "0.7 mg/dL", "ferritin": "1.1 pmol/L", "tibc": "77 umol/L", "sex": "male"},
    ],
)
def test_no_float_noise_reaches_any_rendering(panel: dict[str, Any]) -> None:
    result = labinterp.interpret({**panel, "age": 40})
    noise = re.compile(r"\d\.\d*(?:0{6,}|9{6,})\d")
    for fmt in FORMATS:
        for audience in AUDIENCES:
            text = render(result, format=fmt, audience=audience)
            assert not noise.search(text), noise.search(text)


# --- width --------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [40, 60, 80, 132])
def test_text_wraps_to_the_width(width: int) -> None:
    text = render(iron(), width=width, audience="learner")
    assert max(len(line) for line in text.splitlines()) <= width


def test_text_wraps_to_80_by_default() -> None:
    assert max(len(line) for line in render(iron()).splitlines()) <= 80


# --- audiences ----------------------------------------------------------------------------------


def test_learner_gets_a_glossary_line_for_each_test_and_unit_shown() -> None:
    text = render(iron(), audience="learner", width=400)
    glossary = text[text.index("\nGlossary\n") : text.index("\nDisclaimer\n")]
    terms = {line.split(": ")[0].strip() for line in glossary.splitlines()[2:] if line}
    for name in ("ferritin", "transferrin saturation", "hemoglobin", "g/dL", "ng/mL"):
        assert name in terms
    for jargon in ("grey zone", "cut-off", "consistent with", "not supported by these results"):
        if jargon in text[: text.index("\nGlossary\n")]:
            assert jargon in terms, jargon
    # Plain words instead of symbols, and no HL7 codes.
    assert "ferritin below 30 ng/mL" in text
    assert "(L)" not in text


def test_clinician_gets_sources_confidence_and_codes() -> None:
    text = render(iron(), audience="clinician", width=400)
    assert "[verified]" in text
    assert "low (L)" in text
    assert "LOINC 2276-4" in text
    assert "\nGlossary\n" not in text


def test_the_legend_explains_every_symbol_used_and_not_supported() -> None:
    text = render(iron(), width=400)
    legend = text[text.index("\nLegend\n") : text.index("\nDisclaimer\n")]
    for symbol in ("[+]", "[-]", "[?]", "<", "<=", "[ ]", "L", "H", "N"):
        assert f"\n  {symbol}  " in legend, symbol
    assert 'not supported by these results ("not consistent")' in legend


# --- HTML and Markdown --------------------------------------------------------------------------


def test_html_has_an_accessible_number_line_per_measured_result() -> None:
    result = iron()
    html = render(result, format="html")
    assert html.count("<svg") == len(result.flags) == 12
    assert html.count('role="img" aria-label="ferritin: 12 ng/mL; reference interval') == 1
    assert html.count("<title>") == html.count("<desc>") == len(result.flags)
    assert "<script" not in html
    assert html.startswith('<section class="li-report"')
    assert '<table class="li-table">' in html
    assert '<th scope="col">' in html


def _hostile_pack() -> labinterp.Pack:
    hostile = '<script>alert("x")</script> & | *bold* [link](http://x) `code`'
    return labinterp.extend_pack(
        labinterp.default_pack(),
        {
            "name": "hostile",
            "version": "1",
            "patterns": {
                "hostile": {
                    "label": f"odd {hostile}",
                    "description": f"described {hostile}",
                    "note": f"noted {hostile}",
                    "criteria": {"missing": "crp"},
                    "sources": ["seed_backache_anemia"],
                }
            },
        },
    )


def test_html_escapes_hostile_pack_text() -> None:
    result = labinterp.interpret(adult(ferritin="12 ug/L"), pack=_hostile_pack())
    for audience in AUDIENCES:
        html = render(result, format="html", audience=audience)
        assert "<script" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in html


def test_markdown_escapes_hostile_pack_text() -> None:
    result = labinterp.interpret(adult(ferritin="12 ug/L"), pack=_hostile_pack())
    markdown = render(result, format="markdown", audience="learner")
    assert "<script" not in markdown
    assert r"&lt;script>alert(\"x\")&lt;/script> & \| \*bold\* \[link\](http://x) \`code\`" in (
        markdown.replace('"', '\\"')
    )


def test_markdown_is_github_flavoured_and_readable_raw() -> None:
    markdown = render(iron(), format="markdown")
    assert markdown.startswith("## labinterp: interpretation with the default pack")
    assert "\n### Summary\n" in markdown
    assert "- `[+]` **consistent with iron deficiency**" in markdown
    assert "| Test | Value | Reference interval | Result | Source | LOINC |" in markdown


# --- the catalog --------------------------------------------------------------------------------


class _Decimal(Messages):
    translations: ClassVar[Mapping[str, str]] = {"Summary": "Zusammenfassung"}
    decimal_separator: ClassVar[str] = ","
    language: ClassVar[str] = "de"


def test_a_message_catalog_replaces_words_and_the_decimal_separator() -> None:
    text = render(iron(), messages=_Decimal(), width=200)
    assert "\nZusammenfassung\n" in text
    assert "value: 10,2 g/dL (1,8 g/dL below the cut-off)" in text
    assert '<section class="li-report" lang="de"' in render(
        iron(), format="html", messages=_Decimal()
    )
    # Decisions do not change: the English default still renders as before.
    assert "\nSummary\n" in render(iron())


# --- JSON, errors -------------------------------------------------------------------------------


def test_the_render_package_is_not_hidden_by_a_function() -> None:
    import labinterp.render as package

    assert package.render is render_default
    assert labinterp.render is package
    assert labinterp.render_text is package.render_text


def test_json_is_the_interpretations_own() -> None:
    result = iron()
    assert render(result, format="json") == result.to_json()


def test_bad_format_and_audience_are_typed_errors() -> None:
    result = iron()
    with pytest.raises(InvalidValueError, match="format: 'pdf' is not a format"):
        render(result, format="pdf")
    with pytest.raises(InvalidValueError, match="audience: 'patient' is not an audience"):
        render(result, audience="patient")


@pytest.mark.parametrize(
    "function", [render, labinterp.render_markdown, labinterp.render_html, labinterp.render_text]
)
def test_a_panel_is_refused_with_a_hint(function: Any) -> None:
    panel = labinterp.Panel.from_mapping(IRON)
    with pytest.raises(LabinterpError, match="render_text\\(interpret\\(panel\\)\\)"):
        function(panel)


# --- notebooks ----------------------------------------------------------------------------------


def test_notebook_reprs_are_short_and_the_views_render() -> None:
    result = iron()
    objects: list[Any] = [result, result.pattern("iron_deficiency"), result.panel]
    objects += [labinterp.load_pack(name) for name in labinterp.bundled_pack_names()]
    objects += list(result.patterns)
    for obj in objects:
        assert len(repr(obj)) < 300, repr(obj)
        assert "<script" not in obj._repr_html_()
        assert obj._repr_markdown_().strip()
    assert repr(result).startswith("Interpretation(pack='default ")
    assert "'iron_deficiency'" in repr(result)
    assert repr(labinterp.default_pack()).startswith("Pack(name='default'")
    assert "<svg" in result._repr_html_()
    assert "consistent with iron deficiency" in result._repr_markdown_()


def test_a_panels_repr_stays_short_with_every_result() -> None:
    panel = labinterp.Panel.from_mapping(
        {**IRON, "conditions": ["chronic_kidney_disease", "heart_failure", "liver_disease"]}
    )
    assert len(repr(panel)) < 300
    assert repr(panel).startswith("Panel(ferritin='12 ng/mL'")


class _TagBalance(HTMLParser):
    """Checks that every element opened is closed, in order (void elements aside)."""

    VOID: ClassVar[frozenset[str]] = frozenset({"br", "meta", "img", "hr", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("brief", [False, True])
def test_the_html_fragment_is_well_formed(audience: str, brief: bool) -> None:
    for result in (iron(), alerting()):
        checker = _TagBalance()
        checker.feed(render(result, format="html", audience=audience, brief=brief))
        assert checker.errors == []
        assert checker.open == []


def test_a_panel_without_results_says_so_in_one_line() -> None:
    result = labinterp.interpret({"sex": "female", "age": 30})
    for fmt in FORMATS:
        text = render(result, format=fmt, brief=True)
        assert "No results were given, so there is nothing to interpret yet" in words(text)
        assert "cannot be decided" not in text
    assert len(render(result, brief=True).splitlines()) < 20


def test_a_number_and_its_unit_stay_on_one_line() -> None:
    for width in (40, 50, 60, 70, 80):
        for line in render(iron(), width=width).splitlines():
            assert not re.search(r"^\s*(%|ng/mL|g/dL|fL)\b", line), (width, line)


def test_supporting_criteria_show_whether_they_held() -> None:
    text = render(iron(), width=300)
    assert "[+] supporting: pattern: small red cells (microcytosis): holds" in text


def test_reference_limits_keep_their_digits_beside_a_coarser_result() -> None:
    result = labinterp.interpret(
        {"rdw": "17 %", "hb": "10 g/dL", "ferritin": "0.012 mg/L", "sex": "female", "age": 40}
    )
    text = render(result, width=300)
    assert "red cell distribution width (RDW-CV): 17 %; reference 11.5-14.5 %: high (H)" in text
    # Converted limits: 15-150 ug/L in the result's mg/L.
    assert "ferritin: 0.012 mg/L; reference 0.015-0.15 mg/L: low (L)" in text


def test_a_flag_agreed_by_every_possible_context_says_so() -> None:
    text = render(labinterp.interpret({"hb": "7 g/dL"}), width=300)
    assert "hemoglobin: 7 g/dL; reference varies with the context, every possible one agrees:" in (
        text
    )


def test_the_default_report_leaves_the_reasoning_out() -> None:
    result = iron()
    default = render_default(result)
    assert "Summary" in default
    assert "Results against reference intervals" in default
    assert "Reasoning per pattern" not in default
    assert "Reasoning per pattern" in render_default(result, reasoning=True)
    assert len(default.splitlines()) < len(render(result).splitlines()) / 3
