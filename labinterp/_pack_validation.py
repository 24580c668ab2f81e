"""How a pack is refused: size limits checked before pydantic walks the input, error messages
located by the key path as the author wrote it, and :class:`StrictModel`, the base of every
part of a pack, whose constructors raise :class:`PackError` and never pydantic's own error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from labinterp._errors import PackError

__all__ = [
    "CRITERION_KEYS",
    "MAX_NESTING",
    "MAX_REPORTED_PROBLEMS",
    "MAX_VALUES",
    "LocatedError",
    "StrictModel",
    "check_input_shape",
    "dotted",
    "problems_error",
    "structure_problems",
    "validation_error",
]

#: How deeply mappings and lists may nest anywhere in a pack (YAML or Python data).
MAX_NESTING = 64
#: How many values (mappings, lists and scalars, written out) a pack's data may hold.
MAX_VALUES = 500_000

# --- errors -----------------------------------------------------------------------------------


def dotted(loc: Sequence[str | int]) -> str:
    """A key path as pack authors write it: ``thresholds.ferritin_low.cutoffs[0].unit``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class LocatedError(ValueError):
    """A validator's problem at a key path below the model it validates."""

    def __init__(self, subpath: str, problem: str) -> None:
        super().__init__(f"{subpath}: {problem}")
        self.subpath = subpath
        self.problem = problem


#: Every key that makes a mapping a criterion. pydantic puts the key of a tagged union's
#: member into an error's path (``criteria.all.all[0]``); the path as written has it once.
CRITERION_KEYS = ("threshold", "reference", "pattern", "all", "any", "not", "context", "missing")
#: The most problems one error message lists; the rest are counted ("... and 12 more").
MAX_REPORTED_PROBLEMS = 50


def _as_written(loc: Sequence[str | int]) -> list[str | int]:
    """pydantic's error path with the union tags removed: the keys as the author wrote them."""
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if part in CRITERION_KEYS and i + 1 < len(loc) and loc[i + 1] == part:
            continue  # the tag, followed by the criterion's own key of the same name
        out.append(part)
    return out


def _error_line(err: Mapping[str, Any]) -> tuple[str, str]:
    if err["loc"] and err["loc"][-1] == "[key]":
        # pydantic names a mapping's key by appending "[key]"; the path is the key itself.
        key = err["loc"][-2] if len(err["loc"]) > 1 else ""
        return dotted(_as_written(err["loc"][:-1])), f"the id {str(key)[:80]!r}: {err['msg']}"
    loc = dotted(_as_written(err["loc"]))
    original = (err.get("ctx") or {}).get("error")
    if isinstance(original, LocatedError):
        return (f"{loc}.{original.subpath}" if loc else original.subpath), original.problem
    # pydantic prefixes a validator's ValueError with "Value error, "; the text says it all.
    return loc, str(err["msg"]).removeprefix("Value error, ")


def structure_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Each of pydantic's errors as (key path as written, problem)."""
    return [_error_line(err) for err in exc.errors()]


def _clip(text: str, limit: int) -> str:
    # A key path holds the pack's own names, and a 20 kB name repeated in fifty lines must not
    # make a megabyte message (fuzzing found one); real paths and problems are far shorter.
    return text if len(text) <= limit else text[: limit - 3] + "..."


def problems_error(
    where: str,
    problems: Sequence[tuple[str, str]],
    what: str = "the pack does not validate",
    *,
    places: Callable[[int], str] | None = None,
    note: str | None = None,
) -> PackError:
    """One PackError for many problems: a line each (``file:line:column: key.path: problem``
    where ``places`` gives the place of the i-th problem), at most
    :data:`MAX_REPORTED_PROBLEMS`, then how many more; ``note`` is a last line, such as why
    some checks could not run. The first problem's path is the error's ``field``."""
    lines = []
    for i, (path, message) in enumerate(problems[:MAX_REPORTED_PROBLEMS]):
        place = places(i) if places is not None else ""
        where_in_file = f"{place}: " if place else ""
        lines.append(f"  {where_in_file}{_clip(path or '<root>', 160)}: {_clip(message, 400)}")
    if len(problems) > MAX_REPORTED_PROBLEMS:
        lines.append(f"  ... and {len(problems) - MAX_REPORTED_PROBLEMS} more")
    if note:
        lines.append(f"  ({note})")
    count = f" ({len(problems)} problems)" if len(problems) > 1 else ""
    first_path, first_message = problems[0] if problems else ("", note or what)
    return PackError(
        f"{where}: {what}{count}:\n" + "\n".join(lines),
        field=first_path or None,
        expected=first_message,
    )


def validation_error(
    where: str, exc: ValidationError, what: str = "the pack does not validate"
) -> PackError:
    """pydantic's error as a PackError: each problem on a line, the first one's path as field."""
    return problems_error(where, structure_problems(exc), what)


# --- bounded input ------------------------------------------------------------------------------


def _children(value: object) -> Iterable[object]:
    if isinstance(value, Mapping):
        return value.values()
    if isinstance(value, list | tuple):
        return value
    return ()


def _measure(root: object) -> dict[int, tuple[int, int]] | None:
    """Height and written-out size of each container under ``root``, by ``id``, each visited
    once; None if a container contains itself.

    Shared containers are measured once and reused, so a structure built to expand
    exponentially (YAML aliases, a list that repeats one dict) costs time in its stored size,
    not its expanded size.
    """
    measured: dict[int, tuple[int, int]] = {}
    open_: set[int] = set()
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        value, done = stack.pop()
        key = id(value)
        if done:
            open_.discard(key)
            height, size = 0, 1
            for child in _children(value):
                h, n = measured.get(id(child), (0, 1))
                height, size = max(height, h), size + n
            measured[key] = (height + 1, size)
        elif key in open_:
            return None
        elif key not in measured and (isinstance(value, Mapping | list | tuple) and value):
            open_.add(key)
            stack.append((value, True))
            stack.extend((child, False) for child in _children(value))
    return measured


def check_input_shape(data: object, where: str) -> None:
    """Refuse data nested deeper than :data:`MAX_NESTING`, larger than :data:`MAX_VALUES`
    written out, or containing itself, before anything walks it as a tree."""
    measured = _measure(data)
    if measured is None:
        raise PackError(f"{where}: the data contains itself; a pack must be plain nested data")
    height, size = measured.get(id(data), (0, 1))
    if height > MAX_NESTING:
        path = _deepest_path(data, measured)
        raise PackError(
            f"{where}: {path}: nested more than {MAX_NESTING} levels deep",
            field=path,
            expected=f"at most {MAX_NESTING} levels of nesting",
        )
    if size > MAX_VALUES:
        raise PackError(
            f"{where}: the pack holds {size:,} values once written out; at most {MAX_VALUES:,}"
            " are allowed",
            value=size,
            expected=f"at most {MAX_VALUES:,} values",
        )


def _deepest_path(root: object, measured: Mapping[int, tuple[int, int]]) -> str:
    """The key path that reaches :data:`MAX_NESTING` levels along the deepest branch."""
    path: list[str | int] = []
    value = root
    for _ in range(MAX_NESTING):
        if isinstance(value, Mapping):
            items: Iterable[tuple[str | int, object]] = ((str(k), v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            items = enumerate(value)
        else:
            break
        key, value = max(items, key=lambda kv: measured.get(id(kv[1]), (0, 1))[0])
        path.append(key if isinstance(key, int) else key[:40])
    return dotted(path)


_INVALID = "not valid"


class StrictModel(BaseModel):
    """Frozen, strict, closed: and its constructors raise :class:`PackError`."""

    # defer_build: the validator is built on first use, not at import (cold start).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)

    def __init__(self, /, **data: Any) -> None:
        name = type(self).__name__
        check_input_shape(data, name)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise validation_error(name, exc, _INVALID) from None

    # Marked as pydantic's own __init__ (as pydantic's RootModel does), so that nested models
    # are validated by pydantic-core alone: one error with the whole key path, and no shape
    # check per nested model. A direct call such as When(sex="F") still runs this __init__.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        check_input_shape(obj, cls.__name__)
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise validation_error(cls.__name__, exc, _INVALID) from None

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            raise validation_error(cls.__name__, exc, _INVALID) from None
