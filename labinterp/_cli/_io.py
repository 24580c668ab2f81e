"""Reading input and writing output for the command line, quietly on a closed pipe."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from pathlib import Path
from typing import Any

from labinterp._errors import LabinterpError, shorten

__all__ = [
    "MAX_PANEL_BYTES",
    "complain",
    "discard_stdout",
    "error_json",
    "is_file",
    "read_bytes",
    "write_out",
]

#: The largest panel document read, in bytes. A panel is a few hundred bytes; the limit keeps
#: a wrong file (a disk image, /dev/zero) from filling memory or running for ever.
MAX_PANEL_BYTES = 1_000_000


def read_bytes(path: str, what: str = "panel") -> bytes:
    """A document as bytes (decoded by its reader), from a file or stdin ("-")."""
    name = "stdin" if path == "-" else path
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", sys.stdin)  # bytes, whatever the locale
            data = stream.read(MAX_PANEL_BYTES + 1)
        else:
            with Path(path).open("rb") as fh:
                data = fh.read(MAX_PANEL_BYTES + 1)
    except (OSError, ValueError, AttributeError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or exc
        label = f"the {what}" if path == "-" else f"{what} file"
        raise LabinterpError(f"{name}: cannot read {label}: {reason}") from None
    if isinstance(data, str):  # a text stream without a byte buffer (tests, some shells)
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > MAX_PANEL_BYTES:
        raise LabinterpError(
            f"{name}: a {what} document is at most {MAX_PANEL_BYTES} bytes; this one is larger"
        )
    return bytes(data)


def is_file(path: str) -> bool:
    """True for an existing file; False for anything else, including names no file can have."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name too long, or a NUL in it
        return False


def write_out(text: str) -> None:
    if sys.stdout is None:  # started with stdout closed (`labinterp ... >&-`)
        raise BrokenPipeError(errno.EPIPE, "stdout is closed")
    sys.stdout.write(text)


def complain(text: str) -> None:
    """A message on stderr; with stderr closed there is nowhere to say it (the status does)."""
    if sys.stderr is not None:
        with contextlib.suppress(OSError):
            sys.stderr.write(text + "\n")
            sys.stderr.flush()


def discard_stdout() -> None:
    """Point stdout at the null device, so that the flush at exit has nowhere to fail."""
    if sys.stdout is None:
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (a test's stream): nothing to flush at exit
        pass
    finally:
        os.close(devnull)


def _json_value(value: object) -> Any:
    """An error's value as JSON: plain scalars as they are, anything else shortened text."""
    if value is None or isinstance(value, bool | int | float):
        return value if not isinstance(value, float) or value - value == 0.0 else repr(value)
    if isinstance(value, str) and len(value) <= 200:
        return value
    return shorten(value)


def error_json(exc: LabinterpError) -> str:
    """The error as one JSON object, for ``--format json``."""
    body = {
        "type": type(exc).__name__,
        "message": str(exc),
        "field": exc.field,
        "value": _json_value(exc.value),
        "unit": exc.unit,
        "expected": exc.expected,
        "suggestion": exc.suggestion,
    }
    return json.dumps({"error": body}, ensure_ascii=False)
