"""The Markdown renderer read by a real CommonMark parser (markdown-it-py).

Regression of review 4, item 10: a backslash was put before a number ("\\10.2 g/dL"), which
CommonMark shows literally, in table cells and list items alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

import labinterp
from labinterp.render import render
from labinterp.render._markdown import code_span, escape_markdown
from labinterp.render._view_model import Audience

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
_PARSER = MarkdownIt("commonmark").enable("table")


def _html(markdown: str) -> str:
    return str(_PARSER.render(markdown))


@pytest.mark.parametrize(
    "example", ["iron_deficiency_panel.json", "inflammation_panel.json", "b12_grey_zone_panel.json"]
)
@pytest.mark.parametrize("audience", ["clinician", "learner"])
def test_no_stray_backslash_reaches_the_html(example: str, audience: Audience) -> None:
    panel = json.loads((EXAMPLES / example).read_text(encoding="utf-8"))
    result = labinterp.interpret(panel)
    html = _html(render(result, format="markdown", audience=audience, reasoning=True))
    assert "\\" not in html


def test_numbers_in_table_cells_and_list_items_read_as_numbers() -> None:
    panel = json.loads((EXAMPLES / "iron_deficiency_panel.json").read_text(encoding="utf-8"))
    markdown = render(labinterp.interpret(panel), format="markdown", reasoning=True)
    assert "| \\" not in markdown  # nothing escaped at the start of a table cell
    html = _html(markdown)
    assert "<td>10.2 g/dL</td>" in html
    # A reasoning step that begins with a number (after its mark) is plain text.
    assert "<code>[+]</code> 8 &lt;= hemoglobin &lt; 11 g/dL [80-110 g/L]" in html


def test_what_would_open_a_block_is_escaped_only_where_a_block_opens() -> None:
    # At the start of a list item, "10. x" would open a numbered list and "> x" a quote.
    for text in ("10. not a list", "3) not a list", "> not a quote", "- not a bullet"):
        html = _html(f"- {escape_markdown(text, block_start=True)}\n")
        assert html == f"<ul>\n<li>{text.replace('>', '&gt;')}</li>\n</ul>\n"
    # Inside a sentence or a table cell the same text is plain and stays unescaped.
    assert escape_markdown("10. plain") == "10. plain"
    assert escape_markdown("6.8 <= hemoglobin", block_start=True) == "6.8 <= hemoglobin"
    cell = _html(f"| a |\n|---|\n| {escape_markdown('10.2 g/dL')} |\n")
    assert "<td>10.2 g/dL</td>" in cell


def test_a_code_span_is_never_backslash_escaped() -> None:
    # A pack's name in a notebook's code span: "who_2020_ferritin", not "who\_2020\_ferritin".
    assert _html(code_span("who_2020_ferritin")) == "<p><code>who_2020_ferritin</code></p>\n"
    assert _html(code_span("a`b")) == "<p><code>a`b</code></p>\n"
    pack = labinterp.load_pack("who_2020_ferritin")
    assert "\\" not in _html(pack._repr_markdown_())
