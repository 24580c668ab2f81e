"""labinterp: explainable, educational interpretation of anemia-related lab results.

labinterp reads a panel of lab results written as real reports write them, converts every
value to one canonical unit per analyte, and (from the threshold packs in
``reference_ranges/``) returns pattern labels such as "consistent with iron deficiency",
each with a trace of why. It is for teaching and research; it does not diagnose and it does
not advise treatment.
"""

from typing import TYPE_CHECKING, Any

from labinterp._analytes import (
    ANALYTES,
    Analyte,
    LoincCode,
    MolarMass,
    PlausibleRange,
    get_analyte,
    resolve_analyte_id,
)
from labinterp._context import CONTEXT_VOCABULARIES
from labinterp._convert import convert
from labinterp._engine import interpret
from labinterp._errors import (
    DimensionError,
    ImplausibleValueError,
    InvalidValueError,
    LabinterpError,
    MissingMolarMassError,
    PackError,
    PackWarning,
    PanelError,
    TableWarning,
    UnitError,
    UnknownAnalyteError,
    UnknownPatternError,
    UnknownUnitError,
)
from labinterp._findings import (
    AnalyteFlag,
    ClassificationFinding,
    FlagName,
    HL7Code,
    Interpretation,
    PackRef,
    PatternFinding,
    Status,
)
from labinterp._packs import (
    ClassificationSpec,
    ClassSpec,
    Cutoff,
    GreyZone,
    NotCovered,
    OtherwiseSpec,
    Pack,
    PatternSpec,
    ReferenceIntervalSpec,
    ReferenceSpec,
    Source,
    ThresholdSpec,
    Unless,
    When,
    bundled_pack_names,
    default_pack,
    dump_pack,
    extend_pack,
    load_pack,
    pack_json_schema,
)
from labinterp._panel import Comparator, Measurement, Panel, ReferenceInterval, Sex
from labinterp._rules import CriterionResult, CutoffUsed, GreyZoneResult, Outcome
from labinterp._units import REL_TOL, Dimension, known_units, normalize_unit
from labinterp._version import __version__ as __version__  # re-exported

# The package labinterp.render holds the renderers; its render() is reached as
# labinterp.render.render (a top-level function of the same name would hide the package).
from labinterp.render import (
    render_html,
    render_markdown,
    render_panel_text,
    render_text,
)

if TYPE_CHECKING:
    from labinterp.frame import FrameResult as FrameResult
    from labinterp.frame import interpret_frame as interpret_frame
    from labinterp.frame import panels_from_long as panels_from_long

# Whole tables need pandas and numpy (the ``frame`` extra); ``import labinterp`` must not load
# them, so these names are looked up in labinterp.frame on first use. They stay out of
# __all__: a star import would otherwise import pandas.
_FRAME_NAMES = frozenset({"FrameResult", "interpret_frame", "panels_from_long"})


def __getattr__(name: str) -> Any:
    if name in _FRAME_NAMES:
        from labinterp import frame

        return getattr(frame, name)
    raise AttributeError(f"module 'labinterp' has no attribute {name!r}")


__all__ = [
    "ANALYTES",
    "CONTEXT_VOCABULARIES",
    "REL_TOL",
    "Analyte",
    "AnalyteFlag",
    "ClassSpec",
    "ClassificationFinding",
    "ClassificationSpec",
    "Comparator",
    "CriterionResult",
    "Cutoff",
    "CutoffUsed",
    "Dimension",
    "DimensionError",
    "FlagName",
    "GreyZone",
    "GreyZoneResult",
    "HL7Code",
    "ImplausibleValueError",
    "Interpretation",
    "InvalidValueError",
    "LabinterpError",
    "LoincCode",
    "Measurement",
    "MissingMolarMassError",
    "MolarMass",
    "NotCovered",
    "OtherwiseSpec",
    "Outcome",
    "Pack",
    "PackError",
    "PackRef",
    "PackWarning",
    "Panel",
    "PanelError",
    "PatternFinding",
    "PatternSpec",
    "PlausibleRange",
    "ReferenceInterval",
    "ReferenceIntervalSpec",
    "ReferenceSpec",
    "Sex",
    "Source",
    "Status",
    "TableWarning",
    "ThresholdSpec",
    "UnitError",
    "UnknownAnalyteError",
    "UnknownPatternError",
    "UnknownUnitError",
    "Unless",
    "When",
    "bundled_pack_names",
    "convert",
    "default_pack",
    "dump_pack",
    "extend_pack",
    "get_analyte",
    "interpret",
    "known_units",
    "load_pack",
    "normalize_unit",
    "pack_json_schema",
    "render_html",
    "render_markdown",
    "render_panel_text",
    "render_text",
    "resolve_analyte_id",
]
