"""The JSON contract of an :class:`~labinterp.Interpretation`: a versioned, compact document
that reads back into an equal object.

The document says what the text rendering says, in the same words (a criterion "holds",
"does not hold" or is "undecided"; a pattern is "consistent", "not_consistent" or
"indeterminate"), and nothing a reader has to recompute. It is compact: every cut-off, every
"not covered" note and every source citation is written once, in the tables at the end
(``cutoffs``, ``not_covered``, ``sources``), and referenced by id from the findings; a
criterion leaves out the fields that are empty. Reported values are written exactly as given;
every number labinterp computed (canonical values, margins, limits, factors) is tidied with
:func:`labinterp._numbers.tidy`, so no ``450.00000000000006`` reaches a reader.

Three modules share the work: :mod:`labinterp._interpretation_doc` describes the document as
pydantic models (they validate a document read back and generate the published JSON Schema),
:mod:`labinterp._interpretation_writer` writes it (plain dicts in a fixed order, so the same
interpretation always gives the same bytes) and :mod:`labinterp._interpretation_reader` reads
it back; ``from_json(text).to_json() == text`` for any text ``to_json`` wrote.
"""

from __future__ import annotations

from labinterp._interpretation_doc import SCHEMA_VERSION, interpretation_json_schema
from labinterp._interpretation_reader import interpretation_from_json
from labinterp._interpretation_writer import interpretation_to_json, interpretations_equal

__all__ = [
    "SCHEMA_VERSION",
    "interpretation_from_json",
    "interpretation_json_schema",
    "interpretation_to_json",
    "interpretations_equal",
]
