"""The calculators over HTTP: one ``POST /v1/calculate/{name}`` route per calculator, so OpenAPI
shows each one's input schema and example, and ``GET /v1/calculate`` to list them.

Every route returns the same ``Calculation`` object that answers carry. A name no calculator
has is a 404 ``not_found`` (a catch-all route outside the schema says which names exist).
"""

# No ``from __future__ import annotations``: each route's body annotation is a calculator's
# input model held in a local variable, which FastAPI must see as a class, not a string.

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from api.schemas import ErrorResponse, error_responses
from assistant.calculators import CALCULATORS, Calculator, calculate
from assistant.models import Calculation

router = APIRouter(prefix="/v1", tags=["calculators"])

_ERRORS = {
    **error_responses(413),
    422: {"model": ErrorResponse, "description": "Impossible or malformed inputs."},
}


class CalculatorInfo(BaseModel):
    name: str
    description: str
    path: str = Field(description="Where to POST the inputs.")
    example: dict[str, Any] = Field(description="Inputs that work, to start from.")
    input_schema: dict[str, Any] = Field(description="JSON schema of the inputs.")


class CalculatorList(BaseModel):
    calculators: list[CalculatorInfo]


@router.get(
    "/calculate",
    response_model=CalculatorList,
    summary="Every calculator, with its inputs' schema and an example",
)
def list_calculators() -> CalculatorList:
    return CalculatorList(
        calculators=[
            CalculatorInfo(
                name=c.name,
                description=c.description,
                path=f"/v1/calculate/{c.name}",
                example=c.example,
                input_schema=c.input_model.model_json_schema(),
            )
            for c in CALCULATORS.values()
        ]
    )


def _add_route(calculator: Calculator) -> None:
    model = calculator.input_model

    def run(body: model) -> Calculation:  # type: ignore[valid-type]
        return calculate(calculator.name, body.model_dump(exclude_unset=True))  # type: ignore[attr-defined]

    run.__name__ = f"calculate_{calculator.name}"
    router.add_api_route(
        f"/calculate/{calculator.name}",
        run,
        methods=["POST"],
        response_model=Calculation,
        responses=_ERRORS,
        summary=calculator.description,
        operation_id=f"calculate_{calculator.name}",
    )


for _calculator in CALCULATORS.values():
    _add_route(_calculator)


@router.post("/calculate/{name}", include_in_schema=False)
def unknown_calculator(
    name: str, body: Annotated[dict[str, Any] | None, Body()] = None
) -> Calculation:
    return calculate(name, body or {})  # an unknown name raises NotFoundError -> 404
