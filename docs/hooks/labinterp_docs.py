"""MkDocs hook: every output and generated table on the site comes from labinterp itself.

At build time, on each page's Markdown (before it becomes HTML):

- the page's ```python blocks run in order in one namespace (as a reader would type them),
  and an ```output block with no ``$`` line is replaced by what the python block before it
  printed;
- an ```output block whose first line is ``$ command`` runs that command in the repository
  (``labinterp`` is the installed entry point) and shows its real output; ``output exit=2``
  states an expected non-zero exit status, any other status fails the build; ``output
  collapsed`` folds long output into a block the reader opens;
- ``<!-- generate: NAME -->`` is replaced by a generated section (``cli-reference``,
  ``pack-schema``);
- ``clinical-review.md`` is regenerated from the bundled packs (``labinterp review``), so the
  threshold tables can never disagree with the packs the site was built from.

Nothing here imports MkDocs at run time, so the tests load the same functions to check the
examples without building the site.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for the hook signatures; the tests run without MkDocs installed
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[2]
# Output is wrapped as a terminal that is not a terminal would be: 80 columns.
COLUMNS = "80"
_FENCE = re.compile(r"^```([\w-]*)[ \t]*(.*)$")
_GENERATE = re.compile(r"^<!-- generate: ([\w-]+) -->$", re.MULTILINE)
_EXIT = re.compile(r"\bexit=(\d+)\b")
_PROMPT = "$ "
_SUBCOMMANDS = re.compile(r"^positional arguments:\n\s+\{([\w,-]+)\}", re.MULTILINE)
_SHELL_SYNTAX = re.compile(r"[|<>;&$`]")
_MAX_DEPTH = 3  # labinterp, a command, a subcommand


class DocsExampleError(RuntimeError):
    """An example on a page failed; the build stops rather than show a wrong page."""


@dataclass(frozen=True)
class Fence:
    """One fenced block: its language, the rest of its info line, its body and its lines."""

    lang: str
    info: str
    body: str
    start: int  # index of the opening line
    end: int  # index of the closing line


def fences(markdown: str) -> Iterator[Fence]:
    """The top-level fenced blocks of a page, in order."""
    lines = markdown.split("\n")
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        close = index + 1
        while close < len(lines) and lines[close].rstrip() != "```":
            close += 1
        body = "\n".join(lines[index + 1 : close])
        yield Fence(match.group(1), match.group(2), body, index, close)
        index = close + 1


def runnable_python(fence: Fence) -> bool:
    """A python block runs unless it is a transcript (``>>>``), which shows an error."""
    return fence.lang == "python" and ">>>" not in fence.body


def command_of(fence: Fence) -> str | None:
    """The shell command of an ```output block (its ``$`` line), or None for python output."""
    first = fence.body.split("\n", 1)[0]
    return first[len(_PROMPT) :] if first.startswith(_PROMPT) else None


def expected_exit(fence: Fence) -> int:
    match = _EXIT.search(fence.info)
    return int(match.group(1)) if match else 0


def run_command(command: str, expected: int = 0) -> str:
    """Run a documented shell command in the repository; its output (stdout, then stderr).

    A plain ``labinterp ...`` command runs in this process through the installed entry point
    (the function the ``labinterp`` script calls), which saves a cold start per example;
    anything else (a pipe, ``cat``) runs in bash with that entry point first on PATH.
    """
    words = shlex.split(command)
    if words and words[0] == "labinterp" and not _SHELL_SYNTAX.search(command):
        status, output = _run_entry_point(words[1:])
    else:
        status, output = _run_shell(command)
    if status != expected:
        raise DocsExampleError(
            f"'{command}' exited with {status}, the page expects {expected}:\n{output}"
        )
    return output.rstrip("\n")


def _run_entry_point(argv: list[str]) -> tuple[int, str]:
    (entry,) = entry_points(group="console_scripts", name="labinterp")
    main = entry.load()
    out, err = io.StringIO(), io.StringIO()
    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = COLUMNS  # argparse wraps its help to COLUMNS
    try:
        with (
            contextlib.chdir(ROOT),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                status = main(argv)
            except SystemExit as leaving:  # argparse leaves this way, for --help and errors
                status = leaving.code if isinstance(leaving.code, int) else 1
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    return int(status or 0), out.getvalue() + err.getvalue()


def _run_shell(command: str) -> tuple[int, str]:
    env = dict(os.environ, COLUMNS=COLUMNS, NO_COLOR="1")
    # The labinterp entry point of the Python that builds the site comes first on PATH.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(  # commands written in our own docs
        ["bash", "-c", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def run_python(code: str, namespace: dict[str, Any], where: str) -> str:
    """Run one python block in the page's namespace; what it printed."""
    printed = io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(printed):
        try:
            exec(compile(code, where, "exec"), namespace)
        except Exception as error:
            raise DocsExampleError(f"a python example in {where} failed: {error!r}") from error
    return printed.getvalue().rstrip("\n")


def fill_outputs(markdown: str, where: str) -> str:
    """Run the page's examples and put their real output into its ```output blocks."""
    lines = markdown.split("\n")
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    last_python_output: str | None = None
    replacements: list[tuple[Fence, str]] = []
    for fence in fences(markdown):
        if runnable_python(fence):
            last_python_output = run_python(fence.body, namespace, where)
        elif fence.lang == "output":
            command = command_of(fence)
            if command is not None:
                shown = f"{_PROMPT}{command}\n{run_command(command, expected_exit(fence))}"
            elif last_python_output is None:
                raise DocsExampleError(f"{where}: an output block follows no python block")
            else:
                shown = last_python_output
            replacements.append((fence, shown))
    for fence, shown in reversed(replacements):
        block = ["```text", *shown.split("\n"), "```"]
        if "collapsed" in fence.info.split():
            # Long output stays on the page, folded: a learner opens it when ready.
            block = ['??? example "Output"', "", *_indent("\n".join(block))]
        lines[fence.start : fence.end + 1] = block
    return "\n".join(lines)


def cli_reference() -> str:
    """Every command's ``--help``, read from the installed command line."""
    sections: list[str] = []
    pending = [["labinterp"]]
    while pending:
        words = pending.pop(0)
        text = run_command(shlex.join([*words, "--help"]))
        title = " ".join(words)
        sections += [f"## `{title}`", "", "```text", text, "```", ""]
        # Subcommands are argparse's {a,b,c} first positional argument (an option's choices
        # are written the same way in the usage line, so only that section is read).
        choices = _SUBCOMMANDS.search(text)
        if choices and len(words) < _MAX_DEPTH:
            pending += [[*words, name] for name in choices.group(1).split(",")]
    return "\n".join(sections)


def pack_schema() -> str:
    """The pack JSON Schema's top-level keys as a table, then the whole schema."""
    from labinterp import pack_json_schema

    schema = pack_json_schema()
    definitions = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows = ["| key | required | type | description |", "|---|---|---|---|"]
    for key, spec in schema.get("properties", {}).items():
        described = spec.get("description") or _referenced_description(spec, definitions)
        # Escaped: a description such as '<classification>.<class>' is text, not a tag.
        described = html.escape(" ".join(str(described).split()), quote=False)
        described = described.replace("|", "\\|")
        kind = _type_text(spec).replace("|", "\\|")
        rows.append(f"| `{key}` | {'yes' if key in required else 'no'} | {kind} | {described} |")
    whole = json.dumps(schema, indent=2, sort_keys=True)
    return "\n".join(
        [*rows, "", '??? note "The whole schema"', "", "    ```json", *_indent(whole), "    ```"]
    )


def _type_text(spec: dict[str, Any]) -> str:
    """A JSON Schema type in words: `string`, `list of string`, `map of id to Source`."""
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if "const" in spec:
        return f"always {json.dumps(spec['const'])}"
    if "anyOf" in spec:
        kinds = [_type_text(option) for option in spec["anyOf"]]
        shown = " or ".join(kind for kind in kinds if kind != "null")
        return f"{shown} (or null)" if "null" in kinds else shown
    kind = spec.get("type")
    if kind == "array":
        return f"list of {_type_text(spec.get('items', {}))}"
    if kind == "object":
        values = spec.get("additionalProperties") or next(
            iter(spec.get("patternProperties", {}).values()), None
        )
        return f"map of id to {_type_text(values)}" if isinstance(values, dict) else "object"
    return str(kind or "any")


def _referenced_description(spec: dict[str, Any], definitions: dict[str, Any]) -> str:
    """The first sentence of the model a key refers to, when the key has no description."""
    kind = _type_text(spec).split()[-1]
    described = str(definitions.get(kind, {}).get("description", ""))
    return " ".join(described.split()).split(". ")[0]


def _indent(text: str) -> list[str]:
    return [f"    {line}" if line else "" for line in text.split("\n")]


_GENERATORS = {"cli-reference": cli_reference, "pack-schema": pack_schema}


def fill_generated(markdown: str, where: str) -> str:
    def generate(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in _GENERATORS:
            raise DocsExampleError(f"{where}: no generator named '{name}'")
        return _GENERATORS[name]()

    return _GENERATE.sub(generate, markdown)


_ROLE = re.compile(r":(?:class|meth|func|attr|data|exc|mod|obj):(?=<code>)")


def on_page_content(content: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """MkDocs event: drop Sphinx roles (``:class:``) that docstrings use before a name."""
    return _ROLE.sub("", content)


def clinical_review() -> str:
    from labinterp._review import clinical_review_markdown

    return clinical_review_markdown()


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """MkDocs event: fill in one page's generated parts before it becomes HTML."""
    where = page.file.src_uri
    if where == "clinical-review.md":
        markdown = clinical_review()
    return fill_outputs(fill_generated(markdown, where), where)
