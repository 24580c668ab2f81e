"""The command line: ``labinterp interpret``, ``analytes``, ``pack``, ``normalize``, ``schema``,
``review``.

Exit status: 0 done; 1 a check that found a difference (``schema --check``, ``review
--check``, a ``pack diff`` with changes) or a closed output pipe; 2 bad input or usage. Errors
go to stderr, never to stdout, so stdout holds only results; with ``--format json`` the error
on stderr is one JSON object (``{"error": {"type", "message", "field", "value", "unit",
"expected", "suggestion"}}``) that a wrapper can parse.
"""

from labinterp._cli._io import MAX_PANEL_BYTES
from labinterp._cli._main import main

__all__ = ["MAX_PANEL_BYTES", "main"]
