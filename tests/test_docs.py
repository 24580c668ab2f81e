"""The examples in README.md and docs/ run as written (docs must not rot).

The site's build hook (docs/hooks/labinterp_docs.py) runs the same examples to show their
output; these tests run them without building the site, so a broken example fails the test
suite even where the docs tools are not installed.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _load_hook() -> ModuleType:
    name = "labinterp_docs_hook"
    spec = importlib.util.spec_from_file_location(name, DOCS / "hooks" / "labinterp_docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


hook: Any = _load_hook()

PAGES = [ROOT / "README.md", ROOT / "examples" / "README.md", *sorted(DOCS.glob("*.md"))]


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _pages_with(lang: str) -> list[Path]:
    return [p for p in PAGES if any(f.lang == lang for f in hook.fences(p.read_text("utf-8")))]


def test_the_docs_have_python_examples() -> None:
    names = {p.name for p in _pages_with("python")}
    assert names >= {"README.md", "getting-started.md", "packs.md", "tutorial.md", "logic.md"}


#: Modules of the optional extras, and how to install them.
OPTIONAL = {
    "pandas": "pip install -e '.[frame]'",
    "pyarrow": "pip install -e '.[frame]'",
    "polars": "pip install -e '.[polars]'",
    "dask": "pip install -e '.[dask]'",
    "pyspark": "pip install -e '.[spark]'",
    "fhir": "pip install -e '.[fhir]'",
}


@pytest.mark.parametrize("page", _pages_with("python"), ids=_page_id)
def test_python_examples_run(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Blocks of one page run in order and share names, as a reader would type them; the
    # tutorial's `assert` lines check what its prose claims.
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for fence in hook.fences(page.read_text("utf-8")):
        if hook.runnable_python(fence):
            try:
                hook.run_python(fence.body, namespace, page.name)
            except hook.DocsExampleError as error:
                missing = error.__cause__
                # A page about an optional extra (whole tables, Dask) needs that extra; the
                # README's test command installs only the core and the test tools.
                if isinstance(missing, ModuleNotFoundError) and missing.name in OPTIONAL:
                    pytest.skip(f"{page.name} needs {missing.name}: {OPTIONAL[missing.name]}")
                raise
    capsys.readouterr()


def test_a_failing_python_example_is_reported_with_its_page() -> None:
    with pytest.raises(hook.DocsExampleError, match=r"tutorial\.md.*ZeroDivisionError"):
        hook.run_python("1 / 0", {}, "tutorial.md")


# --- commands shown with their output ------------------------------------------------------


def _output_commands() -> Iterator[tuple[str, str, int]]:
    for page in PAGES:
        for fence in hook.fences(page.read_text("utf-8")):
            command = hook.command_of(fence) if fence.lang == "output" else None
            if command is not None:
                yield _page_id(page), command, hook.expected_exit(fence)


OUTPUT_COMMANDS = list(_output_commands())


def test_the_docs_show_commands_with_generated_output() -> None:
    pages = {page for page, _, _ in OUTPUT_COMMANDS}
    assert {"docs/tutorial.md", "docs/cli.md"} <= pages
    assert any(status == 2 for _, _, status in OUTPUT_COMMANDS)  # an error is shown too


@pytest.mark.parametrize(
    ("page", "command", "status"), OUTPUT_COMMANDS, ids=[c for _, c, _ in OUTPUT_COMMANDS]
)
def test_output_commands_exit_as_the_page_says(page: str, command: str, status: int) -> None:
    output = hook.run_command(command, status)
    assert output.strip(), f"{page}: '{command}' printed nothing"


def test_an_unexpected_exit_status_fails_the_build() -> None:
    with pytest.raises(hook.DocsExampleError, match="exited with 2, the page expects 0"):
        hook.run_command("labinterp interpret does-not-exist.json")


def test_output_blocks_are_filled_with_real_output() -> None:
    page = (
        "```python\nprint(6 * 7)\n```\n\n```output\n```\n\n"
        "```output\n$ labinterp packs\n```\n"
        "\n```output collapsed\n```\n"
    )
    filled = hook.fill_outputs(page, "example.md")
    assert "```text\n42\n```" in filled
    assert "$ labinterp packs\ndefault " in filled
    assert '??? example "Output"\n\n    ```text\n    42\n    ```' in filled
    assert "```output" not in filled


def test_an_output_block_needs_a_python_block_before_it() -> None:
    with pytest.raises(hook.DocsExampleError, match="follows no python block"):
        hook.fill_outputs("```output\n```\n", "example.md")


# --- commands written in bash blocks and transcripts ----------------------------------------

_COMMAND_END = re.compile(r"\s*(?:&&|\||;|#|$)")


def _bash_commands() -> Iterator[tuple[str, list[str]]]:
    """Each `labinterp ...` command in a ```bash block, as its words (up to && | ; #)."""
    for page in PAGES:
        for fence in hook.fences(page.read_text("utf-8")):
            if fence.lang not in ("bash", "console", "sh"):
                continue
            for line in fence.body.split("\n"):
                for match in re.finditer(r"(?:^|&&\s*|\$\s+)(labinterp\s[^&|;#]*)", line):
                    yield _page_id(page), shlex.split(match.group(1))


BASH_COMMANDS = list(_bash_commands())


def test_the_docs_show_bash_commands() -> None:
    assert len(BASH_COMMANDS) >= 8


# A reader's own files: panels, packs, and the tables `labinterp batch` reads and writes.
_READERS_FILES = (".json", ".yaml", ".yml", ".csv", ".parquet", ".jsonl")


@pytest.mark.parametrize(
    ("page", "words"), BASH_COMMANDS, ids=[" ".join(w) for _, w in BASH_COMMANDS]
)
def test_bash_commands_are_valid(page: str, words: list[str]) -> None:
    """A command whose files exist runs with status 0; one that names a reader's own file
    (`panel.json`, `my_pack.yaml`) has its command and options checked against `--help`."""
    files = [w for w in words[1:] if w.endswith(_READERS_FILES)]
    if all((ROOT / f).is_file() for f in files):
        hook.run_command(shlex.join(words))
        return
    command = [w for w in words[1:] if not w.startswith("-") and w not in files][:1]
    help_text = hook.run_command(shlex.join(["labinterp", *command, "--help"]))
    for option in (w.split("=")[0] for w in words if w.startswith("--")):
        assert option in help_text, f"{page}: {' '.join(words)}: no option {option}"


def _transcripts() -> Iterator[tuple[str, str, str]]:
    """`$ command` lines with their output, in ```text blocks written by hand."""
    for page in PAGES:
        for fence in hook.fences(page.read_text("utf-8")):
            if fence.lang == "text" and fence.body.startswith("$ "):
                command, _, output = fence.body.partition("\n")
                yield _page_id(page), command[2:], output


TRANSCRIPTS = list(_transcripts())


def test_the_docs_have_a_transcript() -> None:
    assert any(page == "docs/getting-started.md" for page, _, _ in TRANSCRIPTS)


@pytest.mark.parametrize(
    ("page", "command", "shown"), TRANSCRIPTS, ids=[c for _, c, _ in TRANSCRIPTS]
)
def test_transcripts_show_what_the_command_prints(page: str, command: str, shown: str) -> None:
    status = 2 if "error:" in shown else 0
    assert hook.run_command(command, status) == shown.rstrip("\n"), page


# --- generated reference sections and the site's page list ---------------------------------


def test_cli_reference_lists_every_command() -> None:
    reference = hook.cli_reference()
    top = hook.run_command("labinterp --help")
    commands = re.search(r"\{([\w,-]+)\}", top)
    assert commands is not None
    for name in commands.group(1).split(","):
        assert f"## `labinterp {name}`" in reference


def test_pack_schema_section_lists_the_required_keys() -> None:
    section = hook.pack_schema()
    for key in ("name", "version", "sources", "thresholds", "patterns"):
        assert f"| `{key}` |" in section
    assert '"$schema"' in section or '"properties"' in section


def test_unknown_generator_is_refused() -> None:
    with pytest.raises(hook.DocsExampleError, match="no generator named 'nope'"):
        hook.fill_generated("<!-- generate: nope -->\n", "example.md")


def _nav_pages(entries: list[Any]) -> Iterator[str]:
    for entry in entries:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            if isinstance(value, list):
                yield from _nav_pages(value)
            else:
                yield str(value)


def test_every_page_is_in_the_site_navigation() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8"))
    nav = set(_nav_pages(config["nav"]))
    pages = {p.name for p in DOCS.glob("*.md")}
    assert nav == pages


def test_sphinx_roles_are_dropped_from_the_api_pages() -> None:
    html = "see :meth:<code>from_mapping</code> or :class:<code>Panel</code>; a ratio 1:2"
    shown = hook.on_page_content(html, None, None, None)
    assert shown == "see <code>from_mapping</code> or <code>Panel</code>; a ratio 1:2"


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"type": "string"}, "string"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "string (or null)"),
        ({"type": "array", "items": {"type": "string"}}, "list of string"),
        (
            {"type": "object", "additionalProperties": {"$ref": "#/$defs/Source"}},
            "map of id to Source",
        ),
        ({"const": 1}, "always 1"),
    ],
)
def test_schema_types_in_words(spec: dict[str, Any], words: str) -> None:
    assert hook._type_text(spec) == words
