"""The Chromium flags of labinterp's own headless-browser runs: the browser tests
(``tests/_browser.py``), the playground benchmark (``benchmarks/playground.py``) and the
documentation's screenshots (``docs/hooks/screenshots.py``).

The playground never uses them: its page runs in the learner's own browser. They sit here,
beside the page those runs open, so that the three share one list instead of keeping copies.
"""

from __future__ import annotations

from typing import Final

#: What a closed network and a root user need: no sandbox as root, no GPU, and no background
#: connections that would be refused and logged. Playwright adds ``--headless`` itself when it
#: launches a headless browser.
CHROMIUM_FLAGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
