"""Hypothesis strategies for measurements, patient contexts, panels and threshold edges.

Everything drawn is plain data a panel mapping accepts (``{"value": 12.0, "unit": "g/dL"}``),
so that a failing example prints as JSON a person can paste into ``labinterp interpret``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from labinterp._analytes import ANALYTES, resolve_analyte_id
from labinterp._context import CONTEXT_VOCABULARIES
from labinterp._convert import convert
from labinterp._errors import InvalidValueError, PackError, UnknownPatternError
from labinterp._packs import Pack, default_pack, load_pack
from labinterp._units import is_close, normalize_unit
from labinterp.testing._edges import EdgeValue, is_derived, rescale, threshold_edges, unit_spellings

__all__ = [
    "REPORTED_FIELDS",
    "contexts",
    "edge_values",
    "measurements",
    "pack_analytes",
    "pack_edges",
    "panels",
]

REPORTED_FIELDS = ("conditions", "medications", "symptoms", "diet")
# Plausible ranges guard against unit slips and reach 10^6 or more; values drawn anywhere in
# them would almost never be near a real cut-off, so draws stop here unless asked otherwise.
_DRAW_CEILING = 1e5
# Where near-edge values sit, as multiples of a cut-off: both sides, close and far.
_EDGE_FACTORS = (0.5, 0.9, 0.999, 1.0, 1.001, 1.1, 2.0)


def resolve_pack(pack: Pack | str | Path | None, caller: str) -> Pack:
    """The pack a strategy draws for: a Pack as given, a bundled pack's name or a pack file
    loaded as :func:`labinterp.testing.check_pack` loads it, the default pack for None."""
    if pack is None:
        return default_pack()
    if isinstance(pack, Pack):
        return pack
    if not isinstance(pack, str | Path):
        raise PackError(
            f"{caller}: pack must be a Pack, a bundled pack's name or a pack file, got "
            f"{type(pack).__name__}",
            field="pack",
            value=pack,
            expected="a Pack (load_pack(...)), a name such as 'default', or a .yaml path",
        )
    try:
        return load_pack(pack)
    except PackError as exc:
        raise PackError(
            f"{caller}: {exc}",
            field="pack",
            value=pack,
            expected="a Pack (load_pack(...)), a name such as 'default', or a .yaml path",
        ) from exc


def _analyte_id(analyte: str) -> str:
    found = resolve_analyte_id(analyte)
    if is_derived(found):
        inputs = ", ".join(ANALYTES[found].derived.inputs)  # type: ignore[union-attr]  # derived
        raise InvalidValueError(
            f"measurements: {found} is computed by labinterp from {inputs}, never given in a "
            "panel; draw measurements of its inputs",
            field="analyte",
            value=analyte,
            expected="a measured analyte",
        )
    return found


def _units_of(analyte: str, units: Sequence[str] | None) -> list[str]:
    if units is None:
        return list(ANALYTES[analyte].common_units)
    if isinstance(units, str) or not units:
        raise InvalidValueError(
            f"measurements: units must be a non-empty list of unit texts, got {units!r}"[:200],
            field="units",
            value=units,
            expected="e.g. ['g/dL', 'g/L']",
        )
    # Checked now, so that a wrong unit fails where it is written, not in the middle of a run.
    return [ANALYTES[analyte].resolve_unit(normalize_unit(u)).ucum for u in units]


def measurements(
    analyte: str,
    units: Sequence[str] | None = None,
    *,
    low: float | None = None,
    high: float | None = None,
    censored: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """One result of ``analyte`` as a panel entry ``{"value", "unit"[, "comparator"]}``.

    The unit is any of ``units`` (default: every unit labinterp accepts for the analyte),
    written in any spelling labinterp reads (``ug/L``, ``µg/L``, ``mcg/L``, ``UG/L``...). The
    value lies in ``low..high`` of the canonical unit (default: the plausible range, capped at
    10^5 so that draws stay near real results). With ``censored`` some results are censored
    (``<``, ``<=``, ``>``, ``>=``), as labs print results outside the assay's range.
    """
    found = _analyte_id(analyte)
    chosen = _units_of(found, units)
    limits = ANALYTES[found].plausible
    floor = limits.low if low is None else max(low, limits.low)
    ceiling = min(limits.high, _DRAW_CEILING) if high is None else min(high, limits.high)
    if floor > ceiling:
        raise InvalidValueError(
            f"measurements: low ({floor:g}) is above high ({ceiling:g}) for {found}",
            field="low",
            value=low,
            expected=f"a range inside {limits.low:g}-{limits.high:g} "
            f"{ANALYTES[found].canonical_unit}",
        )
    values = st.floats(
        floor,
        ceiling,
        allow_nan=False,
        allow_infinity=False,
        exclude_min=limits.low_exclusive and floor == limits.low,
    )
    return _entries(found, chosen, values, censored)


def _entries(
    analyte: str, units: Sequence[str], canonical: st.SearchStrategy[float], censored: bool
) -> st.SearchStrategy[dict[str, Any]]:
    comparators = st.sampled_from([None, None, "<", "<=", ">", ">="]) if censored else st.none()

    spellings = {unit: st.sampled_from(unit_spellings(unit)) for unit in units}
    chosen_unit = st.sampled_from(units)

    @st.composite
    def entry(draw: st.DrawFn) -> dict[str, Any]:
        unit = draw(chosen_unit)
        spelling = draw(spellings[unit])
        value = draw(canonical)
        canonical_unit = ANALYTES[analyte].canonical_unit
        shown = convert(value, canonical_unit, unit, analyte=analyte) if value else 0.0
        out: dict[str, Any] = {"value": shown, "unit": spelling}
        comparator = draw(comparators)
        limits = ANALYTES[analyte].plausible
        # "<0" or ">" the plausible maximum allows no value at all, and is refused as such;
        # so is a bound within the tolerance of either limit (the panel compares with it).
        inside = limits.low < value < limits.high
        near_limit = is_close(value, limits.low) or is_close(value, limits.high)
        if comparator is not None and inside and not near_limit:
            out["comparator"] = comparator
        return out

    return entry()


_EDGE_CACHE: dict[int, tuple[Pack, dict[str, list[float]]]] = {}


def pack_edges(pack: Pack | str | Path, analyte: str) -> list[float]:
    """Every cut-off and reference bound of ``analyte`` in ``pack`` (a Pack, a bundled pack's
    name or a pack file), in the canonical unit."""
    pack = resolve_pack(pack, "pack_edges")
    # Packs are immutable: the edges are worked out once per pack object (a few packs).
    hit = _EDGE_CACHE.get(id(pack))
    if hit is None or hit[0] is not pack:
        if len(_EDGE_CACHE) > 32:
            _EDGE_CACHE.clear()
        hit = _EDGE_CACHE[id(pack)] = (pack, {})
    known = hit[1].get(analyte)
    if known is None:
        known = hit[1][analyte] = _edges_of(pack, analyte)
    return list(known)


def _edges_of(pack: Pack, analyte: str) -> list[float]:
    canonical_unit = ANALYTES[analyte].canonical_unit
    edges: list[float] = []
    for spec in pack.thresholds.values():
        if spec.analyte != analyte:
            continue
        for cut in spec.cutoffs:
            bounds = [cut.value] if cut.interval is None else [cut.interval.low, cut.interval.high]
            edges += [rescale(analyte, b, cut.unit, canonical_unit) for b in bounds if b]
    ref = pack.reference_intervals.get(analyte)
    for ri in ref.intervals if ref else ():
        for b in (ri.low, ri.high, ri.critical_low, ri.critical_high):
            if b:
                edges.append(rescale(analyte, b, ri.unit, canonical_unit))
    return sorted(set(edges))


def pack_analytes(pack: Pack | str | Path) -> list[str]:
    """The measured analytes a pack (a Pack, a bundled pack's name or a pack file) reads: its
    thresholds' and reference intervals' analytes, with a derived index replaced by the
    results it is computed from."""
    pack = resolve_pack(pack, "pack_analytes")
    found: dict[str, None] = {}
    for analyte in [s.analyte for s in pack.thresholds.values()] + list(pack.reference_intervals):
        derivation = ANALYTES[analyte].derived
        for a in derivation.inputs if derivation is not None else (analyte,):
            found[a] = None
    return sorted(found)


def _near_edges(pack: Pack, analyte: str) -> st.SearchStrategy[float]:
    """Values on and around the pack's edges of ``analyte`` (canonical), where decisions flip."""
    limits = ANALYTES[analyte].plausible
    near = sorted(
        {
            e * f
            for e in pack_edges(pack, analyte)
            for f in _EDGE_FACTORS
            if limits.low <= e * f <= limits.high and not (limits.low_exclusive and e * f == 0)
        }
    )
    return st.sampled_from(near) if near else st.nothing()


def _ages(pack: Pack | None) -> list[float]:
    ages = {10.0, 15.0, 40.0, 80.0}
    if pack is not None:
        bounds = [pack.population.age_min, pack.population.age_max]
        for spec in pack.thresholds.values():
            bounds += [w for cut in spec.cutoffs for w in (cut.when.age_min, cut.when.age_max)]
        ages |= {b for b in bounds if b is not None}
    return sorted(ages)


@st.composite
def _context(
    draw: st.DrawFn, ages: Sequence[float], reported: bool, pregnancy: tuple[float, float]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    sex = draw(st.sampled_from([None, "female", "male"]))
    if sex is not None:
        out["sex"] = sex
    # Drawn first: interpret refuses a pregnancy outside the pack's pregnancy ages.
    age = draw(st.sampled_from([None, *ages]))
    if sex != "male":
        possible = age is None or pregnancy[0] <= age <= pregnancy[1]
        pregnant = draw(st.sampled_from([None, True, False] if possible else [None, False]))
        if pregnant is not None:
            out["pregnant"] = pregnant
        if pregnant:
            trimester = draw(st.sampled_from([None, 1, 2, 3]))
            if trimester is not None:
                out["trimester"] = trimester
    if age is not None:
        out["age"] = age
    if reported:
        for name in REPORTED_FIELDS:
            ids = sorted(CONTEXT_VOCABULARIES[name])
            if name == "diet":
                diet = draw(st.sampled_from([None, *ids]))
                if diet is not None:
                    out["diet"] = diet
            elif draw(st.booleans()):
                out[name] = draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
    return out


def contexts(
    pack: Pack | str | Path | None = None, *, reported: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """A patient context as panel keys, each part possibly unknown (left out): sex, pregnancy,
    trimester and age (ages include the pack's age bands' ends); with ``reported``, also
    reported conditions, medications, symptoms and diet from labinterp's vocabularies."""
    chosen = None if pack is None else resolve_pack(pack, "contexts")
    ages = (chosen if chosen is not None else default_pack()).population.pregnancy_ages
    return _context(_ages(chosen), reported, (ages.min, ages.max))


def panels(
    pack: Pack | str | Path | None = None,
    *,
    analytes: Sequence[str] | None = None,
    context: bool | Mapping[str, Any] = True,
    censored: bool = True,
    missing: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """Panel mappings for ``pack`` (default: the default pack): each analyte (default: every
    measured analyte the pack reads) measured in any accepted unit and spelling, with values
    on and around the pack's cut-offs as often as anywhere else; censored (with
    ``censored``) or left out (with ``missing``) now and then.

    ``context`` True draws a patient context with parts missing (:func:`contexts`); a mapping
    is used as the context of every panel; False gives none.
    """
    chosen = resolve_pack(pack, "panels")
    names = pack_analytes(chosen) if analytes is None else [_analyte_id(a) for a in analytes]
    strategies = {
        a: _entries(
            a,
            ANALYTES[a].common_units,
            _near_edges(chosen, a) | _canonical_values(a),
            censored,
        )
        for a in names
    }
    if context is True:
        context_strategy: st.SearchStrategy[dict[str, Any]] = contexts(chosen, reported=True)
    else:
        context_strategy = st.just(dict(context) if isinstance(context, Mapping) else {})

    @st.composite
    def panel(draw: st.DrawFn) -> dict[str, Any]:
        out = dict(draw(context_strategy))
        for analyte, strategy in strategies.items():
            if missing and not draw(st.booleans()):
                continue
            out[analyte] = draw(strategy)
        return out

    return panel()


def _canonical_values(analyte: str) -> st.SearchStrategy[float]:
    limits = ANALYTES[analyte].plausible
    return st.floats(
        limits.low,
        min(limits.high, _DRAW_CEILING),
        allow_nan=False,
        allow_infinity=False,
        exclude_min=limits.low_exclusive,
    )


def edge_values(pack: Pack | str | Path, threshold_id: str) -> st.SearchStrategy[EdgeValue]:
    """Values just below, on and just above every edge of a threshold's cut-offs, in the
    cut-off's unit and every other accepted unit, each with the patient the cut-off applies
    to and whether it must hold there (:class:`EdgeValue`). ``pack`` is a Pack, a bundled
    pack's name or a pack file."""
    chosen = resolve_pack(pack, "edge_values")
    if threshold_id not in chosen.thresholds:
        known = ", ".join(sorted(chosen.thresholds)[:10])
        raise UnknownPatternError(
            f"edge_values: pack {chosen.name!r} has no threshold {threshold_id!r}"[:200]
            + f" (it has {known}{', ...' if len(chosen.thresholds) > 10 else ''})",
            field="threshold_id",
            value=threshold_id,
            expected="a threshold id of the pack",
        )
    found = threshold_edges(chosen, threshold_id)
    if not found:
        raise InvalidValueError(
            f"edge_values: threshold {threshold_id!r} has no edge a panel can reach (its "
            "analyte is a derived index, or no patient gets its cut-offs: check_pack says why)",
            field="threshold_id",
            value=threshold_id,
            expected="a threshold on a measured analyte",
        )
    return st.sampled_from(found)
