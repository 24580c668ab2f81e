"""Properties the engine must have for every panel, not just the worked cases.

Settings come from the Hypothesis profile in tests/conftest.py (100 examples, no deadline).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from _engine_helpers import PACK_NAMES, SAMPLE_PANELS, STATUS_OF_OUTCOME, pack
from hypothesis import assume, given
from hypothesis import strategies as st

from labinterp import ANALYTES, Outcome, Pack, PanelError, convert, interpret, load_pack
from labinterp._packs import (
    ThresholdRef,
    dump_pack,
)
from labinterp._rules import grey_zone_outcome
from labinterp.testing import contexts, pack_edges, packs

# --- shared strategies ------------------------------------------------------------------------

# Values a patient can plausibly have, in each analyte's canonical unit.
RANGES: Mapping[str, tuple[float, float]] = {
    "ferritin": (1.0, 1000.0),
    "transferrin_saturation": (1.0, 80.0),
    "iron": (2.0, 50.0),
    "tibc": (20.0, 100.0),
    "hemoglobin": (4.0, 20.0),
    "mcv": (60.0, 130.0),
    "vitamin_b12": (50.0, 800.0),
    "methylmalonic_acid": (50.0, 1500.0),
    "homocysteine": (3.0, 60.0),
    "folate": (2.0, 60.0),
    "crp": (0.1, 100.0),
}


def _canonical(analyte: str, value: float, unit: str) -> float:
    return convert(value, unit, ANALYTES[analyte].canonical_unit, analyte=analyte)


def _edges(analyte: str) -> list[float]:
    """Every cut-off and reference bound on ``analyte`` in any bundled pack, canonical."""
    return [edge for name in PACK_NAMES for edge in pack_edges(pack(name), analyte)]


EDGES: Mapping[str, list[float]] = {a: _edges(a) for a in RANGES}


def near_an_edge(analyte: str, canonical: float, rel: float = 1e-6) -> bool:
    return any(abs(canonical - e) <= rel * max(abs(canonical), abs(e)) for e in EDGES[analyte])


def entry(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit}


# --- (a) unit invariance ----------------------------------------------------------------------


@st.composite
def panels_in_two_units(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same panel twice, each value expressed in a (possibly) different accepted unit."""
    first: dict[str, Any] = draw(contexts())
    second = dict(first)
    for analyte, (low, high) in RANGES.items():
        if not draw(st.booleans()):
            continue
        value = draw(st.floats(low, high, allow_nan=False, allow_infinity=False))
        # A value within 1e-6 (relative) of a cut-off is left out: converting it to another
        # unit and back rounds in the last bits, and the engine treats values within
        # REL_TOL (1e-9) of a cut-off as equal to it, so such a value may legitimately land
        # on the other side of "equal" in another unit. Exact cut-offs in several units are
        # covered by the worked cases.
        assume(not near_an_edge(analyte, value))
        units = ANALYTES[analyte].common_units
        unit_a, unit_b = draw(st.sampled_from(units)), draw(st.sampled_from(units))
        canonical_unit = ANALYTES[analyte].canonical_unit
        first[analyte] = entry(convert(value, canonical_unit, unit_a, analyte=analyte), unit_a)
        second[analyte] = entry(convert(value, canonical_unit, unit_b, analyte=analyte), unit_b)
    return first, second


@pytest.mark.parametrize("pack_name", PACK_NAMES)
@given(pair=panels_in_two_units())
def test_statuses_do_not_depend_on_units(
    pack_name: str, pair: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    first, second = pair
    a = interpret(first, pack=pack(pack_name))
    b = interpret(second, pack=pack(pack_name))
    assert a.statuses() == b.statuses()
    for fa, fb in zip(a.patterns, b.patterns, strict=True):
        assert (fa.missing_analytes, fa.missing_context) == (
            fb.missing_analytes,
            fb.missing_context,
        )
    assert [(f.analyte, f.flag, f.code) for f in a.flags] == [
        (f.analyte, f.flag, f.code) for f in b.flags
    ]


# --- (b) monotonicity -------------------------------------------------------------------------

SINGLE_THRESHOLD_PATTERNS = [
    "anemia",
    "severe_anemia",
    "microcytic",
    "macrocytic",
    "inflammation",
]


def _threshold_of(pattern_id: str) -> tuple[str, int]:
    """The analyte of a single-threshold pattern and the direction that makes it hold
    (-1: lower values, +1: higher values)."""
    criteria = pack().patterns[pattern_id].criteria
    assert isinstance(criteria, ThresholdRef)
    spec = pack().thresholds[criteria.threshold]
    directions = {-1 if c.comparator in ("<", "<=") else 1 for c in spec.cutoffs}
    assert all(c.comparator is not None for c in spec.cutoffs)
    assert len(directions) == 1
    return spec.analyte, directions.pop()


def test_single_threshold_patterns_are_what_the_monotonicity_law_assumes() -> None:
    assert _threshold_of("macrocytic") == ("mcv", 1)
    assert _threshold_of("anemia") == ("hemoglobin", -1)
    for pid in SINGLE_THRESHOLD_PATTERNS:
        _threshold_of(pid)


@pytest.mark.parametrize("pattern_id", SINGLE_THRESHOLD_PATTERNS)
@given(
    context=contexts(),
    start=st.floats(0, 1),
    step=st.floats(0, 1),
)
def test_moving_past_the_cutoff_keeps_a_pattern_consistent(
    pattern_id: str, context: dict[str, Any], start: float, step: float
) -> None:
    analyte, direction = _threshold_of(pattern_id)
    low, high = RANGES[analyte]
    value = low + start * (high - low)
    # Further in the direction that makes the pattern hold (never out of the range).
    further = value + direction * step * ((high - value) if direction > 0 else (value - low))
    unit = ANALYTES[analyte].canonical_unit

    def status_at(v: float) -> str:
        return (
            interpret({**context, analyte: entry(v, unit)}, pack=pack()).pattern(pattern_id).status
        )

    here, there = status_at(value), status_at(further)
    if here == "consistent":
        assert there == "consistent", (value, further)
    if there == "not_consistent":
        # Read backwards: moving away from the cut-off keeps it not consistent.
        assert here == "not_consistent", (value, further)


# --- censored results -------------------------------------------------------------------------


def _allowed_values(comparator: str, bound: float, low: float, high: float) -> list[float]:
    """Exact values a result ``<comparator><bound>`` allows, spread over ``low..high``."""
    if comparator in ("<", "<="):
        below = [low, (low + bound) / 2, bound * (1 - 1e-6)]
        values = [v for v in below if low <= v < bound]
    else:
        above = [bound * (1 + 1e-6), (bound + high) / 2, high]
        values = [v for v in above if bound < v <= high]
    if comparator in ("<=", ">="):
        values.append(bound)
    return values


@pytest.mark.parametrize("pattern_id", SINGLE_THRESHOLD_PATTERNS)
@given(context=contexts(), data=st.data())
def test_a_censored_result_decides_only_what_every_allowed_value_decides(
    pattern_id: str, context: dict[str, Any], data: st.DataObject
) -> None:
    analyte, _ = _threshold_of(pattern_id)
    low, high = RANGES[analyte]
    bound = data.draw(
        st.floats(low, high, allow_nan=False) | st.sampled_from(EDGES[analyte]), label="bound"
    )
    comparator = data.draw(st.sampled_from(["<", "<=", ">", ">="]), label="comparator")
    unit = ANALYTES[analyte].canonical_unit
    censored = {**context, analyte: f"{comparator}{bound!r} {unit}"}
    status = interpret(censored, pack=pack()).pattern(pattern_id).status
    exact = {
        v: interpret({**context, analyte: entry(v, unit)}, pack=pack()).pattern(pattern_id).status
        for v in _allowed_values(comparator, bound, low, high)
    }
    if status != "indeterminate":
        # Decided: every value the censored result allows gives the same answer.
        assert set(exact.values()) <= {status}, (censored[analyte], status, exact)


# --- (c) three-valued soundness ---------------------------------------------------------------

GRIDS: Mapping[str, Sequence[tuple[float, str]]] = {
    "ferritin": [
        (x, "ug/L") for x in (5, 14.9, 15, 29.9, 30, 50, 69.9, 70, 99, 100, 150, 299.9, 300, 500)
    ],
    "transferrin_saturation": [(x, "%") for x in (5, 12, 14.9, 15, 19.9, 20, 30)],
    "crp": [(x, "mg/L") for x in (1, 5, 5.1, 40)],
    "vitamin_b12": [(x, "ng/L") for x in (100, 179.9, 180, 250, 350, 350.1, 500)],
    "methylmalonic_acid": [(x, "nmol/L") for x in (100, 271, 271.1, 500)],
}

SOUNDNESS = [
    ("default", "iron_deficiency", ("ferritin", "transferrin_saturation", "crp")),
    ("heart_failure_esc_2021", "iron_deficiency", ("ferritin", "transferrin_saturation")),
    ("who_2020_ferritin", "iron_deficiency", ("ferritin", "crp")),
    ("default", "b12_deficiency", ("vitamin_b12", "methylmalonic_acid")),
]


@st.composite
def partial_panels(draw: st.DrawFn, analytes: Sequence[str]) -> dict[str, Any]:
    """At least one of ``analytes`` missing; the others measured (from the grid, which sits
    on and around the cut-offs, or anywhere in range) or missing too."""
    # Known not to be pregnant: the WHO pack's threshold is not covered after the first
    # trimester, and these laws are about missing results, not missing context.
    panel: dict[str, Any] = {"age": 40, "pregnant": False}
    missing = draw(st.sampled_from(analytes))
    for analyte in analytes:
        choice = "missing" if analyte == missing else draw(st.sampled_from(CHOICES))
        if choice == "grid":
            value, unit = draw(st.sampled_from(GRIDS[analyte]))
            panel[analyte] = entry(value, unit)
        elif choice == "any":
            low, high = RANGES[analyte]
            value = draw(st.floats(low, high, allow_nan=False))
            panel[analyte] = entry(value, ANALYTES[analyte].canonical_unit)
    return panel


CHOICES = ["missing", "grid", "grid", "any"]


def _status(pack_name: str, pattern_id: str, panel: Mapping[str, Any]) -> str:
    return interpret(panel, pack=pack(pack_name)).pattern(pattern_id).status


@pytest.mark.parametrize(
    ("pack_name", "pattern_id", "analytes"),
    SOUNDNESS,
    ids=[f"{p}-{a}" for p, a, _ in SOUNDNESS],
)
@given(data=st.data())
def test_a_decided_pattern_stays_decided_whatever_the_missing_value(
    pack_name: str, pattern_id: str, analytes: tuple[str, ...], data: st.DataObject
) -> None:
    panel = data.draw(partial_panels(analytes))
    before = _status(pack_name, pattern_id, panel)
    if before == "indeterminate":
        return  # the other law covers it (not assume(): too many panels are indeterminate)
    for analyte in analytes:
        if analyte in panel:
            continue
        low, high = RANGES[analyte]
        drawn = data.draw(st.floats(low, high, allow_nan=False))
        candidates = [*GRIDS[analyte], (drawn, ANALYTES[analyte].canonical_unit)]
        for value, unit in candidates:
            after = _status(pack_name, pattern_id, {**panel, analyte: entry(value, unit)})
            assert after == before, (panel, analyte, value, unit)


@pytest.mark.parametrize(
    ("pack_name", "pattern_id", "analytes"),
    SOUNDNESS,
    ids=[f"{p}-{a}" for p, a, _ in SOUNDNESS],
)
@given(data=st.data())
def test_a_named_missing_analyte_can_decide_either_way(
    pack_name: str, pattern_id: str, analytes: tuple[str, ...], data: st.DataObject
) -> None:
    """Indeterminate naming X: X matters, since some of its values give different statuses
    (with the other missing analytes, if any, filled in from their grids). With grey zones the
    other status may be "indeterminate" itself: CRP can put ferritin 50 ug/L in a grey zone."""
    panel = data.draw(partial_panels(analytes))
    found = interpret(panel, pack=pack(pack_name)).pattern(pattern_id)
    if found.status != "indeterminate":
        return  # the other law covers it (not assume(): too many panels are decided)
    if any(zone.outcome is Outcome.HELD for zone in found.grey_zones):
        return  # a grey zone holds: indeterminate whatever is measured next, with its reason
    assert found.missing_analytes, found.label  # no censoring here, so something is missing
    # Analytes outside this law's grid (sTfR, which the default pack's mixed-picture branch
    # reads) may be named too; they are not varied here.
    named_here = [a for a in found.missing_analytes if a in analytes]
    assert named_here, found.label
    assert set(named_here) <= {a for a in analytes if a not in panel}
    for named in named_here:
        others = [a for a in analytes if a not in panel and a != named]
        decisive = False
        for filled in itertools.product(*(GRIDS[a] for a in others)):
            base = {**panel, **{a: entry(*vu) for a, vu in zip(others, filled, strict=True)}}
            seen = {
                _status(pack_name, pattern_id, {**base, named: entry(v, u)})
                for v, u in GRIDS[named]
            }
            if len(seen) > 1:
                decisive = True
                break
        assert decisive, (panel, named, found.label)


# --- (d) packs round-trip through the schema --------------------------------------------------


@pytest.fixture(scope="module")
def pack_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("packs") / "generated.yaml"


@given(generated=packs())
def test_dumped_packs_load_back_equal(pack_file: Path, generated: Pack) -> None:
    text = dump_pack(generated)
    pack_file.write_text(text, encoding="utf-8")
    assert load_pack(pack_file) == generated
    # The dumped data is a valid pack document by the schema's own models (jsonschema is
    # not a dependency, so the pydantic model the schema is generated from stands in).
    data = yaml.safe_load(text)
    assert data["schema_version"] == 1
    assert Pack.model_validate(data) == generated


@pytest.mark.parametrize("name", PACK_NAMES)
def test_bundled_packs_round_trip(pack_file: Path, name: str) -> None:
    pack_file.write_text(dump_pack(pack(name)), encoding="utf-8")
    assert load_pack(pack_file) == pack(name)


# --- (e) any valid pack decides what it explains ----------------------------------------------


@st.composite
def panels_with_reported_context(draw: st.DrawFn) -> dict[str, Any]:
    base = dict(SAMPLE_PANELS[draw(st.sampled_from(sorted(SAMPLE_PANELS)))])
    context = draw(contexts(reported=True))
    for field in ("conditions", "medications", "symptoms"):
        base[field] = context.get(field, [])
    return base


def pregnancy_refused(generated: Pack, panel: dict[str, Any]) -> bool:
    """A generated pack's pregnancy ages may leave out the sample panel's pregnant age, which
    interpret then refuses (review4 #3)."""
    ages = generated.population.pregnancy_ages
    age = panel.get("age")
    return panel.get("pregnant") is True and age is not None and not ages.min <= age <= ages.max


@given(generated=packs(), panel=panels_with_reported_context())
def test_generated_packs_decide_what_they_explain(generated: Pack, panel: dict[str, Any]) -> None:
    """Context, missing, not_covered and grey zones included: the status decided without a
    trace is the outcome the trace explains (the engine also asserts this internally)."""
    if pregnancy_refused(generated, panel):
        with pytest.raises(PanelError, match="outside the pregnancy ages"):
            interpret(panel, pack=generated)
        return
    result = interpret(panel, pack=generated)
    decided = result.statuses()
    for found in result.patterns:
        explained = grey_zone_outcome(found.criteria.outcome, (z.outcome for z in found.grey_zones))
        assert STATUS_OF_OUTCOME[explained] == decided[found.id] == found.status
    for classified in result.classifications:
        # Exclusive and exhaustive: one class is consistent, or at least two are possible.
        statuses = [decided[f"{classified.id}.{k}"] for k in classified.classes]
        assert statuses.count("consistent") == 1 or (
            statuses.count("consistent") == 0 and statuses.count("indeterminate") >= 2
        )
