"""The analyte catalog file: read lazily, checked whole, errors at their key path."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import labinterp
from labinterp import ANALYTES, LabinterpError
from labinterp._catalog import (
    CATALOG_FILE,
    AnalyteSpec,
    _Loader,
    load_catalog,
    parse_catalog,
)
from labinterp._errors import CatalogError

BUNDLED_TEXT = CATALOG_FILE.read_text(encoding="utf-8")
BUNDLED: dict[str, Any] = yaml.safe_load(BUNDLED_TEXT)
LABEL = "broken/analytes.yaml"


def _broken(change: Callable[[dict[str, Any]], object]) -> CatalogError:
    """The error for the bundled catalog with one change made to its data."""
    data = copy.deepcopy(BUNDLED)
    change(data)
    with pytest.raises(CatalogError) as info:
        parse_catalog(yaml.safe_dump(data, sort_keys=False), LABEL)
    return info.value


def _entry(data: dict[str, Any], analyte: str) -> dict[str, Any]:
    entry: dict[str, Any] = data["analytes"][analyte]
    return entry


# --- the bundled catalog ------------------------------------------------------------------------


def test_the_bundled_catalog_is_what_analytes_holds() -> None:
    catalog = load_catalog()
    assert tuple(a.id for a in catalog.analytes) == tuple(ANALYTES)
    for analyte in catalog.analytes:
        assert analyte == ANALYTES[analyte.id]
        assert dict(analyte.dimension_hints) == dict(ANALYTES[analyte.id].dimension_hints)


def test_the_catalog_file_is_package_data() -> None:
    # Inside the package folder, so that hatch puts it in the wheel (.ci/run installs one).
    package = Path(labinterp.__file__).resolve().parent
    assert CATALOG_FILE.is_relative_to(package)
    assert CATALOG_FILE.is_file()


def test_the_header_explains_every_key() -> None:
    header = BUNDLED_TEXT.split("\nschema_version:")[0]
    for key in [*AnalyteSpec.model_fields, "schema_version", "analytes", "different_tests"]:
        assert re.search(rf"^#\s+{key}\b", header, re.MULTILINE), key


def test_libyaml_reads_the_catalog_when_installed() -> None:
    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert issubclass(_Loader, expected)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_does_not_read_the_catalog() -> None:
    out = _run(
        """
        import sys
        import labinterp
        from labinterp import _analytes
        print("catalog module imported:", "labinterp._catalog" in sys.modules)
        print("read:", _analytes._loaded)
        labinterp.resolve_analyte_id("tsat")
        print("after first use:", _analytes._loaded, len(labinterp.ANALYTES))
        """
    )
    assert out.splitlines() == [
        "catalog module imported: False",
        "read: False",
        f"after first use: True {len(ANALYTES)}",
    ]


@pytest.mark.parametrize(
    "first_use",
    [
        "labinterp.ANALYTES['ferritin'].id",
        "'ferritin' in labinterp.ANALYTES",
        "list(labinterp.ANALYTES)[0]",
        "len(labinterp.ANALYTES)",
        "labinterp.ANALYTES.get('ferritin').id",
        "dict(labinterp.ANALYTES.items())['ferritin'].id",
        "labinterp.get_analyte('ferr').id",
        "labinterp.Panel(ferritin='12 ng/mL').ferritin.analyte",
    ],
)
def test_every_first_use_reads_the_catalog(first_use: str) -> None:
    # A mapping filled on first use must never answer "empty" before it is filled.
    out = _run(f"import labinterp\nprint(repr({first_use}))")
    assert out.strip() not in ("False", "0", "None", "")


def test_threads_that_all_start_at_once_see_one_whole_catalog() -> None:
    out = _run(
        """
        import threading
        import labinterp

        barrier = threading.Barrier(8)
        seen = []

        def work():
            barrier.wait()
            seen.append((labinterp.resolve_analyte_id("Hct"), len(labinterp.ANALYTES),
                         labinterp.ANALYTES["rbc"].canonical_unit))

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(sorted(set(seen)), len(seen))
        """
    )
    assert out.strip() == f"[('hematocrit', {len(ANALYTES)}, '10*12/L')] 8"


def test_a_reader_that_waited_for_another_threads_read_finds_the_entry() -> None:
    # Regression: a lookup that missed while another thread was reading the file waited on the
    # lock and then raised KeyError, since it had not read the file itself.
    out = _run(
        """
        import threading, time
        from labinterp import _analytes

        found = []
        with _analytes._LOAD_LOCK:  # this thread is "the other thread" reading the file
            reader = threading.Thread(
                target=lambda: found.append(_analytes.ANALYTES["ferritin"].id)
            )
            reader.start()
            time.sleep(0.2)  # the reader has missed and waits on the lock
            _analytes._fill()
        reader.join(timeout=30)
        print(found)
        """
    )
    assert out.strip() == "['ferritin']"


# --- broken catalogs: each problem named with the file and the key path -------------------------


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """A change that sets ``value`` at a dotted path (list indices as [i])."""
    parts: list[str | int] = [
        int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"\[\d+\]|[^.\[\]]+", path)
    ]

    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for part in parts[:-1]:
            target = target[part]
        target[parts[-1]] = value

    return change


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    *head, last = path.split(".")

    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for part in head:
            target = target[part]
        del target[last]

    return change


BROKEN: list[tuple[str, Callable[[dict[str, Any]], object], str, str]] = [
    (
        "unknown key",
        _set("analytes.ferritin.colour", "red"),
        "analytes.ferritin.colour",
        "Extra inputs are not permitted",
    ),
    (
        "LOINC check digit",
        _set("analytes.ferritin.loinc[1].code", "14723-2"),
        "analytes.ferritin.loinc[1].code",
        "'14723-2' fails its check digit",
    ),
    (
        "LOINC code given twice",
        _set("analytes.iron.loinc[0].code", "2276-4"),
        "analytes.iron.loinc[0].code",
        "also given at analytes.ferritin.loinc[0]",
    ),
    (
        "canonical unit outside the dimensions",
        _set("analytes.transferrin.canonical_unit", "umol/L"),
        "analytes.transferrin.canonical_unit",
        "substance concentration, not listed",
    ),
    (
        "canonical unit not written as its UCUM code",
        _set("analytes.ferritin.canonical_unit", "ug/l"),
        "analytes.ferritin.canonical_unit",
        "write the UCUM code 'ug/L'",
    ),
    (
        "unknown unit",
        _set("analytes.ferritin.common_units[2]", "mg/Liter"),
        "analytes.ferritin.common_units[2]",
        "unknown unit 'mg/Liter'",
    ),
    (
        "common units not starting with the canonical unit",
        _set("analytes.ferritin.common_units", ["ng/mL", "ug/L", "pmol/L"]),
        "analytes.ferritin.common_units[0]",
        "must be the canonical unit",
    ),
    (
        "a dimension without an example unit",
        _set("analytes.ferritin.common_units", ["ug/L", "ng/mL"]),
        "analytes.ferritin.common_units",
        "no example unit for the dimension 'substance concentration'",
    ),
    (
        "molar mass missing where mass and substance meet",
        _delete("analytes.ferritin.molar_mass"),
        "analytes.ferritin.molar_mass",
        "no molar mass, but mass and substance units are both accepted",
    ),
    (
        "molar mass where nothing is converted",
        _set(
            "analytes.transferrin.molar_mass",
            {"grams_per_mole": 79570, "substance": "transferrin", "source": "a guess"},
        ),
        "analytes.transferrin.molar_mass",
        "only where mass and substance units are both accepted",
    ),
    (
        "molar mass not positive",
        _set("analytes.iron.molar_mass.grams_per_mole", 0),
        "analytes.iron.molar_mass.grams_per_mole",
        "greater than 0",
    ),
    (
        "two dimensions a molar mass cannot join",
        _set("analytes.rdw.dimensions", ["fraction", "entitic volume"]),
        "analytes.rdw.dimensions",
        "two dimensions only as mass and substance concentration",
    ),
    (
        "unknown dimension",
        _set("analytes.rdw.dimensions", ["percentage"]),
        "analytes.rdw.dimensions[0]",
        "Input should be",
    ),
    (
        "hint for an accepted dimension",
        _set("analytes.rdw.dimension_hints", {"fraction": "never shown"}),
        "analytes.rdw.dimension_hints.fraction",
        "a hint for an accepted dimension",
    ),
    (
        "alias given twice",
        _set("analytes.iron.aliases", ["fe", "ferr"]),
        "analytes.iron.aliases[1]",
        "'ferr' is already given at analytes.ferritin.aliases[0]",
    ),
    (
        "alias that is another id",
        _set("analytes.iron.aliases", ["fe", "tibc"]),
        "analytes.iron.aliases[1]",
        "'tibc' is already given at analytes.tibc",
    ),
    (
        "alias not written as names are compared",
        _set("analytes.iron.aliases", ["Serum Iron"]),
        "analytes.iron.aliases[0]",
        "write 'Serum Iron' as it is compared: 'serum_iron'",
    ),
    (
        "alias that YAML reads as a boolean",
        _set("analytes.iron.aliases", [False]),
        "analytes.iron.aliases[0]",
        "valid string",
    ),
    (
        "refused name that is an alias",
        _set("different_tests[0].names", ["uibc", "tsat"]),
        "different_tests[0].names[1]",
        "'tsat' is already given at analytes.transferrin_saturation.aliases[0]",
    ),
    (
        "guard bounds out of order",
        _set("analytes.ferritin.plausible.low", 2_000_000),
        "analytes.ferritin.plausible",
        "low 2e+06 must be below high 1e+06",
    ),
    (
        "negative guard",
        _set("analytes.ferritin.plausible.low", -1),
        "analytes.ferritin.plausible.low",
        "greater than or equal to 0",
    ),
    (
        "guard bound as text",
        _set("analytes.ferritin.plausible.high", "1000"),
        "analytes.ferritin.plausible.high",
        "valid number",
    ),
    (
        "guard without a reason",
        _set("analytes.ferritin.plausible.reasoning", "big"),
        "analytes.ferritin.plausible.reasoning",
        "at least 20 characters",
    ),
    (
        "measured analyte without a guard",
        _delete("analytes.ldh.plausible"),
        "analytes.ldh.plausible",
        "needs a plausibility guard",
    ),
    (
        "measured analyte without a LOINC code",
        _set("analytes.ldh.loinc", []),
        "analytes.ldh.loinc",
        "needs at least one LOINC code",
    ),
    (
        "id not in the id form",
        lambda d: d["analytes"].update({"Vitamin-D": d["analytes"]["crp"]}),
        "analytes.Vitamin-D",
        "lower case letters",
    ),
    (
        "unknown formula",
        _set("analytes.mentzer_index.derived.function", "england_fraser"),
        "analytes.mentzer_index.derived.function",
        "no formula 'england_fraser'",
    ),
    (
        "formula inputs in another order",
        _set("analytes.mentzer_index.derived.inputs", ["rbc", "mcv"]),
        "analytes.mentzer_index.derived.inputs",
        "reads ['mcv', 'rbc'], in that order",
    ),
    (
        "formula input in another canonical unit",
        lambda d: _entry(d, "rbc").update(
            canonical_unit="10*6/uL", common_units=["10*6/uL", "10*12/L"]
        ),
        "analytes.mentzer_index.derived.inputs[1]",
        "reads rbc in '10*12/L', but its canonical unit is '10*6/uL'",
    ),
    (
        "formula input that is itself derived",
        lambda d: (
            _set("analytes.mentzer_index.derived.function", "reticulocyte_production_index")(d),
            _set("analytes.mentzer_index.derived.inputs", ["reticulocytes", "hematocrit"])(d),
            _entry(d, "hematocrit").update(derived=_entry(d, "mentzer_index")["derived"]),
        ),
        "analytes.mentzer_index.derived.inputs[1]",
        "'hematocrit' is itself derived",
    ),
    (
        "derivable result with an unknown formula",
        _set("analytes.transferrin_saturation.derivable.function", "tsat_magic"),
        "analytes.transferrin_saturation.derivable.function",
        "no formula 'tsat_magic'",
    ),
    (
        "derivable result computed from a derivable result",
        lambda d: _entry(d, "iron").update(
            derivable=_entry(d, "transferrin_saturation")["derivable"]
        ),
        "analytes.transferrin_saturation.derivable.inputs[0]",
        "'iron' is itself computed when not reported",
    ),
    (
        "derived index that is also derivable",
        lambda d: _entry(d, "mentzer_index").update(
            derivable=_entry(d, "transferrin_saturation")["derivable"]
        ),
        "analytes.mentzer_index.derivable",
        "a derived index is always computed: no derivable",
    ),
    (
        "derived index with a guard",
        _set("analytes.mentzer_index.plausible", BUNDLED["analytes"]["rbc"]["plausible"]),
        "analytes.mentzer_index.plausible",
        "computed, never read",
    ),
    (
        "derived index with a unit",
        lambda d: _entry(d, "mentzer_index").update(canonical_unit="%", common_units=["%"]),
        "analytes.mentzer_index.canonical_unit",
        "a plain number, unit '1'",
    ),
    (
        "wrong schema version",
        _set("schema_version", 2),
        "schema_version",
        "Input should be 1",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "problem"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_a_broken_catalog_is_refused_at_its_key_path(
    change: Callable[[dict[str, Any]], object], path: str, problem: str
) -> None:
    exc = _broken(change)
    assert isinstance(exc, LabinterpError)
    assert isinstance(exc, ValueError)
    message = str(exc)
    assert message.startswith(f"{LABEL}: the analyte catalog does not validate:")
    line = next((ln for ln in message.splitlines() if ln.strip().startswith(f"{path}:")), None)
    assert line is not None, message
    assert problem in line, message


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    def two_problems(data: dict[str, Any]) -> None:
        _set("analytes.ferritin.loinc[1].code", "14723-2")(data)
        _set("analytes.iron.aliases", ["fe", "ferr"])(data)

    exc = _broken(two_problems)
    # Structure errors come first, alone; fix them and the checks across entries run.
    assert exc.field == "analytes.ferritin.loinc[1].code"
    exc = _broken(_set("analytes.iron.aliases", ["fe", "ferr", "tibc"]))
    assert "analytes.iron.aliases[1]" in str(exc)
    assert "analytes.iron.aliases[2]" in str(exc)
    assert exc.field == "analytes.iron.aliases[1]"


def test_a_key_given_twice_is_refused_with_its_line() -> None:
    text = BUNDLED_TEXT.replace(
        "  ferritin:\n    display_name:",
        "  ferritin:\n    note: once\n    note: twice\n    display_name:",
    )
    with pytest.raises(CatalogError, match=r"given twice") as info:
        parse_catalog(text, LABEL)
    assert re.search(r"line \d+, column \d+", str(info.value))
    assert str(info.value).startswith(LABEL)


def test_an_analyte_given_twice_is_refused() -> None:
    text = BUNDLED_TEXT.replace("\n  esr:\n", "\n  iron:\n", 1)
    with pytest.raises(CatalogError, match=r"'iron' is given twice"):
        parse_catalog(text, LABEL)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("analytes: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "Input should be a valid dictionary"),
        ("", "Input should be a valid dictionary"),
    ],
)
def test_text_that_is_no_catalog_is_refused(text: str, problem: str) -> None:
    with pytest.raises(CatalogError, match=re.escape(problem)) as info:
        parse_catalog(text, LABEL)
    assert str(info.value).startswith(LABEL)


def test_a_missing_catalog_file_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read the analyte catalog"):
        load_catalog(tmp_path / "missing.yaml")


def test_a_catalog_file_is_read_with_its_name_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "analytes.yaml"
    path.write_text(BUNDLED_TEXT.replace("code: 2276-4", "code: 2276-5"), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert str(info.value).startswith(f"{path}: ")
    assert info.value.field == "analytes.ferritin.loinc[0].code"
