"""The public namespace: ``labinterp.__all__`` is tidy, complete and importable."""

from __future__ import annotations

import inspect
import re

import labinterp
from labinterp import LabinterpError


def _isort_key(name: str) -> tuple[int, list[int | str]]:
    """The order ruff (RUF022) keeps ``__all__`` in: CONSTANTS, then Classes, then functions,
    each in natural order (digits compared as numbers)."""
    if name.isupper():
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    natural: list[int | str] = [
        int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)
    ]
    return group, natural


def test_all_is_sorted() -> None:
    assert labinterp.__all__ == sorted(labinterp.__all__, key=_isort_key)


def test_all_has_no_duplicates() -> None:
    assert len(labinterp.__all__) == len(set(labinterp.__all__))


def test_every_name_in_all_exists() -> None:
    missing = [name for name in labinterp.__all__ if not hasattr(labinterp, name)]
    assert missing == []


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from labinterp import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(labinterp.__all__)


def test_all_is_complete() -> None:
    """Every public class or function labinterp defines and exposes at the top is exported."""
    unexported = [
        name
        for name, obj in vars(labinterp).items()
        if not name.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and getattr(obj, "__module__", "").split(".")[0] == "labinterp"
        and name not in labinterp.__all__
    ]
    assert unexported == []


def test_exported_names_are_public() -> None:
    assert not [name for name in labinterp.__all__ if name.startswith("_")]


def _exported_exceptions() -> list[type[BaseException]]:
    return [
        obj
        for name in labinterp.__all__
        if inspect.isclass(obj := getattr(labinterp, name)) and issubclass(obj, BaseException)
    ]


def test_every_exported_warning_is_a_user_warning() -> None:
    found = [w for w in _exported_exceptions() if issubclass(w, Warning)]
    assert found == [labinterp.PackWarning, labinterp.TableWarning]
    for warning in found:
        assert issubclass(warning, UserWarning)
        assert warning.__name__.endswith("Warning")


def test_every_exported_error_is_a_labinterp_error() -> None:
    errors = [e for e in _exported_exceptions() if not issubclass(e, Warning)]
    assert LabinterpError in errors
    assert len(errors) >= 10
    for error in errors:
        assert issubclass(error, LabinterpError), error
        assert error.__name__.endswith("Error")
        assert error.__module__.startswith("labinterp")


def test_every_exported_error_also_derives_from_a_builtin_that_fits() -> None:
    for name in labinterp.__all__:
        obj = getattr(labinterp, name)
        if inspect.isclass(obj) and issubclass(obj, LabinterpError) and obj is not LabinterpError:
            assert issubclass(obj, ValueError | KeyError), name


def test_version_is_a_string() -> None:
    assert isinstance(labinterp.__version__, str)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", labinterp.__version__)
