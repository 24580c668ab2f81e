"""The analyte catalog: the facts for each of the 16 lab tests labinterp knows.

Facts here (LOINC codes, molar masses) come from the project's facts table, which names its
sources; each entry repeats the source so that the catalog can be reviewed on its own.
Plausibility bounds are *not* clinical thresholds: they are generous guards, chosen by
labinterp, beyond which a value is taken to be an entry or unit error. Each says why.
"""

from __future__ import annotations

from labinterp._analyte_types import (
    FACTS,
    MASS,
    SUBSTANCE,
    Analyte,
    LoincCode,
    MolarMass,
    PlausibleRange,
)
from labinterp._units import Dimension

__all__ = ["catalog"]


def catalog() -> tuple[Analyte, ...]:
    return (
        Analyte(
            id="ferritin",
            display_name="ferritin",
            aliases=("ferr", "serum_ferritin", "ferritin_serum"),
            loinc=(
                LoincCode("2276-4", "Ferritin [Mass/volume] in Serum or Plasma", "MCnc"),
                LoincCode("14723-1", "Ferritin [Moles/volume] in Serum or Plasma", "SCnc"),
            ),
            canonical_unit="ug/L",
            dimensions=frozenset({MASS, SUBSTANCE}),
            common_units=("ug/L", "ng/mL", "mg/L", "pmol/L"),
            molar_mass=MolarMass(
                445_000.0,
                "ferritin (about 445 kDa, implied by published conversion factors)",
                "implied by MSD Manual Professional, 'Anemia of chronic disease' "
                "(100 ng/mL = 224.7 pmol/L) and MIRACUM loinc-conversion (factor 0.445); "
                "molar ferritin reporting is rare",
                uncertain=True,
            ),
            plausible=PlausibleRange(
                0.0,
                1_000_000.0,
                "ferritin can exceed 100 000 ug/L in haemophagocytic syndromes; 10^6 ug/L is "
                "a guard against unit slips, not a clinical limit",
            ),
        ),
        Analyte(
            id="transferrin_saturation",
            display_name="transferrin saturation",
            aliases=("tsat", "tfsat", "tf_sat", "iron_saturation", "transferrin_sat"),
            loinc=(
                LoincCode("2502-3", "Iron saturation [Mass Fraction] in Serum or Plasma", "MFr"),
                LoincCode(
                    "14801-5",
                    "Iron saturation [Molar fraction] in Serum or Plasma",
                    "SFr",
                    uncertain=True,
                ),
            ),
            canonical_unit="%",
            dimensions=frozenset({Dimension.FRACTION}),
            common_units=("%", "1"),
            plausible=PlausibleRange(
                0.0,
                200.0,
                "a calculated saturation can pass 100 % when serum iron exceeds the binding "
                "capacity (iron overload or poisoning); 200 % is a guard that still catches a "
                "percentage written with the fraction unit ('15' with unit '1')",
            ),
            note="Some European labs report a fraction (0.15) instead of a percentage (15 %): "
            "write the unit '1' for a fraction.",
        ),
        Analyte(
            id="iron",
            display_name="serum iron",
            aliases=("fe", "serum_iron", "iron_serum", "s_iron"),
            loinc=(
                LoincCode("2498-4", "Iron [Mass/volume] in Serum or Plasma", "MCnc"),
                LoincCode("14798-3", "Iron [Moles/volume] in Serum or Plasma", "SCnc"),
            ),
            canonical_unit="umol/L",
            dimensions=frozenset({MASS, SUBSTANCE}),
            common_units=("umol/L", "ug/dL", "mg/L", "ug/L"),
            molar_mass=MolarMass(55.845, "iron (Fe)", f"{FACTS}; IUPAC atomic weight"),
            plausible=PlausibleRange(
                0.0,
                400.0,
                "400 umol/L (about 2200 ug/dL) is a generous guard above the serum iron of "
                "severe acute iron poisoning, which is reported in the hundreds of ug/dL",
            ),
        ),
        Analyte(
            id="tibc",
            display_name="total iron-binding capacity",
            aliases=("total_iron_binding_capacity", "iron_binding_capacity"),
            loinc=(
                LoincCode(
                    "2500-7", "Iron binding capacity [Mass/volume] in Serum or Plasma", "MCnc"
                ),
                LoincCode(
                    "14800-7", "Iron binding capacity [Moles/volume] in Serum or Plasma", "SCnc"
                ),
            ),
            canonical_unit="umol/L",
            dimensions=frozenset({MASS, SUBSTANCE}),
            common_units=("umol/L", "ug/dL", "mg/L"),
            molar_mass=MolarMass(
                55.845, "iron (Fe) that transferrin can bind", f"{FACTS}; IUPAC atomic weight"
            ),
            plausible=PlausibleRange(
                0.0,
                250.0,
                "250 umol/L (about 1400 ug/dL) is about three times the top of usual reference "
                "intervals",
            ),
        ),
        Analyte(
            id="transferrin",
            display_name="transferrin",
            aliases=("tf", "trf", "serum_transferrin"),
            loinc=(
                LoincCode("3034-6", "Transferrin [Mass/volume] in Serum or Plasma", "MCnc"),
                LoincCode("22674-6", "Transferrin [Moles/volume] in Serum or Plasma", "SCnc"),
            ),
            canonical_unit="g/L",
            dimensions=frozenset({MASS}),
            common_units=("g/L", "mg/dL"),
            plausible=PlausibleRange(
                0.0, 15.0, "15 g/L is about four times the top of usual reference intervals"
            ),
            note="No molar mass is agreed (sources give 79-81 kDa), so umol/L is refused.",
        ),
        Analyte(
            id="hemoglobin",
            display_name="hemoglobin",
            aliases=("hgb", "hb", "haemoglobin", "hemoglobin_blood"),
            loinc=(
                LoincCode("718-7", "Hemoglobin [Mass/volume] in Blood", "MCnc"),
                LoincCode("59260-0", "Hemoglobin [Moles/volume] in Blood", "SCnc"),
            ),
            canonical_unit="g/dL",
            dimensions=frozenset({MASS, SUBSTANCE}),
            common_units=("g/dL", "g/L", "mmol/L"),
            molar_mass=MolarMass(
                16_114.5,
                "hemoglobin monomer Hb(Fe), one quarter of the 64 458 g/mol tetramer",
                f"{FACTS}; 1 g/dL = 0.6206 mmol/L, as used by labs reporting mmol/L",
            ),
            plausible=PlausibleRange(
                0.0,
                30.0,
                "hemoglobin must be above zero; 30 g/dL is a guard above the highest values "
                "of severe polycythaemia, so that g/L written as g/dL (120 'g/dL') is caught",
                low_exclusive=True,
            ),
        ),
        Analyte(
            id="mcv",
            display_name="mean corpuscular volume",
            aliases=("mean_corpuscular_volume", "mean_cell_volume"),
            loinc=(
                LoincCode("787-2", "MCV [Entitic volume] by Automated count", "EntVol"),
                LoincCode("30428-7", "MCV [Entitic volume]", "EntVol", uncertain=True),
            ),
            canonical_unit="fL",
            dimensions=frozenset({Dimension.ENTITIC_VOLUME}),
            common_units=("fL", "um3"),
            plausible=PlausibleRange(
                30.0,
                200.0,
                "red cells smaller than 30 fL or larger than 200 fL are outside reported "
                "extremes of microcytosis and macrocytosis",
            ),
        ),
        Analyte(
            id="rdw",
            display_name="red cell distribution width (RDW-CV)",
            aliases=("rdw_cv", "red_cell_distribution_width", "rdwcv"),
            loinc=(
                LoincCode(
                    "788-0", "Erythrocyte distribution width [Ratio] by Automated count", "Rto"
                ),
            ),
            canonical_unit="%",
            dimensions=frozenset({Dimension.FRACTION}),
            common_units=("%",),
            plausible=PlausibleRange(
                0.0, 60.0, "a coefficient of variation over 60 % is not seen in red cell sizing"
            ),
            note="RDW-SD (LOINC 21000-5, fL) is a different measure and is not accepted here.",
        ),
        Analyte(
            id="reticulocytes",
            display_name="reticulocytes (% of red cells)",
            aliases=("retic", "retics", "reticulocyte_percent", "retic_pct", "reticulocyte"),
            loinc=(
                LoincCode(
                    "17849-1", "Reticulocytes/Erythrocytes in Blood by Automated count", "NFr"
                ),
                LoincCode("4679-7", "Reticulocytes/Erythrocytes in Blood", "NFr"),
                LoincCode("31112-6", "Reticulocytes/Erythrocytes in Blood by Manual", "NFr"),
            ),
            canonical_unit="%",
            dimensions=frozenset({Dimension.FRACTION}),
            common_units=("%", "1"),
            plausible=PlausibleRange(0.0, 100.0, "a share of red cells cannot exceed 100 %"),
        ),
        Analyte(
            id="reticulocytes_absolute",
            display_name="reticulocytes (absolute count)",
            aliases=("retic_abs", "absolute_reticulocyte_count", "reticulocyte_count", "arc"),
            loinc=(
                LoincCode(
                    "60474-4", "Reticulocytes [#/volume] in Blood by Automated count", "NCnc"
                ),
                LoincCode("14196-0", "Reticulocytes [#/volume] in Blood", "NCnc"),
            ),
            canonical_unit="10*9/L",
            dimensions=frozenset({Dimension.NUMBER_CONCENTRATION}),
            common_units=("10*9/L", "10*3/uL", "10*12/L"),
            plausible=PlausibleRange(
                0.0,
                2000.0,
                "2000 x 10^9/L is several times the counts of brisk haemolytic responses",
            ),
        ),
        Analyte(
            id="vitamin_b12",
            display_name="vitamin B12 (cobalamin)",
            aliases=("b12", "cobalamin", "vit_b12", "vitb12", "serum_b12", "cyanocobalamin"),
            loinc=(
                LoincCode(
                    "2132-9", "Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma", "MCnc"
                ),
                LoincCode(
                    "14685-2",
                    "Cobalamin (Vitamin B12) [Moles/volume] in Serum or Plasma",
                    "SCnc",
                ),
            ),
            canonical_unit="pmol/L",
            dimensions=frozenset({MASS, SUBSTANCE}),
            common_units=("pmol/L", "pg/mL", "ng/L"),
            molar_mass=MolarMass(
                1355.37,
                "cyanocobalamin",
                f"{FACTS}; NICE 2024 pairs 180 ng/L with 133 pmol/L; NHANES uses 1355.4",
            ),
            plausible=PlausibleRange(
                0.0,
                10_000_000.0,
                "hydroxocobalamin given as a cyanide antidote gives very high levels; "
                "10^7 pmol/L is a guard against unit slips, not a clinical limit",
            ),
            note="The code 14685-3 that circulates for serum B12 fails the LOINC check digit; "
            "16695-9 is B12 in whole blood, not serum.",
        ),
        Analyte(
            id="methylmalonic_acid",
            display_name="methylmalonic acid",
            aliases=("mma", "methylmalonate", "methylmalonic"),
            loinc=(
                LoincCode("13964-2", "Methylmalonate [Moles/volume] in Serum or Plasma", "SCnc"),
            ),
            canonical_unit="nmol/L",
            dimensions=frozenset({MASS, SUBSTANCE}),
            common_units=("nmol/L", "umol/L", "ug/L"),
            molar_mass=MolarMass(118.09, "methylmalonic acid (C4H6O4)", FACTS),
            plausible=PlausibleRange(
                0.0,
                10_000_000.0,
                "inborn methylmalonic acidaemias reach thousands of umol/L; 10^7 nmol/L "
                "(10 mmol/L) leaves a margin",
            ),
        ),
        Analyte(
            id="homocysteine",
            display_name="homocysteine (total)",
            aliases=("hcy", "thcy", "total_homocysteine", "homocystein"),
            loinc=(
                LoincCode("13965-9", "Homocysteine [Moles/volume] in Serum or Plasma", "SCnc"),
                LoincCode("2428-1", "Homocysteine [Mass/volume] in Serum or Plasma", "MCnc"),
            ),
            canonical_unit="umol/L",
            dimensions=frozenset({MASS, SUBSTANCE}),
            common_units=("umol/L", "mg/L"),
            molar_mass=MolarMass(135.18, "homocysteine (C4H9NO2S)", FACTS),
            plausible=PlausibleRange(
                0.0,
                1000.0,
                "classical homocystinuria gives a few hundred umol/L; 1000 leaves a margin",
            ),
        ),
        Analyte(
            id="folate",
            display_name="folate (serum)",
            aliases=("folic_acid", "serum_folate", "folate_serum", "folacin"),
            loinc=(
                LoincCode("2284-8", "Folate [Mass/volume] in Serum or Plasma", "MCnc"),
                LoincCode("14732-2", "Folate [Moles/volume] in Serum or Plasma", "SCnc"),
            ),
            canonical_unit="nmol/L",
            dimensions=frozenset({MASS, SUBSTANCE}),
            common_units=("nmol/L", "ng/mL", "ug/L"),
            molar_mass=MolarMass(
                441.40,
                "folic acid",
                f"{FACTS}; WHO pairs 3 ng/mL with 6.8 nmol/L; NHANES uses a factor of 2.265",
            ),
            plausible=PlausibleRange(
                0.0,
                2000.0,
                "serum folate with heavy supplementation stays in the low hundreds of nmol/L",
            ),
            note="Serum folate only; red cell folate (LOINC 2283-0) is a different test.",
        ),
        Analyte(
            id="crp",
            display_name="C-reactive protein",
            aliases=("c_reactive_protein", "hscrp", "hs_crp", "creactive_protein"),
            loinc=(
                LoincCode("1988-5", "C reactive protein [Mass/volume] in Serum or Plasma", "MCnc"),
                LoincCode(
                    "30522-7",
                    "C reactive protein [Mass/volume] in Serum or Plasma by High sensitivity "
                    "method",
                    "MCnc",
                ),
            ),
            canonical_unit="mg/L",
            dimensions=frozenset({MASS}),
            common_units=("mg/L", "mg/dL"),
            plausible=PlausibleRange(
                0.0, 1000.0, "CRP in overwhelming sepsis stays in the hundreds of mg/L"
            ),
            note="US labs often report mg/dL (x10 for mg/L). No agreed molar mass (100-115 kDa).",
        ),
        Analyte(
            id="esr",
            display_name="erythrocyte sedimentation rate",
            aliases=("sed_rate", "erythrocyte_sedimentation_rate", "westergren", "bsg", "bsr"),
            loinc=(
                LoincCode("4537-7", "Erythrocyte sedimentation rate by Westergren method", "Vel"),
                LoincCode("30341-2", "Erythrocyte sedimentation rate", "Vel"),
            ),
            canonical_unit="mm/h",
            dimensions=frozenset({Dimension.SEDIMENTATION_RATE}),
            common_units=("mm/h",),
            plausible=PlausibleRange(
                0.0, 200.0, "a Westergren tube is 200 mm tall, so the column cannot fall more"
            ),
        ),
    )
