"""Messages for panel input read from text: JSON words, not Python's (review4 #17 ...)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from labinterp import Panel
from labinterp._cli import main
from labinterp._errors import InvalidValueError, PanelError, UnknownAnalyteError, UnknownUnitError


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("raw", [float("nan"), float("inf")])
def test_nan_asks_for_null_not_a_unit(raw: float) -> None:
    with pytest.raises(InvalidValueError) as caught:
        Panel.from_mapping({"ferritin": raw})
    message = str(caught.value)
    assert "give null" in message
    assert "ug/L" not in message
    assert caught.value.suggestion == "null"


def test_a_boolean_result_is_echoed_in_json_words() -> None:
    with pytest.raises(InvalidValueError) as caught:
        Panel.from_mapping({"ferritin": True})
    assert "cannot read true as a measurement" in str(caught.value)


# --- pregnancy and age written as text (#17) -------------------------------------------------


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        *[("yes", True), ("YES", True), ("true", True), ("True", True), ("1", True)],
        *[("no", False), ("No", False), ("false", False), ("FALSE", False), (" 0 ", False)],
    ],
)
def test_pregnancy_text_is_read(written: str, meant: bool) -> None:
    assert Panel.from_mapping({"pregnant": written}).pregnant is meant
    assert Panel.from_json(json.dumps({"pregnant": written})).pregnant is meant


@pytest.mark.parametrize("written", ["yes", "No", "1", "FALSE"])
def test_pregnancy_text_is_read_on_the_command_line(
    capsys: pytest.CaptureFixture[str], written: str
) -> None:
    code, out, _ = run_cli(capsys, "normalize", f"pregnant={written}", "ferritin=12 ng/mL")
    assert code == 0
    assert "pregnant" in out


@pytest.mark.parametrize("written", ["maybe", 2, 0.5])
def test_other_pregnancy_values_are_refused_with_the_spellings(written: object) -> None:
    with pytest.raises(PanelError) as caught:
        Panel.from_mapping({"pregnant": written})
    message = str(caught.value)
    assert message.startswith("pregnant: ")
    assert "yes/no" in message
    assert "valid boolean" not in message


@pytest.mark.parametrize(
    ("written", "years"), [("2 months", "0.17"), ("30 years", "30"), ("3 wk", "0.06")]
)
def test_an_age_with_a_unit_of_time_is_refused_with_its_years(written: str, years: str) -> None:
    with pytest.raises(PanelError) as caught:
        Panel.from_mapping({"age": written})
    assert "ages are given in years" in str(caught.value)
    assert f"age={years}" in str(caught.value)
    assert caught.value.suggestion == years


def test_context_messages_start_with_the_field_alone() -> None:
    for bad in ({"age": "abc"}, {"age": 200}, {"trimester": 5, "pregnant": True}):
        with pytest.raises(PanelError) as caught:
            Panel.from_mapping(bad)
        assert not str(caught.value).startswith("Panel."), str(caught.value)
    with pytest.raises(PanelError) as caught:
        Panel(age="abc")
    assert str(caught.value).startswith("age: ")


@pytest.mark.parametrize(("pregnant", "said"), [(False, "pregnant=false"), (None, "not given")])
def test_a_trimester_without_pregnancy_is_worded_as_input_is(
    pregnant: bool | None, said: str
) -> None:
    with pytest.raises(PanelError) as caught:
        Panel.from_mapping({"trimester": 2, "pregnant": pregnant})
    message = str(caught.value)
    assert said in message
    assert "set pregnant=true" in message
    assert "True" not in message
    assert "False" not in message


# --- the command line speaks JSON and its own options (#17, #12, #19, #25) ---------------------


def _cli_error(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None) -> str:
    if stdin is not None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("sys.stdin", io.StringIO(stdin))
            code, out, err = run_cli(capsys, *argv)
    else:
        code, out, err = run_cli(capsys, *argv)
    assert (code, out) == (2, ""), err
    return err


def test_the_command_line_names_its_option_for_unknown_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = _cli_error(capsys, "interpret", "ferritin=12 ng/mL", "patient_id=7")
    assert "--ignore-unknown" in err
    assert "ignore_unknown" not in err
    assert "context keys: sex, age, pregnant, trimester" in err


def test_python_callers_are_told_the_keyword() -> None:
    with pytest.raises(UnknownAnalyteError) as caught:
        Panel.from_mapping({"patient_id": 7})
    assert "ignore_unknown=True" in str(caught.value)
    assert "context keys: sex, age" in str(caught.value)


@pytest.mark.parametrize(
    ("document", "said", "python"),
    [
        ("[1, 2]", "a JSON object of analyte names to values, got an array", "list"),
        ('{"ferritin": true}', "cannot read true as a measurement", "True"),
        ('{"ferritin": -3}', "ferritin: -3 is negative", "-3.0"),
        ('{"ferritin": "-3 ng/mL"}', "value -3 ng/mL is negative", "-3.0"),
        ('{"sex": "female", "trimester": 2, "pregnant": false}', "pregnant=false", "False"),
    ],
)
def test_json_on_the_command_line_is_answered_in_json_words(
    capsys: pytest.CaptureFixture[str], document: str, said: str, python: str
) -> None:
    err = _cli_error(capsys, "interpret", "-", stdin=document)
    assert said in err
    assert python not in err


def test_a_key_twice_is_worded_the_same_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    twice = "ferritin: given twice"
    assert twice in _cli_error(capsys, "interpret", "ferritin=1 ng/mL", "ferritin=2 ng/mL")
    assert twice in _cli_error(capsys, "interpret", "ferritin=1 ng/mL", "Ferritin=2 ng/mL")
    document = '{"ferritin": "1 ng/mL", "ferritin": "2 ng/mL"}'
    assert twice in _cli_error(capsys, "interpret", "-", stdin=document)
    with pytest.raises(PanelError, match=twice):
        Panel.from_mapping({"ferritin": "1 ng/mL", "ferr": "2 ng/mL"})


def test_a_missing_file_that_is_an_analyte_hints_at_key_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    err = _cli_error(capsys, "interpret", "ferritin")
    assert "cannot read panel file" in err
    assert "key=value" in err
    err = _cli_error(capsys, "interpret", "ferritin 12 ng/mL")
    assert "did you mean ferritin='12 ng/mL'?" in err
    err = _cli_error(capsys, "interpret", "ferritin", "12", "ng/mL")
    assert "did you mean ferritin='12 ng/mL'?" in err


def test_two_stdins_are_not_called_a_file_and_words(capsys: pytest.CaptureFixture[str]) -> None:
    err = _cli_error(capsys, "interpret", "-", "-")
    assert "not both" not in err
    assert "not 2" in err


def test_help_shows_a_plain_percent_sign(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["interpret", "--help"])
    out = capsys.readouterr().out
    assert "tsat=9%" in out
    assert "%%" not in out


# --- suggestions (#30) and --ignore-unknown (#12) ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "meant"),
    [("bili", "bilirubin_total"), ("hemo", "hemoglobin"), ("folat", "folate")],
)
def test_a_cut_name_gets_a_suggestion(name: str, meant: str) -> None:
    with pytest.raises(UnknownAnalyteError) as caught:
        Panel.from_mapping({name: "1 mg/dL"})
    assert caught.value.suggestion == meant
    assert f"did you mean {meant!r}?" in str(caught.value)


@pytest.mark.parametrize(
    ("analyte", "text", "meant"),
    [("esr", "14 mm", "mm/h"), ("ferritin", "12 ng", "ng/mL")],
)
def test_a_unit_without_its_denominator_gets_a_suggestion(
    analyte: str, text: str, meant: str
) -> None:
    with pytest.raises(UnknownUnitError) as caught:
        Panel.from_mapping({analyte: text})
    assert caught.value.suggestion == meant


def test_an_ambiguous_cut_unit_gets_no_suggestion() -> None:
    with pytest.raises(UnknownUnitError) as caught:
        Panel.from_mapping({"hb": "10 g"})  # g/dL or g/L
    assert caught.value.suggestion is None


def test_ignore_unknown_still_refuses_a_misspelt_name(capsys: pytest.CaptureFixture[str]) -> None:
    data = {"ferritin": "12 ng/mL", "feritin": "3 ng/mL", "pregnat": True, "patient_id": 7}
    assert Panel.unknown_keys(data) == ("patient_id",)
    with pytest.raises(UnknownAnalyteError, match="did you mean 'ferritin'"):
        Panel.from_mapping(data, ignore_unknown=True)
    argv = ("interpret", "ferritin=12 ng/mL", "feritin=3", "patient_id=7", "--ignore-unknown")
    err = _cli_error(capsys, *argv)
    assert "did you mean 'ferritin'?" in err
    err = _cli_error(capsys, "interpret", "ferritin=12 ng/mL", "pregnat=true", "--ignore-unknown")
    assert "did you mean 'pregnant'?" in err
    code, out, _ = run_cli(
        capsys, "interpret", "ferritin=12 ng/mL", "patient_id=7", "--ignore-unknown"
    )
    assert code == 0
    assert "ferritin" in out


@pytest.mark.parametrize("raw", [-3, -3.5, "-3", "-0.09"])
def test_a_negative_number_without_a_unit_is_called_negative_first(raw: object) -> None:
    # Review 5, finding 19: "'-3' has no unit; write it as e.g. '-3 ug/L'", a spelling that
    # was then refused as negative.
    with pytest.raises(InvalidValueError) as caught:
        Panel.from_mapping({"ferritin": raw})
    message = str(caught.value)
    assert "is negative" in message
    assert "'-3 ug/L'" not in message
    assert "write it as e.g." not in message


def test_a_negative_word_on_the_command_line_is_called_negative(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(capsys, "interpret", "ferritin=-3")
    assert code == 2
    assert "'-3' is negative" in err
    assert "-3 ug/L" not in err
