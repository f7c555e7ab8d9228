"""The prepared training data of the answer scorer and the reranker: the public sets loaded,
split, pooled and embedded, and each question's feature rows (cached), with the command-line
arguments that choose the data."""

from __future__ import annotations

import argparse
import hashlib
import pickle
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval import splits
from eval.feature_rows import Scored, make_examples
from eval.question_kinds import kind_questions
from eval.sentence_pools import build_pools, embed_pools, idf_table
from eval.training_data import SEED, Doc, load_covidqa, load_ei2, load_nli4ct


def _features_key(args) -> str:
    """What the feature rows depend on: the code and word lists that make them (the product's
    modules, and the modules here that read the data and build the rows), and the arguments
    choosing the data."""
    root = Path(__file__).resolve().parents[1]
    parts = [
        (root / f).read_bytes()
        for f in (
            "assistant/scoring/scorer.py",
            "assistant/scoring/cues.py",
            "assistant/embedding/sentences.py",
            "assistant/language/query.py",
            "assistant/language/text.py",
            "assistant/data/synonyms.json",
            "assistant/data/abbreviations.json",
            "eval/training_data.py",
            "eval/question_kinds.py",
            "eval/sentence_pools.py",
            "eval/feature_rows.py",
            "eval/prepared.py",
        )
    ]
    parts.append(f"{args.ei2_articles}/{args.nli4ct_statements}/{args.read}".encode())
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments choosing the training data (of ``eval.train_scorer`` and
    ``eval.train_reranker``)."""
    parser.add_argument("--data", type=Path, default=splits.DATA, help="the shared data folder")
    parser.add_argument("--ei2-articles", type=int, default=0,
                        help="EI2 training articles to use (0: all 732)")  # fmt: skip
    parser.add_argument("--nli4ct-statements", type=int, default=600,
                        help="NLI4CT training statements to use (0: all)")  # fmt: skip
    parser.add_argument("--read", action="store_true",
                        help="add the question-sentence vector product to the features "
                        "(measured worse on the calibrate split; see the model card)")  # fmt: skip
    parser.add_argument("--cache", type=Path, default=Path(".trialqa-train"),
                        help="folder caching sentence vectors between runs")  # fmt: skip


def data_missing(args: argparse.Namespace, command: str) -> bool:
    """Whether ``args.data`` lacks the training data, said in one line (for
    ``eval.train_scorer`` and ``eval.train_reranker``)."""
    if (args.data / "evidence_inference").is_dir():
        return False
    print(f"{command}: no data at {args.data} (the shared data folder)", file=sys.stderr)
    return True


@dataclass
class Prepared:
    """The documents (with their statement pools) and each question's scored pools, by split."""

    docs: dict[str, Doc]
    by_split: dict[str, list[Scored]]
    terms: list[str]
    values: np.ndarray
    default: float


def prepare(args: argparse.Namespace) -> Prepared:
    """Load, split, embed and featurise the training data (feature rows cached by
    ``_features_key``)."""
    rng = random.Random(SEED)
    docs, questions = load_ei2(args.data, args.ei2_articles or None, rng)
    more_docs, more_q = load_covidqa(args.data)
    docs |= more_docs
    questions += more_q
    more_docs, more_q = load_nli4ct(args.data, args.nli4ct_statements or None, rng)
    docs |= more_docs
    questions += more_q
    from assistant.settings import Settings

    build_pools(docs, Settings().chunking.max_chars)
    questions += kind_questions(docs, rng)
    embed_pools(docs, args.cache)
    terms, values, default = idf_table([d for d in docs.values() if d.split != "validation"])
    table = dict(zip(terms, values.tolist(), strict=True))

    def idf(term: str) -> float:
        return table.get(term, default)

    from assistant.factory import make_embedder

    embedder = make_embedder(Settings())
    vectors: dict[str, np.ndarray] = {}

    def embed_query(query) -> np.ndarray:
        text = query.dense_text or query.text
        if text not in vectors:
            vectors[text] = np.asarray(embedder.embed_query(text), dtype=np.float32)
        return vectors[text]

    dense = args.read
    cached = args.cache / f"features-{_features_key(args)}.pkl"
    if cached.is_file():
        scored = pickle.loads(cached.read_bytes())
    else:
        scored = make_examples(questions, docs, idf, embed_query, rng, dense)
        cached.write_bytes(pickle.dumps(scored, protocol=pickle.HIGHEST_PROTOCOL))
    by_split: dict[str, list[Scored]] = {}
    for s in scored:
        by_split.setdefault(s.question.split, []).append(s)
    return Prepared(docs, by_split, terms, values, default)
