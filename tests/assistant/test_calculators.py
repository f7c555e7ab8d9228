"""Calculators against published and independently computed values, and their properties."""

import math
import time
from statistics import NormalDist

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.calculators import (
    CALCULATORS,
    ae_incidence,
    calculate,
    compare_arms,
    counts_from_percent,
    imwg_cumulative,
    render,
    response_rate,
)
from assistant.errors import CalculatorInputError, NotFoundError
from assistant.models import Calculation


def z(confidence=0.95):
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson(k, n, confidence=0.95):
    """The Wilson score interval, written out (Wilson 1927; Newcombe 1998, method 3)."""
    zz, p = z(confidence), k / n
    centre = (p + zz**2 / (2 * n)) / (1 + zz**2 / n)
    half = zz * math.sqrt(p * (1 - p) / n + zz**2 / (4 * n**2)) / (1 + zz**2 / n)
    return centre - half, centre + half


def fisher_two_sided(a, n1, c, n2):
    """Two-sided Fisher p: the hypergeometric probabilities of every table with the same
    margins that is no more likely than the observed one, summed."""
    total, events = n1 + n2, a + c

    def prob(x):
        return math.comb(n1, x) * math.comb(n2, events - x) / math.comb(total, events)

    observed = prob(a)
    tables = range(max(0, events - n2), min(n1, events) + 1)
    return sum(prob(x) for x in tables if prob(x) <= observed * (1 + 1e-7))


# --- response_rate ----------------------------------------------------------------------------


def test_all_responders_exact_interval_matches_the_closed_form():
    r = response_rate(19, 19)
    assert r.rate == 1.0 and r.ci_high == 1.0
    assert r.ci_low == pytest.approx(0.025 ** (1 / 19))  # k = n: lower = (alpha/2)^(1/n)
    assert round(r.ci_low, 3) == 0.824
    assert (r.method, r.confidence) == ("clopper-pearson", 0.95)
    assert render(r) == "19/19 = 100% (95% CI 82.4–100%)"


def test_no_responders_exact_interval_matches_the_closed_form():
    r = response_rate(0, 19)
    assert r.ci_low == 0.0 and r.ci_high == pytest.approx(1 - 0.025 ** (1 / 19))
    assert render(r) == "0/19 = 0% (95% CI 0–17.6%)"


def test_14_of_19():
    r = response_rate(14, 19)
    assert (round(r.ci_low, 3), round(r.ci_high, 3)) == (0.488, 0.909)
    assert render(r) == "14/19 = 73.7% (95% CI 48.8–90.9%)"


def test_e3a06_reported_interval():
    """E3A06 (lenalidomide in smoldering myeloma) reported ORR 50% (95% CI 39–61) of 92."""
    r = response_rate(46, 92)
    assert r.rate == 0.5
    assert r.ci_low == pytest.approx(0.394, abs=5e-4) and r.ci_high == pytest.approx(
        0.606, abs=5e-4
    )
    assert (round(100 * r.ci_low), round(100 * r.ci_high)) == (39, 61)
    assert render(r) == "46/92 = 50% (95% CI 39.4–60.6%)"


@pytest.mark.parametrize(
    ("k", "n", "confidence"),
    [(14, 19, 0.95), (0, 19, 0.95), (19, 19, 0.9), (46, 92, 0.99), (1, 3, 0.8)],
)
def test_wilson_matches_the_formula(k, n, confidence):
    r = response_rate(k, n, confidence=confidence, method="wilson")
    low, high = wilson(k, n, confidence)
    assert r.ci_low == pytest.approx(max(low, 0), abs=1e-12)
    assert r.ci_high == pytest.approx(min(high, 1), abs=1e-12)
    assert r.method == "wilson"


def test_wilson_renders_its_name():
    assert (
        render(response_rate(14, 19, method="wilson"))
        == "14/19 = 73.7% (95% CI 51.2–88.2%, Wilson)"
    )
    assert render(response_rate(14, 19, confidence=0.9)).startswith("14/19 = 73.7% (90% CI ")


# --- counts_from_percent ----------------------------------------------------------------------


def test_74_percent_of_19_is_14():
    r = counts_from_percent(74, 19)
    assert r.counts == [14] and r.consistent and not r.rounding_edge and r.nearest == 14
    (c,) = [c for c in r.candidates if c.count == 14]
    assert round(c.exact_percent, 1) == 73.7 and c.proportion == pytest.approx(14 / 19)
    assert render(r) == "74% of 19 is 14/19 = 73.7%"


def test_12_percent_of_24_is_a_rounding_edge():
    r = counts_from_percent(12, 24)
    assert r.counts == [] and not r.consistent
    assert r.rounding_edge and r.nearest == 3
    (c,) = r.candidates
    assert c.count == 3 and c.exact_percent == 12.5 and c.on_boundary
    assert (c.half_up, c.half_even, c.truncated) == (False, True, True)
    text = render(r)
    assert "not consistent" in text and "3/24 = 12.5%" in text and "round-half-even" in text


def test_13_percent_of_24_is_consistent_but_on_the_edge():
    r = counts_from_percent(13, 24)
    assert r.counts == [3] and r.consistent and r.rounding_edge


def test_several_counts_and_decimals():
    assert counts_from_percent(50, 200).counts == [99, 100]  # 49.5% rounds half-up to 50%
    assert counts_from_percent(73.7, 19, decimals=1).counts == [14]
    assert counts_from_percent(73.6, 19, decimals=1).consistent is False
    assert counts_from_percent(0, 10).counts == [0]
    assert counts_from_percent(100, 7).counts == [7]
    assert counts_from_percent(42, 19).counts == [8]  # 8/19 = 42.1%


def test_truncation_only_is_not_consistent_and_not_an_edge():
    r = counts_from_percent(73, 19)  # 14/19 = 73.68%: 74% rounded, 73% truncated
    assert not r.consistent and not r.rounding_edge and r.nearest == 14
    assert "truncation" in render(r)


# --- imwg_cumulative --------------------------------------------------------------------------

IMWG = {"sCR": 10, "CR": 6, "VGPR": 14, "PR": 16, "MR": 4, "SD": 30, "PD": 12}


def test_imwg_cumulative_rates():
    r = imwg_cumulative(IMWG)
    assert r.evaluable == 92 and r.unclassified == 0
    assert (
        r.orr.count,
        r.vgpr_or_better.count,
        r.cr_or_better.count,
        r.clinical_benefit.count,
    ) == (46, 30, 16, 50)
    assert r.orr == response_rate(46, 92)
    assert render(r).startswith(
        "ORR (PR or better) 46/92 = 50% (95% CI 39.4–60.6%); VGPR or better 30/92"
    )


def test_imwg_evaluable_beyond_the_counts_and_any_case():
    r = imwg_cumulative({"cr": 3, "pr": 5}, evaluable=19)
    assert r.counts["CR"] == 3 and r.counts["sCR"] == 0 and r.unclassified == 11
    assert (r.orr.count, r.orr.total, r.cr_or_better.count) == (8, 19, 3)


@pytest.mark.parametrize(
    ("counts", "evaluable", "message"),
    [(IMWG, 91, "more than evaluable"), ({"nCR": 2}, None, "unknown IMWG category"),
     ({"CR": -1}, None, "must not be negative"), ({}, None, "add up to 0"), ({"CR": 1.5}, None, "whole number")],
)  # fmt: skip
def test_imwg_rejects_impossible_counts(counts, evaluable, message):
    with pytest.raises(CalculatorInputError, match=message):
        imwg_cumulative(counts, evaluable=evaluable)


# --- compare_arms -----------------------------------------------------------------------------


def test_compare_arms_against_hand_computed_values():
    r = compare_arms(12, 24, 9, 24)
    assert r.risk_difference == pytest.approx(0.125)
    # Newcombe's hybrid score interval from the two Wilson intervals (Newcombe 1998, method 10).
    (l1, u1), (l2, u2) = wilson(12, 24), wilson(9, 24)
    p1, p2 = 0.5, 0.375
    assert r.rd_ci_low == pytest.approx(0.125 - math.hypot(p1 - l1, u2 - p2))
    assert r.rd_ci_high == pytest.approx(0.125 + math.hypot(u1 - p1, p2 - l2))
    # Katz log interval for the relative risk, Woolf logit interval for the odds ratio.
    assert r.relative_risk == pytest.approx(4 / 3)
    se = math.sqrt(1 / 12 - 1 / 24 + 1 / 9 - 1 / 24)
    assert r.rr_ci_low == pytest.approx(4 / 3 * math.exp(-z() * se))
    assert r.rr_ci_high == pytest.approx(4 / 3 * math.exp(z() * se))
    assert r.odds_ratio == pytest.approx(12 * 15 / (12 * 9))
    se = math.sqrt(1 / 12 + 1 / 12 + 1 / 9 + 1 / 15)
    assert r.or_ci_low == pytest.approx(5 / 3 * math.exp(-z() * se))
    assert r.fisher_p == pytest.approx(fisher_two_sided(12, 24, 9, 24))
    assert r.zero_cell_correction is None
    assert (r.number_needed, r.number_needed_kind) == (pytest.approx(8), "NNT")
    assert r.nn_ci_low is None and any("includes 0" in note for note in r.notes)
    text = render(r)
    assert "Risk difference 12.5 points (95% CI −14.6 to 37.2)" in text
    assert "RR 1.33 (95% CI 0.69–2.56)" in text and "OR 1.67 (95% CI 0.53–5.27)" in text
    assert "Fisher p = 0.56" in text and "NNT 8" in text


@pytest.mark.parametrize(
    ("a", "n1", "c", "n2"),
    [(3, 20, 10, 20), (0, 24, 3, 24), (7, 7, 1, 9), (1, 40, 0, 38), (30, 100, 20, 100)],
)
def test_fisher_matches_the_hypergeometric_sum(a, n1, c, n2):
    assert compare_arms(a, n1, c, n2).fisher_p == pytest.approx(
        fisher_two_sided(a, n1, c, n2), rel=1e-9
    )


def test_zero_cells_use_the_haldane_correction_and_say_so():
    r = compare_arms(0, 24, 3, 24)
    assert r.zero_cell_correction == 0.5
    assert r.relative_risk == pytest.approx((0.5 / 25) / (3.5 / 25))
    assert r.odds_ratio == pytest.approx(0.5 * 21.5 / (24.5 * 3.5))
    assert any("Haldane" in note for note in r.notes)
    assert "0.5 added to every cell" in render(r)
    both_zero = compare_arms(0, 10, 0, 12)
    assert both_zero.number_needed is None and both_zero.fisher_p == 1.0


def test_number_needed_kind_and_interval():
    r = compare_arms(3, 20, 10, 20)  # fewer responses in A: harm
    assert r.number_needed_kind == "NNH" and r.number_needed == pytest.approx(1 / 0.35)
    assert r.nn_ci_low == pytest.approx(1 / -r.rd_ci_low) and r.nn_ci_high == pytest.approx(
        1 / -r.rd_ci_high
    )
    assert compare_arms(3, 20, 10, 20, event_is="harm").number_needed_kind == "NNT"
    assert compare_arms(10, 20, 3, 20, event_is="harm").number_needed_kind == "NNH"
    assert compare_arms(5, 10, 5, 10).number_needed is None


# --- ae_incidence -----------------------------------------------------------------------------


def test_ae_incidence():
    r = ae_incidence(8, 1, 19)
    assert r.any_grade == response_rate(8, 19) and r.grade3plus == response_rate(1, 19)
    assert (
        render(r)
        == "Any grade 8/19 = 42.1% (95% CI 20.3–66.5%); grade ≥3 1/19 = 5.3% (95% CI 0.1–26%)"
    )


# --- invalid inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: response_rate(20, 19), r"responders \(20\) cannot exceed evaluable \(19\)"),
        (lambda: response_rate(-1, 19), "responders must not be negative"),
        (lambda: response_rate(0, 0), "evaluable must be at least 1"),
        (lambda: response_rate(1.5, 19), "responders must be a whole number"),
        (lambda: response_rate(True, 19), "responders must be a whole number"),
        (lambda: response_rate("3", 19), "responders must be a whole number"),
        (lambda: response_rate(3, 19, confidence=95), "confidence must be a fraction"),
        (lambda: response_rate(3, 19, confidence=0), "confidence must be a fraction"),
        (lambda: response_rate(3, 19, confidence=1.0), "confidence must be a fraction"),
        (lambda: response_rate(3, 19, method="exact"), "method must be"),
        (lambda: counts_from_percent(101, 19), "percent must be between 0 and 100"),
        (lambda: counts_from_percent(-1, 19), "percent must be between 0 and 100"),
        (lambda: counts_from_percent(74, 0), "denominator must be at least 1"),
        (lambda: counts_from_percent(73.7, 19), "pass decimals=1"),
        (lambda: compare_arms(5, 4, 1, 4), r"events_a \(5\) cannot exceed n_a \(4\)"),
        (lambda: compare_arms(1, 4, 1, 0), "n_b must be at least 1"),
        (lambda: compare_arms(1, 4, 1, 4, event_is="good"), "event_is must be"),
        (lambda: ae_incidence(3, 4, 19), r"grade3plus \(4\) cannot exceed any_grade \(3\)"),
        (lambda: ae_incidence(20, 1, 19), r"any_grade \(20\) cannot exceed n \(19\)"),
    ],
)
def test_impossible_inputs_raise_one_line(call, message):
    with pytest.raises(CalculatorInputError, match=message) as info:
        call()
    assert "\n" not in info.value.message


def test_whole_floats_are_counts():
    assert response_rate(19.0, 19.0) == response_rate(19, 19)


# --- registry and calculate -------------------------------------------------------------------


def test_registry_names_and_documented_inputs():
    assert list(CALCULATORS) == [
        "response_rate",
        "counts_from_percent",
        "imwg_cumulative",
        "compare_arms",
        "ae_incidence",
    ]
    for name, calculator in CALCULATORS.items():
        assert calculator.name == name and calculator.description
        for field, info in calculator.input_model.model_fields.items():
            assert info.description, f"{name}.{field} has no description"
        assert calculator.input_model.model_json_schema()["examples"] == [calculator.example]


@pytest.mark.parametrize("name", sorted(CALCULATORS))
def test_every_example_calculates(name):
    calculation = calculate(name, CALCULATORS[name].example)
    assert isinstance(calculation, Calculation)
    assert calculation.name == name and calculation.inputs == CALCULATORS[name].example
    assert calculation.text and calculation.cited == []


def test_calculate_matches_the_answer_contract():
    c = calculate("response_rate", {"responders": 19, "evaluable": 19})
    assert c.inputs == {"responders": 19, "evaluable": 19}
    assert {k: c.result[k] for k in ("rate", "ci_high", "method", "confidence")} == {
        "rate": 1.0, "ci_high": 1.0, "method": "clopper-pearson", "confidence": 0.95}  # fmt: skip
    assert round(c.result["ci_low"], 3) == 0.824
    assert c.text == "19/19 = 100% (95% CI 82.4–100%)"


def test_calculate_errors():
    with pytest.raises(NotFoundError, match="unknown calculator 'nnt'"):
        calculate("nnt", {})
    for inputs, message in [
        ({"responders": 3}, "evaluable: Field required"),
        ({"responders": 3, "evaluable": 19, "extra": 1}, "extra: Extra inputs are not permitted"),
        ({"responders": "x", "evaluable": 19}, "responders: Input should be a valid integer"),
        ({"responders": True, "evaluable": 19}, "responders"),
        ({"responders": 30, "evaluable": 19}, "cannot exceed"),
    ]:
        with pytest.raises(CalculatorInputError, match=message):
            calculate("response_rate", inputs)


# --- properties -------------------------------------------------------------------------------

methods = st.sampled_from(["clopper-pearson", "wilson"])
confidences = st.floats(min_value=0.5, max_value=0.999)


@st.composite
def counts(draw, max_n=400):
    n = draw(st.integers(1, max_n))
    return draw(st.integers(0, n)), n


@settings(max_examples=150, deadline=None)
@given(counts(), methods, confidences)
def test_interval_brackets_the_rate(kn, method, confidence):
    r = response_rate(*kn, confidence=confidence, method=method)
    assert 0 <= r.ci_low <= r.rate <= r.ci_high <= 1


@settings(max_examples=100, deadline=None)
@given(counts(), methods, confidences, confidences)
def test_higher_confidence_is_wider(kn, method, c1, c2):
    lo, hi = sorted((c1, c2))
    narrow = response_rate(*kn, confidence=lo, method=method)
    wide = response_rate(*kn, confidence=hi, method=method)
    assert wide.ci_low <= narrow.ci_low + 1e-12 and wide.ci_high >= narrow.ci_high - 1e-12


@settings(max_examples=100, deadline=None)
@given(counts(), methods)
def test_more_responders_never_lower_the_bounds(kn, method):
    k, n = kn
    if k == n:
        k -= 1
    if k < 0:
        return
    fewer, more = response_rate(k, n, method=method), response_rate(k + 1, n, method=method)
    assert more.ci_low >= fewer.ci_low - 1e-12 and more.ci_high >= fewer.ci_high - 1e-12


@settings(max_examples=150, deadline=None)
@given(counts(200), counts(200), confidences)
def test_risk_difference_interval_contains_it(a, b, confidence):
    r = compare_arms(a[0], a[1], b[0], b[1], confidence=confidence)
    assert -1 <= r.rd_ci_low <= r.risk_difference <= r.rd_ci_high <= 1
    assert r.rr_ci_low <= r.relative_risk <= r.rr_ci_high
    assert r.or_ci_low <= r.odds_ratio <= r.or_ci_high
    assert 0 <= r.fisher_p <= 1


@settings(max_examples=150, deadline=None)
@given(counts(1000), st.integers(0, 2))
def test_a_count_is_found_from_its_own_rounded_percent(kn, decimals):
    from decimal import ROUND_HALF_UP, Decimal

    k, n = kn
    reported = (Decimal(100 * k) / Decimal(n)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    r = counts_from_percent(float(reported), n, decimals=decimals)
    assert k in r.counts and r.consistent


@pytest.mark.parametrize(
    ("name", "inputs"),
    [
        ("compare_arms", {"events_a": 1, "n_a": 10**11, "events_b": 5, "n_b": 10**11}),
        ("compare_arms", {"events_a": 1, "n_a": 10**30, "events_b": 5, "n_b": 10**30}),
        ("counts_from_percent", {"percent": 12, "denominator": 10**9}),
        ("response_rate", {"responders": 10**7, "evaluable": 10**7}),
        ("counts_from_percent", {"percent": 12, "denominator": 24, "decimals": False}),
        ("counts_from_percent", {"percent": True, "denominator": 24}),
    ],
)
def test_implausible_inputs_are_refused_at_once(name, inputs):
    started = time.perf_counter()
    with pytest.raises(CalculatorInputError):
        calculate(name, inputs)
    assert time.perf_counter() - started < 1


def test_the_largest_counts_still_compute_quickly():
    started = time.perf_counter()
    calculate("compare_arms", {"events_a": 1, "n_a": 10**6, "events_b": 5, "n_b": 10**6})
    with pytest.raises(CalculatorInputError, match="at most 1,000,000"):
        compare_arms(1, 10**6 + 1, 5, 10**6)
    assert time.perf_counter() - started < 10
