"""The compiled pack evaluated on arrays: many panels at once, with the scalar engine's logic.

:func:`labinterp.interpret` decides one panel by walking the compiled rules
(``_rules``). This module walks the same rule objects once per chunk of panels, on numpy
arrays: an observed result is four arrays (low, low inclusive, high, high inclusive, in
canonical units), the context is arrays of codes, and each outcome is an ``int8`` array
holding Kleene's three values as ``1`` (held), ``0`` (undecided) and ``-1`` (failed), so that
"all" is the minimum, "any" the maximum and "not" the negation. Every comparison repeats
:func:`labinterp._rule_base.band_outcome` element-wise, with the same tolerance, so that each
row gets exactly the status the scalar engine gives it (``tests/test_frame_equivalence.py``).

Only numpy is needed here; reading tables (pandas, polars) is :mod:`labinterp.frame`'s job.

The work is split by meaning: ``_columnar_values`` (a result as canonical intervals, unit
conversion and plausibility, comparison with a band), ``_columnar_facts`` (what the rules see:
results, derived indices, the context), ``_columnar_rules`` (the rules and patterns decided)
and ``_columnar_flags`` (each analyte's flag). This module gathers what callers use.
"""

from __future__ import annotations

from labinterp._columnar_facts import SEX_CODES as SEX_CODES
from labinterp._columnar_facts import ArrayFacts
from labinterp._columnar_flags import FLAG_NAMES, flag_codes
from labinterp._columnar_rules import STATUS_NAMES, columnar_pack, decide_patterns
from labinterp._columnar_rules import ColumnarPack as ColumnarPack
from labinterp._columnar_rules import outside_population as outside_population
from labinterp._columnar_values import (
    FAILED,
    HELD,
    UNDECIDED,
    Observed,
    canonical_values,
    plausible_mask,
)
from labinterp._columnar_values import Bools as Bools
from labinterp._columnar_values import Codes as Codes
from labinterp._columnar_values import Floats as Floats

__all__ = [
    "FAILED",
    "FLAG_NAMES",
    "HELD",
    "STATUS_NAMES",
    "UNDECIDED",
    "ArrayFacts",
    "Observed",
    "canonical_values",
    "columnar_pack",
    "decide_patterns",
    "flag_codes",
    "plausible_mask",
]
