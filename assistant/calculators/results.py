"""What the calculators return: frozen pydantic models with named fields, fractions not
percents, each field described for OpenAPI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Method = Literal["clopper-pearson", "wilson"]
EventKind = Literal["benefit", "harm"]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class Proportion(_Result):
    """``count`` of ``total`` as a fraction with a two-sided confidence interval."""

    count: int
    total: int
    rate: float = Field(description="count / total, a fraction (0.5, not 50).")
    ci_low: float
    ci_high: float
    method: Method
    confidence: float


class CountCandidate(_Result):
    count: int
    proportion: float = Field(description="count / denominator, a fraction.")
    exact_percent: float = Field(description="100 * count / denominator, unrounded.")
    on_boundary: bool = Field(
        description="The exact percent sits on a .5 boundary at the reported decimals, so "
        "rounding half-up, half-even and truncating can report it differently."
    )
    half_up: bool = Field(description="Rounded half-up, it reports the given percent.")
    half_even: bool = Field(description="Rounded half-even, it reports the given percent.")
    truncated: bool = Field(description="Truncated, it reports the given percent.")


class CountsFromPercent(_Result):
    percent: float
    denominator: int
    decimals: int
    counts: list[int] = Field(description="Counts that round half-up to the reported percent.")
    consistent: bool = Field(description="Some count rounds half-up to the reported percent.")
    rounding_edge: bool = Field(
        description="A candidate sits exactly on a .5 boundary (see CountCandidate.on_boundary)."
    )
    nearest: int = Field(description="The count whose exact percent is closest to the report.")
    candidates: list[CountCandidate] = Field(
        description="Every count that reports the percent under half-up, half-even or "
        "truncation, and the nearest count."
    )


class ImwgCumulative(_Result):
    evaluable: int
    counts: dict[str, int] = Field(description="Patients per IMWG category, best first.")
    unclassified: int = Field(description="Evaluable patients in no listed category.")
    orr: Proportion = Field(description="Overall response: PR or better.")
    vgpr_or_better: Proportion
    cr_or_better: Proportion = Field(description="sCR + CR.")
    clinical_benefit: Proportion = Field(description="MR or better.")
    confidence: float
    method: Method


class ArmComparison(_Result):
    events_a: int
    n_a: int
    rate_a: float
    events_b: int
    n_b: int
    rate_b: float
    confidence: float
    risk_difference: float = Field(description="rate_a - rate_b, a fraction.")
    rd_ci_low: float = Field(description="Newcombe (hybrid Wilson score) interval.")
    rd_ci_high: float
    relative_risk: float = Field(description="rate_a / rate_b.")
    rr_ci_low: float = Field(description="Log (Katz) interval.")
    rr_ci_high: float
    odds_ratio: float
    or_ci_low: float = Field(description="Logit (Woolf) interval.")
    or_ci_high: float
    zero_cell_correction: float | None = Field(
        description="0.5 when a cell of the 2x2 table is zero and 0.5 was added to every cell "
        "for the relative risk, the odds ratio and their intervals (Haldane-Anscombe); "
        "None when no correction was needed."
    )
    fisher_p: float = Field(description="Fisher's exact test, two-sided.")
    event_is: EventKind
    number_needed: float | None = Field(
        description="1 / |risk difference| (report it rounded up); None when the difference is 0."
    )
    number_needed_kind: Literal["NNT", "NNH"] | None
    nn_ci_low: float | None = Field(
        description="Interval of the number needed, when the difference's interval excludes 0."
    )
    nn_ci_high: float | None
    notes: list[str] = Field(default_factory=list)


class AEIncidence(_Result):
    n: int
    any_grade: Proportion
    grade3plus: Proportion = Field(description="Grade 3 or higher.")
    confidence: float
    method: Method
