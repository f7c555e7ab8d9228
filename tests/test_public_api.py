"""Each package and each of assistant's families exports a short, sorted, pinned ``__all__``;
the README documents every setting."""

import ast
import importlib
from pathlib import Path

import pytest

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

PINNED = {
    "assistant": ["Answer", "Chunk", "Citation", "Document", "Filters", "Passage", "Services",
                  "Settings", "TrialQAError", "build"],
    "ingest": ["IngestReport", "Ingestor", "chunk_document", "load_file"],
    "api": ["create_app"],
    "eval": [],
    # assistant's families: what api/, ingest/ and eval/ import from them (and calculators' own
    # public surface), checked against the imports themselves below
    "assistant.answering": ["NumberMention", "Quantity", "load_trained", "numbers_in", "table_markdown",
                            "verify"],
    "assistant.calculators": ["AEIncidence", "ArmComparison", "CALCULATORS", "Calculator",
                              "CountCandidate", "CountsFromPercent", "IMWG_CATEGORIES",
                              "ImwgCumulative", "MAX_PATIENTS", "Proportion", "ae_incidence",
                              "calculate", "compare_arms", "counts_from_percent",
                              "imwg_cumulative", "render", "response_rate"],
    "assistant.checking": ["CheckResult", "ClaimChecker", "MAX_TEXT_CHARS", "check_text",
                           "checker_for"],
    "assistant.composer": ["Piece", "pieces"],
    "assistant.conversation": ["Conversation", "ConversationSummary", "KIND_NAMES", "LIMIT_MAX",
                               "LIST_MAX", "Suggestions", "TITLE_MAX_CHARS",
                               "conversation_markdown"],
    "assistant.embedding": ["Embedder", "SentenceVectors", "embed_chunks", "embed_statements",
                            "embedding_header", "embedding_text", "feed_forward_outputs",
                            "hardware_bfloat16", "packaged_model_path", "statements"],
    "assistant.language": ["Span", "analyse", "is_content", "sentence_spans", "tokenize"],
    "assistant.retrieval": [],
    "assistant.scoring": ["INPUTS", "NAMES", "PoolChunk", "Reranker", "SCALAR_FEATURES",
                          "build_pool", "gate_features", "load_scorer", "pair_text",
                          "sentence_features"],
    "assistant.store": ["FORMAT", "VectorStore", "Vectors", "chunk_metadata", "holding"],
    "assistant.verdicts": ["DECISIONS", "DecisionLayer", "EFFECTS", "FEATURES", "LABELS",
                           "VerdictModel", "combine", "comparison", "cue_features",
                           "decision_features", "document_alpha", "layer", "load_decision_layer",
                           "load_verdict_model", "read"],
}  # fmt: skip


@pytest.mark.parametrize("package", sorted(PINNED))
def test_all_is_pinned_sorted_and_importable(package):
    module = importlib.import_module(package)
    assert module.__all__ == PINNED[package] == sorted(PINNED[package])
    for name in module.__all__:
        assert hasattr(module, name)


FAMILIES = sorted(name for name in PINNED if name.startswith("assistant."))


def outer_imports() -> dict[str, set[str]]:
    """The names api/, ingest/ and eval/ import from each of assistant's families."""
    found: dict[str, set[str]] = {name: set() for name in FAMILIES}
    for room in ("api", "ingest", "eval"):
        for path in (ROOT / room).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module in found:
                    found[node.module] |= {a.name for a in node.names}
    return found


@pytest.mark.parametrize("family", FAMILIES)
def test_a_family_exports_what_the_outer_rooms_import(family):
    exported, used = set(PINNED[family]), outer_imports()[family]
    assert used <= exported, f"imported but not exported: {sorted(used - exported)}"
    if family != "assistant.calculators":  # its results and functions are public on their own
        assert exported <= used, (
            f"exported but imported by no outer room: {sorted(exported - used)}"
        )


def setting_env_names():
    for group, field in Settings.model_fields.items():
        for name in field.annotation.model_fields:
            yield f"TRIALQA_{group.upper()}__{name.upper()}"


def test_every_setting_is_described_and_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for group, field in Settings.model_fields.items():
        for name, sub in field.annotation.model_fields.items():
            assert sub.description, f"{group}.{name} has no description"
    missing = [env for env in setting_env_names() if f"`{env}`" not in readme]
    assert missing == []


def test_environment_overrides_nested_settings(monkeypatch):
    monkeypatch.setenv("TRIALQA_RETRIEVAL__K", "9")
    monkeypatch.setenv("TRIALQA_STORE__PATH", "/tmp/elsewhere")
    s = Settings()
    assert s.retrieval.k == 9 and str(s.store.path) == "/tmp/elsewhere"
