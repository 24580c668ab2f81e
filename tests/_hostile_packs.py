"""Hostile threshold packs: each is written to its own folder and loaded by ``load_pack`` in
a child process under a time limit and an address-space limit, so that a hang or a memory
blow-up is measured instead of taking the test run (or the machine) down with it.

One child loads every pack in turn (starting Python and importing labinterp is most of a
child's time; a load that is refused takes milliseconds). Each load has its own alarm and its
own peak-memory reading; a child that dies or is stuck where the alarm cannot reach it is
replaced by a fresh one for the packs that remain.

A case passes when the load is refused with a :class:`labinterp.LabinterpError` whose
message names the file (or the reference) at fault, within :data:`TIME_LIMIT_S` and
:data:`MEMORY_LIMIT_MB`.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIME_LIMIT_S = 10.0  # each load, measured in the child after imports
MEMORY_LIMIT_MB = 1024  # RLIMIT_AS of the child: address space, imports included
STARTUP_ALLOWANCE_S = 5.0  # interpreter start and imports; then a child stuck in native code
# (where the alarm cannot interrupt it) is killed by the parent

_HEADER = 'schema_version: 1\nname: {name}\nversion: "1"\n'

# The child loads each pack listed in a JSON file (from a start index) and prints one JSON line
# per pack. It limits its own address space (so that the parent need not use preexec_fn, which
# is unsafe with threads) and each load's time (so that a hang is reported with the line it was
# stuck on).
_CHILD = r"""
import json, os, resource, signal, sys, time, traceback
limit = int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

class Hang(BaseException):
    pass

def alarm(signum, frame):
    raise Hang

import labinterp

def peak_mb():
    # VmHWM starts afresh at exec; ru_maxrss would include the parent's peak before the fork.
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def reset_peak():
    # Linux: "5" sets the high-water mark back to the present size, so that each load's
    # peak is its own and not an earlier pack's.
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass

def where(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "labinterp" in f.filename and "site-packages" not in f.filename]
    pick = (ours or frames)[-1:] + frames[-1:]
    names = (f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in pick)
    return " -> ".join(dict.fromkeys(names))

with open(sys.argv[1], encoding="utf-8") as fh:
    jobs = json.load(fh)[int(sys.argv[4]):]
signal.signal(signal.SIGALRM, alarm)
for folder, arg in jobs:
    os.chdir(folder)
    reset_peak()
    out = {"baseline_mb": peak_mb()}
    signal.setitimer(signal.ITIMER_REAL, float(sys.argv[3]))
    start = time.perf_counter()
    try:
        labinterp.load_pack(arg)
        out["outcome"] = "loaded"
    except labinterp.LabinterpError as exc:
        out.update(outcome="refused", error=type(exc).__name__, message=str(exc)[:4000])
    except Hang as exc:
        out.update(outcome="timeout", error="Hang", where=where(exc))
    except MemoryError as exc:
        out.update(outcome="memory", error="MemoryError", where=where(exc))
    except BaseException as exc:
        out.update(outcome="crashed", error=type(exc).__name__, message=str(exc)[:300])
        out["where"] = where(exc)
    signal.setitimer(signal.ITIMER_REAL, 0)
    out["seconds"] = time.perf_counter() - start
    out["peak_mb"] = peak_mb()
    print(json.dumps(out), flush=True)
"""


@dataclass(frozen=True)
class HostileCase:
    """A hostile pack: ``build`` writes it into a folder and returns the load_pack argument.

    ``located`` is a regular expression that a located error's message must match: the name
    of the file (or the reference) at fault.
    """

    name: str
    build: Callable[[Path], str]
    located: str


@dataclass
class HostileResult:
    case: str
    outcome: str  # refused, loaded, timeout, memory, crashed, killed
    error: str = ""
    message: str = ""
    where: str = ""
    seconds: float = 0.0
    peak_mb: float = 0.0
    baseline_mb: float = 0.0
    located: bool = False

    @property
    def passed(self) -> bool:
        return (
            self.outcome == "refused"
            and self.located
            and self.seconds <= TIME_LIMIT_S
            and self.peak_mb <= MEMORY_LIMIT_MB
        )

    @property
    def verdict(self) -> str:
        if self.passed:
            return "refused, located"
        if self.outcome == "refused":
            return "refused, but the message does not name the file"
        return {
            "loaded": "NOT refused: loaded",
            "timeout": f"NOT refused: still loading after {TIME_LIMIT_S:g} s",
            "killed": (
                f"NOT refused: killed after {TIME_LIMIT_S + STARTUP_ALLOWANCE_S:g} s "
                "(stuck where the alarm cannot interrupt it)"
            ),
            "memory": f"NOT refused: MemoryError under {MEMORY_LIMIT_MB} MB",
        }.get(self.outcome, f"NOT refused: {self.error}")


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _child_pack(name: str, extends: str) -> str:
    return _HEADER.format(name=name) + f"extends: {json.dumps(extends)}\n"


def _valid_pack_outside(folder: Path) -> Path:
    """A valid pack in a sibling folder: loading it through ``extends`` reads outside."""
    outside = folder.parent / f"{folder.name}_outside"
    outside.mkdir(exist_ok=True)
    path = outside / "evil.yaml"
    _write(path, _child_pack("evil", "default") + "title: loaded from outside the pack folder\n")
    return path


def _alias_bomb(folder: Path) -> str:
    # Nine levels of nine aliases: a few hundred bytes that stand for 9**9 criteria.
    lines = [_child_pack("bomb", "default"), "patterns:\n  bomb:\n    label: bomb\n"]
    lines.append("    criteria:\n      all:\n        - &a0 {threshold: ferritin_iron_deficiency}\n")
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"        - &a{level} {{all: [{refs}]}}\n")
    _write(folder / "bomb.yaml", "".join(lines))
    return "bomb.yaml"


def _billion_laughs(folder: Path) -> str:
    lines = [_child_pack("laughs", "default"), 'lol0: &l0 "lol"\n']
    for level in range(1, 10):
        lines.append(f"lol{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]\n")
    lines.append("description: *l9\n")
    _write(folder / "laughs.yaml", "".join(lines))
    return "laughs.yaml"


def _deep_lists(folder: Path) -> str:
    depth = 100_000
    _write(
        folder / "deep.yaml",
        _HEADER.format(name="deep") + "description: " + "[" * depth + "]" * depth + "\n",
    )
    return "deep.yaml"


def _deep_criteria(folder: Path) -> str:
    depth = 10_000
    body = "{not: " * depth + "{threshold: ferritin_iron_deficiency}" + "}" * depth
    text = (
        _child_pack("deepnot", "default")
        + f"patterns:\n  deep:\n    label: deep\n    criteria: {body}\n"
    )
    _write(folder / "deepnot.yaml", text)
    return "deepnot.yaml"


def _long_chain(folder: Path) -> str:
    count = 1_200
    for i in range(count):
        parent = f"p{i + 1:04d}.yaml" if i + 1 < count else "default"
        _write(folder / f"p{i:04d}.yaml", _child_pack(f"p{i:04d}", parent))
    return "p0000.yaml"


def _cycle(folder: Path) -> str:
    _write(folder / "a.yaml", _child_pack("a", "b.yaml"))
    _write(folder / "b.yaml", _child_pack("b", "a.yaml"))
    return "a.yaml"


def _self_cycle(folder: Path) -> str:
    _write(folder / "self.yaml", _child_pack("self", "self.yaml"))
    return "self.yaml"


def _huge(folder: Path) -> str:
    line = "  " + "x" * 78 + "\n"
    with (folder / "huge.yaml").open("w", encoding="utf-8") as fh:
        fh.write(_child_pack("huge", "default") + "description: |\n")
        fh.write(line * (40 * 1024 * 1024 // len(line)))  # 40 MB
    return "huge.yaml"


def _base60(folder: Path) -> str:
    # YAML 1.1 reads 1:2:3 as a base-60 integer; 800 kB of it is under the size limit.
    _write(folder / "base60.yaml", _child_pack("base60", "default") + f"x: {'1:' * 400_000}1\n")
    return "base60.yaml"


def _long_integer(folder: Path) -> str:
    _write(folder / "longint.yaml", _child_pack("longint", "default") + f"x: {'9' * 20_000}\n")
    return "longint.yaml"


def _latin1(folder: Path) -> str:
    text = _child_pack("latin", "default") + "title: ferritin in \u00b5g/L\n"
    (folder / "latin.yaml").write_bytes(text.encode("latin-1"))
    return "latin.yaml"


def _utf16(folder: Path) -> str:
    (folder / "wide.yaml").write_bytes(_child_pack("wide", "default").encode("utf-16"))
    return "wide.yaml"


def _nul_in_file(folder: Path) -> str:
    (folder / "nul.yaml").write_bytes(_child_pack("nul", "default").encode() + b"title: a\x00b\n")
    return "nul.yaml"


def _nul_in_path(folder: Path) -> str:
    _write(folder / "ok.yaml", _child_pack("ok", "default"))
    return "ok\x00.yaml"


def _overlong_name(_folder: Path) -> str:
    return "a" * 5_000


def _overlong_extends(folder: Path) -> str:
    _write(folder / "longext.yaml", _child_pack("longext", "b" * 5_000 + ".yaml"))
    return "longext.yaml"


def _dev_zero(_folder: Path) -> str:
    return "/dev/zero"


def _etc_passwd(folder: Path) -> str:
    _write(folder / "passwd.yaml", _child_pack("passwd", "/etc/passwd"))
    return "passwd.yaml"


def _dotdot(folder: Path) -> str:
    _valid_pack_outside(folder)
    _write(folder / "up.yaml", _child_pack("up", f"../{folder.name}_outside/evil.yaml"))
    return "up.yaml"


def _absolute(folder: Path) -> str:
    target = _valid_pack_outside(folder)
    _write(folder / "abs.yaml", _child_pack("abs", str(target)))
    return "abs.yaml"


def _symlink(folder: Path) -> str:
    target = _valid_pack_outside(folder)
    (folder / "link.yaml").symlink_to(target)
    _write(folder / "vialink.yaml", _child_pack("vialink", "link.yaml"))
    return "vialink.yaml"


HOSTILE_CASES: tuple[HostileCase, ...] = (
    HostileCase(
        "YAML alias bomb: 9 levels of 9 aliases in a criteria tree (9^9 nodes)",
        _alias_bomb,
        r"bomb\.yaml",
    ),
    HostileCase(
        "YAML alias bomb: billion laughs in the description", _billion_laughs, r"laughs\.yaml"
    ),
    HostileCase("deep nesting: 100,000 nested flow lists", _deep_lists, r"deep\.yaml"),
    HostileCase("deep nesting: 10,000 nested `not:` criteria", _deep_criteria, r"deepnot\.yaml"),
    HostileCase("extends chain of 1,200 files", _long_chain, r"p\d{4}\.yaml"),
    HostileCase("extends cycle: a.yaml -> b.yaml -> a.yaml", _cycle, r"[ab]\.yaml"),
    HostileCase("extends itself", _self_cycle, r"self\.yaml"),
    HostileCase("huge file: 40 MB", _huge, r"huge\.yaml"),
    HostileCase("endless file: /dev/zero as the pack path", _dev_zero, r"/dev/zero"),
    HostileCase("number bomb: an 800 kB base-60 integer (1:1:1:...)", _base60, r"base60\.yaml"),
    HostileCase("an integer of 20,000 digits", _long_integer, r"longint\.yaml"),
    HostileCase("not UTF-8: Latin-1 file (a micro sign as byte 0xB5)", _latin1, r"latin\.yaml"),
    HostileCase("UTF-16 file with a byte-order mark", _utf16, r"wide\.yaml"),
    HostileCase("NUL byte inside the file", _nul_in_file, r"nul\.yaml"),
    HostileCase("NUL byte in the path", _nul_in_path, r"ok(\\x00|\\0|\x00)\.yaml"),
    HostileCase("overlong bare name (5,000 letters)", _overlong_name, r"a{20}"),
    HostileCase(
        "overlong file name in extends (5,000 letters)", _overlong_extends, r"longext\.yaml|b{20}"
    ),
    HostileCase("extends: /etc/passwd", _etc_passwd, r"passwd\.yaml|/etc/passwd"),
    HostileCase(
        "extends: ../ to a valid pack outside the pack folder", _dotdot, r"up\.yaml|evil\.yaml"
    ),
    HostileCase(
        "extends: absolute path to a valid pack outside the folder",
        _absolute,
        r"abs\.yaml|evil\.yaml",
    ),
    HostileCase(
        "extends: a symlink in the folder that points outside it",
        _symlink,
        r"vialink\.yaml|link\.yaml",
    ),
)


@dataclass(frozen=True)
class _Job:
    case: HostileCase
    folder: Path
    argument: str


def _result(job: _Job, data: dict[str, Any]) -> HostileResult:
    result = HostileResult(
        job.case.name,
        data["outcome"],
        data.get("error", ""),
        data.get("message", ""),
        data.get("where", ""),
        data["seconds"],
        data["peak_mb"],
        data["baseline_mb"],
    )
    result.located = bool(re.search(job.case.located, result.message))
    return result


def _run_child(jobs_file: Path, jobs: Sequence[_Job], first: int) -> list[HostileResult]:
    """Jobs ``first`` onwards in one child; stops early (with that job's result) if the
    child dies or a load outlives its alarm."""
    command = [
        sys.executable,
        "-c",
        _CHILD,
        str(jobs_file),
        str(MEMORY_LIMIT_MB),
        str(TIME_LIMIT_S),
        str(first),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    lines: queue.Queue[str | None] = queue.Queue()
    results: list[HostileResult] = []
    with (
        tempfile.TemporaryFile() as err,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True, env=env) as proc,
    ):
        assert proc.stdout is not None
        stdout = proc.stdout

        def read() -> None:
            for line in stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        for i, job in enumerate(jobs[first:]):
            waited = time.perf_counter()
            allowance = STARTUP_ALLOWANCE_S if i == 0 else 1.0
            try:
                line = lines.get(timeout=TIME_LIMIT_S + allowance)
            except queue.Empty:
                proc.kill()
                seconds = time.perf_counter() - waited
                results.append(HostileResult(job.case.name, "killed", seconds=seconds))
                return results
            if line is None:  # the child died in this load
                proc.wait()
                err.seek(0)
                tail = " ".join(err.read().decode("utf-8", "replace").strip().splitlines()[-1:])
                results.append(
                    HostileResult(job.case.name, "crashed", f"exit {proc.returncode}", tail[:200])
                )
                return results
            results.append(_result(job, json.loads(line)))
    return results


def run_hostile(cases: tuple[HostileCase, ...] = HOSTILE_CASES) -> list[HostileResult]:
    """Every hostile case, loaded in turn by one child (or more, if one dies)."""
    with tempfile.TemporaryDirectory(prefix="labinterp-hostile-") as tmp:
        root = Path(tmp)
        jobs = []
        for case in cases:
            folder = Path(tempfile.mkdtemp(dir=root))
            jobs.append(_Job(case, folder, case.build(folder)))
        jobs_file = root / "jobs.json"
        jobs_file.write_text(
            json.dumps([[str(job.folder), job.argument] for job in jobs]), encoding="utf-8"
        )
        results: list[HostileResult] = []
        while len(results) < len(jobs):
            results += _run_child(jobs_file, jobs, len(results))
        return results
