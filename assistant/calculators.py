"""Calculators over numbers that trial reports give: pure functions, fractions not percents.

Each calculator validates its inputs (``CalculatorInputError`` with a one-line message), computes
with scipy/statsmodels, and returns a frozen pydantic result with named fields. ``render`` turns
any result into one line of text ("14/19 = 73.7% (95% CI 48.8–90.9%)"); computing and rendering
stay apart so answers, the API and the CLI can show the same numbers their own way.

``CALCULATORS`` registers every calculator with an input model (described, with an example, for
OpenAPI and the CLI), and ``calculate(name, inputs)`` runs one by name and returns the
``Calculation`` that answers carry.

scipy and statsmodels are imported inside the functions that use them, so importing this module
(for the registry, e.g. to build the CLI's help) stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Real
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from assistant.errors import CalculatorInputError, NotFoundError
from assistant.models import Calculation

Method = Literal["clopper-pearson", "wilson"]
EventKind = Literal["benefit", "harm"]
IMWG_CATEGORIES = ("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD")  # best to worst
_STATSMODELS_METHOD = {"clopper-pearson": "beta", "wilson": "wilson"}
HALDANE = 0.5


# --- validation -------------------------------------------------------------------------------


def _count(name: str, value: Any) -> int:
    """A whole, non-negative number of patients or events (19 and 19.0 are fine, 19.5 is not)."""
    whole = isinstance(value, Integral) or (
        isinstance(value, Real) and math.isfinite(value) and float(value).is_integer()
    )
    if isinstance(value, bool) or not whole:
        raise CalculatorInputError(f"{name} must be a whole number, got {value!r}")
    value = int(value)
    if value < 0:
        raise CalculatorInputError(f"{name} must not be negative, got {value}")
    return value


def _denominator(name: str, value: Any) -> int:
    value = _count(name, value)
    if value == 0:
        raise CalculatorInputError(f"{name} must be at least 1 (a rate needs a denominator)")
    return value


def _part(name: str, value: Any, whole_name: str, whole: int) -> int:
    value = _count(name, value)
    if value > whole:
        raise CalculatorInputError(f"{name} ({value}) cannot exceed {whole_name} ({whole})")
    return value


def _confidence(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < 1:
        raise CalculatorInputError(
            f"confidence must be a fraction strictly between 0 and 1 (e.g. 0.95), got {value!r}"
        )
    return float(value)


def _method(value: Any) -> str:
    if value not in _STATSMODELS_METHOD:
        raise CalculatorInputError(f"method must be 'clopper-pearson' or 'wilson', got {value!r}")
    return value


# --- results ----------------------------------------------------------------------------------


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


# --- calculators ------------------------------------------------------------------------------


def _proportion(count: int, total: int, confidence: float, method: str) -> Proportion:
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(
        count, total, alpha=1 - confidence, method=_STATSMODELS_METHOD[method]
    )
    rate = count / total
    # Clamp float noise (Wilson gives 1e-17 for 0/n) so 0 <= low <= rate <= high <= 1.
    low = min(max(float(low), 0.0), rate)
    high = max(min(float(high), 1.0), rate)
    return Proportion(
        count=count,
        total=total,
        rate=rate,
        ci_low=low,
        ci_high=high,
        method=method,
        confidence=confidence,
    )


def response_rate(
    responders: int,
    evaluable: int,
    confidence: float = 0.95,
    method: Method = "clopper-pearson",
) -> Proportion:
    """Responders / evaluable with an exact (Clopper-Pearson) or Wilson interval."""
    evaluable = _denominator("evaluable", evaluable)
    responders = _part("responders", responders, "evaluable", evaluable)
    return _proportion(responders, evaluable, _confidence(confidence), _method(method))


def _reported(percent: Any, decimals: Any) -> tuple[Fraction, int]:
    if isinstance(decimals, bool) or not isinstance(decimals, Integral) or not 0 <= decimals <= 6:
        raise CalculatorInputError(f"decimals must be a whole number from 0 to 6, got {decimals!r}")
    if isinstance(percent, bool) or not isinstance(percent, Real) or not 0 <= percent <= 100:
        raise CalculatorInputError(f"percent must be between 0 and 100, got {percent!r}")
    written = Decimal(str(percent))
    places = max(0, -written.normalize().as_tuple().exponent)
    if places > decimals:
        raise CalculatorInputError(
            f"percent {percent} has {places} decimal place(s); pass decimals={places}"
        )
    return Fraction(written), int(decimals)


def counts_from_percent(percent: float, denominator: int, decimals: int = 0) -> CountsFromPercent:
    """The counts k of ``denominator`` whose k/denominator, rounded half-up to ``decimals``
    places, is the reported ``percent``; with the half-even and truncation readings flagged.

    74% of 19 -> [14] (73.7%), consistent. 12% of 24 -> none under half-up (3/24 = 12.5% rounds
    to 13%), but 3 reports as 12% rounded half-even or truncated: a rounding edge.
    """
    target, decimals = _reported(percent, decimals)
    denominator = _denominator("denominator", denominator)
    scale = 10**decimals
    goal = target * scale  # the reported percent in units of its last place
    step = Fraction(1, scale)
    first = max(0, math.floor((target - step) * denominator / 100) - 1)
    last = min(denominator, math.ceil((target + step) * denominator / 100) + 1)

    def candidate(k: int) -> CountCandidate:
        exact = Fraction(100 * k, denominator)
        scaled = exact * scale
        return CountCandidate(
            count=k,
            proportion=k / denominator,
            exact_percent=float(exact),
            on_boundary=scaled - math.floor(scaled) == Fraction(1, 2),
            half_up=math.floor(scaled + Fraction(1, 2)) == goal,
            half_even=round(scaled) == goal,
            truncated=math.floor(scaled) == goal,
        )

    window = [candidate(k) for k in range(first, last + 1)]
    matching = [c for c in window if c.half_up or c.half_even or c.truncated]
    counts = [c.count for c in matching if c.half_up]
    pool = [c for c in window if c.half_up] or window
    nearest = min(pool, key=lambda c: (abs(Fraction(100 * c.count, denominator) - target),
                                       not c.half_even, c.count))  # fmt: skip
    candidates = sorted({c.count: c for c in [*matching, nearest]}.values(), key=lambda c: c.count)
    return CountsFromPercent(
        percent=float(percent),
        denominator=denominator,
        decimals=decimals,
        counts=counts,
        consistent=bool(counts),
        rounding_edge=any(c.on_boundary for c in matching),
        nearest=nearest.count,
        candidates=candidates,
    )


def _imwg_counts(counts: Any) -> dict[str, int]:
    if not isinstance(counts, dict):
        raise CalculatorInputError("counts must map IMWG categories to numbers of patients")
    canonical = {c.lower(): c for c in IMWG_CATEGORIES}
    out = dict.fromkeys(IMWG_CATEGORIES, 0)
    for key, value in counts.items():
        name = canonical.get(str(key).strip().lower())
        if name is None:
            raise CalculatorInputError(
                f"unknown IMWG category {key!r}; expected one of {', '.join(IMWG_CATEGORIES)}"
            )
        out[name] += _count(f"counts[{name}]", value)
    return out


def imwg_cumulative(
    counts: dict[str, int],
    evaluable: int | None = None,
    confidence: float = 0.95,
    method: Method = "clopper-pearson",
) -> ImwgCumulative:
    """Best-response counts per IMWG category (sCR > CR > VGPR > PR > MR > SD > PD) to
    cumulative rates: ORR (PR or better), VGPR or better, CR or better, clinical benefit
    (MR or better). ``evaluable`` defaults to the sum of the counts; patients beyond the listed
    categories (not evaluable for category, missing) count in the denominator only."""
    per = _imwg_counts(counts)
    total = sum(per.values())
    if evaluable is None:
        if total == 0:
            raise CalculatorInputError("counts add up to 0; a rate needs at least one patient")
        evaluable = total
    evaluable = _denominator("evaluable", evaluable)
    if total > evaluable:
        raise CalculatorInputError(
            f"the counts add up to {total}, more than evaluable ({evaluable})"
        )
    confidence, method = _confidence(confidence), _method(method)

    def at_least(category: str) -> Proportion:
        best = IMWG_CATEGORIES[: IMWG_CATEGORIES.index(category) + 1]
        return _proportion(sum(per[c] for c in best), evaluable, confidence, method)

    return ImwgCumulative(
        evaluable=evaluable,
        counts=per,
        unclassified=evaluable - total,
        orr=at_least("PR"),
        vgpr_or_better=at_least("VGPR"),
        cr_or_better=at_least("CR"),
        clinical_benefit=at_least("MR"),
        confidence=confidence,
        method=method,
    )


def _nn_kind(difference: float, event_is: str) -> Literal["NNT", "NNH"]:
    return "NNT" if (difference > 0) == (event_is == "benefit") else "NNH"


def compare_arms(
    events_a: int,
    n_a: int,
    events_b: int,
    n_b: int,
    confidence: float = 0.95,
    event_is: EventKind = "benefit",
) -> ArmComparison:
    """Arm A against arm B: risk difference (A - B, Newcombe interval), relative risk (log
    interval), odds ratio (logit interval), Fisher's exact two-sided p, and the number needed
    to treat or harm. ``event_is`` says whether an event is good (a response: A ahead is an
    NNT) or bad (an adverse event: A ahead is an NNH)."""
    from scipy.stats import fisher_exact
    from statsmodels.stats.contingency_tables import Table2x2
    from statsmodels.stats.proportion import confint_proportions_2indep

    n_a = _denominator("n_a", n_a)
    n_b = _denominator("n_b", n_b)
    events_a = _part("events_a", events_a, "n_a", n_a)
    events_b = _part("events_b", events_b, "n_b", n_b)
    confidence = _confidence(confidence)
    if event_is not in ("benefit", "harm"):
        raise CalculatorInputError(f"event_is must be 'benefit' or 'harm', got {event_is!r}")
    alpha = 1 - confidence
    rate_a, rate_b = events_a / n_a, events_b / n_b
    rd = rate_a - rate_b
    low, high = confint_proportions_2indep(
        events_a, n_a, events_b, n_b, method="newcomb", compare="diff", alpha=alpha
    )
    rd_low = max(min(float(low), rd), -1.0)  # clamp float noise to [-1, rd] and [rd, 1]
    rd_high = min(max(float(high), rd), 1.0)
    notes: list[str] = []

    cells = [[events_a, n_a - events_a], [events_b, n_b - events_b]]
    correction = None
    if 0 in cells[0] or 0 in cells[1]:
        correction = HALDANE
        cells = [[x + HALDANE for x in row] for row in cells]
        notes.append(
            "a cell of the 2x2 table is zero, so 0.5 was added to every cell for the relative "
            "risk, the odds ratio and their intervals (Haldane-Anscombe correction)"
        )
    table = Table2x2(cells, shift_zeros=False)
    rr_low, rr_high = table.riskratio_confint(alpha=alpha, method="normal")
    or_low, or_high = table.oddsratio_confint(alpha=alpha, method="normal")
    p = float(fisher_exact([[events_a, n_a - events_a], [events_b, n_b - events_b]])[1])

    nn = kind = nn_low = nn_high = None
    if rd != 0:
        nn, kind = 1 / abs(rd), _nn_kind(rd, event_is)
        level = _pct(confidence)
        if rd_low > 0 or rd_high < 0:
            nn_low, nn_high = sorted((1 / abs(rd_low), 1 / abs(rd_high)))
        else:
            ends = [f"{_nn_kind(b, event_is)} {_num(1 / abs(b), 1)}" for b in (rd_low, rd_high)
                    if b != 0]  # fmt: skip
            notes.append(
                f"the {level}% CI of the risk difference includes 0, so the {kind} has no finite "
                f"interval (it runs from {' through infinity to '.join(ends) or 'infinity'})"
            )
    return ArmComparison(
        events_a=events_a,
        n_a=n_a,
        rate_a=rate_a,
        events_b=events_b,
        n_b=n_b,
        rate_b=rate_b,
        confidence=confidence,
        risk_difference=rd,
        rd_ci_low=rd_low,
        rd_ci_high=rd_high,
        relative_risk=float(table.riskratio),
        rr_ci_low=float(rr_low),
        rr_ci_high=float(rr_high),
        odds_ratio=float(table.oddsratio),
        or_ci_low=float(or_low),
        or_ci_high=float(or_high),
        zero_cell_correction=correction,
        fisher_p=min(p, 1.0),
        event_is=event_is,
        number_needed=nn,
        number_needed_kind=kind,
        nn_ci_low=nn_low,
        nn_ci_high=nn_high,
        notes=notes,
    )


def ae_incidence(
    any_grade: int,
    grade3plus: int,
    n: int,
    confidence: float = 0.95,
    method: Method = "clopper-pearson",
) -> AEIncidence:
    """Incidence of an adverse event at any grade and at grade 3 or higher, with intervals."""
    n = _denominator("n", n)
    any_grade = _part("any_grade", any_grade, "n", n)
    grade3plus = _part("grade3plus", grade3plus, "any_grade", any_grade)
    confidence, method = _confidence(confidence), _method(method)
    return AEIncidence(
        n=n,
        any_grade=_proportion(any_grade, n, confidence, method),
        grade3plus=_proportion(grade3plus, n, confidence, method),
        confidence=confidence,
        method=method,
    )


# --- rendering --------------------------------------------------------------------------------

MINUS = "\u2212"


def _num(x: float, places: int) -> str:
    """``x`` with at most ``places`` decimals, dropping a trailing ".0"; a real minus sign."""
    text = f"{x:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", MINUS)


def _pct(fraction: float) -> str:
    """A fraction as a percent number with one decimal, dropping ".0": 0.5 -> "50"."""
    return _num(100 * fraction, 1)


def _ratio(x: float) -> str:
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}" if x >= 0.1 else f"{x:.2g}"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def _interval(low: str, high: str, unit: str = "") -> str:
    """En dash between the bounds; "to" when a bound is negative, so no dash meets a minus."""
    joiner = " to " if MINUS in low + high else "\u2013"
    return f"{low}{unit if joiner == ' to ' else ''}{joiner}{high}{unit}"


def _render_proportion(p: Proportion) -> str:
    extra = ", Wilson" if p.method == "wilson" else ""
    ci = _interval(_pct(p.ci_low), _pct(p.ci_high), "%")
    return f"{p.count}/{p.total} = {_pct(p.rate)}% ({_pct(p.confidence)}% CI {ci}{extra})"


def _render_counts(r: CountsFromPercent) -> str:
    reported = f"{_num(r.percent, r.decimals)}%"
    by_count = {c.count: c for c in r.candidates}

    def show(k: int) -> str:
        return f"{k}/{r.denominator} = {_num(by_count[k].exact_percent, r.decimals + 1)}%"

    edges = [show(c.count) for c in r.candidates if c.on_boundary]
    edge_note = (
        f"rounding edge: {' and '.join(edges)} on a .5 boundary, where half-up, half-even "
        "and truncation can disagree"
    )
    if r.consistent:
        text = f"{reported} of {r.denominator} is " + " or ".join(show(k) for k in r.counts)
        return f"{text} ({edge_note})" if edges else text
    rules = [
        rule
        for rule, attr in (("round-half-even", "half_even"), ("truncation", "truncated"))
        if getattr(by_count[r.nearest], attr)
    ]
    text = (
        f"{reported} of {r.denominator} is not consistent: no count rounds half-up to {reported}; "
        f"nearest {show(r.nearest)}"
    )
    if rules:
        text += f", which reports as {reported} only under {' or '.join(rules)}"
    others = [
        c.count for c in r.candidates if c.count != r.nearest and (c.half_even or c.truncated)
    ]
    if others:
        text += "; also " + ", ".join(show(k) for k in others) + " by truncation or half-even"
    return text + (" (rounding edge)" if r.rounding_edge else "")


def _render_imwg(r: ImwgCumulative) -> str:
    parts = [
        ("ORR (PR or better)", r.orr),
        ("VGPR or better", r.vgpr_or_better),
        ("CR or better", r.cr_or_better),
        ("clinical benefit (MR or better)", r.clinical_benefit),
    ]
    return "; ".join(f"{label} {_render_proportion(p)}" for label, p in parts)


def _render_compare(r: ArmComparison) -> str:
    level = f"{_pct(r.confidence)}% CI"
    rd = _interval(_num(100 * r.rd_ci_low, 1), _num(100 * r.rd_ci_high, 1))
    text = (
        f"{r.events_a}/{r.n_a} = {_pct(r.rate_a)}% vs {r.events_b}/{r.n_b} = {_pct(r.rate_b)}%. "
        f"Risk difference {_num(100 * r.risk_difference, 1)} points ({level} {rd}); "
        f"RR {_ratio(r.relative_risk)} ({level} "
        f"{_interval(_ratio(r.rr_ci_low), _ratio(r.rr_ci_high))}); "
        f"OR {_ratio(r.odds_ratio)} ({level} {_interval(_ratio(r.or_ci_low), _ratio(r.or_ci_high))}"
        f"); Fisher {_p(r.fisher_p)}"
    )
    if r.number_needed is not None:
        text += f"; {r.number_needed_kind} {math.ceil(round(r.number_needed, 9))}"
        if r.nn_ci_low is not None:
            text += f" ({level} {_interval(_num(r.nn_ci_low, 1), _num(r.nn_ci_high, 1))})"
        else:
            text += f" ({level} of the difference includes 0)"
    if r.zero_cell_correction is not None:
        text += "; RR and OR with 0.5 added to every cell (a zero cell)"
    return text


def _render_ae(r: AEIncidence) -> str:
    return (
        f"Any grade {_render_proportion(r.any_grade)}; "
        f"grade \u22653 {_render_proportion(r.grade3plus)}"
    )


_RENDERERS: list[tuple[type[_Result], Callable[[Any], str]]] = [
    (Proportion, _render_proportion),
    (CountsFromPercent, _render_counts),
    (ImwgCumulative, _render_imwg),
    (ArmComparison, _render_compare),
    (AEIncidence, _render_ae),
]


def render(result: _Result) -> str:
    """One line of text for any calculator result: "14/19 = 73.7% (95% CI 48.8–90.9%)"."""
    for cls, renderer in _RENDERERS:
        if isinstance(result, cls):
            return renderer(result)
    raise TypeError(f"no renderer for {type(result).__name__}")


# --- registry ---------------------------------------------------------------------------------


def _reject_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    return value


Count = Annotated[int, BeforeValidator(_reject_bool), Field(ge=0)]
Denominator = Annotated[int, BeforeValidator(_reject_bool), Field(ge=1)]
Confidence = Annotated[
    float,
    BeforeValidator(_reject_bool),
    Field(gt=0, lt=1, description="Two-sided confidence level, a fraction (0.95, not 95)."),
]
_METHOD_HELP = "clopper-pearson (exact, the default) or wilson (score interval)."


def _inputs(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})


class ResponseRateInput(BaseModel):
    model_config = _inputs({"responders": 19, "evaluable": 19})

    responders: Count = Field(description="Patients with a response.")
    evaluable: Denominator = Field(description="Response-evaluable patients (the denominator).")
    confidence: Confidence = 0.95
    method: Method = Field(default="clopper-pearson", description=_METHOD_HELP)


class CountsFromPercentInput(BaseModel):
    model_config = _inputs({"percent": 74, "denominator": 19})

    percent: float = Field(ge=0, le=100, description="The reported percent (74 for 74%).")
    denominator: Denominator = Field(description="The patients the percent is of.")
    decimals: int = Field(
        default=0, ge=0, le=6, description="Decimal places the percent was reported with."
    )


class ImwgCumulativeInput(BaseModel):
    model_config = _inputs(
        {
            "counts": {"sCR": 10, "CR": 6, "VGPR": 14, "PR": 16, "MR": 4, "SD": 30, "PD": 12},
            "evaluable": 92,
        }  # fmt: skip
    )

    counts: dict[str, Count] = Field(
        description="Patients per best response, by IMWG category: sCR, CR, VGPR, PR, MR, SD, "
        "PD (missing categories count 0)."
    )
    evaluable: Denominator | None = Field(
        default=None, description="Response-evaluable patients; defaults to the sum of counts."
    )
    confidence: Confidence = 0.95
    method: Method = Field(default="clopper-pearson", description=_METHOD_HELP)


class CompareArmsInput(BaseModel):
    model_config = _inputs({"events_a": 12, "n_a": 24, "events_b": 9, "n_b": 24})

    events_a: Count = Field(description="Patients with the event in arm A.")
    n_a: Denominator = Field(description="Patients in arm A.")
    events_b: Count = Field(description="Patients with the event in arm B (the comparator).")
    n_b: Denominator = Field(description="Patients in arm B.")
    confidence: Confidence = 0.95
    event_is: EventKind = Field(
        default="benefit",
        description="benefit when the event is good (a response), harm when it is bad (an "
        "adverse event); decides whether A ahead is an NNT or an NNH.",
    )


class AEIncidenceInput(BaseModel):
    model_config = _inputs({"any_grade": 8, "grade3plus": 1, "n": 19})

    any_grade: Count = Field(description="Patients with the event at any grade.")
    grade3plus: Count = Field(description="Patients with the event at grade 3 or higher.")
    n: Denominator = Field(description="Patients evaluable for safety (the denominator).")
    confidence: Confidence = 0.95
    method: Method = Field(default="clopper-pearson", description=_METHOD_HELP)


@dataclass(frozen=True)
class Calculator:
    name: str
    input_model: type[BaseModel]
    function: Callable[..., _Result]
    description: str

    @property
    def example(self) -> dict[str, Any]:
        return self.input_model.model_config["json_schema_extra"]["examples"][0]


CALCULATORS: dict[str, Calculator] = {
    c.name: c
    for c in (
        Calculator(
            "response_rate",
            ResponseRateInput,
            response_rate,
            "Response rate with an exact (Clopper-Pearson) or Wilson confidence interval.",
        ),
        Calculator(
            "counts_from_percent",
            CountsFromPercentInput,
            counts_from_percent,
            "Which counts of a denominator round to a reported percent (74% of 19 -> 14).",
        ),
        Calculator(
            "imwg_cumulative",
            ImwgCumulativeInput,
            imwg_cumulative,
            "IMWG best-response counts to cumulative rates: ORR, VGPR or better, CR or "
            "better, clinical benefit, with intervals.",
        ),
        Calculator(
            "compare_arms",
            CompareArmsInput,
            compare_arms,
            "Two arms: risk difference, relative risk, odds ratio, Fisher's exact p, NNT/NNH.",
        ),
        Calculator(
            "ae_incidence",
            AEIncidenceInput,
            ae_incidence,
            "Adverse-event incidence at any grade and at grade 3 or higher, with intervals.",
        ),
    )
}


def _problems(exc: ValidationError) -> str:
    def where(loc: tuple) -> str:
        return ".".join(str(part) for part in loc) or "inputs"

    return "; ".join(f"{where(e['loc'])}: {e['msg']}" for e in exc.errors())


def calculate(name: str, inputs: dict[str, Any]) -> Calculation:
    """Run the calculator ``name`` on ``inputs`` (validated by its input model)."""
    calculator = CALCULATORS.get(name)
    if calculator is None:
        raise NotFoundError(f"unknown calculator {name!r}; known: {', '.join(CALCULATORS)}")
    if not isinstance(inputs, dict):
        raise CalculatorInputError(f"{name}: inputs must be an object of named values")
    try:
        model = calculator.input_model.model_validate(inputs)
    except ValidationError as exc:
        raise CalculatorInputError(f"{name}: {_problems(exc)}") from None
    result = calculator.function(**model.model_dump())
    return Calculation(
        name=name,
        inputs=model.model_dump(exclude_unset=True),
        result=result.model_dump(),
        text=render(result),
    )
