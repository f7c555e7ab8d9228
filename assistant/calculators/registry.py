"""The calculators by name: each with an input model (described, with an example, for OpenAPI
and the CLI), and ``calculate(name, inputs)``, which validates, runs and renders one into the
``Calculation`` that answers carry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from assistant.calculators.render import render
from assistant.calculators.results import EventKind, Method, _Result
from assistant.calculators.stats import (
    MAX_PATIENTS,
    ae_incidence,
    compare_arms,
    counts_from_percent,
    imwg_cumulative,
    response_rate,
)
from assistant.errors import CalculatorInputError, NotFoundError
from assistant.models import Calculation


def _reject_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    return value


# The bounds come before the validator so OpenAPI shows them as minimum/maximum.
Count = Annotated[int, Field(ge=0, le=MAX_PATIENTS), BeforeValidator(_reject_bool)]
Denominator = Annotated[int, Field(ge=1, le=MAX_PATIENTS), BeforeValidator(_reject_bool)]
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

    percent: Annotated[float, BeforeValidator(_reject_bool)] = Field(
        ge=0, le=100, description="The reported percent (74 for 74%)."
    )
    denominator: Denominator = Field(description="The patients the percent is of.")
    decimals: Annotated[int, BeforeValidator(_reject_bool)] = Field(
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
        extra = cast(dict[str, Any], self.input_model.model_config["json_schema_extra"])  # _inputs
        return extra["examples"][0]


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
