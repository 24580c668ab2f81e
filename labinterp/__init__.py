"""labinterp: explainable, educational interpretation of anemia-related lab results.

labinterp reads a panel of lab results written as real reports write them, converts every
value to one canonical unit per analyte, and (from the threshold packs in
``reference_ranges/``) returns pattern labels such as "consistent with iron deficiency",
each with a trace of why. It is for teaching and research; it does not diagnose and it does
not advise treatment.
"""

from labinterp._analytes import ANALYTES, Analyte, LoincCode, MolarMass, PlausibleRange
from labinterp._convert import convert
from labinterp._engine import interpret
from labinterp._errors import (
    DimensionError,
    ImplausibleValueError,
    InvalidValueError,
    LabinterpError,
    MissingMolarMassError,
    PackError,
    PanelError,
    UnitError,
    UnknownAnalyteError,
    UnknownUnitError,
)
from labinterp._findings import AnalyteFlag, Interpretation, PackRef, PatternFinding
from labinterp._packs import Pack, bundled_pack_names, default_pack, extend_pack, load_pack
from labinterp._panel import Measurement, Panel, ReferenceInterval
from labinterp._render import render_text
from labinterp._rules import CriterionResult, CutoffUsed, Outcome
from labinterp._units import REL_TOL, Dimension

__version__ = "0.1.0"

__all__ = [
    "ANALYTES",
    "REL_TOL",
    "Analyte",
    "AnalyteFlag",
    "CriterionResult",
    "CutoffUsed",
    "Dimension",
    "DimensionError",
    "ImplausibleValueError",
    "Interpretation",
    "InvalidValueError",
    "LabinterpError",
    "LoincCode",
    "Measurement",
    "MissingMolarMassError",
    "MolarMass",
    "Outcome",
    "Pack",
    "PackError",
    "PackRef",
    "Panel",
    "PanelError",
    "PatternFinding",
    "PlausibleRange",
    "ReferenceInterval",
    "UnitError",
    "UnknownAnalyteError",
    "UnknownUnitError",
    "bundled_pack_names",
    "convert",
    "default_pack",
    "extend_pack",
    "interpret",
    "load_pack",
    "render_text",
]
