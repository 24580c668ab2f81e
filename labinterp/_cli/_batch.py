"""``labinterp batch``: a whole table in (CSV, Parquet, JSON Lines), the table with its
interpretation out (CSV or Parquet, ``-`` for CSV on stdout), through interpret_frame.

Progress and the closing summary (status counts per pattern, the invalid rows) go to stderr,
so stdout stays a clean table for a pipe. A bad row is kept in the output with its reason in
``invalid``; it is counted and named in the summary, and never stops the batch.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from labinterp._cli._io import complain
from labinterp._errors import LabinterpError, PanelError, TableWarning, shorten

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_batch_command", "run_batch"]

INPUTS = (".csv", ".parquet", ".jsonl", ".ndjson")
OUTPUTS = (".csv", ".parquet")
PRESETS = ("mimic_iv", "omop")
#: Rows per call of interpret_frame: small enough for the bar to move, large enough that the
#: per-call cost (reading the plan of columns) is lost in the work.
STEP = 20_000
SHOWN_REASONS = 5  # invalid rows named in the summary; the output file holds them all


def add_batch_command(sub: Any) -> None:
    b = sub.add_parser(
        "batch",
        help="interpret a whole table (CSV, Parquet, JSON Lines) into CSV or Parquet",
        description="Interpret every row of a wide table (one row a panel), or of a long one "
        "grouped into panels (--long). The output is the input's columns followed by one "
        "status column per pattern, one flag column per analyte and 'invalid' (why a row "
        "could not be read; the row is kept). Progress and a summary go to stderr.",
    )
    b.add_argument(
        "input", metavar="IN", help="a .csv, .parquet or .jsonl file; - for CSV on stdin"
    )
    b.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="a .csv or .parquet file; - for CSV on stdout",
    )
    b.add_argument("--pack", help="a bundled pack name or a pack file (default: 'default')")
    b.add_argument(
        "--long", action="store_true", help="IN is a long table: one row a result (see --preset)"
    )
    b.add_argument(
        "--preset",
        choices=PRESETS,
        help="with --long: the columns of MIMIC-IV labevents or OMOP MEASUREMENT",
    )
    b.add_argument("--subject", help="with --long: the subject column (presets name it)")
    b.add_argument("--window", help="with --long: group results per subject and window, e.g. 24h")
    b.add_argument(
        "--units",
        nargs="+",
        action="extend",
        default=[],
        metavar="COLUMN=UNIT",
        help="one unit for every row of a column, e.g. mcv=fL hb=g/dL",
    )
    b.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary")


# --- reading and writing ------------------------------------------------------------------------


def _suffix(path: str, allowed: Sequence[str], what: str) -> str:
    if path == "-":
        return ".csv"
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise PanelError(
            f"{_clip(path)}: cannot tell the {what} format from the name",
            field=what,
            value=path,
            expected=f"a name ending in {', '.join(allowed)} (or - for CSV)",
        )
    return suffix


def _read(path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table as labinterp reads it, and its columns as the output repeats them.

    A CSV file is text: pandas' reading (numbers, booleans, NA words) serves the
    interpretation, while the output repeats each cell as written (``8`` stays ``8``, not
    ``8.0``; ``true`` stays ``true``). Parquet and JSON Lines have types of their own, kept.
    """
    import pandas as pd

    suffix = _suffix(path, INPUTS, "input")
    source: Any = sys.stdin if path == "-" else path
    try:
        if suffix == ".csv":
            if path == "-":  # stdin can be read only once
                source = io.StringIO(sys.stdin.read())
            typed = pd.read_csv(source)
            if path == "-":
                source.seek(0)
            written = pd.read_csv(source, dtype=str, keep_default_na=False, na_filter=False)
            return typed, written
        if suffix == ".parquet":
            table = pd.read_parquet(source)
            return table, table
        # dtype=False: JSON's own types, so that a true stays a boolean, not 1.0 in a float column.
        table = pd.read_json(source, lines=True, dtype=False)
        return table, table
    except (OSError, ValueError, ImportError) as exc:  # includes pandas' and pyarrow's errors
        name = "stdin" if path == "-" else path
        raise LabinterpError(
            f"{_clip(name)}: cannot read the table: {_clip(str(exc))}",
            field="input",
            value=name,
        ) from None


def _text_cells(column: pd.Series) -> pd.Series:
    """A column of mixed cells (numbers and report text) as text, missing kept missing."""
    import pandas as pd

    return column.map(lambda v: None if v is None or v is pd.NA or v != v else str(v))


def _write(table: pd.DataFrame, path: str) -> None:
    suffix = _suffix(path, OUTPUTS, "output")
    if path == "-":
        table.to_csv(sys.stdout, index=False)
        return
    try:
        if suffix == ".csv":
            table.to_csv(path, index=False)
            return
        # Parquet wants one type a column; MIMIC's censored text sits among numbers.
        mixed = {
            name: _text_cells(table[name])
            for name in table.columns
            if table[name].dtype == object
            and len({type(v) for v in table[name].dropna().tolist()}) > 1
        }
        table.assign(**mixed).to_parquet(path, index=False)
    except (OSError, ValueError, ImportError) as exc:
        raise LabinterpError(
            f"{_clip(path)}: cannot write the table: {_clip(str(exc))}",
            field="output",
            value=path,
        ) from None


# --- progress -----------------------------------------------------------------------------------


class _Progress(Protocol):
    def advance(self, rows: int) -> None: ...


class _Quiet:
    def advance(self, rows: int) -> None:
        pass


class _PlainProgress:
    """A plain stderr line at each tenth of the rows (a log, a pipe, or no rich)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.shown = 0

    def advance(self, rows: int) -> None:
        self.done += rows
        tenth = 10 if self.total == 0 else math.floor(10 * self.done / self.total)
        if tenth > self.shown:
            self.shown = tenth
            complain(f"labinterp batch: {self.done} of {self.total} rows")


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (ValueError, OSError):
        return False


def _rich_available() -> bool:
    try:
        import rich.progress  # noqa: F401
    except ImportError:
        return False
    return True


def _steps(total: int, quiet: bool) -> Iterator[tuple[int, int, _Progress]]:
    """(start, stop, progress) for each step of rows; a rich bar on a terminal when rich is
    installed (the ``cli`` extra), plain lines otherwise."""
    starts = range(0, total, STEP)
    if quiet:
        for start in starts:
            yield start, min(start + STEP, total), _Quiet()
        return
    if _stderr_is_terminal() and _rich_available():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("interpreting", total=total)

            class _Bar:
                def advance(self, rows: int) -> None:
                    bar.advance(task, rows)

            for start in starts:
                yield start, min(start + STEP, total), _Bar()
        return
    plain = _PlainProgress(total)
    for start in starts:
        yield start, min(start + STEP, total), plain


# --- the summary --------------------------------------------------------------------------------


def _clip(reason: str, limit: int = 160) -> str:
    return reason if len(reason) <= limit else reason[: limit - 3] + "..."


#: The summary's status columns, in the order the docs name them.
SUMMARY_STATUSES = ("consistent", "not_consistent", "indeterminate")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _summary(results: pd.DataFrame, patterns: Sequence[str], where: str) -> str:
    """Counts per pattern and status, then the invalid rows; ``where`` says how a row is
    numbered for the reader: ``"line"`` (a line of the CSV file, the header being line 1) or
    ``"row"`` (a row of the table, counted from 1)."""
    rows = [(pid, *(int((results[pid] == s).sum()) for s in SUMMARY_STATUSES)) for pid in patterns]
    head = ("pattern", *(s.replace("_", " ") for s in SUMMARY_STATUSES))
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = [
        "  ".join(
            str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in [head, *rows]
    ]
    invalid = results["invalid"].reset_index(drop=True).dropna()
    numbered = "the header is line 1" if where == "line" else "counted from 1"
    lines.append(
        f"{_plural(len(results), 'row')}, {len(invalid)} invalid (kept, with the reason in "
        f"'invalid'{'; ' + where + 's: ' + numbered if len(invalid) else ''})"
    )
    first = 2 if where == "line" else 1  # the first row is line 2 of a CSV file, or row 1
    for position, reason in enumerate(invalid.tolist()[:SHOWN_REASONS]):
        lines.append(f"  {where} {int(invalid.index[position]) + first}: {_clip(str(reason))}")
    if len(invalid) > SHOWN_REASONS:
        lines.append(f"  ... and {len(invalid) - SHOWN_REASONS} more")
    return "\n".join(lines)


# --- the command --------------------------------------------------------------------------------


def _units(words: Sequence[str]) -> dict[str, str]:
    units: dict[str, str] = {}
    for word in words:
        column, sep, unit = word.partition("=")
        if not sep or not column or not unit:
            raise PanelError(
                f"--units: expected COLUMN=UNIT, got {shorten(word)}",
                field="units",
                value=word,
                expected="COLUMN=UNIT, e.g. mcv=fL",
            )
        units[column] = unit
    return units


def _wide(args: argparse.Namespace, table: pd.DataFrame) -> pd.DataFrame:
    if not args.long:
        if args.preset or args.subject or args.window:
            raise PanelError(
                "--preset, --subject and --window read a long table: add --long",
                field="long",
                value=False,
                expected="--long with --preset, --subject or --window",
            )
        return table
    if not args.preset and not args.subject:
        raise PanelError(
            "--long needs --preset (mimic_iv, omop) or --subject COLUMN",
            field="long",
            value=None,
            expected="--preset mimic_iv, --preset omop or --subject COLUMN",
        )
    from labinterp.frame import panels_from_long

    wide: pd.DataFrame = panels_from_long(
        table, preset=args.preset, subject=args.subject, window=args.window
    )
    return wide


def run_batch(args: argparse.Namespace) -> tuple[int, str]:
    import pandas as pd

    from labinterp._engine import resolve_pack

    units = _units(args.units)
    _suffix(args.output, OUTPUTS, "output")  # a wrong name is found before the work
    pack = resolve_pack(args.pack)
    typed, written = _read(args.input)
    said: dict[str, None] = {}  # each warning once, in the order first seen
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TableWarning)
        wide = _wide(args, typed).reset_index(drop=True)
        shown = wide if args.long else written.reset_index(drop=True)
        results, patterns = _interpret_steps(wide, pack, units, args.quiet)
    for warning in caught:
        if issubclass(warning.category, TableWarning):
            said.setdefault(str(warning.message))
        else:  # not ours to report: let it go on as it would have
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    clash = sorted(set(results.columns) & {str(c) for c in wide.columns})
    if clash:
        raise PanelError(
            f"{shorten(args.input)}: the table already has result column(s) {shorten(clash)}",
            field="input",
            value=clash,
            expected="no column named like a pattern, an <analyte>_flag or 'invalid'",
        )
    _write(pd.concat([shown, results.reset_index(drop=True)], axis=1), args.output)
    for message in said:  # printed even with -q: they say what was not read
        complain(f"labinterp batch: warning: {message}")
    if not args.quiet:
        csv_lines = not args.long and _suffix(args.input, INPUTS, "input") == ".csv"
        complain(_summary(results, patterns, "line" if csv_lines else "row"))
    return 0, ""


def _interpret_steps(
    wide: pd.DataFrame, pack: Any, units: dict[str, str], quiet: bool
) -> tuple[pd.DataFrame, Sequence[str]]:
    import pandas as pd

    from labinterp.frame import interpret_frame

    parts: list[pd.DataFrame] = []
    patterns: Sequence[str] = ()
    for start, stop, progress in _steps(len(wide), quiet):
        found = interpret_frame(wide.iloc[start:stop], pack=pack, units=units)
        parts.append(found.frame)
        patterns = found.pattern_ids
        progress.advance(stop - start)
    if not parts:  # an empty table: its columns still come out
        found = interpret_frame(wide, pack=pack, units=units)
        parts, patterns = [found.frame], found.pattern_ids
    return pd.concat(parts), patterns
