"""A pack's errors come in one report: structure and cross-references together, each line
with the file, the line and column (YAML) and the key path as written, and bounded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import labinterp
from labinterp import Pack, PackError, extend_pack, load_pack
from labinterp._pack_models import MAX_REPORTED_PROBLEMS


def tiny(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "tiny",
        "version": "1",
        "title": "A tiny pack",
        "sources": {"src": {"title": "A source title", "kind": "guideline"}},
        "thresholds": {
            "ferritin_low": {
                "analyte": "ferritin",
                "source": "src",
                "confidence": "verified",
                "cutoffs": [{"comparator": "<", "value": 30, "unit": "ug/L"}],
            }
        },
        "patterns": {
            "low_ferritin": {"label": "low ferritin", "criteria": {"threshold": "ferritin_low"}}
        },
    }
    data.update(changes)
    return data


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def refused(action: Any, *args: Any) -> PackError:
    with pytest.raises(PackError) as info:
        action(*args)
    return info.value


def problem_lines(error: PackError) -> list[str]:
    return str(error).splitlines()[1:]


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` that is exactly ``text``."""
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def test_structure_and_cross_reference_problems_come_together(tmp_path: Path) -> None:
    data = tiny()
    data["thresholds"]["ferritin_low"]["confidence"] = "sure"  # structure
    data["patterns"]["other"] = {"label": "other", "criteria": {"threshold": "ferritn_low"}}
    data["sources"]["src2"] = {"title": "Another source", "kind": "guideline"}
    data["thresholds"]["tsat_low"] = {
        "analyte": "transferrin_saturation",
        "source": "scr2",  # cross-reference
        "confidence": "verified",
        "cutoffs": [{"comparator": "<", "value": 15, "unit": "%"}],
    }
    path = write(tmp_path / "p.yaml", data)
    error = refused(load_pack, path)
    text = str(error)
    assert text.startswith(f"{path}: the pack does not validate (3 problems):")
    lines = problem_lines(error)
    assert lines[0] == (
        f"  {path}:{line_of(path, '    confidence: sure')}:5: "
        "thresholds.ferritin_low.confidence: Input should be 'verified', 'established' or "
        "'uncertain'"
    )
    assert f"  {path}:{line_of(path, '    source: scr2')}:5: thresholds.tsat_low.source: " in text
    assert "unknown source 'scr2'; did you mean 'src2'?" in text
    assert "patterns.other.criteria.threshold: unknown threshold 'ferritn_low'" in text
    # ferritin_low does not validate, but it exists: low_ferritin's reference to it is fine.
    assert "unknown threshold 'ferritin_low'" not in text
    assert error.field == "thresholds.ferritin_low.confidence"


def test_key_paths_are_as_written_not_as_the_models_name_them(tmp_path: Path) -> None:
    data = tiny()
    data["patterns"]["low_ferritin"]["criteria"] = {
        "all": [{"threshold": "ferritin_low"}, {"threshold": 3}, {"not": {"pattern": 4}}]
    }
    error = refused(load_pack, write(tmp_path / "p.yaml", data))
    text = str(error)
    assert "patterns.low_ferritin.criteria.all[1].threshold: Input should be a valid string" in text
    assert "patterns.low_ferritin.criteria.all[2].not.pattern: Input should be" in text
    assert "all.all" not in text
    assert "threshold.threshold" not in text


def test_an_entry_that_does_not_validate_is_said_to_hide_its_references(tmp_path: Path) -> None:
    data = tiny()
    data["patterns"]["low_ferritin"]["criteria"] = {
        "all": [{"threshold": "nope"}, {"threshold": 3}]
    }
    text = str(refused(load_pack, write(tmp_path / "p.yaml", data)))
    assert "unknown threshold 'nope'" not in text
    assert text.endswith(
        "(the references inside the 1 entry that does not validate were not checked; they "
        "will be once the entries validate)"
    )


def test_when_structure_makes_cross_references_impossible_it_says_so_once(
    tmp_path: Path,
) -> None:
    data = tiny(population={"age_min": "fifteen", "description": "adults"})
    data["patterns"]["other"] = {"label": "other", "criteria": {"threshold": "nope"}}
    error = refused(load_pack, write(tmp_path / "p.yaml", data))
    lines = problem_lines(error)
    assert len(lines) == 2
    assert "population.age_min: Input should be a valid number" in lines[0]
    assert lines[1] == (
        "  (cross-references and coverage were not checked, because population is not valid; "
        "fix that first)"
    )


def test_the_report_is_bounded(tmp_path: Path) -> None:
    data = tiny()
    count = MAX_REPORTED_PROBLEMS + 70
    data["patterns"] = {
        f"p{i}": {"label": "a pattern", "criteria": {"threshold": f"missing_{i}"}}
        for i in range(count)
    }
    error = refused(load_pack, write(tmp_path / "p.yaml", data))
    lines = problem_lines(error)
    assert f"({count} problems)" in str(error).splitlines()[0]
    assert len(lines) == MAX_REPORTED_PROBLEMS + 1
    assert lines[-1] == "  ... and 70 more"


def test_problems_in_a_file_extended_name_that_file_and_its_line(tmp_path: Path) -> None:
    base = tiny(name="base")
    base["patterns"]["other"] = {"label": "other", "criteria": {"threshold": "nope"}}
    base_path = write(tmp_path / "base.yaml", base)
    child: dict[str, Any] = {"name": "child", "version": "1", "title": "child"}
    child["extends"] = "base.yaml"
    child["thresholds"] = {"ferritin_low": {"analyte": "ferritin"}}
    path = write(tmp_path / "child.yaml", child)
    error = refused(load_pack, path)
    text = str(error)
    assert text.startswith(f"{path}: the pack does not validate")
    line = line_of(base_path, "      threshold: nope")
    assert f"  {base_path}:{line}:7: patterns.other.criteria.threshold: unknown threshold" in text
    line = line_of(path, "  ferritin_low:")
    assert f"  {path}:{line}:3: thresholds.ferritin_low.confidence: Field required" in text


def test_a_key_with_dots_is_located(tmp_path: Path) -> None:
    data = tiny()
    data["patterns"]["iron.low"] = {"label": "x", "criteria": {"threshold": "ferritin_low"}}
    path = write(tmp_path / "p.yaml", data)
    error = refused(load_pack, path)
    line = line_of(path, "    label: x")
    assert f"{path}:{line}:5: patterns.iron.low.label: String should have at least 2" in str(error)


def test_python_data_gets_key_paths_and_names_which_part(tmp_path: Path) -> None:
    error = refused(
        extend_pack,
        labinterp.default_pack(),
        {"name": "x", "version": "1", "patterns": {"p": {"label": "p p", "criteria": {}}}},
    )
    assert str(error).splitlines()[1].startswith("  changes: patterns.p.criteria: ")
    data = tiny()
    data["thresholds"]["ferritin_low"]["confidence"] = "sure"
    data["patterns"]["other"] = {"label": "other", "criteria": {"threshold": "nope"}}
    error = refused(Pack.model_validate, data)
    text = str(error)
    assert text.startswith("Pack: the pack does not validate (2 problems):")
    assert "\n  thresholds.ferritin_low.confidence: Input should be" in text
    assert "\n  patterns.other.criteria.threshold: unknown threshold 'nope'" in text


def test_every_line_has_a_place_and_a_key_path(tmp_path: Path) -> None:
    data = tiny(colour="red")
    data["patterns"]["other"] = {"label": "other", "criteria": {"threshold": "nope"}}
    path = write(tmp_path / "p.yaml", data)
    for line in problem_lines(refused(load_pack, path)):
        if line.startswith("  ("):
            continue
        assert re.match(rf"  {re.escape(str(path))}:\d+:\d+: [a-z_.\[\]0-9]+: ", line), line
