"""``labinterp interpret`` and ``normalize``: a panel from a file, stdin or key=value words."""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from labinterp._analytes import resolve_analyte_id
from labinterp._cli._io import complain, is_file, read_bytes
from labinterp._engine import interpret
from labinterp._errors import LabinterpError, PanelError, UnknownAnalyteError, shorten
from labinterp._findings import Interpretation
from labinterp._packs import load_pack
from labinterp._panel import Panel, panel_from_mapping, read_panel_json
from labinterp._panel_input import COMMAND_LINE_WORDS, given_twice
from labinterp._render import render_panel_text

__all__ = ["FORMATS", "run_interpret", "run_normalize"]

FORMATS = ("text", "markdown", "html", "json")
Format = Literal["text", "markdown", "html", "json"]
Audience = Literal["learner", "clinician"]

_LISTS = frozenset({"conditions", "medications", "symptoms"})
_WORDS: Mapping[str, object] = {"true": True, "false": False, "null": None}


def _render(
    interpretation: Interpretation,
    fmt: Format,
    audience: Audience,
    brief: bool,
    width: int | None,
    reasoning: bool = False,
) -> str:
    """Every rendering the command line prints goes through here: one call to the renderers."""
    from labinterp.render import render  # the renderers load only for a command that prints

    out = render(
        interpretation,
        format=fmt,
        audience=audience,
        brief=brief,
        reasoning=reasoning,
        width=width,
    )
    return out if out.endswith("\n") else out + "\n"


def _width() -> int:
    """The terminal's width when stdout is one; 80 for a file or a pipe."""
    stream = sys.stdout
    try:
        tty = stream is not None and stream.isatty()
    except (ValueError, OSError):  # a closed stream
        tty = False
    return shutil.get_terminal_size().columns if tty else 80


def _pair_value(key: str, text: str) -> object:
    """A key=value word's value: JSON for {...}/[...], true/false/null, lists by commas."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped)
        except (ValueError, RecursionError):
            raise PanelError(
                f"{shorten(key)}: {shorten(text)} is not valid JSON",
                field=key,
                value=text,
                expected="a JSON object or list, or plain text such as '12 ng/mL'",
            ) from None
    if stripped.lower() in _WORDS:
        return _WORDS[stripped.lower()]
    if key in _LISTS:
        return [part.strip() for part in stripped.split(",") if part.strip()]
    if key in ("age", "trimester"):
        try:
            return int(stripped)
        except ValueError:
            return text  # a decimal age, or junk the panel refuses with its own message
    return text


def panel_data_from_pairs(words: Sequence[str]) -> dict[str, Any]:
    """``ferritin="12 ng/mL" sex=female`` as a panel mapping; a key given twice is refused."""
    data: dict[str, Any] = {}
    for word in words:
        key, sep, value = word.partition("=")
        key = key.strip()
        if not sep or not key:
            raise PanelError(
                f"{shorten(word)}: expected key=value, such as ferritin='12 ng/mL' or sex=female",
                value=word,
                expected="key=value",
            )
        if key in data:
            raise given_twice(key, key, key)
        data[key] = _pair_value(key, value)
    return data


def _panel_data(inputs: Sequence[str]) -> tuple[str, object]:
    """(where it came from, the decoded panel document) from a file, stdin or key=value words."""
    if len(inputs) == 1 and ("=" not in inputs[0] or is_file(inputs[0])):
        path = inputs[0]
        try:
            data = read_bytes(path)
        except LabinterpError as exc:
            if path != "-" and _missing(path):  # perhaps a result meant as key=value
                raise LabinterpError(f"{exc}; {_as_words_hint([path])}") from None
            raise
        try:
            return ("stdin" if path == "-" else path), read_panel_json(data)
        except LabinterpError as exc:
            # Name the file for errors about the document as a whole (not valid JSON or UTF-8).
            if exc.field is None:
                raise type(exc)(f"{path}: {exc}", expected=exc.expected) from None
            raise
    loose = [word for word in inputs if "=" not in word]
    if loose:
        raise _not_key_value(inputs, loose)
    return "the command line", panel_data_from_pairs(inputs)


_KEY_VALUE_EXAMPLE = "ferritin='12 ng/mL' tsat=9% sex=female"


_PANEL_WORDS = ("sex", "age", "pregnant", "trimester", "conditions", "medications", "symptoms")


def _missing(path: str) -> bool:
    """True when nothing has this name (not a directory, not an unreadable file)."""
    try:
        return not Path(path).exists()
    except (OSError, ValueError):  # a name too long, or a NUL in it: no file, but no result
        return False


def _is_panel_key(name: str) -> bool:
    if name in (*_PANEL_WORDS, "diet"):
        return True
    try:
        resolve_analyte_id(name)
    except UnknownAnalyteError:
        return False
    return True


def _key_value_hint(words: Sequence[str]) -> str:
    """For words that start with a panel key ("ferritin 12 ng/mL"), the key=value to write."""
    name, _, rest = " ".join(words).strip().partition(" ")
    if not name or not _is_panel_key(name):
        return ""
    if rest.strip():
        return f"; did you mean {name}={shlex.quote(rest.strip())}?"
    return f"; {name} is a panel key: give it as {name}=VALUE, such as ferritin='12 ng/mL'"


def _as_words_hint(words: Sequence[str]) -> str:
    return (
        f"to give results on the command line, write key=value words such as "
        f"{_KEY_VALUE_EXAMPLE}{_key_value_hint(words)}"
    )


def _not_key_value(inputs: Sequence[str], loose: Sequence[str]) -> PanelError:
    """The error for several words, some (or all) of them not key=value."""
    if len(loose) == len(inputs):
        names = ", ".join(shorten(word, 30) for word in inputs[:4])
        message = (
            f"give one panel file (or - for stdin), not {len(inputs)} ({names}), or key=value "
            f"words such as {_KEY_VALUE_EXAMPLE}{_key_value_hint(inputs)}"
        )
    elif any(word == "-" or is_file(word) for word in loose):
        message = (
            "give one panel file (or - for stdin) or key=value words such as "
            f"{_KEY_VALUE_EXAMPLE}, not both"
        )
    else:
        message = (
            f"{shorten(loose[0])} is not key=value; give key=value words such as "
            f"{_KEY_VALUE_EXAMPLE}, or one panel file (or - for stdin) alone"
            f"{_key_value_hint(loose)}"
        )
    return PanelError(message, value=list(inputs), expected="FILE, -, or key=value ...")


def read_panel(inputs: Sequence[str], ignore_unknown: bool) -> Panel:
    """The panel; with ``ignore_unknown``, keys that are no result or context are left out
    and named in a warning on stderr."""
    where, data = _panel_data(inputs)
    if ignore_unknown and isinstance(data, Mapping):
        ignored = Panel.unknown_keys(data)
        if ignored:
            names = ", ".join(shorten(key, 30) for key in ignored[:10])
            more = f" and {len(ignored) - 10} more" if len(ignored) > 10 else ""
            complain(
                f"labinterp: warning: {where}: ignored keys that are neither lab results nor "
                f"context: {names}{more}"
            )
    # Not a mapping: panel_from_mapping refuses it with its own message, in JSON's words.
    return panel_from_mapping(
        data,  # type: ignore[arg-type]
        ignore_unknown=ignore_unknown,
        words=COMMAND_LINE_WORDS,
    )


def run_interpret(args: argparse.Namespace) -> str:
    pack = load_pack(
        "default" if args.pack is None else args.pack,
        extends_root=None if args.extends_root is None else Path(args.extends_root),
    )
    panel = read_panel(args.inputs, args.ignore_unknown)
    # A panel without results goes through the renderers too: they say there is nothing to
    # interpret yet, in the format asked for and with the disclaimer.
    result = interpret(panel, pack=pack)
    return _render(
        result, args.format, args.audience, args.brief, _width(), reasoning=args.reasoning
    )


def run_normalize(args: argparse.Namespace) -> str:
    panel = read_panel(args.inputs, args.ignore_unknown)
    if args.format == "json":
        return json.dumps(panel.canonical_values(), indent=2) + "\n"
    return render_panel_text(panel)
