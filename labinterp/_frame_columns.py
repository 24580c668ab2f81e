"""Which column of a wide table is what (an analyte's results, its unit, the lab's limits, a
context field), and one row read through that plan as the panel mapping
:func:`labinterp.interpret` takes (what ``FrameResult.explain`` and the equivalence with the
scalar API rest on)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from labinterp._analytes import ANALYTES, resolve_analyte_id
from labinterp._errors import LabinterpError, PanelError, UnknownAnalyteError, shorten
from labinterp._frame_table import Table, scalar_cell
from labinterp._panel_input import BOOLEAN_WORDS

#: Context columns a wide table may hold, as :class:`labinterp.Panel` names them.
CONTEXT_FIELDS: Final = (
    "sex",
    "age",
    "pregnant",
    "trimester",
    "conditions",
    "medications",
    "symptoms",
    "diet",
)
#: Context fields that hold a list of reported ids.
LIST_FIELDS: Final = ("conditions", "medications", "symptoms")
#: Context fields that hold true or false. A CSV file has no booleans: its cells are text.
BOOL_FIELDS: Final = ("pregnant",)
UNIT_SUFFIX: Final = "_unit"
FLAG_SUFFIX: Final = "_flag"
# A lab's own reference interval for a result, in the result's unit: <column>_low/_high.
LAB_LOW_SUFFIX: Final = "_low"
LAB_HIGH_SUFFIX: Final = "_high"


@dataclass(frozen=True, slots=True)
class AnalyteColumn:
    column: str
    analyte: str
    unit: str | None  # one unit for every row (units=)
    unit_column: str | None  # a unit per row (<column>_unit)
    lab_low_column: str | None = None  # the lab's low limit per row (<column>_low)
    lab_high_column: str | None = None  # the lab's high limit per row (<column>_high)


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    analytes: tuple[AnalyteColumn, ...]
    context: Mapping[str, str]  # context field -> column
    constants: Mapping[str, Any]  # context field -> value for every row
    # Columns that are not read and do not look like identifiers or times, each with the
    # analyte it may be a misspelling of (None when it is close to none).
    ignored: Mapping[str, str | None] = field(default_factory=dict)


# Columns a table of lab results carries besides results and context: identifiers and times.
# Compared after lower(); a name ending in one of the suffixes counts too (subject_id,
# charttime, measurement_datetime).
_ID_LIKE_NAMES: Final = frozenset(
    {
        "id",
        "patient",
        "person",
        "subject",
        "mrn",
        "name",
        "sample",
        "specimen",
        "encounter",
        "visit",
        "admission",
        "episode",
        "date",
        "time",
        "datetime",
        "timestamp",
        "index",
        "row",
        "unnamed: 0",
    }
)
_ID_LIKE_SUFFIXES: Final = ("id", "_no", "_number", "time", "date", "_at", "_ts")
# Companions of a result column: its unit, the lab's limits, labinterp's flag and the lab's.
_COMPANION_SUFFIXES: Final = (
    "_lab_flag",
    UNIT_SUFFIX,
    LAB_LOW_SUFFIX,
    LAB_HIGH_SUFFIX,
    FLAG_SUFFIX,
)


def plan_columns(
    table: Table,
    columns: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
    context: Mapping[str, Any] | None,
) -> ColumnPlan:
    names = table.names
    unread: dict[str, str | None] = {}
    if columns is None:
        roles: dict[str, str] = {}
        for name in names:
            if name in CONTEXT_FIELDS:
                roles[name] = name
            elif not name.endswith(UNIT_SUFFIX):
                try:
                    roles[name] = resolve_analyte_id(name)
                except UnknownAnalyteError as exc:
                    unread[name] = exc.suggestion  # an identifier, a date, a typo ...
            else:
                unread[name] = None
    else:
        roles = {}
        for name, target in columns.items():
            if name not in names:
                raise PanelError(
                    f"columns: no column {shorten(name)} in the table",
                    field="columns",
                    value=name,
                    expected=f"one of {shorten(names)}",
                )
            roles[name] = target if target in CONTEXT_FIELDS else resolve_analyte_id(target)
    analytes: list[AnalyteColumn] = []
    seen: dict[str, str] = {}
    ctx: dict[str, str] = {}
    unit_for = _units_by_column(units, roles)
    for name, role in roles.items():
        if role in CONTEXT_FIELDS:
            ctx[role] = name
            continue
        analyte = ANALYTES[role]
        if analyte.derived is not None:
            raise PanelError(
                f"{shorten(name)}: the {analyte.display_name} is computed by labinterp from "
                "its inputs, never given; drop the column or give the inputs",
                field=name,
                value=name,
                expected="measured analytes only",
            )
        if role in seen:
            raise PanelError(
                f"{shorten(name)}: {role} is given twice (also as column {seen[role]!r})",
                field=name,
                value=name,
                expected="each analyte in one column",
            )
        seen[role] = name
        unit_column = name + UNIT_SUFFIX
        low_column, high_column = name + LAB_LOW_SUFFIX, name + LAB_HIGH_SUFFIX
        analytes.append(
            AnalyteColumn(
                name,
                role,
                unit_for.get(name),
                unit_column if unit_column in names else None,
                low_column if low_column in names else None,
                high_column if high_column in names else None,
            )
        )
    constants = dict(context or {})
    for key in constants:
        if key not in CONTEXT_FIELDS:
            raise PanelError(
                f"context: {shorten(key)} is not a context field",
                field="context",
                value=key,
                expected=", ".join(CONTEXT_FIELDS),
            )
        if key in ctx:
            raise PanelError(
                f"context: {key} is given both as a column and in context=",
                field="context",
                value=key,
                expected="one of the two",
            )
    return ColumnPlan(tuple(analytes), ctx, constants, _worth_reporting(unread, roles))


def _worth_reporting(
    unread: Mapping[str, str | None], roles: Mapping[str, str]
) -> dict[str, str | None]:
    """The unread columns a reader should hear about: not a read column's companion (its
    unit, limits or flags), not an identifier or a time."""
    out: dict[str, str | None] = {}
    for name, suggestion in unread.items():
        base = next((name[: -len(s)] for s in _COMPANION_SUFFIXES if name.endswith(s)), None)
        if base is not None and base in roles:
            continue
        if base is not None and suggestion is None:
            # "feritin_unit": the suffix is right, the analyte misspelt.
            try:
                resolve_analyte_id(base)
            except UnknownAnalyteError as exc:
                suggestion = None if exc.suggestion is None else exc.suggestion + name[len(base) :]
        if suggestion is None and _id_like(name):
            continue
        out[name] = suggestion
    return out


def _id_like(name: str) -> bool:
    lowered = name.strip().lower()
    return lowered in _ID_LIKE_NAMES or lowered.endswith(_ID_LIKE_SUFFIXES)


def unit_conflicts(table: Table, plan: ColumnPlan) -> list[str]:
    """A message for each analyte column whose unit column names, on some row, another unit
    than the one units= gives for the column (the row's own unit is used there)."""
    found: list[str] = []
    for col in plan.analytes:
        if col.unit is None or col.unit_column is None:
            continue
        analyte = ANALYTES[col.analyte]
        for cell in pd.unique(table.data[col.unit_column].to_numpy(dtype=object)):
            own = scalar_cell(cell)
            if own is None or _same_unit(analyte.id, own, col.unit):
                continue
            found.append(
                f"{shorten(col.column)}: column {shorten(col.unit_column)} gives "
                f"{shorten(own)} where units= (batch --units) gives {shorten(col.unit)}; a "
                "row's own unit is used, units= only fills the blank cells of the unit column"
            )
            break
    return found


def _same_unit(analyte_id: str, written: Any, other: str) -> bool:
    """The same unit in another spelling (g/dl and g/dL)."""
    analyte = ANALYTES[analyte_id]
    try:
        return analyte.resolve_unit(written).ucum == analyte.resolve_unit(other).ucum
    except (LabinterpError, TypeError):
        return False


# The scalar reader speaks of a mapping's keys; a table has columns instead.
_UNIT_KEY_PHRASES: Final = (
    ("and the unit goes under 'unit'", "and the unit goes {where}"),
    ("give the unit once, under 'unit'", "give the unit once: in the cell or {where}, not both"),
)


def table_error(error: LabinterpError, plan: ColumnPlan) -> LabinterpError:
    """``error`` (the scalar reader's, for one row) worded for a table: where a mapping has a
    ``unit`` key, a table has a unit column or ``units=``. Other errors are returned as they
    are."""
    message = error.message
    if not any(old in message for old, _ in _UNIT_KEY_PHRASES):
        return error
    analyte = message.partition(":")[0].partition(".")[0]
    col = next((c for c in plan.analytes if c.analyte == analyte), None)
    if col is None:
        return error
    if col.unit_column is not None:
        where = f"in column {shorten(col.unit_column)}"
    else:
        where = f"in a column {shorten(col.column + UNIT_SUFFIX)} or in units="
    for old, new in _UNIT_KEY_PHRASES:
        message = message.replace(old, new.format(where=where))
    return type(error)(
        message,
        field=error.field,
        value=error.value,
        unit=error.unit,
        expected=error.expected,
        suggestion=error.suggestion,
    )


def ignored_columns_message(ignored: Mapping[str, str | None]) -> str:
    """One line naming the columns not read, with a did-you-mean for the misspelt analytes."""
    parts = [
        shorten(name) if hint is None else f"{shorten(name)} (did you mean {hint!r}?)"
        for name, hint in ignored.items()
    ]
    return (
        f"columns not read (neither a lab result, its unit or limits, nor context): "
        f"{', '.join(parts)}; rename a misspelt analyte column, or name the columns to read "
        "with columns="
    )


def _units_by_column(units: Mapping[str, str] | None, roles: Mapping[str, str]) -> dict[str, str]:
    """units= may name a column or its analyte (id or alias)."""
    out: dict[str, str] = {}
    by_analyte = {role: name for name, role in roles.items() if role not in CONTEXT_FIELDS}
    for key, unit in (units or {}).items():
        if key in roles:
            out[key] = unit
            continue
        analyte = resolve_analyte_id(key)
        if analyte not in by_analyte:
            raise PanelError(
                f"units: {shorten(key)} names no analyte column of the table",
                field="units",
                value=key,
                expected=f"one of {shorten(sorted(by_analyte))}",
            )
        out[by_analyte[analyte]] = unit
    return out


# --- one row as a panel (what explain and the equivalence law use) ------------------------------


def row_panel(table: Table, plan: ColumnPlan, row: int) -> dict[str, Any]:
    panel: dict[str, Any] = {}
    for col in plan.analytes:
        value = table.cell(col.column, row)
        if value is None:
            continue
        unit = col.unit
        if col.unit_column is not None:
            # The row's own unit wins; units= fills a blank cell (as the arrays read it).
            own = table.cell(col.unit_column, row)
            unit = col.unit if own is None else own
        entry: Any = value if unit is None else {"value": value, "unit": unit}
        interval = _lab_interval_cells(table, col, row)
        if interval:
            # The lab's limits are in the result's unit; without a unit the scalar reader
            # refuses the row and says why.
            entry = {"value": value, "reference_interval": interval}
            if unit is not None:
                entry["unit"] = unit
                interval["unit"] = unit
        panel[col.analyte] = entry
    for key, value in plan.constants.items():
        panel[key] = context_cell(key, value)
    for key, name in plan.context.items():
        cell = context_cell(key, table.cell(name, row))
        if cell is not None:
            panel[key] = cell
    return panel


def _lab_interval_cells(table: Table, col: AnalyteColumn, row: int) -> dict[str, Any]:
    """The row's lab limits ({} when neither is given)."""
    interval: dict[str, Any] = {}
    for name, bound in ((col.lab_low_column, "low"), (col.lab_high_column, "high")):
        if name is not None:
            cell = table.cell(name, row)
            if cell is not None:
                interval[bound] = cell
    return interval


def context_cell(key: str, value: Any) -> Any:
    """A reported list may be written as text, ids separated by ';' or ','; a true/false
    field as text (true/false, yes/no, 1/0 in any case) or as the numbers 1 and 0."""
    value = scalar_cell(value)
    if key in BOOL_FIELDS:
        return table_boolean(value)
    if key in LIST_FIELDS and isinstance(value, str):
        return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]
    if key in LIST_FIELDS and isinstance(value, tuple | set | frozenset):
        return list(value)
    return value


def table_boolean(value: Any) -> Any:
    """A table's cell for a true/false field: the text and number forms read as a boolean;
    anything else is returned as it is, for the panel to refuse with its own message."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        # The panel reader's own words (blank cells are missing before they get here).
        return BOOLEAN_WORDS.get(value.strip().lower(), value)
    return value
