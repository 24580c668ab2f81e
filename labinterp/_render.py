"""The renderers' old module name, kept so that existing imports keep working.

The renderers live in the :mod:`labinterp.render` package.
"""

from __future__ import annotations

from labinterp.render import render_panel_text, render_text

__all__ = ["render_panel_text", "render_text"]
