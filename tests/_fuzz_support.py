"""The fuzzing harness, shared by tests/test_fuzz.py (a small fixed budget) and
benchmarks/fuzz.py (any budget, and the figures in docs/reliability.md).

Every public entry point gets inputs from Hypothesis strategies: report text as real reports
and careless exports write it (comparators, Unicode digits, unit spellings, whitespace runs
tens of thousands long), numbers of every kind Python callers pass (NaN, huge ints, Decimal,
Fraction, numpy scalars when numpy is installed), mappings and context values of the wrong
type, and threshold packs with one to three structural mutations. Each call is judged by
the same oracle:

* it returns, or raises a :class:`labinterp.LabinterpError`; anything else is a failure;
* it finishes within :data:`SLOW_LIMIT_S`; a call still running at :data:`HARD_LIMIT_S` is
  stopped and recorded as a hang, with the line it was stuck on;
* an error message is at most :data:`MESSAGE_LIMIT` characters (a megabyte of input must not
  come back as a megabyte of message).

Failures are grouped by entry point, kind, exception type and the innermost line inside
labinterp; for each group the shortest input seen is kept as a Python expression that
reproduces it. Nothing stops at the first failure: a run lists everything it found.

A metamorphic check builds valid panels near the packs' cut-offs and compares each with its
twin, every value converted to another accepted unit of the same analyte: the statuses must
be identical under every bundled pack.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import random
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

import labinterp
from labinterp import (
    ANALYTES,
    LabinterpError,
    Measurement,
    Pack,
    Panel,
    convert,
    interpret,
    known_units,
)

SLOW_LIMIT_S = 1.0  # a call slower than this is a failure
HARD_LIMIT_S = 10.0  # a call still running is stopped here and recorded as a hang
MESSAGE_LIMIT = 4_000  # characters; longer messages echo their input
REPRO_LIMIT = 240  # characters of a reproducing expression kept in a report
PACKAGE_DIR = Path(labinterp.__file__).resolve().parent


def _optional(name: str) -> ModuleType | None:
    try:
        return __import__(name)
    except ImportError:
        return None


NUMPY = _optional("numpy")  # numpy scalars are fuzzed when numpy is installed (not a dependency)


# --- shortened, executable reprs ----------------------------------------------------------------


def _fold(text: str, quote: Callable[[str], str]) -> str:
    """``'1e' + ' ' * 20000 + 'x'``: a piece of 1-3 characters repeated 8 times or more is
    written as a product, so that a report shows a 20 kB input as a short expression."""
    parts: list[str] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        best_size, best_count = 0, 0
        for size in (1, 2, 3):
            piece = text[i : i + size]
            if len(piece) < size:
                break
            count = 1
            while text.startswith(piece, i + count * size):
                count += 1
            if count >= 8 and count * size > best_count * best_size:
                best_size, best_count = size, count
        if best_size:
            if literal:
                parts.append(quote("".join(literal)))
                literal = []
            parts.append(f"{quote(text[i : i + best_size])} * {best_count}")
            i += best_size * best_count
        else:
            literal.append(text[i])
            i += 1
    if literal or not parts:
        parts.append(quote("".join(literal)))
    return " + ".join(parts)


def short_repr(obj: object, limit: int = REPRO_LIMIT) -> str:
    """A Python expression for ``obj`` with long runs folded, cut at ``limit`` characters."""
    text = _repr(obj)
    return text if len(text) <= limit else text[: limit - 5] + " ...)"


def _repr(obj: object) -> str:
    if isinstance(obj, Document):
        return obj.note
    if isinstance(obj, str) and type(obj) is str:
        return _fold(obj, repr)
    if isinstance(obj, bytes):
        return _fold(obj.decode("latin-1"), lambda piece: "b" + ascii(piece))
    if isinstance(obj, bool) or obj is None:
        return repr(obj)
    if isinstance(obj, int) and type(obj) is int:
        return _int_repr(obj)
    if isinstance(obj, float) and type(obj) is float:
        return repr(obj) if math.isfinite(obj) else f"float({str(obj)!r})"
    if isinstance(obj, Decimal):
        return f"Decimal({str(obj)!r})"
    if isinstance(obj, Fraction):
        return f"Fraction({_int_repr(obj.numerator)}, {_int_repr(obj.denominator)})"
    if isinstance(obj, dict) and type(obj) is dict:
        return "{" + ", ".join(f"{_repr(k)}: {_repr(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, MappingProxyType):
        return f"MappingProxyType({_repr(dict(obj))})"
    if isinstance(obj, list) and type(obj) is list:
        return "[" + ", ".join(_repr(v) for v in obj) + "]"
    if isinstance(obj, tuple) and type(obj) is tuple:
        inner = ", ".join(_repr(v) for v in obj)
        return f"({inner},)" if len(obj) == 1 else f"({inner})"
    if isinstance(obj, Path):
        return f"Path({str(obj)!r})"
    if isinstance(obj, Measurement):
        return f"Measurement.parse({obj.analyte!r}, {obj.as_given!r})"
    if isinstance(obj, Panel):
        return f"Panel.from_mapping({_repr(_panel_as_mapping(obj))})"
    if isinstance(obj, Pack):
        return f"load_pack({obj.name!r})"
    if NUMPY is not None and isinstance(obj, NUMPY.generic):
        return f"numpy.{type(obj).__name__}({obj.item()!r})"
    return repr(obj)


def _int_repr(value: int) -> str:
    if abs(value) < 10**30:
        return repr(value)
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    for base in (10, 2):
        power = round(math.log(magnitude, base))
        for offset in (0, 1, -1):
            if base**power + offset == magnitude:
                tail = f" + {offset}" if offset > 0 else (f" - {-offset}" if offset else "")
                return f"{sign}({base}**{power}{tail})"
    return f"{sign}<int of {magnitude.bit_length()} bits>"


def _panel_as_mapping(panel: Panel) -> dict[str, Any]:
    out: dict[str, Any] = {name: m.as_given for name, m in panel.measurements.items()}
    for key in CONTEXT_KEYS:
        value = getattr(panel, key)
        if value is not None and value != ():
            out[key] = list(value) if isinstance(value, tuple) else value
    return out


# --- the oracle -----------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by the alarm in a call that ran past HARD_LIMIT_S (not an Exception: the
    library's own handlers must not swallow it)."""


class ContractError(AssertionError):
    """A broken promise that is not an exception from labinterp (CLI exit code, twin status).

    ``signature`` groups findings of one cause.
    """

    def __init__(self, message: str, signature: str) -> None:
        super().__init__(message)
        self.signature = signature


@dataclass
class Finding:
    """One group of failures: same entry point, kind, exception and place."""

    entry: str
    kind: str  # "exception", "hang", "slow", "long message", "contract"
    error: str
    where: str
    message: str
    repro: str
    count: int = 1
    seconds: float = 0.0

    def line(self) -> str:
        return f"{self.entry}: {self.kind} {self.error} at {self.where}: {self.repro}"


@dataclass
class EntryReport:
    """What one entry point's run tried and found."""

    entry: str
    engine: str = "hypothesis"
    tried: int = 0
    accepted: int = 0
    refused: int = 0
    max_seconds: float = 0.0
    slowest: str = ""
    wall_seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(f.count for f in self.findings)

    def add(self, finding: Finding) -> None:
        for known in self.findings:
            same = (known.kind, known.error, known.where) == (
                finding.kind,
                finding.error,
                finding.where,
            )
            if same:
                known.count += 1
                known.seconds = max(known.seconds, finding.seconds)
                if len(finding.repro) < len(known.repro):
                    known.repro, known.message = finding.repro, finding.message
                return
        self.findings.append(finding)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EntryReport:
        findings = [Finding(**f) for f in data["findings"]]
        return cls(**{**data, "findings": findings})


def _alarm(_signum: int, _frame: object) -> None:
    raise Hang


@contextlib.contextmanager
def hard_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def where(exc: BaseException) -> str:
    """The innermost line inside labinterp (and the innermost line overall, if elsewhere)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(PACKAGE_DIR)]

    def name(frame: traceback.FrameSummary) -> str:
        return f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"

    if not frames:
        return "?"
    if not ours:
        return name(frames[-1])
    if ours[-1] is frames[-1]:
        return f"labinterp/{name(ours[-1])}"
    return f"labinterp/{name(ours[-1])} -> {name(frames[-1])}"


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _time_again(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    try:
        with hard_limit(HARD_LIMIT_S):
            call()
    except (Exception, Hang):  # judged the first time; only the time matters now
        pass
    return time.perf_counter() - start


def check_call(
    report: EntryReport, call: Callable[[], object], describe: Callable[[], str]
) -> None:
    """Run one call under the oracle and record what it did in ``report``."""
    report.tried += 1
    start = time.perf_counter()
    outcome = "returned"
    try:
        with hard_limit(HARD_LIMIT_S):
            call()
        report.accepted += 1
    except LabinterpError as exc:
        report.refused += 1
        outcome = type(exc).__name__
        text = str(exc)
        if len(text) > MESSAGE_LIMIT:
            report.add(
                Finding(
                    report.entry,
                    "long message",
                    type(exc).__name__,
                    where(exc),
                    f"{len(text):,} characters: {_shorten(text, 80)}",
                    describe(),
                )
            )
    except Hang as exc:
        outcome = "hang"
        report.add(
            Finding(
                report.entry,
                "hang",
                f"still running after {HARD_LIMIT_S:g} s",
                where(exc),
                "",
                describe(),
                seconds=time.perf_counter() - start,
            )
        )
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the point of the oracle: anything else is a failure
        outcome = type(exc).__name__
        kind = "contract" if isinstance(exc, ContractError) else "exception"
        error = exc.signature if isinstance(exc, ContractError) else type(exc).__name__
        report.add(Finding(report.entry, kind, error, where(exc), _shorten(str(exc)), describe()))
    seconds = time.perf_counter() - start
    if seconds > SLOW_LIMIT_S and outcome != "hang":
        seconds = min(seconds, _time_again(call))  # slow twice, or the machine was busy
    if seconds > report.max_seconds:
        report.max_seconds = seconds
        report.slowest = describe()
    if seconds > SLOW_LIMIT_S and outcome != "hang":
        report.add(
            Finding(
                report.entry,
                "slow",
                f"over {SLOW_LIMIT_S:g} s, then {outcome}",
                "",
                f"{seconds:.2f} s",
                describe(),
                seconds=seconds,
            )
        )


# --- vocabulary ---------------------------------------------------------------------------------

CONTEXT_KEYS = ("sex", "age", "pregnant", "trimester", *labinterp.CONTEXT_VOCABULARIES)
#: The reported context (conditions, medications, symptoms as lists; diet as one id).
REPORTED_IDS: dict[str, tuple[str, ...]] = {
    key: tuple(vocabulary) for key, vocabulary in labinterp.CONTEXT_VOCABULARIES.items()
}
ANALYTE_NAMES: tuple[str, ...] = tuple(
    sorted(
        {a.id for a in ANALYTES.values()}
        | {alias for a in ANALYTES.values() for alias in a.aliases}
        | {a.display_name for a in ANALYTES.values()}
        | {"Ferritin", "FERRITIN", "Serum Ferritin", "B-12", "vit b12", "Hb", "HGB", "ferritn"}
        | {"hemoglobin ", " tsat", "s-iron", "crp.", "retic%", "ESR", "folic acid", "t.sat"}
    )
)
UNIT_SPELLINGS: tuple[str, ...] = tuple(
    sorted(
        set(known_units())
        | {u for a in ANALYTES.values() for u in a.common_units}
        | {"µg/l", "μg/L", "mcg/dL", "mcg/L", "ng/ml", "NG/ML", "mm/hr", "mm/Hr", "G/L", "g/l"}
        | {"x10^9/L", "10^9/L", "10⁹/L", "\u00d710⁹/L", "x10E9/L", "/nL", "fl", "FL", "µm³", "um3"}
        | {"percent", "%", " %", "% ", "IU/L", "mEq/L", "mg/dl", "MG/DL", "umol/l", "µmol/L"}
        | {"nmol/l", "pmol/l", "fmol/L", "L/L", "1", "ratio", "10*12/L", "T/L", "U/L", ""}
        | {"ug/dL/", "ug//L", "ug /L", "u g/L", "ug/L\x00", "ug/L\u200b", "\u00b5g/L", "mg/L²"}
    )
)
NUMBER_TEXTS = (
    "0",
    "12",
    "12.5",
    ".5",
    "5.",
    "007",
    "1e3",
    "1E-3",
    "1e",
    "1e+",
    "-1",
    "+2",
    "1,5",
    "1 000",
    "1_000",
    "١٢",
    "\uff11\uff12",  # fullwidth digits
    "12¹",
    "½",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e308",
    "1e309",
    "4.9e-324",
    "9" * 400,
    "0x1A",
    "1.2.3",
    "--1",
    "0.0000000000000000000001",
)
COMPARATORS = ("<", "<=", ">", ">=", "≤", "≥", "=", "==", "=<", "=>", "<<", "> =", "~", "±", "<>")
SPACES = ("", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2009", "\u3000", "\u200b", "\x0b")
RUN_PIECES = (
    " ",
    "\t",
    "0",
    "1",
    "9",
    "e",
    ".",
    "x",
    "<",
    "/",
    "µ",
    "\u00a0",
    "a ",
    "1e",
    "%",
    "1:",
)
# Small lengths dominate (cheap and common); the long ones expose quadratic parsing.
RUN_LENGTHS = (8, 8, 20, 20, 100, 1_000, 5_000, 20_000)
HUGE_INTS = (2**1023, 2**1024, -(2**1024), 10**400, -(10**400), 10**5000, 10**5000 + 1)
SPECIAL_FLOATS = (math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308, -1.0)
SPECIAL_DECIMALS = (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("1e999999"))


class ReportText(str):
    """A str subclass, as some document and XML parsers return."""


class Measured(float):
    """A float subclass, as array libraries and ORMs return."""


class Opaque:
    """An object of no useful type, with a stable repr for reports."""

    def __repr__(self) -> str:
        return "Opaque()"


class BadFloat:
    """An object whose ``__float__`` raises, as a lazy proxy may."""

    def __float__(self) -> float:
        raise RuntimeError("no value yet")

    def __repr__(self) -> str:
        return "BadFloat()"


JUNK: tuple[object, ...] = (
    None,
    [],
    {},
    (),
    set(),
    frozenset({1}),
    Opaque(),
    BadFloat(),
    b"12 ng/mL",
    bytearray(b"12"),
    ReportText("12 ng/mL"),
    Measured(12.0),
    Path("12 ng/mL"),
    ["12", "ng/mL"],
    {"12": "ng/mL"},
    (12, "ng/mL"),
    1j,
    Ellipsis,
    type,
    len,
)
HASHABLE_JUNK: tuple[object, ...] = (None, 1, 1.5, True, (1, 2), b"ferritin", frozenset())


# --- strategies -------------------------------------------------------------------------------

long_runs = st.builds(
    lambda piece, n: piece * n, st.sampled_from(RUN_PIECES), st.sampled_from(RUN_LENGTHS)
)
fragments = st.one_of(
    st.sampled_from(NUMBER_TEXTS),
    st.sampled_from(COMPARATORS),
    st.sampled_from(UNIT_SPELLINGS),
    st.sampled_from(SPACES),
    long_runs,
    st.text(max_size=4),
    st.sampled_from(("\ud800", "\udcff", "\x00", "\ufeff", "\u202e", "e", "E", ".", ",", "-")),
)
structured_text = st.builds(
    lambda c, s1, n, s2, u: f"{c}{s1}{n}{s2}{u}",
    st.sampled_from(("", "", "", *COMPARATORS)),
    st.sampled_from(SPACES),
    st.one_of(
        st.sampled_from(NUMBER_TEXTS),
        st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(repr),
        st.integers(min_value=0).map(str),
    ),
    st.sampled_from((" ", " ", "", *SPACES)),
    st.sampled_from(UNIT_SPELLINGS),
)
report_text = st.one_of(
    structured_text,
    structured_text,
    st.lists(fragments, min_size=1, max_size=7).map("".join),
    st.text(max_size=30),
)
numbers: st.SearchStrategy[Any] = st.one_of(
    st.floats(),
    st.sampled_from(SPECIAL_FLOATS),
    st.integers(),
    # By index: Hypothesis reprs its strategies, and 10**5000 has no str() under the digit limit.
    st.integers(0, len(HUGE_INTS) - 1).map(HUGE_INTS.__getitem__),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(SPECIAL_DECIMALS),
    st.fractions(),
    st.booleans(),
    st.complex_numbers(max_magnitude=1e6),
    st.floats(min_value=0, max_value=1e4).map(Measured),
)
if NUMPY is not None:
    _np = NUMPY
    numbers = st.one_of(
        numbers,
        st.builds(
            lambda kind, value: getattr(_np, kind)(value),
            st.sampled_from(("float64", "float32", "float16", "longdouble")),
            st.floats(width=16),
        ),
        st.builds(
            lambda kind, value: getattr(_np, kind)(value),
            st.sampled_from(("int64", "int32", "uint8", "uint64")),
            st.integers(min_value=0, max_value=255),
        ),
        st.sampled_from((_np.float64("nan"), _np.float32("inf"), _np.bool_(True))),
    )
junk = st.sampled_from(JUNK)
unit_values = st.one_of(st.sampled_from(UNIT_SPELLINGS), st.sampled_from(UNIT_SPELLINGS), fragments)
names = st.one_of(
    st.sampled_from(ANALYTE_NAMES), st.sampled_from(ANALYTE_NAMES), st.text(max_size=12)
)

reference_intervals = st.one_of(
    st.fixed_dictionaries(
        {"unit": unit_values},
        optional={"low": numbers | report_text, "high": numbers | report_text, "extra": junk},
    ),
    junk,
)
_FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "value": st.one_of(numbers, report_text, junk),
    "unit": st.one_of(unit_values, junk),
    "comparator": st.one_of(st.sampled_from(COMPARATORS), junk),
    "reference_interval": reference_intervals,
    "analyte": st.one_of(names, junk),
    "canonical_value": numbers,
    "canonical_unit": st.one_of(unit_values, junk),
    "units": unit_values,
    "result": numbers,
}


@st.composite
def measurement_mappings(draw: st.DrawFn) -> dict[str, Any]:
    """``{"value": ..., "unit": ...}`` and its wrong cousins (missing, extra, mistyped keys)."""
    keys = ["value", "unit"] if draw(st.integers(0, 3)) else []
    keys += draw(st.lists(st.sampled_from(sorted(_FIELD_VALUES)), max_size=3))
    return {key: draw(_FIELD_VALUES[key]) for key in keys}


SAMPLE_MEASUREMENTS = (
    Measurement.parse("ferritin", "12 ng/mL"),
    Measurement.parse("hb", "10.1 g/dL"),
    Measurement.parse("b12", "<150 pg/mL"),
)
measurement_values = st.one_of(
    report_text,
    report_text,
    measurement_mappings(),
    numbers,
    junk,
    st.sampled_from(SAMPLE_MEASUREMENTS),
)
_CONTEXT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "sex": st.one_of(
        st.sampled_from(("female", "male", "Female", "FEMALE", "f", "M", "woman", "", " female")),
        junk,
        numbers,
    ),
    "age": st.one_of(numbers, st.sampled_from(("30", "30 years", "thirty", "", "15", "1e2"))),
    "pregnant": st.one_of(st.booleans(), st.sampled_from(("yes", "true", 1, 0, 1.0)), junk),
    "trimester": st.one_of(st.integers(-2, 5), st.sampled_from((1.0, "2", True, [1])), junk),
}


def _reported_values(key: str) -> st.SearchStrategy[Any]:
    """A reported-context value: ids as callers write them (valid, misspelled, in another
    case, with spaces), a single id where a list is expected, and containers of junk."""
    ids = REPORTED_IDS[key]
    spelled = st.one_of(
        st.sampled_from(ids),
        st.sampled_from(ids),
        st.sampled_from(ids).map(lambda i: i.replace("_", " ").title()),
        st.sampled_from(ids).map(lambda i: i[:-1] or "x"),
        st.sampled_from(("", " ", "none", "unknown", "e" * 5_000)),
        st.text(max_size=8),
    )
    listed = st.lists(st.one_of(spelled, spelled, junk, numbers), max_size=4)
    return st.one_of(
        spelled,
        listed,
        listed.map(tuple),
        st.sampled_from((ids[:1] * 3, list(ids) * 50, [ids[:1]], {ids[0]: True})),
        junk,
    )


for _key in REPORTED_IDS:
    _CONTEXT_VALUES[_key] = _reported_values(_key)


# A seed, not st.randoms(): each call on a Hypothesis Random is a draw, and a panel makes
# dozens; a plain Random from a drawn seed is many times faster and still reproducible.
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def panel_mappings(draw: st.DrawFn) -> Any:
    """A panel mapping with analytes, context and junk keys; sometimes not a mapping at all."""
    pairs: list[tuple[Any, Any]] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(("analyte", "analyte", "analyte", "context", "junk")))
        if kind == "analyte":
            pairs.append((draw(names), draw(measurement_values)))
        elif kind == "context":
            key = draw(st.sampled_from(CONTEXT_KEYS))
            pairs.append((key, draw(_CONTEXT_VALUES[key])))
        else:
            odd_key = draw(st.one_of(st.sampled_from(HASHABLE_JUNK), st.text(max_size=8)))
            pairs.append((odd_key, draw(measurement_values)))
    shape = draw(
        st.sampled_from(("dict", "dict", "dict", "near", "near", "proxy", "pairs", "other"))
    )
    if shape == "near":  # a valid panel with one change: reaches the code behind the parser
        valid = twin_panels(random.Random(draw(seeds))).original
        drop: bool = draw(st.booleans())
        if valid and drop:
            valid.pop(draw(st.sampled_from(sorted(valid))))
        return {**valid, **dict(pairs[:1])}
    if shape == "proxy":
        return MappingProxyType(dict(pairs))
    if shape == "pairs":
        return pairs
    if shape == "other":
        return draw(st.one_of(junk, report_text))
    return dict(pairs)


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    report_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def json_panels(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(("text", "text", "mapping", "context", "other")))
        if kind == "context":
            key = draw(st.sampled_from(CONTEXT_KEYS))
            ids = REPORTED_IDS.get(key, ("female", "male", 30))
            out[key] = draw(
                st.one_of(
                    json_scalars,
                    st.sampled_from(ids),
                    st.lists(st.one_of(st.sampled_from(ids), json_scalars), max_size=3),
                )
            )
        elif kind == "text":
            out[draw(names)] = draw(report_text)
        elif kind == "mapping":
            out[draw(names)] = draw(
                st.fixed_dictionaries(
                    {"value": st.one_of(json_scalars, st.floats(0, 500)), "unit": unit_values},
                    optional={"comparator": st.sampled_from(COMPARATORS), "x": json_values},
                )
            )
        else:
            out[draw(st.text(max_size=8))] = draw(json_values)
    return out


SPECIAL_DOCUMENTS: tuple[bytes, ...] = (
    b"",
    b"{",
    b"[" * 100_000,
    b"{" * 50_000,
    b'{"age": ' + b"1" * 5000 + b"}",
    b'{"age": 1e400}',
    b'{"ferritin": NaN}',
    b'{"ferritin": {"value": Infinity, "unit": "ng/mL"}}',
    b'{"ferritin": "12 ng/mL", "ferritin": "13 ng/mL"}',
    b'{"ferritin": "12 ng/mL", "ferr": "13 ng/mL"}',
    b"\xff\xfe{\x00}\x00",
    b"\xef\xbb\xbf{}",
    b'{"ferritin": "12 ng/mL"}\x00',
    b'{"ferritin": "12 \xb5g/L"}',
    b'{"\\ud800": 1}',
    b'{"ferritin": "\\ud800"}',
    b"null",
    b"12",
    b'"ferritin"',
    b"[]",
    b"{}" * 1000,
)


@st.composite
def panel_documents(draw: st.DrawFn) -> bytes:
    """Bytes a panel file may hold: JSON panels, encodings other than UTF-8, broken JSON."""
    kind = draw(st.sampled_from(("json", "json", "json", "utf16", "mutated", "special", "bytes")))
    if kind == "special":
        return draw(st.sampled_from(SPECIAL_DOCUMENTS))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    text = json.dumps(draw(json_panels()), ensure_ascii=draw(st.booleans()))
    if kind == "utf16":
        return text.encode("utf-16", "surrogatepass")
    data = text.encode("utf-8", "surrogatepass")
    if kind == "mutated" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + draw(st.binary(min_size=0, max_size=3)) + data[at + 1 :]
    return data


# --- threshold packs ----------------------------------------------------------------------------

MINI_PACK: dict[str, Any] = {
    "schema_version": 1,
    "name": "mini",
    "version": "1",
    "title": "A small pack for fuzzing",
    "population": {"age_min": 15, "description": "adults"},
    "disclaimer": "Educational only.",
    "inflammation_pattern": "inflammation",
    "sources": {"src": {"title": "A source", "year": 2020, "kind": "guideline"}},
    "thresholds": {
        "ferritin_low": {
            "analyte": "ferritin",
            "source": "src",
            "confidence": "verified",
            "cutoffs": [{"comparator": "<", "value": 30, "unit": "ug/L"}],
        },
        "crp_high": {
            "analyte": "crp",
            "source": "src",
            "confidence": "established",
            "cutoffs": [{"comparator": ">", "value": 5, "unit": "mg/L"}],
        },
        "hb_low": {
            "analyte": "hemoglobin",
            "source": "src",
            "confidence": "verified",
            "cutoffs": [
                {"when": {"sex": "female"}, "comparator": "<", "value": 120, "unit": "g/L"},
                {"when": {"sex": "male"}, "comparator": "<", "value": 130, "unit": "g/L"},
            ],
        },
        "mcv_normal": {
            "analyte": "mcv",
            "source": "src",
            "confidence": "established",
            "cutoffs": [
                {
                    "interval": {
                        "low": 80,
                        "high": 100,
                        "low_inclusive": True,
                        "high_inclusive": True,
                    },
                    "unit": "fL",
                }
            ],
        },
    },
    "reference_intervals": {
        "mcv": {
            "source": "src",
            "confidence": "established",
            "intervals": [{"low": 80, "high": 100, "unit": "fL"}],
        }
    },
    "patterns": {
        "inflammation": {"label": "inflammation", "criteria": {"threshold": "crp_high"}},
        "iron_deficiency": {
            "label": "iron deficiency",
            "criteria": {
                "all": [{"threshold": "ferritin_low"}, {"not": {"pattern": "inflammation"}}]
            },
            "supporting": [{"reference": {"analyte": "mcv", "position": "below"}}],
            "decisive_tests": ["ferritin"],
        },
        "anemia": {"label": "anemia", "criteria": {"any": [{"threshold": "hb_low"}]}},
        "normocytic": {"label": "normal red cells", "criteria": {"threshold": "mcv_normal"}},
    },
}


@cache
def bundled_raw(name: str) -> dict[str, Any]:
    """A bundled pack file as plain data (YAML), for mutation."""
    from labinterp._resources import bundled_packs_dir

    text = (bundled_packs_dir() / f"{name}.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _identifiers(raw: Mapping[str, Any]) -> list[str]:
    """Names a mutation may drop in, so that references go astray in interesting ways."""
    found = [*ANALYTE_NAMES[:8], *UNIT_SPELLINGS[:8], "<", ">=", "default", "mini"]
    for section in ("sources", "thresholds", "reference_intervals", "patterns"):
        value = raw.get(section)
        if isinstance(value, Mapping):
            found.extend(str(k) for k in value)
    return found


yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.text(max_size=12),
    long_runs,
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _parent(root: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        root = root[step]
    return root


class MutatedPack(dict[str, Any]):
    """A pack as data, with the mutations that made it, so that a finding can say exactly
    which change broke what (the whole pack would not fit in a report)."""

    def __init__(self, data: dict[str, Any], base: str, mutations: list[str]) -> None:
        super().__init__(data)
        self.base = base
        self.mutations = mutations

    def __repr__(self) -> str:
        return f"<the {self.base} pack with {'; '.join(self.mutations)}>"


def _dotted(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


@st.composite
def mutated_packs(draw: st.DrawFn, base: str | None = None) -> MutatedPack:
    """A pack (the mini pack or a bundled one) with one to three structural mutations."""
    name = base or draw(st.sampled_from(("mini", "mini", "mini", "default", "who_2020_ferritin")))
    raw = copy.deepcopy(MINI_PACK if name == "mini" else bundled_raw(name))
    words = _identifiers(raw)
    done: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(raw)
        path = paths[draw(st.integers(0, len(paths) - 1))]
        parent, key, where = _parent(raw, path), path[-1], _dotted(path)
        op = draw(st.sampled_from(("replace", "replace", "word", "delete", "rename", "wrap")))
        if op == "delete":
            del parent[key]
            done.append(f"{where} deleted")
        elif op == "rename" and isinstance(parent, dict):
            new_key = draw(st.one_of(st.sampled_from(words), st.text(max_size=8)))
            parent[new_key] = parent.pop(key)
            done.append(f"{where} renamed to {short_repr(new_key, 40)}")
        elif op == "wrap":  # a value one level deeper than the schema expects
            parent[key] = [parent[key]] if draw(st.booleans()) else {"all": [parent[key]]}
            done.append(f"{where} = {short_repr(parent[key], 80)}")
        else:
            parent[key] = draw(st.sampled_from(words) if op == "word" else yaml_values)
            done.append(f"{where} = {short_repr(parent[key], 80)}")
    return MutatedPack(raw, name, done)


class Document(bytes):
    """File content with a note on how it was made (shown in reports instead of the bytes)."""

    note = ""

    @classmethod
    def made(cls, data: bytes, note: str) -> Document:
        doc = cls(data)
        doc.note = note
        return doc


def pack_yaml(raw: Mapping[str, Any]) -> bytes:
    # libyaml's dumper when present: the pure-Python one is most of a pack input's cost.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(dict(raw), Dumper=dumper, allow_unicode=True, sort_keys=False)
    return text.encode("utf-8", "surrogatepass")


YAML_BITS = (
    "key: value\n",
    "- item\n",
    "&a [1, 2]\n",
    "*a\n",
    "!!python/object:os.system\n",
    "!!binary aGVsbG8=\n",
    "? complex\n: key\n",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "<<: *a\n",
    "{",
    "[",
    ": ",
    "\t",
    "extends: default\n",
    "extends: ../x.yaml\n",
    "name: mini\n",
    "year: 2020-02-30\n",
    "!!bool maybe\n",
    "!!int x\n",
)


@st.composite
def pack_documents(draw: st.DrawFn) -> bytes:
    """Bytes a pack file may hold: mutated packs, YAML junk, other encodings."""
    kind = draw(st.sampled_from(("mutated", "mutated", "mutated", "text", "bytes", "latin1")))
    if kind == "text":
        return draw(
            st.lists(st.one_of(fragments, st.sampled_from(YAML_BITS)), max_size=8).map("".join)
        ).encode("utf-8", "surrogatepass")
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    pack = draw(mutated_packs(base="mini"))
    data = pack_yaml(pack)
    if kind == "latin1":  # a pack saved by an editor in Latin-1, with a micro sign
        latin = data.decode("utf-8", "surrogatepass").encode("latin-1", "replace")
        return Document.made(latin + b"# \xb5g/L\n", f"{pack!r} as YAML in Latin-1")
    return Document.made(data, f"{pack!r} as YAML")


# --- the entry points -------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryPoint:
    """One public entry point: how to generate its input, call it, and describe a call."""

    name: str
    inputs: st.SearchStrategy[Any]
    call: Callable[[Any, Path], object]
    describe: Callable[[Any], str]


def _from_mapping(data: Any, _work: Path) -> object:
    panel = Panel.from_mapping(data)
    labinterp.render_panel_text(panel)  # what a caller does next; it must not fail either
    return panel.model_dump_json()


def _panel_kwargs(data: Any, _work: Path) -> object:
    return Panel(**data)


def _measurement_kwargs(data: Any, _work: Path) -> object:
    return Measurement(**data).as_given


def _from_json(data: Any, _work: Path) -> object:
    return Panel.from_json(data).canonical_values()


def _parse(args: tuple[Any, Any], _work: Path) -> object:
    return Measurement.parse(args[0], args[1]).as_given


NO_ANALYTE = "<none>"


def _convert(args: tuple[Any, Any, Any, Any], _work: Path) -> object:
    value, src, dst, analyte = args
    if analyte == NO_ANALYTE:
        return convert(value, src, dst)
    return convert(value, src, dst, analyte=analyte)


def _describe_convert(args: tuple[Any, Any, Any, Any]) -> str:
    value, src, dst, analyte = args
    extra = "" if analyte == NO_ANALYTE else f", analyte={short_repr(analyte, 60)}"
    return f"convert({short_repr(value, 60)}, {short_repr(src, 60)}, {short_repr(dst, 60)}{extra})"


@dataclass(frozen=True)
class PackFile:
    """A pack argument that is a file the harness writes first."""

    content: bytes
    name: str = "fuzz_pack.yaml"

    def write(self, work: Path) -> Path:
        path = work / self.name
        path.write_bytes(self.content)
        return path

    def __repr__(self) -> str:
        return f"<file {self.name} holding {short_repr(self.content, 300)}>"


def _pack_argument(value: Any, work: Path) -> Any:
    return value.write(work) if isinstance(value, PackFile) else value


def _interpret(args: tuple[Any, Any], work: Path) -> object:
    panel, pack = args
    result = interpret(panel, pack=_pack_argument(pack, work))
    labinterp.render_text(result)  # the traces are built on first access: build them
    # Every other format and audience reads the same findings; none may fail on any of them.
    labinterp.render_markdown(result, audience="learner")
    labinterp.render_html(result)
    labinterp.render.render(result, format="text", brief=True, width=40)
    return result.to_json()


def _load_pack(arg: Any, work: Path) -> object:
    pack = labinterp.load_pack(_pack_argument(arg, work))
    return interpret(VALID_MAPPING, pack=pack).to_json()


def _validate_pack(raw: Any, _work: Path) -> object:
    pack = Pack.model_validate(raw)
    interpret(VALID_MAPPING, pack=pack).to_json()
    return labinterp.dump_pack(pack)


def _extend_pack(args: tuple[str, Any], _work: Path) -> object:
    base, changes = args
    with warnings.catch_warnings():
        # Replacing an inherited pattern that others refer to is allowed, and warned about.
        warnings.simplefilter("ignore", labinterp.PackWarning)
        pack = labinterp.extend_pack(labinterp.load_pack(base), changes)
    return interpret(VALID_MAPPING, pack=pack).to_json()


def _lookup(arg: Any, _work: Path) -> object:
    return labinterp.get_analyte(arg).id


def _normalize(arg: Any, _work: Path) -> object:
    return labinterp.normalize_unit(arg)


def _accessors(arg: Any, _work: Path) -> object:
    result = _sample_interpretation()
    with contextlib.suppress(LabinterpError):
        result.status(arg)
    with contextlib.suppress(LabinterpError):
        result.pattern(arg)
    with contextlib.suppress(LabinterpError):
        result.classification(arg)
    return result.flag(arg)


VALID_MAPPING: dict[str, Any] = {
    "ferritin": "12 ng/mL",
    "tsat": "9 %",
    "hb": "10.1 g/dL",
    "mcv": "76 fL",
    "crp": "3 mg/L",
    "sex": "female",
    "age": 34,
}


@cache
def _sample_interpretation() -> labinterp.Interpretation:
    return interpret(VALID_MAPPING)


pack_arguments = st.one_of(
    st.sampled_from(
        (
            None,
            "default",
            "who_2020_ferritin",
            "heart_failure_esc_2021",
            "Default",
            "defualt",
            "",
            " ",
            "default.yaml",
            "./default",
            "no_such_pack",
            "de\x00fault",
            "a" * 5_000,
            "x/" * 3_000,
            5,
            1.5,
            b"default",
            ["default"],
            Path("no_such_pack.yaml"),
        )
    ),
    st.text(alphabet=st.characters(blacklist_characters="/\\"), max_size=12),
    st.builds(PackFile, pack_documents()),
    junk,
)
_ACCESSOR_WORDS = ("iron_deficiency", "iron_deficency", "anemia", "hb", "ferritin", "", "Anemia")


@dataclass(frozen=True)
class CliCase:
    """One command line: arguments (``{dir}`` is the work folder), stdin and files."""

    argv: tuple[str, ...]
    stdin: bytes = b""
    files: tuple[tuple[str, bytes], ...] = ()

    def __repr__(self) -> str:
        parts = [f"main({list(self.argv)!r})"]
        if self.stdin:
            parts.append(f"stdin={short_repr(self.stdin, 100)}")
        parts.extend(f"{name}={short_repr(data, 100)}" for name, data in self.files)
        return ", ".join(parts)


@st.composite
def cli_cases(draw: st.DrawFn) -> CliCase:
    command = draw(st.sampled_from(("interpret", "interpret", "normalize", "packs", "schema", "x")))
    argv: list[str] = [] if command == "x" else [command]
    files: list[tuple[str, bytes]] = []
    if command in ("interpret", "normalize", "x"):
        target = draw(st.sampled_from(("-", "file", "file", "missing", "dir", "text")))
        if target == "file":
            files.append(("panel.json", draw(panel_documents())))
            argv.append("{dir}/panel.json")
        else:
            argv.append(
                {"-": "-", "missing": "{dir}/missing.json", "dir": "{dir}"}.get(target)
                or draw(st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=8))
            )
        if draw(st.booleans()):
            argv += ["--format", draw(st.sampled_from(("text", "json", "xml", "")))]
        if command == "interpret" and draw(st.booleans()):
            argv.append("--brief")
        if command == "interpret" and draw(st.booleans()):
            pack = draw(st.sampled_from(("default", "who_2020_ferritin", "nope", "", "file")))
            if pack == "file":
                files.append(("pack.yaml", draw(pack_documents())))
                pack = "{dir}/pack.yaml"
            argv += ["--pack", pack]
    if command == "schema" and draw(st.booleans()):
        kind = draw(st.sampled_from(("current", "changed", "latin1", "missing")))
        if kind != "missing":
            schema = json.dumps(labinterp.pack_json_schema(), indent=2, sort_keys=True) + "\n"
            data = {
                "current": schema.encode(),
                "changed": schema.replace("pack", "pak", 1).encode(),
                "latin1": b"\xb5" + schema.encode(),
            }[kind]
            files.append(("schema.json", data))
        argv += ["--check", "{dir}/schema.json"]
    if draw(st.integers(0, 9)) == 0:
        argv.append(draw(st.sampled_from(("--help", "--bogus", "-", "extra"))))
    stdin = draw(panel_documents()) if "-" in argv else b""
    return CliCase(tuple(argv), stdin, tuple(files))


@contextlib.contextmanager
def _stdin(data: bytes) -> Iterator[None]:
    # Strict UTF-8, as under a UTF-8 locale (the usual desktop and CI setting).
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        yield
    finally:
        sys.stdin = saved


def _error_on_stderr(err: str, argv: list[str]) -> bool:
    """The error as promised: a text line, or with ``--format json`` one JSON error object."""
    if err.startswith("labinterp: error: "):
        return True
    if "--format" not in argv or argv[argv.index("--format") + 1 :][:1] != ["json"]:
        return False
    try:
        document = json.loads(err)
    except ValueError:
        return False
    return isinstance(document, dict) and isinstance(document.get("error"), dict)


def run_cli(case: CliCase, work: Path) -> int:
    """``labinterp._cli.main`` in-process; exit codes and streams must keep their promises."""
    from labinterp._cli import main

    for name, data in case.files:
        (work / name).write_bytes(data)
    argv = [arg.replace("{dir}", str(work)) for arg in case.argv]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _stdin(case.stdin):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: 2 for a usage error, 0 for --help
            if exc.code not in (0, 2):
                raise ContractError(f"SystemExit({exc.code!r})", "SystemExit code") from None
            return 0 if exc.code is None else int(exc.code)
    if code not in (0, 1, 2):
        raise ContractError(f"exit status {code!r}", "exit status")
    if code == 2 and out.getvalue():
        raise ContractError("exit status 2 with output on stdout", "stdout on error")
    if code == 2 and not _error_on_stderr(err.getvalue(), argv):
        raise ContractError(f"exit status 2, stderr {err.getvalue()[:80]!r}", "stderr on error")
    if len(err.getvalue()) > MESSAGE_LIMIT:
        raise ContractError(f"{len(err.getvalue()):,} characters on stderr", "long stderr")
    for name, _ in case.files:
        (work / name).unlink()
    return code


def _call(name: str, describe_args: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: f"{name}({describe_args(value)})"


def _one(value: Any) -> str:
    return short_repr(value)


def _many(value: tuple[Any, ...]) -> str:
    return ", ".join(short_repr(v, 100) for v in value)


ENTRY_POINTS: dict[str, EntryPoint] = {
    e.name: e
    for e in (
        EntryPoint(
            "Panel.from_mapping", panel_mappings(), _from_mapping, _call("Panel.from_mapping", _one)
        ),
        EntryPoint(
            "Panel(**fields)",
            st.dictionaries(
                st.one_of(names, st.sampled_from(CONTEXT_KEYS)), measurement_values, max_size=5
            ),
            _panel_kwargs,
            lambda v: f"Panel(**{short_repr(v)})",
        ),
        EntryPoint(
            "Panel.from_json",
            st.one_of(
                panel_documents(),
                panel_documents().map(lambda b: b.decode("utf-8", "replace")),
                junk,
            ),
            _from_json,
            _call("Panel.from_json", _one),
        ),
        EntryPoint(
            "Measurement.parse",
            st.tuples(st.one_of(names, junk), st.one_of(report_text, report_text, numbers, junk)),
            _parse,
            _call("Measurement.parse", _many),
        ),
        EntryPoint(
            "Measurement(**fields)",
            measurement_mappings(),
            _measurement_kwargs,
            lambda v: f"Measurement(**{short_repr(v)})",
        ),
        EntryPoint(
            "convert",
            st.tuples(
                st.one_of(numbers, numbers, report_text, junk),
                st.one_of(unit_values, junk),
                st.one_of(unit_values, junk),
                st.one_of(st.just(NO_ANALYTE), names, junk),
            ),
            _convert,
            _describe_convert,
        ),
        EntryPoint(
            "normalize_unit",
            st.one_of(unit_values, report_text, junk),
            _normalize,
            _call("normalize_unit", _one),
        ),
        EntryPoint("get_analyte", st.one_of(names, junk), _lookup, _call("get_analyte", _one)),
        EntryPoint(
            "interpret",
            st.tuples(panel_mappings(), pack_arguments),
            _interpret,
            lambda v: f"interpret({short_repr(v[0], 160)}, pack={short_repr(v[1], 120)})",
        ),
        EntryPoint(
            "Interpretation.status/pattern/flag",
            st.one_of(st.sampled_from(_ACCESSOR_WORDS), names, junk),
            _accessors,
            lambda v: f"result.status/pattern/flag({short_repr(v)})",
        ),
        EntryPoint(
            "load_pack",
            st.one_of(pack_arguments, st.builds(PackFile, pack_documents())),
            _load_pack,
            _call("load_pack", _one),
        ),
        EntryPoint(
            "Pack.model_validate",
            mutated_packs(),
            _validate_pack,
            lambda v: f"Pack.model_validate({v!r})",
        ),
        EntryPoint(
            "extend_pack",
            st.tuples(
                st.sampled_from(("default", "who_2020_ferritin")),
                st.one_of(
                    mutated_packs(base="mini").map(
                        lambda p: MutatedPack(
                            {**p, "extends": None}, p.base, [*p.mutations, "extends = None"]
                        )
                    ),
                    st.dictionaries(
                        st.sampled_from(("name", "version", "patterns", "extends")), yaml_values
                    ),
                    junk,
                ),
            ),
            _extend_pack,
            lambda v: f"extend_pack(load_pack({v[0]!r}), {short_repr(v[1], 200)})",
        ),
        EntryPoint("cli", cli_cases(), run_cli, repr),
    )
}

#: Every function in ``labinterp.__all__`` that takes input, and the entry points that fuzz
#: it. A new public function (the frame and FHIR readers, when they land) must be added here:
#: tests/test_fuzz.py fails while one is missing.
FUZZED_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "convert": ("convert",),
    "interpret": ("interpret", "metamorphic"),
    "load_pack": ("load_pack", "interpret", "cli"),
    "extend_pack": ("extend_pack",),
    "dump_pack": ("Pack.model_validate",),
    "get_analyte": ("get_analyte",),
    "resolve_analyte_id": ("get_analyte", "Measurement.parse"),
    "normalize_unit": ("normalize_unit",),
    "render_text": ("interpret", "metamorphic"),
    "render_markdown": ("interpret",),
    "render_html": ("interpret",),
    "render_panel_text": ("Panel.from_mapping", "metamorphic"),
}
#: Public functions with no input from a caller (or only objects labinterp built itself).
NO_CALLER_INPUT: dict[str, str] = {
    "bundled_pack_names": "no arguments",
    "default_pack": "no arguments",
    "known_units": "no arguments",
    "pack_json_schema": "no arguments",
}


# --- valid panels, their unit-converted twins, and the metamorphic oracle ---------------------


#: The analytes a panel may give; derived indices (Mentzer, RPI, sTfR index) are computed by
#: labinterp and refused as input, so twins and warm-up values come from these only.
MEASURED = {aid: a for aid, a in ANALYTES.items() if a.derived is None}


@cache
def cutoff_edges() -> dict[str, tuple[float, ...]]:
    """Every cut-off and reference limit of the bundled packs, per analyte, canonical."""
    edges: dict[str, set[float]] = {a: set() for a in ANALYTES}

    def add(analyte: str, value: object, unit: object) -> None:
        if isinstance(value, int | float) and isinstance(unit, str) and analyte in ANALYTES:
            target = ANALYTES[analyte].canonical_unit
            with contextlib.suppress(LabinterpError):
                edges[analyte].add(convert(float(value), unit, target, analyte=analyte))

    for name in labinterp.bundled_pack_names():
        pack = labinterp.load_pack(name)
        for spec in pack.thresholds.values():
            for cut in spec.cutoffs:
                add(spec.analyte, cut.value, cut.unit)
                if cut.interval is not None:
                    add(spec.analyte, cut.interval.low, cut.unit)
                    add(spec.analyte, cut.interval.high, cut.unit)
        for analyte, ref in pack.reference_intervals.items():
            for band in ref.intervals:
                for bound in (band.low, band.high, band.critical_low, band.critical_high):
                    add(analyte, bound, band.unit)
    return {a: tuple(sorted(v)) for a, v in edges.items()}


@cache
def age_edges() -> tuple[float, ...]:
    ages = {0.0, 15.0, 18.0, 65.0, 130.0}
    for name in labinterp.bundled_pack_names():
        pack = labinterp.load_pack(name)
        ages.update(a for a in (pack.population.age_min, pack.population.age_max) if a is not None)
        for spec in pack.thresholds.values():
            for cut in spec.cutoffs:
                ages.update(a for a in (cut.when.age_min, cut.when.age_max) if a is not None)
    return tuple(sorted(ages))


_NUDGES = (1.0, 1.0, 1 + 1e-12, 1 - 1e-12, 1 + 1e-10, 1 - 1e-10, 1 + 1e-7, 1 - 1e-7, 1.01, 0.99)


def _canonical_value(rng: random.Random, analyte: str) -> float:
    entry = ANALYTES[analyte]
    low, high = entry.plausible.low, entry.plausible.high
    edges = cutoff_edges()[analyte]
    if edges and rng.random() < 0.7:
        value = rng.choice(edges) * rng.choice(_NUDGES)
    else:
        floor = max(low, high * 1e-6)
        value = math.exp(rng.uniform(math.log(floor), math.log(high)))
    return _clamp(analyte, value)


def _clamp(analyte: str, value: float) -> float:
    """Inside the analyte's plausible range, by a margin: a bound itself may be open, and a
    censored result on or next to a bound (``>200 %`` saturation, ``<0``) leaves no
    plausible value, so a panel holding it is rightly refused."""
    low, high = ANALYTES[analyte].plausible.low, ANALYTES[analyte].plausible.high
    return min(max(value, low * 1.001, 1e-9), high * 0.999)


@dataclass(frozen=True)
class TwinPanels:
    """A valid panel mapping and its twin with every value in another unit."""

    original: dict[str, Any]
    twin: dict[str, Any]

    def __repr__(self) -> str:
        return f"original={short_repr(self.original, 600)}, twin={short_repr(self.twin, 600)}"


def _written(value: float, unit: str, comparator: str | None, as_text: bool) -> Any:
    if as_text:
        return f"{comparator or ''}{value!r} {unit}"
    out: dict[str, Any] = {"value": value, "unit": unit}
    if comparator:
        out["comparator"] = comparator
    return out


def twin_panels(rng: random.Random) -> TwinPanels:
    """A panel that should be valid (values near cut-offs), and its unit-converted twin."""
    original: dict[str, Any] = {}
    twin: dict[str, Any] = {}
    for analyte_id, entry in MEASURED.items():
        if rng.random() < 0.45:
            continue
        canonical = _canonical_value(rng, analyte_id)
        unit = rng.choice(entry.common_units)
        other = rng.choice([u for u in entry.common_units if u != unit] or [unit])
        value = convert(canonical, entry.canonical_unit, unit, analyte=analyte_id)
        twin_value = convert(value, unit, other, analyte=analyte_id)
        comparator = rng.choice((None,) * 6 + ("<", "<=", ">", ">="))
        key = rng.choice((analyte_id, *entry.aliases))
        if rng.random() < 0.2:  # the lab's own interval, inside the plausible range
            bounds = sorted(
                _clamp(analyte_id, canonical * rng.uniform(*spread))
                for spread in ((0.3, 1), (1, 3))
            )
            low, high = (convert(b, entry.canonical_unit, unit, analyte=analyte_id) for b in bounds)
            a = _written(value, unit, comparator, False)
            b = _written(twin_value, other, comparator, False)
            a["reference_interval"] = {"low": low, "high": high, "unit": unit}
            b["reference_interval"] = {
                "low": convert(low, unit, other, analyte=analyte_id),
                "high": convert(high, unit, other, analyte=analyte_id),
                "unit": other,
            }
            original[key], twin[key] = a, b
        else:
            as_text = rng.random() < 0.5
            original[key] = _written(value, unit, comparator, as_text)
            twin[key] = _written(twin_value, other, comparator, as_text)
    context: dict[str, Any] = {}
    sex = rng.choice((None, "female", "male"))
    if sex:
        context["sex"] = sex
    if rng.random() < 0.85:
        age = (
            rng.choice(age_edges()) * rng.choice(_NUDGES)
            if rng.random() < 0.5
            else rng.uniform(0, 100)
        )
        context["age"] = min(max(age, 0.0), 130.0)
    if sex != "male" and rng.random() < 0.3:
        # interpret refuses a pregnancy outside the pack's pregnancy ages: none is drawn there.
        low, high = _pregnancy_ages()
        possible = "age" not in context or low <= context["age"] <= high
        context["pregnant"] = possible and rng.random() < 0.6
        if context["pregnant"] and rng.random() < 0.7:
            context["trimester"] = rng.choice((1, 2, 3))
    # Reported context (conditions, medications, symptoms, diet) turns notes, alerts and
    # context-specific cut-offs on and off: the same for both twins.
    for key, ids in REPORTED_IDS.items():
        if rng.random() < 0.3:
            chosen = rng.sample(ids, rng.randint(1, min(3, len(ids))))
            context[key] = chosen[0] if key == "diet" else chosen
    return TwinPanels({**original, **context}, {**twin, **context})


@cache
def _pregnancy_ages() -> tuple[float, float]:
    """The ages at which every bundled pack takes a pregnancy."""
    ages = [pack.population.pregnancy_ages for pack in bundled_packs()]
    return max(a.min for a in ages), min(a.max for a in ages)


@cache
def bundled_packs() -> tuple[Pack, ...]:
    return tuple(labinterp.load_pack(name) for name in labinterp.bundled_pack_names())


def check_twins(panels: TwinPanels, _work: Path) -> object:
    """The metamorphic oracle: the same statuses for a panel and its unit-converted twin."""
    original = Panel.from_mapping(panels.original)  # a refusal here counts as "refused"
    try:
        twin = Panel.from_mapping(panels.twin)
    except LabinterpError as exc:
        raise ContractError(
            f"the original is accepted, its twin refused: {type(exc).__name__}: {exc}",
            f"twin refused ({type(exc).__name__})",
        ) from None
    for pack in bundled_packs():
        a = interpret(original, pack=pack)
        b = interpret(twin, pack=pack)
        differ = [p for p, status in a.statuses().items() if b.statuses()[p] != status]
        if differ:
            first = differ[0]
            raise ContractError(
                f"{pack.name}: {', '.join(differ)} differ, e.g. {first}: "
                f"{a.status(first)} vs {b.status(first)}",
                f"status differs ({pack.name}: {first})",
            )
    labinterp.render_text(interpret(original))
    return labinterp.render_panel_text(original)


ENTRY_POINTS["metamorphic"] = EntryPoint(
    "metamorphic",
    seeds.map(lambda seed: twin_panels(random.Random(seed))),
    check_twins,
    repr,
)


# --- running ------------------------------------------------------------------------------------


@cache
def warm_up() -> None:
    """Load what a process loads once (pint's registry, the bundled packs, every unit factor
    of the catalog) so that the 1 s limit measures the input, not the first call."""
    for analyte in MEASURED.values():
        # A plausible value: with an analyte, convert refuses 1 fL of MCV as impossible.
        middle = (analyte.plausible.low + analyte.plausible.high) / 2
        for unit in analyte.common_units:
            convert(middle, analyte.canonical_unit, unit, analyte=analyte.id)
    for pack in bundled_packs():
        interpret(VALID_MAPPING, pack=pack).to_json()
    cutoff_edges()


def fuzz(entry: EntryPoint, budget: int, seed: int, work: Path) -> EntryReport:
    """Feed ``budget`` generated inputs to one entry point; never stops at a failure."""
    report = EntryReport(entry.name)
    warm_up()

    @settings(
        max_examples=budget,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(seed)
    @given(entry.inputs)
    def run(value: Any) -> None:
        check_call(report, lambda: entry.call(value, work), lambda: entry.describe(value))

    start = time.perf_counter()
    run()
    report.wall_seconds = time.perf_counter() - start
    return report


# --- the CLI as a real process --------------------------------------------------------------


@dataclass(frozen=True)
class CliProcessCase:
    """A real ``python -m labinterp`` run: what a shell user can do to it."""

    name: str
    argv: tuple[str, ...]
    stdin: bytes = b""
    env: tuple[tuple[str, str], ...] = ()
    files: tuple[tuple[str, bytes], ...] = ()
    close_stdout: bool = False  # the reader goes away first, as with `| head -c 0`
    no_stdout: bool = False  # started with stdout closed, as with `>&-`
    # False: the in-process fuzzing or tests/test_cli.py covers it in CI (a real process costs
    # a second of start-up); benchmarks/fuzz.py runs every case.
    in_ci: bool = True


@dataclass
class CliProcessResult:
    case: str
    exit_code: int
    traceback: bool
    stdout_on_error: bool
    stderr: str
    seconds: float

    @property
    def passed(self) -> bool:
        return self.exit_code in (0, 1, 2) and not self.traceback and not self.stdout_on_error


EXAMPLE_PANEL = Path(__file__).resolve().parents[1] / "examples" / "iron_deficiency_panel.json"
_LATIN1_PANEL = b'{"ferritin": "12 \xb5g/L", "age": 30}'
CLI_PROCESS_CASES: tuple[CliProcessCase, ...] = (
    CliProcessCase("the example panel", ("interpret", str(EXAMPLE_PANEL))),
    CliProcessCase(
        "Latin-1 panel on stdin, UTF-8 locale",
        ("interpret", "-"),
        _LATIN1_PANEL,
        (("LC_ALL", "C.UTF-8"),),
    ),
    CliProcessCase(
        "Latin-1 panel on stdin, strict UTF-8 stdin (as under en_US.UTF-8)",
        ("interpret", "-"),
        _LATIN1_PANEL,
        (("PYTHONIOENCODING", "utf-8:strict"),),
    ),
    CliProcessCase(
        "Latin-1 panel on stdin, C locale", ("interpret", "-"), _LATIN1_PANEL, (("LC_ALL", "C"),)
    ),
    CliProcessCase(
        "UTF-16 panel file",
        ("interpret", "{dir}/wide.json"),
        files=(("wide.json", b'{"ferritin": "12 ng/mL"}'.decode().encode("utf-16")),),
        in_ci=False,
    ),
    CliProcessCase("empty stdin", ("normalize", "-"), in_ci=False),
    CliProcessCase("missing panel file", ("interpret", "{dir}/missing.json"), in_ci=False),
    CliProcessCase("a folder as the panel file", ("interpret", "{dir}"), in_ci=False),
    CliProcessCase(
        "--pack with a 5,000-letter name",
        ("interpret", str(EXAMPLE_PANEL), "--pack", "a" * 5000),
        in_ci=False,
    ),
    CliProcessCase(
        "--pack /dev/null", ("interpret", str(EXAMPLE_PANEL), "--pack", "/dev/null"), in_ci=False
    ),
    CliProcessCase(
        "schema --check on a Latin-1 file",
        ("schema", "--check", "{dir}/schema.json"),
        files=(("schema.json", b"\xb5"),),
        in_ci=False,
    ),
    CliProcessCase(  # in CI as tests/test_cli.py's regression test for the broken pipe
        "stdout closed by the reader",
        ("interpret", str(EXAMPLE_PANEL)),
        close_stdout=True,
        in_ci=False,
    ),
    CliProcessCase(
        "stdout closed before the start (>&-)",
        ("interpret", str(EXAMPLE_PANEL)),
        no_stdout=True,
        in_ci=False,
    ),
)


def run_cli_process(case: CliProcessCase, work: Path) -> CliProcessResult:
    import os
    import subprocess

    for name, data in case.files:
        (work / name).write_bytes(data)
    argv = [sys.executable, "-m", "labinterp", *(a.replace("{dir}", str(work)) for a in case.argv)]
    if case.no_stdout:  # the shell closes descriptor 1 and then becomes the command
        argv = ["sh", "-c", 'exec "$@" >&-', "sh", *argv]
    env = {**os.environ, **dict(case.env)}
    start = time.perf_counter()
    with subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as proc:
        if case.close_stdout:
            assert proc.stdout is not None
            proc.stdout.close()
            _, err = proc.communicate(case.stdin, timeout=60)
            out = b""
        else:
            out, err = proc.communicate(case.stdin, timeout=60)
    stderr = err.decode("utf-8", "replace")
    return CliProcessResult(
        case.name,
        proc.returncode,
        "Traceback" in stderr,
        proc.returncode == 2 and bool(out),
        _shorten(stderr.strip().splitlines()[-1] if stderr.strip() else "", 120),
        time.perf_counter() - start,
    )


def run_cli_processes(
    work: Path, parallel: int = 4, cases: tuple[CliProcessCase, ...] = CLI_PROCESS_CASES
) -> list[CliProcessResult]:
    folders = [work / f"cli{i}" for i in range(len(cases))]
    for folder in folders:
        folder.mkdir()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(run_cli_process, cases, folders))
