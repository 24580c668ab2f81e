"""Reading one pack document's YAML safely: bounded, without aliases, with plain unique keys.

Apart from :mod:`labinterp._pack_loading` so that PyYAML is imported only when a pack file is
actually read: a start that finds the bundled packs in the start-up cache (labinterp._cache)
never reads YAML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import yaml

from labinterp._errors import PackError, shorten
from labinterp._pack_models import MAX_NESTING

__all__ = ["LOADERS", "MAX_NUMBER_CHARS", "parse_pack_yaml"]


# libyaml's parser is about five times faster than PyYAML's; the checks below work with both.
_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping whose keys are plain and unique (YAML would silently keep the last)."""
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {str(key)[:80]!r}", key_node.start_mark
            )
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


#: The longest number a pack may write, in characters. YAML 1.1 reads ``1:2:3`` as a base-60
#: integer, and PyYAML builds it part by part: 800 kB of ``1:`` took a minute. A cut-off is
#: never more than a few digits; anything this long is a mistake.
MAX_NUMBER_CHARS = 100

_SCALAR_KINDS = {"int": "an integer", "float": "a number", "bool": "true or false"}
_SCALAR_KINDS |= {"timestamp": "a date", "binary": "base64 data", "null": "null"}

_Construct = Callable[[yaml.SafeLoader, yaml.ScalarNode], Any]


def _checked_scalar(kind: str, construct: _Construct) -> _Construct:
    """PyYAML's constructor for one kind of scalar, refusing what it cannot read with the
    line and column instead of a ValueError (``2020-02-30``, ``!!bool maybe``, an integer past
    Python's digit limit) and refusing overlong numbers before it reads them."""

    def build(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        what = _SCALAR_KINDS[kind]
        if kind in ("int", "float") and len(str(node.value)) > MAX_NUMBER_CHARS:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"{shorten(node.value)} is longer than {MAX_NUMBER_CHARS} characters, too long "
                f"for {what} in a pack",
                node.start_mark,
            )
        try:
            return construct(loader, node)
        except (ValueError, OverflowError, KeyError, TypeError):
            raise yaml.constructor.ConstructorError(
                None, None, f"{shorten(node.value)} is not {what}", node.start_mark
            ) from None

    return build


def _loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    cls: type[yaml.SafeLoader] = type(f"_Pack{base.__name__}", (base,), {})
    cls.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    for kind in _SCALAR_KINDS:
        tag = f"tag:yaml.org,2002:{kind}"
        cls.add_constructor(tag, _checked_scalar(kind, base.yaml_constructors[tag]))
    return cls


#: The loaders packs are read with: libyaml's when installed, and PyYAML's own.
LOADERS: Mapping[str, type[yaml.SafeLoader]] = {
    "libyaml": _loader(_FastLoader),
    "python": _loader(yaml.SafeLoader),
}


def _where(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _check_nodes(root: yaml.Node, label: str) -> None:
    """Refuse aliases and deep nesting before anything is built from the document.

    An alias makes the parser hand back the node it names a second time: a node met twice
    is an alias. Walked with a stack, so that depth cannot overflow Python's.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            raise PackError(
                f"{label}: the value at {_where(node.start_mark)} is used again through a YAML "
                "alias (*name); packs do not allow aliases: write the value out"
            )
        seen.add(id(node))
        if depth > MAX_NESTING:
            raise PackError(
                f"{label}: {_where(node.start_mark)}: nested more than {MAX_NESTING} levels deep"
            )
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack += [(key_node, depth + 1), (value_node, depth + 1)]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(item, depth + 1) for item in node.value]


def parse_pack_yaml(
    text: str, label: str, *, quote: bool = True, loader: type[yaml.SafeLoader] | None = None
) -> Any:
    """The data of one YAML document, read safely.

    With ``quote=False`` (a file reached through ``extends:`` that may not be a pack at all),
    a syntax error gives only its line and column, never the text found there.
    """
    reader = (loader or LOADERS["libyaml"])(text)
    try:
        node = reader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, label)
        return reader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at {_where(mark)}" if mark is not None else ""
        if not quote:
            raise PackError(f"{label}: not a valid pack: not valid YAML{where}") from None
        raise PackError(f"{label}: not valid YAML{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise PackError(f"{label}: not valid YAML" + (f": {exc}" if quote else "")) from None
    except RecursionError:
        # PyYAML's own parser recurses per level; libyaml stops at its own limit first.
        raise PackError(f"{label}: nested more than {MAX_NESTING} levels deep") from None
    finally:
        reader.dispose()
