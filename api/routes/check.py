"""``POST /v1/check``: which claims of a pasted text the indexed sources support."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CheckerDep
from api.schemas import CheckRequest, CheckResponse, error_responses

router = APIRouter(prefix="/v1", tags=["check"])

_DOC = """The text (a slide, an abstract draft, another model's answer; at most 20,000
characters) is cut into sentences; each sentence that makes a checkable claim is looked up
like a question (under `filters`, as in `/v1/ask`) and cited with verbatim quotes.

- `verdict`: `supported` (a quote covers the claim and every figure matches or is derived),
  `contradicted` (a covering quote states another value for one of its figures, or the
  opposite significance), `not_found` otherwise (its citations are then the closest
  sentences, not support).
- `numbers[].status`: `matches`, `derived` (a calculator reproduces it from cited figures;
  `source_says` is the calculation), `differs` (`source_says` is the quote's clause, verbatim),
  `not_found`. `cited` holds citation numbers.
- `start`/`end` are offsets of the claim in the posted text.

An empty text, or one over the limit, is a 422. A text without a checkable claim ("Hello.")
is a 200 with no claims and a `message` saying so."""


@router.post(
    "/check",
    response_model=CheckResponse,
    responses=error_responses(413, 422, 503),
    summary="Check the claims and numbers of a text against the indexed sources",
    description=_DOC,
)
def check(body: CheckRequest, checker: CheckerDep) -> CheckResponse:
    result = checker.check(body.text, body.filters)
    return CheckResponse(**result.model_dump())
