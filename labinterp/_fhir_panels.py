"""FHIR observations grouped into labinterp panels: by subject, and by time window if asked.

A panel holds one result per analyte. When a subject (or one window) has several results of
the same analyte, the latest is kept and each earlier one is reported as skipped, with the
later result that replaced it; results at the same time (or both without one) are reported
as conflicting (or duplicates, when equal) and the one later in the input is kept; nothing is
dropped without a line in the report. The
``Patient`` resource of a subject gives its sex (``gender``) and its age at the date of the
panel's latest result (``birthDate``), in years as completed months / 12. References to one
patient spelt differently (relative or absolute, with a version) are one subject; a subject
whose Patient is not in the input is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from labinterp._errors import LabinterpError, shorten
from labinterp._fhir_json import (
    FhirError,
    Located,
    age_at,
    parse_date,
    read_resources,
    split_reference,
)
from labinterp._fhir_observation import (
    ObservationRead,
    PatientFacts,
    Skipped,
    read,
    reference_of,
    subject_key,
)
from labinterp._packs import Pack, default_pack, load_pack
from labinterp._panel import Panel, Sex

__all__ = ["FhirPanel", "FhirReading", "PanelKey", "panels_from_bundle", "resolve_pack"]


class PanelKey(NamedTuple):
    """A panel's key: the subject reference and, with a window, the time the window opens."""

    subject: str
    window_start: datetime | None


@dataclass(frozen=True, slots=True)
class FhirPanel:
    """A labinterp :class:`Panel` read from FHIR, with where each result came from.

    ``sources`` maps each analyte id to the Observation it was read from (its ``fullUrl`` or
    ``Observation/<id>``); ``loinc`` to the LOINC code read; ``effective`` to its time;
    ``lab_interpretation`` to the laboratory's own interpretation codes (``H``, ``L`` ...),
    kept for comparison and never used to decide anything. ``day`` is the date the age is
    computed at (the latest result's), or None when no result has a time.
    ``effective_as_given`` maps each analyte to its time as the resource wrote it (a date
    without a time stays a date), which :func:`to_fhir` writes back.
    """

    subject: str
    window_start: datetime | None
    panel: Panel
    sources: Mapping[str, str]
    loinc: Mapping[str, str]
    effective: Mapping[str, datetime | None]
    lab_interpretation: Mapping[str, tuple[str, ...]]
    day: date | None
    effective_as_given: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FhirReading:
    """What :func:`panels_from_bundle` read: the panels, and everything it did not use.

    ``panels`` is keyed by :class:`PanelKey` (subject, window start), in the order subjects
    first appear and then by time. ``skipped`` lists each observation not read (and each
    laboratory range refused or not matched to the patient, each patient whose sex or age could
    not be read, and each subject whose Patient is not in the input), with the
    JSON path and the reason. ``ignored`` counts the resources of other types (Encounter,
    DiagnosticReport ...), which carry no result of their own.
    """

    panels: Mapping[PanelKey, FhirPanel]
    skipped: tuple[Skipped, ...]
    ignored: Mapping[str, int] = field(default_factory=dict)

    def for_subject(self, subject: str) -> list[FhirPanel]:
        """The panels of one subject, in time order: ``"Patient/<id>"`` however the input
        spelt the reference (an absolute URL only when one id is used on two servers), or the
        reference as written when it is not ``Type/id`` (``urn:uuid:``, an identifier)."""
        return [p for k, p in self.panels.items() if k.subject == subject]


@dataclass(frozen=True, slots=True)
class _Patient:
    sex: Sex | None
    birth: tuple[date, date] | None  # the first and last possible birth date
    path: str


def resolve_pack(pack: Pack | str | Path | None) -> Pack:
    if pack is None:
        return default_pack()
    if isinstance(pack, Pack):
        return pack
    if isinstance(pack, str | Path):
        return load_pack(pack)
    raise FhirError(
        f"pack: expected a Pack, a pack name or path, or None; got {type(pack).__name__}",
        field="pack",
        value=pack,
        expected="a Pack, a bundled pack name, a path, or None",
    )


def _check_window(window: object) -> timedelta | None:
    if window is None:
        return None
    if isinstance(window, timedelta) and window > timedelta(0):
        return window
    raise FhirError(
        f"window: expected a positive datetime.timedelta (e.g. timedelta(days=1)) or None, "
        f"got {shorten(window)}",
        field="window",
        value=window,
        expected="a positive timedelta or None",
    )


def panels_from_bundle(
    source: object,
    *,
    window: timedelta | None = None,
    pack: Pack | str | Path | None = None,
) -> FhirReading:
    """Read FHIR R4 lab results into labinterp panels (details in :mod:`labinterp.fhir`).

    ``source``: a Bundle or single resource (dict), a list of resources, JSON or NDJSON
    text or bytes, or a path to a ``.json``/``.ndjson`` file. ``window``: a positive
    :class:`~datetime.timedelta`; each subject's results are then split into windows that
    open at the first result not yet placed and close ``window`` later (results without a
    time are skipped, and reported). Without it, each subject gives one panel. In both cases
    a panel keeps the latest result of each analyte and reports the earlier ones. ``pack``:
    the pack whose reference intervals judge the laboratories' ranges (default pack when
    None).

    Returns a :class:`FhirReading` (panels keyed by subject and window start, plus what was
    skipped and why). Raises :class:`FhirError` for input whose structure cannot be read,
    naming the JSON path; never for a single unusable observation.
    """
    chosen_window = _check_window(window)
    chosen_pack = resolve_pack(pack)
    located, ignored = read_resources(source)
    skipped: list[Skipped] = []
    # Patients first: choosing a laboratory's range for a result needs its patient's sex and
    # age, and an export may list the Patient after its Observations.
    index = _PatientIndex(located)
    for item in located:
        if item.resource["resourceType"] == "Patient":
            index.register(item, skipped)
    reads: list[ObservationRead] = []
    for item in located:
        if item.resource["resourceType"] == "Patient":
            continue
        one, notes = read(item, chosen_pack, index)
        skipped.extend(notes)
        if one is not None:
            reads.append(one)
    groups = _group(reads, chosen_window, skipped)
    panels: dict[PanelKey, FhirPanel] = {}
    for key, members in groups.items():
        built = _panel(key, members, index.patient(key.subject), skipped)
        if built is not None:
            panels[key] = built
    skipped.extend(index.not_found(reads))
    return FhirReading(panels, tuple(skipped), dict(ignored))


# --- patients --------------------------------------------------------------------------------


class _PatientIndex:
    """The input's Patients, found by any spelling of a reference to them.

    FHIR compares literal references as resolved URLs: ``Patient/p1`` in a Bundle whose
    entries live at ``https://srv/fhir/`` is ``https://srv/fhir/Patient/p1``, and a version
    (``/_history/3``) names the same patient. Subjects are therefore keyed ``Type/id`` when
    every base met for that ``Type/id`` is the same (or none is given); when two servers use
    one id, each keeps its absolute URL so that their patients are never merged.
    """

    def __init__(self, located: Sequence[Located]) -> None:
        self._patients: dict[str, _Patient] = {}
        self._bases: dict[str, set[str]] = {}
        for item in located:
            for raw in self._references_in(item):
                self._note_base(raw, item)

    @staticmethod
    def _references_in(item: Located) -> list[str]:
        res = item.resource
        if res["resourceType"] == "Patient":
            return [reference_of(item)]
        raw = subject_key(res.get("subject")) or subject_key(item.container_subject)
        return [raw] if raw else []

    def _note_base(self, raw: str, item: Located) -> None:
        parts = _resolve(raw, item)
        if parts is not None and parts[0] is not None:
            self._bases.setdefault(parts[1], set()).add(parts[0])

    def subject(self, raw: str, located: Located) -> str:
        parts = _resolve(raw, located)
        if parts is None:
            return raw  # urn:uuid:, an identifier: compared as written
        base, local = parts
        if len(self._bases.get(local, ())) > 1 and base is not None:
            return base + local
        return local

    def register(self, item: Located, skipped: list[Skipped]) -> None:
        patient, notes = _read_patient(item)
        reference = reference_of(item)
        skipped.extend(Skipped(item.path, reference, reference, None, "Patient", n) for n in notes)
        keys = {reference, self.subject(reference, item)}
        rid = item.resource.get("id")
        if isinstance(rid, str) and rid:
            keys.add(f"Patient/{rid}")
        for key in keys:
            self._patients[key] = patient

    def patient(self, subject: str) -> _Patient | None:
        return self._patients.get(subject)

    def facts(self, subject: str, day: date | None) -> PatientFacts:
        patient = self._patients.get(subject)
        if patient is None:
            return PatientFacts(None, None, f"no Patient resource for {shorten(subject)}")
        age = None
        if patient.birth is not None and day is not None:
            age = age_at(patient.birth, day)[0]
        return PatientFacts(patient.sex, age)

    def not_found(self, reads: Sequence[ObservationRead]) -> list[Skipped]:
        """One note per subject whose results were read but whose Patient is not in the input."""
        notes: dict[str, Skipped] = {}
        for one in reads:
            if one.subject not in self._patients and one.subject not in notes:
                notes[one.subject] = Skipped(
                    one.path,
                    one.subject,
                    one.subject,
                    None,
                    "Patient",
                    f"no Patient resource for {shorten(one.subject)} in the input: its sex and "
                    "age are unknown, so sex- and age-specific cut-offs cannot be decided",
                )
        return list(notes.values())


def _resolve(raw: str, item: Located) -> tuple[str | None, str] | None:
    """(base, ``Type/id``) of a reference; a relative one takes the base of its entry's fullUrl."""
    parts = split_reference(raw)
    if parts is None:
        return None
    base, local = parts
    if base is None and item.full_url:
        own = split_reference(item.full_url)
        base = own[0] if own else None
    return base, local


def _read_patient(item: Located) -> tuple[_Patient, list[str]]:
    res = item.resource
    notes: list[str] = []
    gender = res.get("gender")
    sex: Sex | None = None
    if gender in ("female", "male"):
        sex = gender
    elif gender is not None:
        # 'other' and 'unknown' say nothing about which sex-specific interval applies.
        notes.append(f"gender {shorten(gender)} gives no sex for sex-specific cut-offs")
    birth = None
    if "birthDate" in res:
        birth = parse_date(res["birthDate"])
        if birth is None:
            notes.append(f"birthDate {shorten(res['birthDate'])} is not a FHIR date")
    return _Patient(sex, birth, item.path), notes


# --- grouping --------------------------------------------------------------------------------


def _group(
    reads: list[ObservationRead], window: timedelta | None, skipped: list[Skipped]
) -> dict[PanelKey, list[ObservationRead]]:
    by_subject: dict[str, list[ObservationRead]] = {}
    for one in reads:
        by_subject.setdefault(one.subject, []).append(one)
    groups: dict[PanelKey, list[ObservationRead]] = {}
    for subject, members in by_subject.items():
        if window is None:
            groups[PanelKey(subject, None)] = members
            continue
        timed = []
        for one in members:
            if one.moment is None:
                skipped.append(_skip(one, "no effective time, which grouping by time window needs"))
            else:
                timed.append(one)
        timed.sort(key=lambda r: r.moment)  # type: ignore[arg-type, return-value]
        start: datetime | None = None
        for one in timed:
            assert one.moment is not None
            if start is None or one.moment - start > window:
                start = one.moment
            groups.setdefault(PanelKey(subject, start), []).append(one)
    return groups


def _skip(one: ObservationRead, reason: str) -> Skipped:
    return Skipped(one.path, one.reference, one.subject, one.loinc, "observation", reason)


def _latest_per_analyte(
    members: list[ObservationRead], windowed: bool, skipped: list[Skipped]
) -> dict[str, ObservationRead]:
    # Untimed results sort first, so a timed result replaces them; equal times keep the later
    # one in the input (input order is the only rule left, and the reason says so).
    order = sorted(
        enumerate(members),
        key=lambda pair: (pair[1].moment is not None, pair[1].moment or datetime.min, pair[0]),
    )
    kept: dict[str, ObservationRead] = {}
    for _, one in reversed(order):
        if one.analyte not in kept:
            kept[one.analyte] = one
            continue
        scope = "window" if windowed else "panel; pass window= to read each time as its own panel"
        skipped.append(_skip(one, f"{_why_replaced(one, kept[one.analyte])} in the same {scope}"))
    return {a: kept[a] for a in sorted(kept, key=lambda a: members.index(kept[a]))}


def _why_replaced(one: ObservationRead, kept: ObservationRead) -> str:
    """Why ``one`` gave way to ``kept``: a later time, a time at all, or only input order."""
    when = kept.moment.isoformat() if kept.moment else "no time given"
    if one.moment is not None and kept.moment is not None and one.moment < kept.moment:
        return f"replaced by a later {one.analyte} result ({kept.reference}, {when})"
    if one.moment is None and kept.moment is not None:
        return (
            f"replaced by a {one.analyte} result with a time ({kept.reference}, {when}); this "
            "one has none"
        )
    same = one.measurement.as_given == kept.measurement.as_given
    if same:
        return (
            f"a duplicate of {kept.reference} (same time, {when}, and the same value "
            f"{kept.measurement.as_given})"
        )
    return (
        f"conflicting results at the same time ({when}): {one.measurement.as_given} here, "
        f"{kept.measurement.as_given} in {kept.reference}; the one later in the input is kept, "
        "since nothing else tells them apart"
    )


def _panel(
    key: PanelKey,
    members: list[ObservationRead],
    patient: _Patient | None,
    skipped: list[Skipped],
) -> FhirPanel | None:
    kept = _latest_per_analyte(members, key.window_start is not None, skipped)
    days = [r.day for r in kept.values() if r.day is not None]
    day = max(days) if days else None
    context: dict[str, Any] = {}
    if patient is not None:
        context["sex"] = patient.sex
        if patient.birth is not None and day is not None:
            age, why = age_at(patient.birth, day)
            context["age"] = age
            if why:
                skipped.append(
                    Skipped(patient.path, key.subject, key.subject, None, "Patient", why)
                )
    try:
        panel = Panel.from_mapping({**{a: r.measurement for a, r in kept.items()}, **context})
    except LabinterpError as exc:  # pragma: no cover - every part was validated above
        for one in kept.values():
            skipped.append(_skip(one, f"the panel cannot be built: {exc}"))
        return None
    return FhirPanel(
        subject=key.subject,
        window_start=key.window_start,
        panel=panel,
        sources={a: r.reference for a, r in kept.items()},
        loinc={a: r.loinc for a, r in kept.items()},
        effective={a: r.moment for a, r in kept.items()},
        lab_interpretation={
            a: r.lab_interpretation for a, r in kept.items() if r.lab_interpretation
        },
        day=day,
        effective_as_given={a: r.effective_text for a, r in kept.items() if r.effective_text},
    )
