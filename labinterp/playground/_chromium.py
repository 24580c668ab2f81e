"""What labinterp's own headless-browser runs share: the Chromium flags, and a quiet local
server for a built site. The runs are the browser tests (``tests/_browser.py``,
``tests/test_playground_browser.py``), the playground benchmark (``benchmarks/playground.py``)
and the documentation's screenshots (``docs/hooks/screenshots.py``).

The playground never uses them: its page runs in the learner's own browser. They sit here,
beside the page those runs open, so that the runs share one copy instead of keeping several.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # a run's output is its figures or its test report, not a request log


@contextmanager
def serving(site: Path) -> Iterator[str]:
    """``site`` served on a free port of 127.0.0.1 for the ``with`` block; yields its URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
