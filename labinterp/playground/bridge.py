"""What the playground page calls, in the browser's Python: the form's data and one call that
interprets a panel. Both take and return JSON text, so the JavaScript side never handles
Python objects, and both run unchanged in CPython, where the tests call them directly.

Nothing here decides anything: it reads the catalog and the pack, calls
:func:`labinterp.interpret`, and returns a rendering. Errors come back as data (the library's
own message, field and suggestion), never as an exception crossing into JavaScript.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

from labinterp._analytes import ANALYTES
from labinterp._context import CONTEXT_VOCABULARIES
from labinterp._convert import convert
from labinterp._engine import interpret
from labinterp._errors import LabinterpError
from labinterp._findings import Interpretation
from labinterp._packs import Pack, bundled_pack_names, load_pack
from labinterp._panel import Panel
from labinterp.render import render

__all__ = ["EXAMPLE_PANELS", "form_spec", "interpret_request"]

#: Worked panels a learner can load with one click: the repository's examples/ folder, keyed
#: by analyte id (the form's fields) and with every value as report text.
EXAMPLE_PANELS: dict[str, dict[str, Any]] = {
    "iron deficiency": {
        "ferritin": "12 ng/mL",
        "transferrin_saturation": "9 %",
        "iron": "35 ug/dL",
        "tibc": "430 ug/dL",
        "hemoglobin": "10.2 g/dL",
        "mcv": "74 fL",
        "rdw": "17.1 %",
        "reticulocytes": "0.9 %",
        "vitamin_b12": "410 pg/mL",
        "folate": "9.1 ng/mL",
        "crp": "2 mg/L",
        "esr": "14 mm/h",
        "sex": "female",
        "age": 34,
        "pregnant": False,
    },
    "B12 grey zone": {
        "hemoglobin": "11.1 g/dL",
        "mcv": "104 fL",
        "vitamin_b12": "240 ng/L",
        "folate": "7.5 ng/mL",
        "homocysteine": "21 umol/L",
        "sex": "male",
        "age": 67,
    },
    "inflammation": {
        "ferritin": "340 ug/L",
        "transferrin_saturation": "11 %",
        "iron": "6.1 umol/L",
        "tibc": "38 umol/L",
        "hemoglobin": "10.8 g/dL",
        "mcv": "86 fL",
        "crp": "46 mg/L",
        "esr": "52 mm/h",
        "sex": "female",
        "age": 58,
        "pregnant": False,
    },
}

#: The positions a slider has; the value moves in steps of (high - low) / this.
SLIDER_STEPS = 1000


def _cutoffs(pack: Pack, analyte: str) -> list[float]:
    """Every cut-off and reference limit of the pack for one analyte, in its canonical unit."""
    canonical = ANALYTES[analyte].canonical_unit
    values: list[tuple[float, str]] = []
    for spec in pack.thresholds.values():
        if spec.analyte != analyte:
            continue
        for cut in spec.cutoffs:
            if cut.value is not None:
                values.append((cut.value, cut.unit))
            if cut.interval is not None:
                values += [(cut.interval.low, cut.unit), (cut.interval.high, cut.unit)]
    reference = pack.reference_intervals.get(analyte)
    if reference is not None:
        for interval in reference.intervals:
            values += [(v, interval.unit) for v in (interval.low, interval.high) if v is not None]
    return [convert(v, unit, canonical, analyte=analyte) for v, unit in values]


def _slider(pack: Pack, analyte: str) -> dict[str, list[float]]:
    """For each accepted unit, a slider range that spans every cut-off of the analyte with room
    on both sides, so moving the slider carries a value across each of them."""
    entry = ANALYTES[analyte]
    cuts = _cutoffs(pack, analyte)
    if cuts:
        low, high = 0.0, max(cuts) * 1.5
    else:
        low, high = entry.plausible.low, min(entry.plausible.high, 1000.0)
    ranges: dict[str, list[float]] = {}
    for unit in entry.common_units:
        lo = convert(low, entry.canonical_unit, unit, analyte=analyte) if low else 0.0
        hi = convert(high, entry.canonical_unit, unit, analyte=analyte)
        ranges[unit] = [lo, hi, _step((hi - lo) / SLIDER_STEPS)]
    return ranges


def _step(raw: float) -> float:
    """A round step no larger than ``raw`` (1, 2 or 5 times a power of ten)."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return float(max(m * power for m in (1, 2, 5) if m * power <= raw))


def form_spec(pack: str = "default") -> str:
    """The form's data as JSON: analytes with their units and slider ranges, the context
    vocabularies, the bundled packs and the example panels."""
    chosen = load_pack(pack)
    analytes = [
        {
            "id": entry.id,
            "name": entry.display_name,
            "units": list(entry.common_units),
            "unit": entry.common_units[0],
            "slider": _slider(chosen, entry.id),
        }
        for entry in ANALYTES.values()
        if entry.derived is None
    ]
    return json.dumps(
        {
            "analytes": analytes,
            "vocabularies": {k: sorted(v) for k, v in CONTEXT_VOCABULARIES.items()},
            "packs": list(bundled_pack_names()),
            "examples": EXAMPLE_PANELS,
        },
        sort_keys=True,
    )


def _error(exc: LabinterpError) -> dict[str, Any]:
    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "field": exc.field,
        "suggestion": exc.suggestion,
    }


#: How a pasted pack is named in its error messages, in place of its temporary file's path.
PASTED_PACK = "pasted pack"


def _pack_from(request: dict[str, Any]) -> Pack | None:
    text = request.get("pack_yaml")
    if text:
        # A pasted pack is read from a file of its own, so its errors are located the way a
        # pack file's are (line and key) and its ``extends:`` may name a bundled pack.
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "pasted-pack.yaml"
            path.write_text(str(text), encoding="utf-8")
            try:
                return load_pack(path)
            except LabinterpError as exc:
                message = str(exc).replace(str(path), PASTED_PACK)
                raise type(exc)(
                    message, field=exc.field, expected=exc.expected, suggestion=exc.suggestion
                ) from None
    name = request.get("pack")
    return load_pack(str(name)) if name else None


def _render(result: Interpretation, fmt: str, audience: str) -> str:
    # The renderers refuse an unknown format or audience themselves, naming the field.
    return render(result, format=fmt, audience=audience)  # type: ignore[arg-type]


def interpret_request(request_json: str) -> str:
    """Interpret ``{"panel": {...}, "pack": name, "pack_yaml": text, "audience": ...,
    "format": "html"|"text"|"json"}`` and return ``{"ok": true, "output", "statuses"}`` or
    ``{"ok": false, "error": {"type", "message", "field", "suggestion"}}``."""
    try:
        request = json.loads(request_json)
        if not isinstance(request, dict):
            raise LabinterpError("the request must be a JSON object")
        pack = _pack_from(request)
        panel = Panel.from_mapping(request.get("panel") or {})
        result = interpret(panel, pack=pack)
        fmt = str(request.get("format") or "html")
        output = _render(result, fmt, str(request.get("audience") or "learner"))
        return json.dumps({"ok": True, "output": output, "statuses": result.statuses()})
    except LabinterpError as exc:
        return json.dumps({"ok": False, "error": _error(exc)})
    except json.JSONDecodeError as exc:
        return json.dumps({"ok": False, "error": {"type": "JSONDecodeError", "message": str(exc)}})
