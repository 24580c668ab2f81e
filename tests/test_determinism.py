"""Byte-identical JSON across processes, whatever Python's hash seed (sets never leak order)."""

from __future__ import annotations

import os
import subprocess
import sys

PANEL = '{"hb": "12.5 g/dL", "ferritin": "<50 ug/L", "b12": "250 ng/L", "age": 30}'


def _run(seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-m", "labinterp", "interpret", "--format", "json", "-"],
        input=PANEL.encode(),
        capture_output=True,
        env=env,
        check=True,
    )
    return done.stdout


def test_json_is_identical_across_hash_seeds() -> None:
    first = _run("1")
    assert b'"patterns"' in first
    assert _run("2") == first
    assert _run("12345") == first
