"""FHIR JSON in: the resources of a Bundle, an NDJSON export or a list, with their JSON paths.

Resources are read as plain dicts (no FHIR model library is needed). Only the structure that
holds resources is checked here: text that is not JSON, a resource that is not an object or
has no ``resourceType``, a Bundle whose ``entry`` is not a list. Such input raises
:class:`FhirError` naming the JSON path. What is inside an Observation is judged one
observation at a time by :mod:`labinterp._fhir_observation`, so that one bad result never
stops the others.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from labinterp._errors import LabinterpError, shorten

__all__ = [
    "FhirError",
    "Located",
    "age_at",
    "parse_date",
    "parse_instant",
    "read_resources",
    "split_reference",
]

#: Bundles inside Bundles deeper than this are refused: real exports nest one or two levels,
#: and a hostile input must not exhaust the stack.
MAX_NESTING = 16


class FhirError(LabinterpError, ValueError):
    """FHIR input whose structure cannot be read; the message starts with the JSON path."""


@dataclass(frozen=True, slots=True)
class Located:
    """A resource with where it was found and what surrounds it."""

    path: str  # JSON path, e.g. "$.entry[3].resource" or "line 12" (NDJSON)
    resource: Mapping[str, Any]
    full_url: str | None  # Bundle.entry.fullUrl, when the resource came from a Bundle
    contained: bool = False  # inside another resource's ``contained``
    container_subject: Mapping[str, Any] | None = None  # the container's subject


def _loads(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FhirError(
            f"{where}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            field=where,
            value=exc.doc[max(exc.pos - 20, 0) : exc.pos + 20],
            expected="a FHIR resource, a Bundle, a JSON array of resources or NDJSON",
        ) from None
    except (ValueError, RecursionError) as exc:  # an integer past the digit limit, deep nesting
        raise FhirError(f"{where}: cannot be read: {exc}", field=where) from None


def _parse_text(text: str) -> tuple[list[Any], list[str]]:
    """JSON (one resource or an array) or NDJSON (one resource a line)."""
    stripped = text.strip()
    if not stripped:
        raise FhirError("input: the FHIR text is empty", field="input", expected="JSON or NDJSON")
    try:
        whole = json.loads(stripped)
    except (json.JSONDecodeError, ValueError, RecursionError):
        whole = None
    else:
        if isinstance(whole, list):
            return whole, [f"$[{i}]" for i in range(len(whole))]
        return [whole], ["$"]
    lines = [(n, line) for n, line in enumerate(stripped.splitlines(), start=1) if line.strip()]
    if len(lines) == 1:  # one line that is not JSON: report it as JSON, not as NDJSON
        _loads(stripped, "$")
    items = [_loads(line, f"line {number}") for number, line in lines]
    paths = [f"line {number}" for number, _ in lines]
    return items, paths


#: Text longer than this is never taken for a file name.
_PATH_LIMIT = 4096


def _looks_like_path(text: str) -> bool:
    """Text that cannot be JSON or NDJSON resources and reads as a file name: one line, not
    opening with ``{`` or ``[``, with a directory separator or a JSON file suffix."""
    name = text.strip()
    if not name or len(name) > _PATH_LIMIT or "\n" in name or name[0] in "{[":
        return False
    return "/" in name or "\\" in name or name.lower().endswith((".json", ".ndjson", ".jsonl"))


def _read_file(path: Path) -> tuple[list[Any], list[str]]:
    if not path.exists():
        raise FhirError(
            f"input: file not found: {shorten(str(path))}",
            field="input",
            value=str(path),
            expected="an existing .json or .ndjson file, or FHIR JSON text",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FhirError(
            f"input: cannot read {shorten(str(path))}: {exc}",
            field="input",
            value=str(path),
        ) from None
    return _parse_text(text)


def _source_items(source: object) -> tuple[list[Any], list[str]]:
    if isinstance(source, os.PathLike):
        return _read_file(Path(source))
    if isinstance(source, str) and _looks_like_path(source):
        # A file name given as text (JSON text never looks like one): read the file, or say
        # that it is missing rather than that the name is not valid JSON.
        return _read_file(Path(source.strip()))
    if isinstance(source, bytes | bytearray):
        try:
            return _parse_text(bytes(source).decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise FhirError(
                f"input: not UTF-8 text ({exc.reason} at byte {exc.start})", field="input"
            ) from None
    if isinstance(source, str):
        return _parse_text(source)
    if isinstance(source, Mapping):
        return [source], ["$"]
    if isinstance(source, Sequence):
        return list(source), [f"$[{i}]" for i in range(len(source))]
    raise FhirError(
        f"input: expected a FHIR resource or Bundle (dict), a list of them, JSON or NDJSON "
        f"text, or a path; got {type(source).__name__}",
        field="input",
        value=source,
        expected="dict, list, str, bytes or a path",
    )


def read_resources(source: object) -> tuple[list[Located], dict[str, int]]:
    """Every resource in ``source``, Bundles opened; and how many of each other type were
    found but not read (DiagnosticReport, Encounter ...)."""
    items, paths = _source_items(source)
    found: list[Located] = []
    ignored: dict[str, int] = {}
    for item, path in zip(items, paths, strict=True):
        _walk(item, path, None, found, ignored, 0)
    return found, ignored


def _join(path: str, key: str) -> str:
    return f"{path}{key}" if key.startswith("[") else f"{path}.{key}"


def _walk(
    item: Any,
    path: str,
    full_url: str | None,
    found: list[Located],
    ignored: dict[str, int],
    depth: int,
) -> None:
    where = path
    if not isinstance(item, Mapping):
        raise FhirError(
            f"{where}: expected a FHIR resource (a JSON object), got {type(item).__name__} "
            f"{shorten(item)}",
            field=where,
            value=item,
            expected="a JSON object with a resourceType",
        )
    kind = item.get("resourceType")
    if not isinstance(kind, str):
        raise FhirError(
            f"{_join(path, 'resourceType')}: every FHIR resource names its type, got "
            f"{shorten(kind)}",
            field=_join(path, "resourceType"),
            value=kind,
            expected="a resourceType such as 'Observation' or 'Bundle'",
        )
    if kind == "Bundle":
        if depth >= MAX_NESTING:
            raise FhirError(
                f"{where}: Bundles nested more than {MAX_NESTING} deep",
                field=where,
                expected=f"at most {MAX_NESTING} levels of Bundle",
            )
        _walk_bundle(item, path, found, ignored, depth)
        return
    if kind in ("Observation", "Patient"):
        found.append(Located(path, item, full_url))
    else:
        ignored[kind] = ignored.get(kind, 0) + 1
    _walk_contained(item, path, found, ignored)


def _walk_bundle(
    bundle: Mapping[str, Any],
    path: str,
    found: list[Located],
    ignored: dict[str, int],
    depth: int,
) -> None:
    entries = bundle.get("entry", [])
    entry_path = _join(path, "entry")
    if not isinstance(entries, list):
        raise FhirError(
            f"{entry_path}: Bundle.entry must be a list, got {type(entries).__name__}",
            field=entry_path,
            value=entries,
            expected="a JSON array of entries",
        )
    for i, entry in enumerate(entries):
        here = f"{entry_path}[{i}]"
        if not isinstance(entry, Mapping):
            raise FhirError(
                f"{here}: a Bundle entry must be an object, got {type(entry).__name__}",
                field=here,
                value=entry,
                expected="an object with 'resource'",
            )
        resource = entry.get("resource")
        if resource is None:
            # A request-only entry (a DELETE in a transaction) carries no result.
            ignored["Bundle entry without a resource"] = (
                ignored.get("Bundle entry without a resource", 0) + 1
            )
            continue
        url = entry.get("fullUrl")
        _walk(
            resource,
            f"{here}.resource",
            url if isinstance(url, str) else None,
            found,
            ignored,
            depth + 1,
        )


def _walk_contained(
    resource: Mapping[str, Any], path: str, found: list[Located], ignored: dict[str, int]
) -> None:
    """Observations contained in a DiagnosticReport belong to the report's subject."""
    contained = resource.get("contained")
    if not isinstance(contained, list):
        return
    subject = resource.get("subject")
    for i, inner in enumerate(contained):
        here = _join(path, f"contained[{i}]")
        if isinstance(inner, Mapping) and inner.get("resourceType") == "Observation":
            found.append(
                Located(here, inner, None, True, subject if isinstance(subject, Mapping) else None)
            )
        elif isinstance(inner, Mapping) and isinstance(inner.get("resourceType"), str):
            kind = inner["resourceType"]
            ignored[kind] = ignored.get(kind, 0) + 1


# --- dates ---------------------------------------------------------------------------------


def parse_date(text: object) -> tuple[date, date] | None:
    """A FHIR date (``2013``, ``2013-04``, ``2013-04-05``) as the first and last day it allows."""
    if not isinstance(text, str):
        return None
    parts = text.split("-")
    try:
        if len(parts) == 1 and len(text) == 4:
            year = int(text)
            return date(year, 1, 1), date(year, 12, 31)
        if len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            first = date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            return first, date.fromordinal(following.toordinal() - 1)
        if len(parts) == 3:
            day = date.fromisoformat(text)
            return day, day
    except ValueError:
        return None
    return None


def parse_instant(text: object) -> tuple[datetime, date] | None:
    """A FHIR dateTime as an aware instant (for ordering) and its local calendar date (for age).

    A date without a time (``2024-03-01``) is taken at midnight UTC for ordering and for time
    windows, which compare instants: it sorts before any time on that day, and a window of
    one day opened by it closes at the next midnight UTC. Its own date is used for age, and
    :func:`labinterp.fhir.to_fhir` writes it back as the date given.
    """
    if not isinstance(text, str):
        return None
    if "T" not in text:
        days = parse_date(text)
        if days is None:
            return None
        first = days[0]
        return datetime(first.year, first.month, first.day, tzinfo=UTC), first
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    local_day = moment.date()
    if moment.tzinfo is None:  # FHIR requires a zone with a time; read it as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment, local_day


def _completed_months(born: date, day: date) -> int:
    months = (day.year - born.year) * 12 + day.month - born.month
    return months - (day.day < born.day)


def age_at(birth: tuple[date, date], day: date) -> tuple[float | None, str | None]:
    """Age at ``day`` in years, as completed months / 12 (two decimals); None (with why)
    when the birth date leaves it open.

    Completed months over 12 is a whole number on every birthday, so an age cut-off in
    whole years reads it as completed years would, while a child of 10 months is 0.83, not 0
    (the packs start at 6 months). A birth date given only as a month or a year allows
    several ages: the whole number of completed years is given when every day it allows gives
    the same one and that is at least one year (the packs' age limits above one year are
    whole years); otherwise the age is left unknown, with the reason.
    """
    oldest, youngest = _completed_months(birth[0], day), _completed_months(birth[1], day)
    if youngest < 0 or day < birth[1]:
        return None, f"the birth date comes after the result of {day.isoformat()}"
    if oldest // 12 > 130:
        return None, f"an age of {oldest // 12} years on {day.isoformat()} is not plausible"
    if oldest == youngest:
        # Two decimals are enough to show (0.83, not 0.833333333333) and never cross a
        # whole year or the half year: eleven months is 0.92, five months 0.42.
        return round(oldest / 12, 2), None
    if oldest // 12 == youngest // 12 and youngest >= 12:
        return float(youngest // 12), None
    if oldest // 12 == youngest // 12:
        return None, (
            f"the birth date gives an age between {youngest} and {oldest} months on "
            f"{day.isoformat()}; below one year the age needs the full birth date, so it is "
            "left unknown"
        )
    return None, (
        f"the birth date gives an age of {youngest // 12} or {oldest // 12} on "
        f"{day.isoformat()}; the age is left unknown"
    )


# --- references ----------------------------------------------------------------------------

# [base]Type/id[/_history/version], FHIR's literal reference (R4 3.1.0.2).
_REFERENCE = re.compile(
    r"^(?P<base>.*?/)?(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})"
    r"(?:/_history/[A-Za-z0-9\-.]{1,64})?$"
)


def split_reference(reference: str) -> tuple[str | None, str] | None:
    """A literal reference as (base or None when relative, ``Type/id``), version dropped.

    ``https://srv/fhir/Patient/p1/_history/3`` gives ``("https://srv/fhir/", "Patient/p1")``;
    ``Patient/p1`` gives ``(None, "Patient/p1")``; a ``urn:uuid:`` or other form gives None.
    """
    if reference.startswith(("urn:", "#")):
        return None
    match = _REFERENCE.match(reference)
    if match is None:
        return None
    return match["base"], f"{match['type']}/{match['id']}"
