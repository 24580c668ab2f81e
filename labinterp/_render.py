"""Renderers: views of an :class:`Interpretation`. They read findings; they decide nothing.

Only plain text exists so far (JSON is ``Interpretation.to_json``); Markdown and HTML views
for learners and clinicians will sit beside it and take the same data.
"""

from __future__ import annotations

from labinterp._analytes import ANALYTES
from labinterp._errors import InvalidValueError
from labinterp._findings import (
    AnalyteFlag,
    ClassificationFinding,
    Interpretation,
    PatternFinding,
)
from labinterp._panel import Measurement, Panel
from labinterp._rules import CriterionResult, Outcome
from labinterp._units import with_unit

__all__ = ["render_panel_text", "render_text"]

_MARK = {"consistent": "[+]", "not_consistent": "[-]", "indeterminate": "[?]"}
_ALERT_MEANING = (
    "An alert means that prompt medical assessment is worth considering. It is educational "
    "and is not a diagnosis."
)
_OUTCOME = {Outcome.HELD: "holds", Outcome.FAILED: "does not hold", Outcome.UNDECIDED: "undecided"}


def _value(m: Measurement) -> str:
    shown = m.as_given
    if ANALYTES[m.analyte].resolve_unit(m.unit).ucum != m.canonical_unit:
        shown += f" (= {m.comparator or ''}{m.canonical_value:.4g} {m.canonical_unit})"
    return shown


def _criterion_lines(result: CriterionResult, depth: int) -> list[str]:
    pad = "    " * depth
    if result.kind in ("all", "any", "not"):
        head = {"all": "all of:", "any": "any of:", "not": "not:"}[result.kind]
        lines = [f"{pad}{head} {_OUTCOME[result.outcome]}"]
        for child in result.children:
            lines += _criterion_lines(child, depth + 1)
        return lines
    if result.kind == "pattern":
        line = f"{pad}{result.rule}: {_OUTCOME[result.outcome]}"
        return [line + (f" ({result.reason})" if result.reason else "")]
    if result.kind in ("context", "missing"):
        # The reason names the context used (or the result's absence), "not reported" included.
        return [f"{pad}{result.rule}: {result.reason} -> {_OUTCOME[result.outcome]}"]
    observed = _value(result.observed) if result.observed else "not measured"
    lines = [f"{pad}{result.rule}: {observed} -> {_OUTCOME[result.outcome]}"]
    if len(result.cutoffs) == 1:
        cut = result.cutoffs[0]
        lines.append(f"{pad}    source: {cut.source} [{cut.confidence}]")
    else:
        for cut, outcome in zip(result.cutoffs, result.cutoff_outcomes, strict=False):
            lines.append(
                f"{pad}    if {cut.applies_to}: {cut.rule} {_OUTCOME[outcome]} "
                f"(source: {cut.source})"
            )
    if result.would_change:
        lines.append(
            f"{pad}    margin {with_unit(f'{result.margin:+.3g}', result.margin_unit or '')}; "
            f"{result.would_change}"
        )
    if result.reason and result.outcome is Outcome.UNDECIDED:
        lines.append(f"{pad}    {result.reason}")
    return lines


def _pattern_lines(finding: PatternFinding) -> list[str]:
    lines = [f"{_MARK[finding.status]} {finding.label}"]
    lines += _criterion_lines(finding.criteria, 2)
    for zone in finding.grey_zones:
        lines.append(
            f"        grey zone ({_OUTCOME[zone.outcome]}): {zone.reason} "
            f"(source: {zone.source} [{zone.confidence}])"
        )
        lines += _criterion_lines(zone.result, 3)
    if finding.decisive_tests:
        lines.append(f"        results that would settle it: {', '.join(finding.decisive_tests)}")
    for support in finding.supporting:
        if support.outcome is Outcome.HELD:
            lines.append(f"        supporting: {support.rule}")
    return lines


def _classification_lines(found: ClassificationFinding, verbose: bool) -> list[str]:
    # One line: the class chosen, or the classes still possible and what is missing. Each
    # class's trace is in the finding of the same id (JSON); the line is the summary.
    lines = [f"{'[+]' if found.chosen else '[?]'} {found.label}"]
    if verbose and found.decisive_tests:
        lines.append(f"        results that would settle it: {', '.join(found.decisive_tests)}")
    return lines


def _flag_line(flag: AnalyteFlag) -> str:
    name = ANALYTES[flag.analyte].display_name
    code = f" {flag.code}" if flag.code else ""
    where = f" ({flag.interval_source})" if flag.interval_source else ""
    extra = f"; depends on {', '.join(flag.missing_context)}" if flag.missing_context else ""
    return f"  {name}: {_value(flag.observed)} -> {flag.flag}{code}{where}{extra}"


def _alert_lines(alerts: tuple[PatternFinding, ...]) -> list[str]:
    lines = ["ALERT"]
    for alert in alerts:
        lines.append(f"  [!] {alert.label}")
        if alert.description:
            lines.append(f"      {alert.description}")
    return [*lines, f"  {_ALERT_MEANING}", ""]


def render_text(interp: Interpretation, *, verbose: bool = True) -> str:
    """A plain-text report: alerts first, then a line per classification, patterns with
    their traces, flags, assumptions and the disclaimer."""
    if not isinstance(interp, Interpretation):
        panel_hint = (
            "; for a panel, use render_panel_text(panel) or render_text(interpret(panel))"
            if isinstance(interp, Panel)
            else ""
        )
        raise InvalidValueError(
            f"interp: render_text takes an Interpretation from labinterp.interpret(), got "
            f"{type(interp).__name__}{panel_hint}",
            field="interp",
            value=type(interp).__name__,
            expected="an Interpretation",
        )
    lines = [f"labinterp - pack {interp.pack.name} {interp.pack.version}", ""]
    if interp.alerts:
        # An alert that holds comes before everything else, so that no reader misses it.
        lines += _alert_lines(interp.alerts)
    if interp.classifications:
        lines.append("Classifications")
        for found in interp.classifications:
            lines += _classification_lines(found, verbose)
        lines.append("")
    lines.append("Patterns")
    for finding in interp.patterns:
        if finding.classification is not None:
            continue  # a class is shown by its classification's line, above
        lines += (
            _pattern_lines(finding) if verbose else [f"{_MARK[finding.status]} {finding.label}"]
        )
        if finding.kind != "pattern" and finding.status == "consistent" and finding.description:
            # A note or an alert is context for learners; it never stands without its
            # explanation.
            lines.append(f"        {finding.description}")
    lines += ["", "Results against reference intervals"]
    lines += [_flag_line(flag) for flag in interp.flags] or ["  (no results)"]
    if interp.assumptions:
        lines += ["", "Assumptions"]
        lines += [f"  - {a}" for a in interp.assumptions]
    lines += ["", f"Note: {interp.disclaimer}"]
    return "\n".join(lines) + "\n"


def render_panel_text(panel: Panel) -> str:
    """Each value as given and in its canonical unit."""
    lines = []
    for name, m in panel.measurements.items():
        lines.append(
            f"{name:<24} {m.as_given:<16} -> {m.comparator or ''}{m.canonical_value:.6g} "
            f"{m.canonical_unit}"
        )
    context = {k: getattr(panel, k) for k in ("sex", "age", "pregnant", "trimester", "diet")}
    given = ", ".join(f"{k}={v}" for k, v in context.items() if v is not None)
    reported = [
        f"{k}={','.join(ids)}"
        for k in ("conditions", "medications", "symptoms")
        if (ids := getattr(panel, k))
    ]
    given = ", ".join(part for part in (given, *reported) if part)
    lines.append(f"context: {given or 'none given'}")
    return "\n".join(lines) + "\n"
