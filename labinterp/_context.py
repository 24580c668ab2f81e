"""The closed vocabularies of patient context a caller may report: conditions, medications,
symptoms and diet.

Each vocabulary is a mapping from id to a short description, in one place, so that
validation, packs, renderers and the documentation all read the same list. The ids are plain
``snake_case`` English; the descriptions say what the id means, in a learner's words.

Semantics (two-valued, unlike sex, pregnancy and age): a list says what the caller *reports*.
An id that is not listed counts as *not reported*, never as "absent" or "unknown": labinterp
cannot tell "the person has no kidney disease" from "nobody asked". Traces say "not reported".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Literal, get_args

from labinterp._errors import PanelError, did_you_mean, shorten

__all__ = [
    "CONDITIONS",
    "CONTEXT_LIST_FIELDS",
    "CONTEXT_VOCABULARIES",
    "DIETS",
    "MEDICATIONS",
    "SYMPTOMS",
    "Condition",
    "ContextListField",
    "Diet",
    "Medication",
    "Symptom",
    "context_ids",
    "describe_ids",
    "diet_id",
    "literal_ids",
]

Condition = Literal[
    "chronic_kidney_disease",
    "heart_failure",
    "inflammatory_bowel_disease",
    "celiac_disease",
    "malignancy",
    "cancer_treatment",
    "pernicious_anemia",
    "gastric_surgery",
    "hypothyroidism",
    "liver_disease",
]
Medication = Literal[
    "metformin",
    "proton_pump_inhibitor",
    "h2_blocker",
    "nitrous_oxide",
    "methotrexate",
    "anticonvulsant",
]
Diet = Literal["vegan", "vegetarian", "omnivore"]
Symptom = Literal[
    "back_pain",
    "tingling_or_numbness",
    "muscle_cramps",
    "fatigue",
    "weakness",
    "balance_problems",
    "memory_problems",
    "loss_of_bladder_control",
    "loss_of_bowel_control",
    "saddle_numbness",
    "limb_numbness",
    "one_sided_weakness",
    "progressive_weakness",
    "fever",
    "unexplained_weight_loss",
    "night_pain",
    "recent_trauma",
]
ContextListField = Literal["conditions", "medications", "symptoms"]

CONDITIONS: Mapping[str, str] = MappingProxyType(
    {
        "chronic_kidney_disease": "chronic kidney disease: kidney function reduced for three "
        "months or more",
        "heart_failure": "heart failure",
        "inflammatory_bowel_disease": "inflammatory bowel disease (Crohn's disease or "
        "ulcerative colitis)",
        "celiac_disease": "celiac (coeliac) disease",
        "malignancy": "a cancer, including cancers of the blood or bone marrow",
        "cancer_treatment": "current cancer treatment, such as chemotherapy",
        "pernicious_anemia": "pernicious anemia: autoimmune loss of the intrinsic factor that "
        "B12 absorption needs",
        "gastric_surgery": "surgery on the stomach, such as gastrectomy or bariatric surgery",
        "hypothyroidism": "an underactive thyroid",
        "liver_disease": "chronic liver disease",
    }
)
MEDICATIONS: Mapping[str, str] = MappingProxyType(
    {
        "metformin": "metformin, taken long term",
        "proton_pump_inhibitor": "a proton pump inhibitor (omeprazole and similar), taken "
        "long term",
        "h2_blocker": "an H2-receptor antagonist (famotidine and similar), taken long term",
        "nitrous_oxide": "nitrous oxide, recreational or repeated medical use",
        "methotrexate": "methotrexate, a drug that works against folate",
        "anticonvulsant": "an anticonvulsant (some, such as phenytoin or phenobarbital, "
        "affect folate or B12)",
    }
)
DIETS: Mapping[str, str] = MappingProxyType(
    {
        "vegan": "no food from animals",
        "vegetarian": "no meat or fish; may include eggs and dairy",
        "omnivore": "a mixed diet including food from animals",
    }
)
SYMPTOMS: Mapping[str, str] = MappingProxyType(
    {
        "back_pain": "back pain",
        "tingling_or_numbness": "tingling, pins and needles or numbness, such as in the hands "
        "or feet",
        "muscle_cramps": "muscle cramps",
        "fatigue": "tiredness or lack of energy",
        "weakness": "weakness, loss of strength",
        "balance_problems": "problems with balance or walking",
        "memory_problems": "problems with memory or thinking",
        "loss_of_bladder_control": "new loss of bladder control, or difficulty passing urine",
        "loss_of_bowel_control": "new loss of bowel control",
        "saddle_numbness": "numbness around the buttocks, genitals or inner thighs (the area "
        "that would touch a saddle)",
        "limb_numbness": "loss of feeling in an arm or a leg",
        "one_sided_weakness": "weakness or numbness on one side of the body",
        "progressive_weakness": "weakness in the arms or legs that is getting worse",
        "fever": "fever or chills",
        "unexplained_weight_loss": "weight loss without trying",
        "night_pain": "pain that is worse at night or when lying down",
        "recent_trauma": "a recent fall, accident or other injury",
    }
)

#: Every context vocabulary by its panel field; ``diet`` holds one id, the others lists.
CONTEXT_VOCABULARIES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "conditions": CONDITIONS,
        "medications": MEDICATIONS,
        "symptoms": SYMPTOMS,
        "diet": DIETS,
    }
)
CONTEXT_LIST_FIELDS: tuple[ContextListField, ...] = get_args(ContextListField)

# The Literal types and the described vocabularies are the same lists (a test keeps them so).
_LITERALS: Mapping[str, object] = {
    "conditions": Condition,
    "medications": Medication,
    "symptoms": Symptom,
    "diet": Diet,
}
_EXAMPLE = {"conditions": "heart_failure", "medications": "metformin", "symptoms": "fatigue"}


def literal_ids(field: str) -> tuple[str, ...]:
    """The ids of a vocabulary's Literal type, in declaration order."""
    return get_args(_LITERALS[field])


def _unknown(field: str, item: str) -> PanelError:
    vocabulary = CONTEXT_VOCABULARIES[field]
    hint = did_you_mean(item.strip().replace(" ", "_").replace("-", "_"), vocabulary)
    known = ", ".join(vocabulary)
    return PanelError(
        f"{field}: unknown id {shorten(item)}"
        + (f"; did you mean {hint!r}?" if hint else f"; known ids: {known}"),
        field=field,
        value=item if len(item) <= 200 else item[:200],
        expected=f"one of: {known}",
        suggestion=hint,
    )


def context_ids(field: ContextListField, raw: object) -> tuple[str, ...]:
    """Validate a reported list (conditions, medications, symptoms): sorted, without repeats.

    ``None`` means nothing reported. A bare string is refused rather than read letter by
    letter, with a hint to write a list.
    """
    if raw is None:
        return ()
    if isinstance(raw, str):
        example = shorten([raw]) if raw in CONTEXT_VOCABULARIES[field] else f"['{_EXAMPLE[field]}']"
        raise PanelError(
            f"{field}: expected a list of ids, got the text {shorten(raw)}; write it as a list, "
            f"such as {example}",
            field=field,
            value=raw if len(raw) <= 200 else raw[:200],
            expected="a list of ids",
            suggestion=f"[{raw!r}]" if raw in CONTEXT_VOCABULARIES[field] else None,
        )
    if not isinstance(raw, list | tuple | set | frozenset):
        raise PanelError(
            f"{field}: expected a list of ids, got {type(raw).__name__} {shorten(raw)}",
            field=field,
            value=shorten(raw),
            expected="a list of ids",
        )
    vocabulary = CONTEXT_VOCABULARIES[field]
    return tuple(sorted({_checked(field, item, vocabulary) for item in raw}))


def _checked(field: str, item: object, vocabulary: Mapping[str, str]) -> str:
    if not isinstance(item, str):
        raise PanelError(
            f"{field}: {shorten(item)} is not an id; ids are text, such as "
            f"'{next(iter(vocabulary))}'",
            field=field,
            value=shorten(item),
            expected="text ids",
        )
    if item not in vocabulary:
        raise _unknown(field, item)
    return item


def diet_id(raw: object) -> str | None:
    """Validate the one reported diet id (``None``: not reported)."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        hint = "; give one id, not a list" if isinstance(raw, list | tuple | set) else ""
        raise PanelError(
            f"diet: expected one id such as 'vegan', got {shorten(raw)}{hint}",
            field="diet",
            value=shorten(raw),
            expected=f"one of: {', '.join(DIETS)}",
        )
    if raw not in DIETS:
        raise _unknown("diet", raw)
    return raw


def describe_ids(ids: Iterable[str]) -> str:
    """Ids joined for a trace: ``a``, ``a or b``, ``a, b or c``."""
    items = list(ids)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]
