"""The Python examples in README.md and docs/ run as written (docs must not rot)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _blocks() -> list[tuple[str, str]]:
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        # Blocks of one page run in order and share names, as a reader would type them.
        code = "\n".join(b for b in _BLOCK.findall(text) if ">>>" not in b)
        if code:
            found.append((doc.name, code))
    return found


BLOCKS = _blocks()


def test_the_docs_have_python_examples() -> None:
    assert {name for name, _ in BLOCKS} >= {"README.md", "getting-started.md", "packs.md"}


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_python_examples_run(name: str, code: str, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"panel": None}
    if name == "packs.md":  # the page assumes a panel from the getting-started page
        exec("import labinterp\npanel = labinterp.Panel(ferritin='40 ng/mL')", namespace)
    exec(compile(code, name, "exec"), namespace)
    capsys.readouterr()
