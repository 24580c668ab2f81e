"""labinterp: explainable, educational interpretation of anemia-related lab results.

labinterp reads a panel of lab results written as real reports write them, converts every
value to one canonical unit per analyte, and (from the threshold packs in
``reference_ranges/``) returns pattern labels such as "consistent with iron deficiency",
each with a trace of why. It is for teaching and research; it does not diagnose and it does
not advise treatment.
"""

from labinterp._analytes import ANALYTES, Analyte, LoincCode, MolarMass, PlausibleRange
from labinterp._convert import convert
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
from labinterp._panel import Measurement, Panel, ReferenceInterval
from labinterp._units import REL_TOL, Dimension

__version__ = "0.1.0"

__all__ = [
    "ANALYTES",
    "REL_TOL",
    "Analyte",
    "Dimension",
    "DimensionError",
    "ImplausibleValueError",
    "InvalidValueError",
    "LabinterpError",
    "LoincCode",
    "Measurement",
    "MissingMolarMassError",
    "MolarMass",
    "PackError",
    "Panel",
    "PanelError",
    "PlausibleRange",
    "ReferenceInterval",
    "UnitError",
    "UnknownAnalyteError",
    "UnknownUnitError",
    "convert",
]
