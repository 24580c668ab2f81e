"""``labinterp analytes``, ``pack list|show|validate|diff``, ``schema`` and ``review``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labinterp._analytes import ANALYTES, Analyte
from labinterp._cli._io import complain, is_file, read_bytes
from labinterp._engine import interpret
from labinterp._errors import LabinterpError, shorten
from labinterp._packs import Pack, bundled_pack_names, dump_pack, load_pack, pack_json_schema
from labinterp._panel import Panel

__all__ = [
    "run_analytes",
    "run_pack_diff",
    "run_pack_list",
    "run_pack_show",
    "run_pack_validate",
    "run_review",
    "run_schema",
]


# --- analytes ----------------------------------------------------------------------------------


def _analyte_record(a: Analyte) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.display_name,
        "canonical_unit": a.canonical_unit,
        "units": list(a.common_units),
        "aliases": list(a.aliases),
        "loinc": [{"code": c.code, "name": c.long_name} for c in a.loinc],
        "computed": a.derived is not None,
    }


def run_analytes(args: argparse.Namespace) -> str:
    records = [_analyte_record(a) for a in ANALYTES.values()]
    if args.format == "json":
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    blocks = []
    for r in records:
        computed = " (computed by labinterp, never given)" if r["computed"] else ""
        lines = [f"{r['id']}: {r['name']}{computed}"]
        lines.append(f"  units: {', '.join(r['units'])} (canonical {r['canonical_unit']})")
        if r["aliases"]:
            lines.append(f"  aliases: {', '.join(r['aliases'])}")
        lines += [f"  LOINC {c['code']}: {c['name']}" for c in r["loinc"]]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# --- packs -------------------------------------------------------------------------------------


def _load(name: str, extends_root: str | None) -> Pack:
    return load_pack(name, extends_root=None if extends_root is None else Path(extends_root))


def run_pack_list(args: argparse.Namespace) -> str:
    del args
    lines = []
    for name in bundled_pack_names():
        pack = load_pack(name)
        lines.append(f"{name:<24} {pack.version:<10} {pack.title}")
    return "\n".join(lines) + "\n"


def run_pack_show(args: argparse.Namespace) -> str:
    pack = _load(args.name, args.extends_root)
    if args.format == "yaml":
        return dump_pack(pack)
    lines = [f"{pack.name} {pack.version}: {pack.title}"]
    if pack.description:
        lines.append(pack.description.strip())
    if pack.extends:
        lines.append(f"extends: {pack.extends}")
    lines.append(f"population: {pack.population.description}")
    lines.append(
        f"{len(pack.sources)} sources, {len(pack.thresholds)} thresholds, "
        f"{len(pack.reference_intervals)} reference intervals"
    )
    lines.append("patterns:")
    lines += [
        f"  {pid}: {spec.label}" + ("" if spec.kind == "pattern" else f" ({spec.kind})")
        for pid, spec in pack.patterns.items()
    ]
    if pack.classifications:
        lines.append("classifications:")
        lines += [f"  {cid}" for cid in pack.classifications]
    lines.append("(the whole pack as YAML: labinterp pack show NAME --format yaml)")
    return "\n".join(lines) + "\n"


def run_pack_validate(args: argparse.Namespace) -> str:
    path = args.path
    if "/" not in path and is_file(path):  # a file here, never a bundled name
        path = f"./{path}"
    pack = _load(path, args.extends_root)
    return (
        f"{args.path}: a valid pack, {pack.name} {pack.version} "
        f"({len(pack.patterns)} patterns, {len(pack.thresholds)} thresholds)\n"
    )


def _cases(path: str) -> Iterator[tuple[str, Any]]:
    """The worked cases of a file: a JSON object (name -> panel), a JSON list of panels, or
    JSON Lines (a panel a line)."""
    data = read_bytes(path, "cases")
    try:
        document = json.loads(data)
    except ValueError:
        document = None
    if isinstance(document, dict):
        yield from document.items()
        return
    if isinstance(document, list):
        for number, panel in enumerate(document, 1):
            yield f"#{number}", panel
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LabinterpError(f"{path}: the cases file is not UTF-8 text") from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except ValueError as exc:
            raise LabinterpError(
                f"{path}: line {number} is not a JSON panel: {exc}",
                expected="a JSON object, a JSON list of panels, or one JSON panel a line",
            ) from None


def _statuses(pack: Pack, case: str, panel: Any) -> dict[str, str]:
    try:
        data = panel if isinstance(panel, Panel) else Panel.from_mapping(panel)
        return dict(interpret(data, pack=pack).statuses())
    except LabinterpError as exc:
        raise type(exc)(
            f"case {shorten(case)}: {exc}",
            field=exc.field,
            value=exc.value,
            unit=exc.unit,
            expected=exc.expected,
            suggestion=exc.suggestion,
        ) from None


def run_pack_diff(args: argparse.Namespace) -> tuple[int, str]:
    """Which worked cases change status between two packs; status 1 when any does."""
    old_pack, new_pack = _load(args.old, args.extends_root), _load(args.new, args.extends_root)
    changes: list[dict[str, str]] = []
    count = 0
    for case, panel in _cases(args.cases):
        count += 1
        old, new = _statuses(old_pack, case, panel), _statuses(new_pack, case, panel)
        for pattern in sorted(old.keys() | new.keys()):
            before, after = old.get(pattern, "absent"), new.get(pattern, "absent")
            if before != after:
                changes.append({"pattern": pattern, "case": case, "old": before, "new": after})
    if args.format == "json":
        return (1 if changes else 0), json.dumps(changes, indent=2) + "\n"
    lines = [f"{c['pattern']}  {c['case']}: {c['old']} -> {c['new']}" for c in changes]
    moved = len({c["case"] for c in changes})
    lines.append(
        f"{moved} of {count} cases change status ({len(changes)} pattern changes)"
        if changes
        else f"no change: all {count} cases keep every status"
    )
    return (1 if changes else 0), "\n".join(lines) + "\n"


# --- generated files ---------------------------------------------------------------------------


def _schema_text(output: str = "pack") -> str:
    from labinterp._interpretation_json import interpretation_json_schema  # this command only

    schema = interpretation_json_schema() if output == "interpretation" else pack_json_schema()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


_PACK_KEYS = frozenset({"patterns", "thresholds", "sources", "reference_intervals", "extends"})


def _looks_like_a_json_schema(text: str) -> bool:
    """A JSON object that is not a pack: what an out-of-date schema file can be."""
    try:
        document = json.loads(text)
    except ValueError:  # YAML, such as a pack, or anything else
        return False
    return isinstance(document, dict) and not (_PACK_KEYS & document.keys())


def _generated(command: str, text: str, check: str | None, *, schema: bool) -> tuple[int, str]:
    """A generated file's text, or with ``--check`` whether the committed copy is current.

    ``schema --check`` compares JSON Schemas only: a file that is no JSON Schema (a pack, say)
    is refused, and regenerating is suggested only over a schema file.
    """
    if not check:
        return 0, text
    try:
        current = Path(check).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabinterpError(f"{check}: cannot read the file to check: {exc}") from None
    if current == text:
        return 0, f"{check} is current\n"
    if schema and not _looks_like_a_json_schema(current):
        raise LabinterpError(
            f"{check}: not a JSON Schema file, so there is nothing to compare; 'schema --check' "
            "checks the pack schema (reference_ranges/pack.schema.json). To check a pack, use "
            f"'labinterp pack validate {check}'",
            field="check",
            value=check,
            expected="a JSON Schema file",
        )
    complain(f"{check} is out of date; regenerate it with 'labinterp {command} > {check}'")
    return 1, ""


_SCHEMA_OUTPUTS = ("pack", "interpretation")


def _schema_names(document: object) -> tuple[str | None, str | None]:
    """A schema's ``$id`` and its title up to a first comma (the interpretation schema's
    title goes on with its version): what says which schema a file is."""
    if not isinstance(document, dict):
        return None, None
    schema_id, title = document.get("$id"), document.get("title")
    return (
        schema_id if isinstance(schema_id, str) and schema_id else None,
        title.split(",")[0].strip() if isinstance(title, str) and title.strip() else None,
    )


def _schema_kind(text: str) -> str | None:
    """Which of labinterp's schemas ``text`` is, by its ``$id`` or title; None if neither."""
    try:
        file_id, file_title = _schema_names(json.loads(text))
    except ValueError:
        return None
    for output in _SCHEMA_OUTPUTS:
        known_id, known_title = _schema_names(json.loads(_schema_text(output)))
        if (file_id is not None and file_id == known_id) or (
            file_title is not None and file_title == known_title
        ):
            return output
    return None


def _refuse_the_other_schema(check: str, output: str) -> None:
    """A check of one schema against a file that is the other schema is refused, naming the
    option that checks it: regenerating would write the wrong schema over the file."""
    try:
        current = Path(check).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return  # _generated says the file cannot be read
    kind = _schema_kind(current)
    if kind is None or kind == output:
        return
    raise LabinterpError(
        f"{check}: this is the {kind} schema, and 'schema --check' compared it with the "
        f"{output} schema; check it with 'labinterp schema --output {kind} --check {check}'",
        field="check",
        value=check,
        expected=f"the {output} schema, or --output {kind}",
    )


def run_schema(args: argparse.Namespace) -> tuple[int, str]:
    output = getattr(args, "output", "pack")
    command = "schema" if output == "pack" else f"schema --output {output}"
    if args.check:
        _refuse_the_other_schema(args.check, output)
    return _generated(command, _schema_text(output), args.check, schema=True)


def run_review(args: argparse.Namespace) -> tuple[int, str]:
    from labinterp._review import clinical_review_markdown  # only this command needs it

    return _generated("review", clinical_review_markdown(), args.check, schema=False)
