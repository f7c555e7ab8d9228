"""The ``answer`` group of the settings: what ranks the candidate sentences, which of them may
answer, how many are quoted, and the learned models' files and bars.

``assistant.settings.Settings`` holds it as ``answer``; each field is read from a
``TRIALQA_ANSWER__`` environment variable (e.g. ``TRIALQA_ANSWER__RANK_BY=scorer``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class AnswerSettings(BaseModel):
    max_sentences: int = Field(
        default=3, ge=1, le=10, description="Most sentences an extractive answer quotes."
    )
    split_questions: bool = Field(
        default=True,
        description=(
            'Answer a question that asks several things ("How many were randomised, and how '
            "many completed follow-up?\") part by part within the whole question's scope, and "
            "join the parts' answers; a part not answered is named in a warning. False: the "
            "question is answered as one."
        ),
    )
    scorer_path: Path | None = Field(
        default=None,
        description=(
            "The answer scorer's model file (.npz); empty for the one shipped in "
            "assistant/data (built by `make train`)."
        ),
    )
    reranker_path: Path | None = Field(
        default=None,
        description=(
            "The answer reranker's folder (model.onnx, tokenizer.json, reranker.json); empty "
            "for the one shipped in assistant/data/reranker (built by `make train-reranker`)."
        ),
    )
    verdict: bool = Field(
        default=True,
        description=(
            'Open the answer to an effect question ("Was X better than Y?", "What was the '
            'effect of X compared with Y on Z?") with a bottom line derived from the cited '
            "quotes (assistant/data/VERDICT_CARD.md); false: quotes only."
        ),
    )
    effect_answers_at: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description=(
            "verdict on: an effect question none of whose sentences covers enough of its "
            "terms is answered by one of its effect_reads best sentences that the verdict "
            "classifier reads as stating the comparison's result with this probability (a "
            "question worded unlike its paper); 1 never."
        ),
    )
    effect_reads: int = Field(
        default=5,
        ge=1,
        le=12,
        description=(
            "Effect questions: how many of the best sentences that may answer are read for one "
            "stating the comparison's result, to lead the answer when none chosen does (and, "
            "when none may answer, for effect_answers_at)."
        ),
    )
    verdict_path: Path | None = Field(
        default=None,
        description=(
            "The verdict classifier's folder (model.onnx, tokenizer.json, verdict.json); empty "
            "for the one shipped in assistant/data/verdict (built by `make train-verdict`)."
        ),
    )
    decision: bool = Field(
        default=True,
        description=(
            'Open the answer to a yes/no question ("Does X predict Y?") with yes, no or maybe '
            "as the cited quotes answer it (assistant/data/DECISION_CARD.md); false: quotes "
            "only."
        ),
    )
    decision_path: Path | None = Field(
        default=None,
        description=(
            "The yes/no decision layer (a JSON); empty for the one shipped in "
            "assistant/data/decision.json (built by `make train-decision`)."
        ),
    )
    rank_by: Literal["coverage", "scorer", "cascade"] = Field(
        default="cascade",
        description=(
            "What orders the candidate sentences. 'cascade': the learned answer scorer ranks "
            "every sentence of the question's scope and the cross-encoder reranker rereads its "
            "best rerank_top (assistant/data/RERANKER_CARD.md). 'scorer': the scorer alone "
            "(assistant/data/MODEL_CARD.md). 'coverage': the hand-weighted rank of the first "
            "round, 0.5 cosine + 0.3 coverage + 0.2 coverage with context over the retrieved "
            "passages."
        ),
    )
    rerank_top: int | None = Field(
        default=None,
        ge=1,
        le=50,
        description=(
            "rank_by 'cascade': how many of the scorer's best sentences the reranker reads; "
            "empty for the number it was trained on."
        ),
    )
    decline_by: Literal["gate", "coverage", "probability"] = Field(
        default="coverage",
        description=(
            "What decides whether a sentence may answer. 'gate': the answer gate "
            "(assistant/scoring/answerable.py, GATE_CARD.md) reads the ranking for the probability "
            "that "
            "the documents answer the question at all: below its bar the engine declines, from "
            "its answers_at the best sentence answers when the word checks let none, otherwise as "
            "with 'coverage'. "
            "'coverage': it (with its section, "
            "title and trial) holds min_coverage of the question's idf-weighted terms, or half "
            "as much at min_similarity. 'probability': its learned probability (the cascade's, "
            "or the scorer's) reaches min_probability (declines more near misses, and more "
            "answerable questions too; see assistant/data/RERANKER_CARD.md)."
        ),
    )
    gate_path: Path | None = Field(
        default=None,
        description=(
            "decline_by 'gate': the answer gate's JSON; empty for the one shipped in "
            "assistant/data/answer_gate.json (built by `make train-gate`)."
        ),
    )
    gate_bar: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description=(
            "decline_by 'gate': the probability that the documents answer below which the "
            "engine declines; empty for the bar chosen on held-apart data and stored with it."
        ),
    )
    min_coverage: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description=(
            "decline_by 'coverage': share of the question's idf-weighted terms the best "
            "sentence and its context (section, title, trial) must contain."
        ),
    )
    min_similarity: float = Field(
        default=0.65,
        ge=0.0,
        le=1.0,
        description=(
            "decline_by 'coverage': question-sentence cosine similarity at which half of "
            "min_coverage is enough (for questions worded differently from the document)."
        ),
    )
    min_probability: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description=(
            "Probability a sentence must reach to be quoted (with decline_by 'probability', "
            "the best one, for the engine to answer at all); empty for the bar chosen on "
            "calibration data and stored with the model (the reranker's for 'cascade', else "
            "the scorer's)."
        ),
    )
    waive_coverage_at: float = Field(
        default=2.0,
        ge=1.0,
        le=100.0,
        description=(
            "decline_by 'coverage' with learned ranking: the best sentence may answer without "
            "min_coverage when its probability reaches this many times the model's bar (a "
            "question worded unlike the paper; 100 never waives it)."
        ),
    )
    kind_lift: float = Field(
        default=1.0,
        ge=0.0,
        le=10.0,
        description=(
            "Learned ranking: added to the logit of a sentence shaped as the question's kind is "
            "answered (a count of those randomised for 'how many were randomised', a dose, an "
            "eligibility criterion, a schedule; assistant/answering/kinds.py), and such a "
            "sentence need not repeat the words asking for the kind; 0 turns both off."
        ),
    )
    kind_reads: int = Field(
        default=4,
        ge=0,
        le=20,
        description=(
            "rank_by 'cascade' with a question of a kind (kind_lift above 0): how many of the "
            "best sentences shaped as the kind is answered the reranker reads beside its "
            "shortlist, however low the scorer ranks them (a funding line, an inclusion "
            "criterion); 0 reads the shortlist alone."
        ),
    )
    companion_share: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description=(
            "Learned ranking: a sentence that may answer is quoted beside the best when its "
            "probability reaches min_probability or this share of the best's (when the model "
            "is torn between close sentences, the reader sees both; 1 quotes only those "
            "reaching the bar)."
        ),
    )
    pool_passages: int = Field(
        default=12,
        ge=1,
        le=100,
        description=(
            "Passages whose sentences are scored when the question's scope (filters, or the "
            "trials it names) is too large to read whole."
        ),
    )
    max_pool_chunks: int = Field(
        default=120,
        ge=1,
        le=2000,
        description=(
            "A scope of at most this many chunks (a paper of about 100,000 characters) is read "
            "whole: every sentence in it is scored, not only the retrieved passages'."
        ),
    )
    max_question_chars: int = Field(
        default=2000, ge=10, le=100_000, description="Longest question accepted, in characters."
    )
    max_turns: int = Field(
        default=200,
        ge=1,
        le=100_000,
        description="Most turns a conversation keeps; past it, asking in it is refused (422).",
    )
