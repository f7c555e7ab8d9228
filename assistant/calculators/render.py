"""One line of text for any calculator result ("14/19 = 73.7% (95% CI 48.8–90.9%)"): real
minus signs, en-dash intervals ("to" when a bound is negative), one decimal for percents."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from assistant.calculators.results import (
    AEIncidence,
    ArmComparison,
    CountsFromPercent,
    ImwgCumulative,
    Proportion,
    _Result,
)

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
        if r.nn_ci_low is not None and r.nn_ci_high is not None:
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
