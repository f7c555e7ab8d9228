"""The learned answer scorer: how likely a sentence is to answer a question.

For a question and a pool of candidate sentences (each with its stored vector, the heading it
is read under, its document's title and its neighbours), ``AnswerScorer.probabilities`` gives
each sentence a calibrated probability that it answers the question. The engine ranks by it
and answers only when the best clears ``threshold``, both chosen on data the model was not
fitted on (``assistant/data/MODEL_CARD.md``).

The model is a small multilayer perceptron over two kinds of features (``sentence_features``;
what the counted ones look for in the text is in ``assistant/scoring/cues.py``):
- *read*: the question's and the sentence's vectors multiplied component by component, which
  lets the model learn which directions of meaning make an answer, beyond their cosine;
- *counted*: cosine to the question and to the neighbours, idf-weighted coverage of the
  question's terms (abbreviations expanded, British spelling folded) in the sentence, its
  neighbours and its heading, figures, p-values and intervals, the kind of section, length
  and place in the document, and what the question asks for (a number, an effect, yes/no).

It was trained by ``make train`` (``eval/train_scorer.py``) on public data only. The weights,
the idf table and the calibration live in one ``.npz`` file; nothing here trains or downloads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.errors import ConfigError
from assistant.language.query import Query
from assistant.language.text import tokenize
from assistant.scoring.cues import (
    SECTION_KINDS,
    headings_in,
    question_cues,
    section_flags,
    sentence_cues,
)
from assistant.scoring.model_files import load_once

ARTIFACT = "data/answer_scorer.npz"

SCALAR_FEATURES = (
    "cosine",
    "cosine_gap",
    "cosine_neighbour",
    "coverage",
    "coverage_gap",
    "coverage_neighbours",
    "coverage_heading",
    "rarest_term",
    "bigrams",
    "has_digit",
    "has_percent",
    "has_p_value",
    "has_interval",
    "has_significance",
    "has_count",
    "has_identifier",
    "has_dose",
    "log_length",
    "position",
    *(f"section_{k}" for k in SECTION_KINDS),
    "in_abstract",
    "q_number",
    "q_effect",
    "q_yesno",
    "q_who",
    "q_safety",
    "q_identifier",
    "q_dose",
    "q_number_x_digit",
    "q_effect_x_p_value",
    "q_effect_x_significance",
    "q_identifier_x_identifier",
    "q_dose_x_dose",
    "q_safety_x_results",
    "q_terms",
)


@dataclass(frozen=True)
class Candidate:
    """What the scorer reads of one candidate sentence."""

    text: str
    heading: str = ""  # the section heading it is read under ("" when unknown)
    title: str = ""
    position: float = 0.5  # where it lies in its document, 0 (start) to 1 (end)
    previous: int | None = None  # the pool index of the sentence before it, if in the pool
    following: int | None = None


@lru_cache(maxsize=50_000)
def _token_list(text: str) -> tuple[str, ...]:
    return tuple(tokenize(text))


@lru_cache(maxsize=50_000)
def _tokens(text: str) -> frozenset[str]:
    return frozenset(_token_list(text))


def _bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:], strict=False))


class AnswerScorer:
    """The trained model, loaded from its ``.npz`` file; see the module docstring."""

    def __init__(self, path: Path | None = None) -> None:
        where = path or Path(str(resources.files("assistant").joinpath(ARTIFACT)))
        self.path = Path(where)
        hint = "run `make train` to build it, or restore it with `git checkout`"
        if not self.path.is_file():
            raise ConfigError(f"the answer scorer's model file {self.path} is missing; {hint}")
        try:
            with np.load(self.path, allow_pickle=False) as z:
                self.mean = z["mean"].astype(np.float32)
                self.scale = z["scale"].astype(np.float32)
                self.layers = [
                    (z[f"w{i}"].astype(np.float32), z[f"b{i}"].astype(np.float32))
                    for i in range(int(z["depth"]))
                ]
                self.platt = (float(z["platt_a"]), float(z["platt_b"]))
                self.threshold = float(z["threshold"])
                self.dense = bool(z["dense"])
                names = [str(n) for n in z["feature_names"]]
                terms = [str(t) for t in z["idf_terms"]]
                self.idf_table = dict(zip(terms, z["idf_values"].astype(float), strict=True))
                self.idf_default = float(z["idf_default"])
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(
                f"the answer scorer's model file {self.path} cannot be read ({exc}); {hint}"
            ) from None
        if names != list(SCALAR_FEATURES):
            raise ConfigError(
                f"the answer scorer's model file {self.path} was trained on other features "
                f"than this code computes; {hint}"
            )

    def idf(self, term: str) -> float:
        return self.idf_table.get(term, self.idf_default)

    def probabilities(
        self, query: Query, question_vector: np.ndarray, pool: list[Candidate], vectors: np.ndarray
    ) -> np.ndarray:
        """Each pool sentence's probability of answering ``query`` (``vectors``: its rows)."""
        if not pool:
            return np.zeros(0, dtype=np.float32)
        x = sentence_features(query, np.asarray(question_vector, np.float32), pool, vectors,
                              self.idf, dense=self.dense)  # fmt: skip
        return self.calibrated(self.logits(x))

    def logits(self, x: np.ndarray) -> np.ndarray:
        h = (x - self.mean) / self.scale
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        return h[:, 0]

    def calibrated(self, logits: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * logits + b)))


def load_scorer(path: Path | None = None) -> AnswerScorer:
    """The scorer in ``path`` (default: the shipped one), loaded once per process and file."""
    where = Path(path) if path else Path(str(resources.files("assistant").joinpath(ARTIFACT)))
    return load_once(AnswerScorer, where)


def sentence_features(
    query: Query,
    q_vec: np.ndarray,
    pool: list[Candidate],
    vectors: np.ndarray,
    idf,
    dense: bool = True,
) -> np.ndarray:
    """The feature rows of a pool of candidates: the scalar features (``SCALAR_FEATURES``),
    then, when ``dense``, the question and sentence vectors' component-wise product."""
    n = len(pool)
    vectors = np.asarray(vectors, dtype=np.float32)
    cos = vectors @ q_vec
    groups = query.groups
    weights = []
    for g in groups:
        forms = [idf(g.term)] + [
            float(np.mean([idf(t) for t in alt])) for alt in g.alternatives if alt
        ]
        weights.append(min(forms))
    total = sum(weights) or 1.0
    rarest = max(weights, default=0.0) or 1.0
    q_tokens = [t for t in tokenize(query.text) if any(t == g.term for g in groups)]
    q_bigrams = _bigrams(q_tokens)

    def share(tokens: frozenset[str] | set[str]) -> tuple[float, float]:
        found = [w for g, w in zip(groups, weights, strict=True) if g.satisfied_by(tokens)]
        return sum(found) / total, max(found, default=0.0) / rarest

    text_tokens = [_tokens(c.text) for c in pool]
    coverage = np.zeros(n, np.float32)
    rarest_hit = np.zeros(n, np.float32)
    cover_neighbours = np.zeros(n, np.float32)
    cover_heading = np.zeros(n, np.float32)
    neighbour_cos = np.zeros(n, np.float32)
    bigram_share = np.zeros(n, np.float32)
    for i, c in enumerate(pool):
        coverage[i], rarest_hit[i] = share(text_tokens[i])
        around = set(text_tokens[i])
        near = []
        for j in (c.previous, c.following):
            if j is not None:
                around |= text_tokens[j]
                near.append(cos[j])
        neighbour_cos[i] = max(near, default=0.0)
        cover_neighbours[i] = share(around)[0]
        cover_heading[i] = share(text_tokens[i] | _tokens(f"{c.heading} {c.title}"))[0]
        if q_bigrams:
            bigram_share[i] = len(q_bigrams & _bigrams(_token_list(c.text))) / len(q_bigrams)
    q = query.text
    q_flags = question_cues(q)
    q_number, q_effect, _, _, q_safety, q_identifier, q_dose = q_flags
    rows = np.zeros((n, len(SCALAR_FEATURES)), np.float32)
    for i, c in enumerate(pool):
        t = c.text
        has = sentence_cues(t)
        sections = section_flags(c.heading)
        results = sections[SECTION_KINDS.index("results")]
        rows[i] = [
            cos[i],
            cos[i] - cos.max(),
            neighbour_cos[i],
            coverage[i],
            coverage[i] - coverage.max(),
            cover_neighbours[i],
            cover_heading[i],
            rarest_hit[i],
            bigram_share[i],
            *has,
            math.log1p(len(t)) / 6.0,
            c.position,
            *sections,
            *q_flags,
            q_number and has[0],
            q_effect and has[2],
            q_effect and has[4],
            q_identifier and has[6],
            q_dose and has[7],
            q_safety and results,
            min(len(groups), 20) / 10.0,
        ]
    if not dense:
        return rows
    return np.concatenate([rows, vectors * q_vec[None, :]], axis=1)


@dataclass(frozen=True)
class PoolChunk:
    """One chunk's part of a pool: its place in its document and its statements' spans."""

    doc_id: str
    start: int  # offset of the chunk in its document
    text: str
    section: str
    title: str
    spans: tuple[tuple[int, int], ...]  # statements, as spans of ``text``
    doc_length: int = 0


def build_pool(chunks: list[PoolChunk]) -> tuple[list[Candidate], list[tuple[int, int]]]:
    """The candidates of a pool of chunks (each statement once, in document order) and each
    candidate's (chunk index, statement index). A candidate is read under the last heading
    before it: a heading-like line of its chunk, else the chunk's section, else the heading
    the previous chunk of the same document in the pool ended under."""
    order = sorted(range(len(chunks)), key=lambda i: (chunks[i].doc_id, chunks[i].start))
    ends: dict[str, int] = {}  # a document's length, where the chunks do not say it
    for ch in chunks:
        ends[ch.doc_id] = max(ends.get(ch.doc_id, 0), ch.doc_length, ch.start + len(ch.text))
    pool: list[Candidate] = []
    where: list[tuple[int, int]] = []
    seen: set[tuple[str, int]] = set()
    last_index: int | None = None  # the pool index of the sentence before, in reading order
    last_doc, last_heading, last_end = None, "", 0
    for ci in order:
        ch = chunks[ci]
        if ch.doc_id != last_doc:
            last_doc, last_heading, last_index, last_end = ch.doc_id, "", None, 0
        elif ch.start > last_end + 2:  # a gap: the chunk before it is not in the pool
            last_heading, last_index = "", None
        last_end = max(last_end, ch.start + len(ch.text))
        heading = ch.section or last_heading
        lines = headings_in(ch.text)
        at = 0
        length = ends[ch.doc_id]
        for si, (a, b) in enumerate(ch.spans):
            if (ch.doc_id, ch.start + a) in seen:
                continue  # the same sentence in an overlapping chunk
            seen.add((ch.doc_id, ch.start + a))
            while at < len(lines) and lines[at][0] <= a:
                heading = lines[at][1]
                at += 1
            index = len(pool)
            previous: int | None = last_index
            pool.append(
                Candidate(
                    text=ch.text[a:b],
                    heading=heading,
                    title=ch.title,
                    position=(ch.start + a) / max(length, 1),
                    previous=previous,
                )
            )
            if previous is not None:
                pool[previous] = _with_following(pool[previous], index)
            where.append((ci, si))
            last_index = index
        while at < len(lines):
            heading = lines[at][1]
            at += 1
        last_heading = heading
    return pool, where


def _with_following(c: Candidate, following: int) -> Candidate:
    return Candidate(c.text, c.heading, c.title, c.position, c.previous, following)
