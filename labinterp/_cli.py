"""The command line: ``labinterp interpret``, ``normalize``, ``packs``, ``schema``, ``review``.

Bad input exits with status 2 and the error's message on stderr, nothing on stdout. A reader
that goes away early (``labinterp interpret panel.json | head -1``) ends the run quietly with
status 1, as Python's documentation recommends for a closed pipe, instead of a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from labinterp._engine import interpret
from labinterp._errors import LabinterpError
from labinterp._interpretation_json import interpretation_json_schema
from labinterp._packs import bundled_pack_names, load_pack, pack_json_schema
from labinterp._panel import Panel
from labinterp._render import render_panel_text, render_text
from labinterp._review import clinical_review_markdown
from labinterp.playground._command import add_playground_command, run_playground_command

__all__ = ["main"]


#: The largest panel document read, in bytes. A panel is a few hundred bytes; the limit keeps
#: a wrong file (a disk image, /dev/zero) from filling memory or running for ever.
MAX_PANEL_BYTES = 1_000_000


def _read_bytes(path: str) -> bytes:
    """The panel document as bytes (decoded by Panel.from_json), from a file or stdin ("-")."""
    name = "stdin" if path == "-" else path
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", sys.stdin)  # bytes, whatever the locale
            data = stream.read(MAX_PANEL_BYTES + 1)
        else:
            with Path(path).open("rb") as fh:
                data = fh.read(MAX_PANEL_BYTES + 1)
    except (OSError, ValueError, AttributeError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or exc
        what = "the panel" if path == "-" else "panel file"
        raise LabinterpError(f"{name}: cannot read {what}: {reason}") from None
    if isinstance(data, str):  # a text stream without a byte buffer (tests, some shells)
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > MAX_PANEL_BYTES:
        raise LabinterpError(
            f"{name}: a panel document is at most {MAX_PANEL_BYTES} bytes; this one is larger"
        )
    return bytes(data)


def _read_panel(path: str) -> Panel:
    data = _read_bytes(path)
    try:
        return Panel.from_json(data)
    except LabinterpError as exc:
        # Name the file for errors about the document as a whole (not valid JSON or UTF-8).
        if exc.field is None:
            raise type(exc)(f"{path}: {exc}", expected=exc.expected) from None
        raise


def _schema_text(output: str = "pack") -> str:
    schema = interpretation_json_schema() if output == "interpretation" else pack_json_schema()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labinterp",
        description="Educational interpretation of anemia-related lab results. "
        "Not a diagnosis; not treatment advice.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("interpret", help="interpret a panel (JSON file, or - for stdin)")
    p.add_argument("file")
    p.add_argument(
        "--pack",
        help="a bundled pack name such as 'default' (the default), or a pack file: a path "
        "ending in .yaml/.yml or containing '/' (write ./NAME for a file named NAME)",
    )
    p.add_argument(
        "--extends-root",
        metavar="FOLDER",
        help="let the pack file's 'extends:' name files anywhere inside FOLDER (by default only "
        "bundled packs and files in the pack's own folder or below)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--brief", action="store_true", help="text: labels only, no traces")

    n = sub.add_parser("normalize", help="print a panel's values in canonical units")
    n.add_argument("file")
    n.add_argument("--format", choices=("text", "json"), default="text")

    sub.add_parser("packs", help="list the bundled packs")

    s = sub.add_parser(
        "schema", help="print the JSON Schema for pack files, or for interpretation JSON"
    )
    s.add_argument(
        "--output",
        choices=("pack", "interpretation"),
        default="pack",
        help="which schema: pack files (the default) or the JSON of 'interpret --format json'",
    )
    s.add_argument("--check", metavar="FILE", help="exit 1 if FILE differs from the schema")

    add_playground_command(sub)

    r = sub.add_parser(
        "review", help="print the clinical review sheet of the bundled packs (Markdown)"
    )
    r.add_argument("--check", metavar="FILE", help="exit 1 if FILE differs from the sheet")
    return parser


def _generated(command: str, text: str, check: str | None) -> tuple[int, str]:
    """A generated file's text, or with ``--check`` whether the committed copy is current."""
    if not check:
        return 0, text
    try:
        current = Path(check).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabinterpError(f"{check}: cannot read the file to check: {exc}") from None
    if current != text:
        _complain(f"{check} is out of date; regenerate it with 'labinterp {command} > {check}'")
        return 1, ""
    return 0, f"{check} is current\n"


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            return _run(argv)
        finally:
            # Flushed here, inside the handler: a pipe closed by its reader shows up now,
            # not in the interpreter's last flush at exit, where it would print a traceback.
            if sys.stdout is not None:
                sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return 1


def _write_out(text: str) -> None:
    if sys.stdout is None:  # started with stdout closed (`labinterp ... >&-`)
        raise BrokenPipeError(errno.EPIPE, "stdout is closed")
    sys.stdout.write(text)


def _complain(text: str) -> None:
    """A message on stderr; with stderr closed there is nowhere to say it (the status does)."""
    if sys.stderr is not None:
        with contextlib.suppress(OSError):
            sys.stderr.write(text + "\n")
            sys.stderr.flush()


def _discard_stdout() -> None:
    """Point stdout at the null device, so that the flush at exit has nowhere to fail."""
    if sys.stdout is None:
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (a test's stream): nothing to flush at exit
        pass
    finally:
        os.close(devnull)


def _run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "interpret":
            pack = load_pack(
                "default" if args.pack is None else args.pack,
                extends_root=None if args.extends_root is None else Path(args.extends_root),
            )
            result = interpret(_read_panel(args.file), pack=pack)
            out = (
                result.to_json() + "\n"
                if args.format == "json"
                else render_text(result, verbose=not args.brief)
            )
        elif args.command == "normalize":
            panel = _read_panel(args.file)
            out = (
                json.dumps(panel.canonical_values(), indent=2) + "\n"
                if args.format == "json"
                else render_panel_text(panel)
            )
        elif args.command == "packs":
            lines = []
            for name in bundled_pack_names():
                pack = load_pack(name)
                lines.append(f"{name:<24} {pack.version:<10} {pack.title}")
            out = "\n".join(lines) + "\n"
        elif args.command == "playground":
            return run_playground_command(args)
        elif args.command == "review":
            status, out = _generated("review", clinical_review_markdown(), args.check)
            if status:
                return status
        else:
            command = "schema" if args.output == "pack" else f"schema --output {args.output}"
            status, out = _generated(command, _schema_text(args.output), args.check)
            if status:
                return status
    except LabinterpError as exc:
        _complain(f"labinterp: error: {exc}")
        return 2
    _write_out(out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
