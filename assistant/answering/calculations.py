"""Calculations attached to an extractive answer: computed from the figures it cites.

A question that gives its own figures ("if 10 of 24 patients ...") is computed and not looked
up (``from_stated_inputs``). Otherwise the chosen sentences' figures feed the calculators
(``assistant.calculators``): a reported percent its own counts do not round to is flagged, and
a question asking for a rate, a comparison, a count or an interval gets it computed from the
cited counts. Each calculation is a sentence of the answer citing the sentences its inputs come
from (``with_calculations``), which may add a sentence naming the group size a percent is of.
"""

from __future__ import annotations

from typing import Any

from assistant.answering.candidates import Candidate
from assistant.answering.numeric import HARM, Figures, NumericAsk, Pair, Percent, figures_in
from assistant.calculators import calculate
from assistant.errors import CalculatorInputError
from assistant.language.text import sentence_spans
from assistant.models import Answer, Calculation

# How each calculation is introduced in an answer.
_CALC_LEAD = {
    "response_rate": "Calculated from the cited counts",
    "counts_from_percent": "Checked against the cited figures",
    "compare_arms": "Comparing the two cited arms",
    "imwg_cumulative": "Calculated from the cited response categories",
    "ae_incidence": "Calculated from the cited counts",
}


def with_calculations(
    ask: NumericAsk, chosen: list[Candidate]
) -> tuple[list[str], list[Candidate], list[Calculation]]:
    """The answer's sentences (the chosen ones, each with its marker, then one per calculation),
    the candidates they cite in marker order, and the calculations."""
    cited = list(chosen)
    sentences = [f"{c.text} [{n}]" for n, c in enumerate(chosen, start=1)]
    calculations: list[Calculation] = []
    try:
        computed = calculations_of(ask, chosen)
    except CalculatorInputError:  # figures no calculator takes (e.g. millions of patients)
        computed = []
    for calc, sources in computed:
        for source in sources:
            if source not in cited:
                cited.append(source)
        calc.cited = sorted({cited.index(source) + 1 for source in sources})
        markers = "".join(f"[{n}]" for n in calc.cited)
        sentences.append(f"{_CALC_LEAD[calc.name]}: {calc.text} {markers}")
        calculations.append(calc)
    return sentences, cited, calculations


def from_stated_inputs(question: str, ask: NumericAsk, conversation_id: str) -> Answer:
    """A question that gives its own figures ("if 10 of 24 patients ...") is computed."""
    confidence = {"confidence": ask.confidence}
    if ask.stated_percent and not ask.stated:
        percent, decimals, total = ask.stated_percent
        inputs: dict[str, Any] = {"percent": percent, "denominator": total, "decimals": decimals}
        calcs = [calculate("counts_from_percent", inputs)]
    elif ask.compare and len(ask.stated) >= 2:
        a, b = ask.stated[:2]
        inputs = {"events_a": a.count, "n_a": a.total, "events_b": b.count, "n_b": b.total}
        inputs["event_is"] = "harm" if ask.harm else "benefit"
        calcs = [calculate("compare_arms", inputs | confidence)]
    else:
        calcs = [
            calculate("response_rate", {"responders": p.count, "evaluable": p.total} | confidence)
            for p in ask.stated[:2]
        ]
    text = " ".join(f"{c.text}." for c in calcs)
    return Answer(
        question=question,
        answer=f"Computed from the figures in the question: {text}",
        abstained=False,
        calculations=calcs,
        conversation_id=conversation_id,
    )


def calculations_of(
    ask: NumericAsk, chosen: list[Candidate]
) -> list[tuple[Calculation, list[Candidate]]]:
    """Calculations over the figures the chosen sentences report, each with its sources."""
    out: list[tuple[Calculation, list[Candidate]]] = []
    confidence = {"confidence": ask.confidence}
    for c in chosen:  # a reported percent that its own counts do not round to is flagged
        figures = figures_in(c.text)
        for pair in figures.pairs:
            percent = _percent_beside(figures, pair, c.text)
            if percent is None:
                continue
            check = calculate(
                "counts_from_percent",
                {
                    "percent": percent.value,
                    "denominator": pair.total,
                    "decimals": percent.decimals,
                },
            )
            if ask.consistency or pair.count not in check.result["counts"]:
                out.append((check, [c]))
    if not (ask.wants_calculation or ask.rate):
        return out
    for c in chosen:
        figures = figures_in(c.text)
        pairs = figures.pairs
        if ask.compare and len(pairs) >= 2:
            a, b = pairs[:2]
            inputs: dict[str, Any] = {"events_a": a.count, "n_a": a.total, "events_b": b.count}
            inputs["n_b"] = b.total
            inputs["event_is"] = "harm" if ask.harm or HARM.search(c.text) else "benefit"
            return out + [(calculate("compare_arms", inputs | confidence), [c])]
        if pairs:
            return out + [
                (
                    calculate(
                        "response_rate",
                        {"responders": p.count, "evaluable": p.total} | confidence,
                    ),
                    [c],
                )
                for p in pairs[:2]
            ]
        if figures.percents and (ask.count or ask.interval or ask.consistency):
            found = _denominator(c, figures)
            if found is None:
                continue
            total, source = found
            percent = figures.percents[0]
            inputs = {"percent": percent.value, "denominator": total}
            check = calculate("counts_from_percent", inputs | {"decimals": percent.decimals})
            sources = [c] if source is c else [c, source]
            if len(check.result["counts"]) != 1:
                continue  # no count, or several, fits: nothing safe to compute from
            out.append((check, sources))
            if ask.interval:
                count = check.result["counts"][0]
                inputs = {"responders": count, "evaluable": total} | confidence
                out.append((calculate("response_rate", inputs), sources))
            return out
    return out


def _denominator(c: Candidate, figures: Figures) -> tuple[int, Candidate] | None:
    """What a percent is a percent of: a group size the sentence names, else the nearest
    sentence of the same passage that names one (which is then cited too)."""
    if len(figures.denominators) == 1:
        return figures.denominators[0], c
    if figures.denominators:
        return None  # several group sizes in one sentence: ambiguous
    chunk = c.passage.chunk
    best: tuple[int, int, Candidate] | None = None
    for span in sentence_spans(chunk.text):
        start = chunk.start + span.start
        if start == c.start:
            continue
        text = chunk.text[span.start : span.end]
        sizes = figures_in(text).denominators
        if len(sizes) != 1:
            continue
        distance = abs(start - c.start) + (0 if start < c.start else 10_000)
        if best is None or distance < best[0]:
            source = Candidate(c.passage, start, start + len(text), text)
            best = (distance, sizes[0], source)
    return (best[1], best[2]) if best else None


def _percent_beside(figures: Figures, pair: Pair, text: str) -> Percent | None:
    """The percent written right next to a count: "74% (14/19)" or "14/19 (74%)"."""
    for p in figures.percents:
        between = text[pair.end : p.start] if p.start >= pair.end else text[p.end : pair.start]
        if len(between) <= 3 and set(between) <= set(" ()[],;="):
            return p
    return None
