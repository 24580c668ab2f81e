"""The clinical review sheet: every threshold, interval and pattern of the bundled packs.

``docs/clinical-review.md`` is generated from the packs by :func:`clinical_review_markdown`
(``labinterp review``), and a test keeps it current, so a reviewer reads exactly what the
engine uses: each cut-off with its context, inclusivity, source, confidence and the day it
was checked, then the pitfalls the packs know about (grey zones, contexts a source does not
cover, notes and alerts). It is a view of pack data; it decides nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from labinterp._analytes import ANALYTES
from labinterp._pack_models import Cutoff, ReferenceIntervalSpec
from labinterp._packs import Pack, bundled_pack_names, class_finding_id, load_pack
from labinterp._rules import compile_pack

__all__ = ["clinical_review_markdown"]

_INCLUSIVE = {"<": "no", "<=": "yes", ">": "no", ">=": "yes"}


def clinical_review_markdown(names: Iterable[str] | None = None) -> str:
    """The review sheet for the bundled packs (or the packs ``names``), as Markdown."""
    packs = [load_pack(name) for name in (names or bundled_pack_names())]
    lines = [
        "# Clinical review of the bundled packs",
        "",
        "Generated from `reference_ranges/` by `labinterp review > docs/clinical-review.md`;",
        "a test fails when this file and the packs disagree, so edit the packs, not this file.",
        "Each row gives what the engine uses: the context a cut-off applies to, the cut-off",
        "as written in the pack (with whether its bound is inclusive), the source, how sure",
        "the pack is (verified, established, uncertain) and the day the entry was checked.",
        "",
        "This sheet is educational, like the packs: it describes decision limits from cited",
        "sources; it is not a diagnosis and not advice on treatment.",
        "",
    ]
    for pack in packs:
        lines += _pack_section(pack)
    return "\n".join(lines).rstrip("\n") + "\n"


def _pack_section(pack: Pack) -> list[str]:
    lines = [f"## `{pack.name}` {pack.version}: {pack.title}", ""]
    if pack.extends:
        lines.append(f"Extends `{pack.extends}`; only what it changes or adds differs.")
    lines.append(f"Population: {_one_line(pack.population.description)}.")
    assumed = pack.population.when_age_unknown
    if assumed is not None:
        lines.append(
            f"Age not given: taken as {assumed.describe()} ({assumed.description}); the "
            "interpretation lists this assumption."
        )
    lines.append(f"Checked: {pack.checked or 'not recorded'}.")
    lines += ["", "### Thresholds", ""]
    lines += _table(
        ("threshold", "context", "cut-off", "inclusive", "source", "confidence", "checked"),
        _threshold_rows(pack),
    )
    if pack.reference_intervals:
        lines += ["", "### Reference intervals", ""]
        lines += _table(
            ("analyte", "context", "interval", "critical", "source", "confidence", "checked"),
            _interval_rows(pack),
        )
    lines += ["", "### Patterns", ""]
    lines += _table(("pattern", "kind", "decided by", "checked"), _pattern_rows(pack))
    if pack.classifications:
        lines += ["", "### Classifications", ""]
        lines.append("The first class whose criteria hold is chosen; `otherwise` when none does.")
        lines.append("")
        lines += _table(("class", "label", "decided by", "sources", "checked"), _class_rows(pack))
    pitfalls = list(_pitfalls(pack))
    if pitfalls:
        lines += ["", "### Pitfalls the pack knows about", ""]
        lines += pitfalls
    lines.append("")
    return lines


def _threshold_rows(pack: Pack) -> Iterator[tuple[str, ...]]:
    for tid, spec in pack.thresholds.items():
        checked = spec.checked or pack.checked or "not recorded"
        for cut in spec.cutoffs:
            source = pack.sources[cut.source or spec.source or ""].citation()
            yield (
                f"`{tid}`",
                cut.when.describe(),
                _cutoff_text(spec.analyte, cut),
                _inclusive(cut),
                source,
                cut.confidence or spec.confidence,
                checked,
            )
        for gap in spec.not_covered:
            source = pack.sources[gap.source or spec.source or ""].citation()
            yield (
                f"`{tid}`",
                gap.when.describe(),
                "not covered: " + _one_line(gap.reason),
                "-",
                source,
                spec.confidence,
                checked,
            )


def _cutoff_text(analyte: str, cut: Cutoff) -> str:
    name = ANALYTES[analyte].display_name
    if cut.interval is not None:
        iv = cut.interval
        return f"{iv.low:g} to {iv.high:g} {cut.unit} ({name})"
    return f"{cut.comparator} {cut.value:g} {cut.unit} ({name})"


def _inclusive(cut: Cutoff) -> str:
    if cut.interval is not None:
        low = "included" if cut.interval.low_inclusive else "excluded"
        high = "included" if cut.interval.high_inclusive else "excluded"
        return f"low {low}, high {high}"
    return _INCLUSIVE[cut.comparator or "<"]


def _interval_rows(pack: Pack) -> Iterator[tuple[str, ...]]:
    for aid, ref in pack.reference_intervals.items():
        checked = ref.checked or pack.checked or "not recorded"
        for ri in ref.intervals:
            yield (
                ANALYTES[aid].display_name,
                ri.when.describe(),
                _interval_text(ri),
                _critical_text(ri),
                pack.sources[ri.source or ref.source or ""].citation(),
                ref.confidence,
                checked,
            )
        for gap in ref.not_covered:
            yield (
                ANALYTES[aid].display_name,
                gap.when.describe(),
                "not covered: " + _one_line(gap.reason),
                "-",
                pack.sources[gap.source or ref.source or ""].citation(),
                ref.confidence,
                checked,
            )


def _interval_text(ri: ReferenceIntervalSpec) -> str:
    if ri.low is not None and ri.high is not None:
        return f"{ri.low:g}-{ri.high:g} {ri.unit} (both ends included)"
    if ri.low is not None:
        return f">= {ri.low:g} {ri.unit}"
    return f"<= {ri.high:g} {ri.unit}"


def _critical_text(ri: ReferenceIntervalSpec) -> str:
    parts = []
    if ri.critical_low is not None:
        parts.append(f"< {ri.critical_low:g} {ri.unit}")
    if ri.critical_high is not None:
        parts.append(f"> {ri.critical_high:g} {ri.unit}")
    return ", ".join(parts) or "-"


def _pattern_rows(pack: Pack) -> Iterator[tuple[str, ...]]:
    compiled = {cp.id: cp for cp in compile_pack(pack).patterns}
    for pid, spec in pack.patterns.items():
        rule = compiled[pid].rule.text
        yield (
            f"`{pid}` ({spec.label})",
            spec.kind,
            f"`{rule}`",
            spec.checked or pack.checked or "not recorded",
        )


def _class_rows(pack: Pack) -> Iterator[tuple[str, ...]]:
    compiled = {cp.id: cp for cp in compile_pack(pack).patterns if cp.classification}
    for cid, spec in pack.classifications.items():
        cited = "; ".join(pack.sources[s].citation() for s in spec.sources) or "-"
        checked = spec.checked or pack.checked or "not recorded"
        for class_id in spec.class_ids():
            found = compiled[class_finding_id(cid, class_id)]
            yield (f"`{found.id}`", found.label, f"`{found.rule.text}`", cited, checked)


def _pitfalls(pack: Pack) -> Iterator[str]:
    for pid, spec in pack.patterns.items():
        for zone in spec.grey_zones:
            source = pack.sources[zone.source].citation()
            yield (
                f"- `{pid}`, grey zone: {_one_line(zone.reason)}. Source: {source} "
                f"[{zone.confidence}]."
            )
        if spec.kind != "pattern":
            cited = "; ".join(pack.sources[s].citation() for s in spec.sources)
            yield f"- `{pid}` ({spec.kind}): {_one_line(spec.description)} Sources: {cited}."
    for tid, tspec in pack.thresholds.items():
        for gap in tspec.not_covered:
            yield f"- `{tid}`, not covered for {gap.when.describe()}: {_one_line(gap.reason)}."


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out
