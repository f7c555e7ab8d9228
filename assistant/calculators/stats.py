"""The calculators themselves: validate inputs (``CalculatorInputError`` with a one-line
message), compute with scipy/statsmodels (imported inside the functions, so importing this
module stays cheap), return a result from ``results``."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Real
from typing import Any, Literal

from assistant.calculators.render import _num, _pct
from assistant.calculators.results import (
    AEIncidence,
    ArmComparison,
    CountCandidate,
    CountsFromPercent,
    EventKind,
    ImwgCumulative,
    Method,
    Proportion,
)
from assistant.errors import CalculatorInputError

IMWG_CATEGORIES = ("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD")  # best to worst
_STATSMODELS_METHOD = {"clopper-pearson": "beta", "wilson": "wilson"}
HALDANE = 0.5
# More patients than any trial enrols; larger counts are not patient numbers (and would make
# Fisher's exact test and the count search run for minutes).
MAX_PATIENTS = 1_000_000


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
    if value > MAX_PATIENTS:
        raise CalculatorInputError(f"{name} must be at most {MAX_PATIENTS:,}, got {value:,}")
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


def _is(value: Any, kind: type) -> bool:
    """Whether ``value`` is a number of ``kind`` (numbers.Real or Integral), a bool not counting.
    A plain bool, so the value stays ``Any``: the numbers ABCs declare no comparisons."""
    return not isinstance(value, bool) and isinstance(value, kind)


def _confidence(value: Any) -> float:
    if not _is(value, Real) or not 0 < value < 1:
        raise CalculatorInputError(
            f"confidence must be a fraction strictly between 0 and 1 (e.g. 0.95), got {value!r}"
        )
    return float(value)


def _method(value: Any) -> Method:
    if value not in _STATSMODELS_METHOD:
        raise CalculatorInputError(f"method must be 'clopper-pearson' or 'wilson', got {value!r}")
    return value


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
    if not _is(decimals, Integral) or not 0 <= decimals <= 6:
        raise CalculatorInputError(f"decimals must be a whole number from 0 to 6, got {decimals!r}")
    if not _is(percent, Real) or not 0 <= percent <= 100:
        raise CalculatorInputError(f"percent must be between 0 and 100, got {percent!r}")
    written = Decimal(str(percent))
    places = max(0, -int(written.normalize().as_tuple().exponent))  # finite: checked above
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


def load_libraries() -> None:
    """Import the statistics libraries ``compare_arms`` uses (about a second, once)."""
    import scipy.stats  # noqa: F401
    import statsmodels.stats.contingency_tables  # noqa: F401
    import statsmodels.stats.proportion  # noqa: F401


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

    cells: list[list[float]] = [[events_a, n_a - events_a], [events_b, n_b - events_b]]
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
