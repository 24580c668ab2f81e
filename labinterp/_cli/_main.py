"""The parser and the dispatch: every command's output or error, and the exit status."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import cast

from labinterp._cli import _batch, _interpret, _reference
from labinterp._cli._io import complain, discard_stdout, error_json, write_out
from labinterp._errors import LabinterpError
from labinterp.playground._command import add_playground_command, run_playground_command

__all__ = ["main"]

_PACK_HELP = (
    "a bundled pack name such as 'default' (the default), or a pack file: a path ending in "
    ".yaml/.yml or containing '/' (write ./NAME for a file named NAME)"
)
_ROOT_HELP = (
    "let a pack file's 'extends:' name files anywhere inside FOLDER (by default only bundled "
    "packs and files in the pack's own folder or below)"
)
_EPILOG = """examples:
  labinterp interpret examples/iron_deficiency_panel.json
  labinterp interpret ferritin="12 ng/mL" tsat=9% hb="10.2 g/dL" sex=female age=40
  labinterp interpret - --format json < panel.json
  labinterp batch labs.csv -o results.parquet --units mcv=fL
  labinterp analytes
  labinterp pack diff default who_2020_ferritin cases.jsonl"""


def _version() -> str:
    from labinterp._version import __version__

    return f"labinterp {__version__}"


def _add_pack_options(parser: argparse.ArgumentParser, pack: bool = True) -> None:
    if pack:
        parser.add_argument("--pack", help=_PACK_HELP)
    parser.add_argument("--extends-root", metavar="FOLDER", help=_ROOT_HELP)


class _Intermixed(argparse.ArgumentParser):
    """A command parser that takes its words and its options in any order.

    ``labinterp interpret ferritin=99ng/mL --brief sex=male`` adds a word after trying an
    option, which is natural; plain argparse stops the positionals at the first option and
    refuses the rest as "unrecognized arguments". A parser that has commands of its own
    (``pack``) parses as usual: argparse cannot intermix those.
    """

    _intermixing = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        commands = any(a.nargs in (argparse.PARSER, argparse.REMAINDER) for a in self._actions)
        if self._intermixing or commands:
            return super().parse_known_args(args, namespace)
        # parse_known_intermixed_args calls parse_known_args itself: only once through here.
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labinterp",
        description="Educational interpretation of anemia-related lab results. "
        "Not a diagnosis; not treatment advice.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", required=True, parser_class=_Intermixed),
    )

    p = sub.add_parser(
        "interpret",
        help="interpret a panel: a JSON file, - for stdin, or key=value words",
        description="Interpret a panel: a JSON file, - for stdin, or key=value words such as "
        "ferritin='12 ng/mL' tsat=9% sex=female age=40 conditions=chronic_kidney_disease "
        "(lists by commas; true, false and null as JSON; pregnant also yes or no).",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE | - | KEY=VALUE")
    _add_pack_options(p)
    p.add_argument("--format", choices=_interpret.FORMATS, default="text")
    p.add_argument("--audience", choices=("learner", "clinician"), default="clinician")
    detail = p.add_mutually_exclusive_group()
    detail.add_argument(
        "--brief", action="store_true", help="the summary only (no results table, no reasoning)"
    )
    detail.add_argument(
        "--reasoning",
        "--full",
        action="store_true",
        help="add every pattern's reasoning: each criterion, cut-off, source and margin",
    )
    p.add_argument(
        "--ignore-unknown",
        action="store_true",
        help="skip keys that are neither lab results nor context (patient_id ...), "
        "naming them on stderr",
    )

    n = sub.add_parser("normalize", help="print a panel's values in canonical units")
    n.add_argument("inputs", nargs="+", metavar="FILE | - | KEY=VALUE")
    n.add_argument("--format", choices=("text", "json"), default="text")
    n.add_argument("--ignore-unknown", action="store_true", help="skip unknown keys")

    a = sub.add_parser("analytes", help="list the analytes: ids, aliases, units, LOINC codes")
    a.add_argument("--format", choices=("text", "json"), default="text")

    pk = sub.add_parser("pack", help="list, show, validate or compare threshold packs")
    pack_sub = pk.add_subparsers(dest="pack_command", required=True)
    pack_sub.add_parser("list", help="list the bundled packs")
    show = pack_sub.add_parser("show", help="summarise a pack (or print it as YAML)")
    show.add_argument("name", help=_PACK_HELP)
    show.add_argument("--format", choices=("text", "yaml"), default="text")
    _add_pack_options(show, pack=False)
    validate = pack_sub.add_parser("validate", help="check a pack file; exit 2 if it is wrong")
    validate.add_argument("path")
    _add_pack_options(validate, pack=False)
    diff = pack_sub.add_parser(
        "diff",
        help="which worked cases change status between two packs (exit 1 if any)",
        description="Interpret every worked case with packs OLD and NEW and print each status "
        "that changes: pattern, case, old -> new. CASES is a JSON object (name -> panel), a "
        "JSON list of panels, or JSON Lines (one panel a line). Exit 1 when a status changes.",
    )
    diff.add_argument("old")
    diff.add_argument("new")
    diff.add_argument("cases")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    _add_pack_options(diff, pack=False)

    sub.add_parser("packs", help="deprecated: use 'labinterp pack list'")

    s = sub.add_parser(
        "schema", help="print the JSON Schema for pack files, or for interpretation JSON"
    )
    s.add_argument(
        "--output",
        choices=("pack", "interpretation"),
        default="pack",
        help="which schema: pack files (the default) or the JSON of 'interpret --format json'",
    )
    s.add_argument("--check", metavar="FILE", help="exit 1 if the schema FILE is out of date")

    _batch.add_batch_command(sub)
    add_playground_command(sub)

    r = sub.add_parser(
        "review", help="print the clinical review sheet of the bundled packs (Markdown)"
    )
    r.add_argument("--check", metavar="FILE", help="exit 1 if FILE differs from the sheet")
    return parser


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
        discard_stdout()
        return 1


def _packs_deprecated(args: argparse.Namespace) -> str:
    complain("labinterp: 'packs' is deprecated; use 'labinterp pack list'")
    return _reference.run_pack_list(args)


_Command = Callable[[argparse.Namespace], "str | tuple[int, str]"]
_COMMANDS: dict[str, _Command] = {
    "interpret": _interpret.run_interpret,
    "normalize": _interpret.run_normalize,
    "batch": _batch.run_batch,
    "analytes": _reference.run_analytes,
    "packs": _packs_deprecated,
    "schema": _reference.run_schema,
    "review": _reference.run_review,
    "pack list": _reference.run_pack_list,
    "pack show": _reference.run_pack_show,
    "pack validate": _reference.run_pack_validate,
    "pack diff": _reference.run_pack_diff,
}


def _run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "playground":
        try:
            return run_playground_command(args)
        except LabinterpError as exc:
            complain(f"labinterp: error: {exc}")
            return 2
    name = args.command if args.command != "pack" else f"pack {args.pack_command}"
    try:
        result = _COMMANDS[name](args)
    except LabinterpError as exc:
        if getattr(args, "format", None) == "json":
            complain(error_json(exc))
        else:
            complain(f"labinterp: error: {exc}")
        return 2
    status, out = result if isinstance(result, tuple) else (0, result)
    if out:
        write_out(out)
    return status
