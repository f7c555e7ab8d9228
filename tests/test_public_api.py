"""Each package exports a short, sorted, pinned ``__all__``; the README documents every setting."""

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
}  # fmt: skip


@pytest.mark.parametrize("package", sorted(PINNED))
def test_all_is_pinned_sorted_and_importable(package):
    module = importlib.import_module(package)
    assert module.__all__ == PINNED[package] == sorted(PINNED[package])
    for name in module.__all__:
        assert hasattr(module, name)


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
