"""The answer reranker: a cross-encoder that reads the question and a sentence together.

The learned scorer (``assistant/scoring/scorer.py``) counts: cosine, covered terms, figures,
the kind of section. It cannot read "were randomly assigned to two groups of 35" as the answer
to "How many patients were randomised to each arm?" unless the counts happen to line up. The
reranker reads both texts at once through a small transformer (all-MiniLM-L6-v2, fine-tuned
by ``make train-reranker`` on the same public training data as the scorer) and gives each of
the scorer's best few candidates a logit. ``combined`` mixes the scorer's logit and the
reranker's with weights fitted on the calibrate split, so the result is again a probability.

The model ships as an int8 ONNX file with its tokenizer and a small JSON of settings in
``assistant/data/reranker/``; ONNX Runtime runs it on the CPU. Nothing here trains or
downloads; a missing or unreadable file stops the engine with one line naming it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.errors import ConfigError
from assistant.scoring.model_files import load_once

FOLDER = "data/reranker"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def pair_text(text: str, heading: str = "") -> str:
    """What the reranker reads of a candidate: its section heading, then the sentence."""
    head = heading.strip().rstrip(":").strip()
    return f"{head}: {text}" if head else text


def pair_inputs(tokenizer, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """The model inputs of (first, second) text pairs, padded to the longest."""
    encoded = tokenizer.encode_batch(list(pairs))
    width = max(len(e.ids) for e in encoded)
    ids = np.zeros((len(encoded), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, e in enumerate(encoded):
        n = len(e.ids)
        ids[row, :n], mask[row, :n], types[row, :n] = e.ids, e.attention_mask, e.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def default_folder() -> Path:
    return Path(str(resources.files("assistant").joinpath(FOLDER)))


class PairModel:
    """A cross-encoder shipped as int8 ONNX beside its tokenizer and a JSON of settings
    (``SETTINGS``, with at least ``max_length``); ``configure`` reads the rest. A missing or
    unreadable file is one line naming it and the make target that builds it."""

    WHAT = "the model"
    MAKE = "train"
    SETTINGS = "settings.json"

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        self.folder = folder
        self.hint = f"run `make {self.MAKE}` to build it, or restore it with `git checkout`"
        for name in ("model.onnx", "tokenizer.json", self.SETTINGS):
            if not (folder / name).is_file():
                raise ConfigError(f"{self.WHAT}'s file {folder / name} is missing; {self.hint}")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            config = json.loads((folder / self.SETTINGS).read_text())
            self.max_length = int(config["max_length"])
            self.configure(config)
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self.tokenizer.no_padding()
            self.tokenizer.enable_truncation(self.max_length, strategy="longest_first")
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads or 0
            options.inter_op_num_threads = 1
            self.session = ort.InferenceSession(
                str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # any unreadable part: one line, never a fallback
            raise ConfigError(
                f"{self.WHAT} in {folder} cannot be read ({exc}); {self.hint}"
            ) from None
        self._inputs = {i.name for i in self.session.get_inputs()}

    def configure(self, config: dict) -> None:
        """Read the model's own settings from its JSON."""

    def outputs(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """The model's output rows for ``question`` paired with each text."""
        return self.read([(question, t) for t in texts])

    def read(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The model's output rows for (first, second) text pairs."""
        feed = pair_inputs(self.tokenizer, pairs)
        (out,) = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
        return np.asarray(out, dtype=np.float32)


class Reranker(PairModel):
    """The shipped cross-encoder, loaded from its folder."""

    WHAT = "the answer reranker"
    MAKE = "train-reranker"
    SETTINGS = "reranker.json"

    def __init__(self, folder: Path | None = None, threads: int | None = None) -> None:
        super().__init__(Path(folder) if folder else default_folder(), threads)

    def configure(self, config: dict) -> None:
        self.weights = tuple(float(w) for w in config["combine"])  # scorer, reranker, bias
        self.threshold = float(config["threshold"])
        self.top = int(config["top"])

    def logits(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """The reranker's logit for each text as an answer to ``question``."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        return self.outputs(question, texts).reshape(-1)

    def combined(
        self, scorer_logits: np.ndarray, reranker_logits: np.ndarray, lift: float | np.ndarray = 0.0
    ) -> np.ndarray:
        """The probability from both logits (weights fitted on the calibrate split), its logit
        raised by ``lift``."""
        a, b, c = self.weights
        return 1.0 / (1.0 + np.exp(-(a * scorer_logits + b * reranker_logits + c + lift)))


def load_reranker(folder: Path | None = None) -> Reranker:
    """The reranker in ``folder`` (default: the shipped one), loaded once per process."""
    where = Path(folder) if folder else default_folder()
    return load_once(Reranker, where, stamp=where / "model.onnx")
