"""Gold cases: one JSON object per line of ``eval/gold/*.jsonl``, fields in the spirit of ragas.

```json
{"id": "linker-orr", "user_input": "What was the ORR in LINKER-SMM1?",
 "reference": "100% (19 of 19 response-evaluable patients).",
 "reference_context_ids": ["linker-smm1-interview"], "expected_facts": ["overall response rate"],
 "expected_numbers": ["100%"], "must_abstain": false, "turns": [], "tags": ["single-fact"]}
```

- ``reference``: a short reference answer for people; no metric reads it.
- ``reference_context_ids``: the documents that hold the answer (for a must-abstain near miss,
  the documents that come closest without holding it).
- ``expected_facts`` / ``expected_numbers``: what a right answer states, each written as the
  document writes it (a test checks that the referenced documents contain every one, except
  numbers of cases tagged ``calculator``, which come from a calculation).
- ``turns``: earlier questions of the same conversation, asked first and in order.
- ``standalone``: for a follow-up, the standalone question it must be rewritten into (what
  was asked, changed only where the follow-up changes it); a follow-up case that states one is
  right only when the answer's ``standalone_question`` is this question (case, spaces and the
  end mark ignored) as well as holding the expected figures.
- ``documents``: for real-document cases (``gold/real.jsonl``), the public documents the
  question is asked within, as a clinician asks within the paper they uploaded.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

GOLD = Path(__file__).resolve().parent / "gold" / "trialqa.jsonl"


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    user_input: str = Field(min_length=1)
    reference: str = ""
    reference_context_ids: list[str] = Field(default_factory=list)
    expected_facts: list[str] = Field(default_factory=list)
    expected_numbers: list[str] = Field(default_factory=list)
    must_abstain: bool = False
    turns: list[str] = Field(default_factory=list)
    standalone: str = ""
    tags: list[str] = Field(default_factory=list)
    # Real-document cases: the documents the question is asked within ("ei2/PMC1550405",
    # "ctgov/aact_api_v2/NCT00465816.json", "covidqa/1547"), read from ../shared/data by
    # eval/realdocs.py and ingested into the case's store; the question is filtered to them.
    documents: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if self.must_abstain and (self.expected_facts or self.expected_numbers):
            raise ValueError("a must_abstain case expects no facts or numbers")
        if not self.must_abstain and not (self.expected_facts or self.expected_numbers):
            raise ValueError("an answerable case expects at least one fact or number")
        if self.standalone and not self.turns:
            raise ValueError("a standalone question is expected only of a follow-up (turns)")
        return self


def load_cases(path: Path = GOLD) -> list[Case]:
    """The cases of a JSONL file; a bad line or a repeated id raises ``ValueError`` naming it."""
    path = Path(path)
    cases: list[Case] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = Case.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from None
        if case.id in seen:
            raise ValueError(f"{path}:{number}: id {case.id!r} repeats an earlier case")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise ValueError(f"{path}: no cases")
    return cases
