"""Targets the gold cases are asked of: the engine in this process or a running server.

A *target* answers questions, ranks passages and hands out document texts. ``InProcessTarget``
wraps the services of ``assistant.factory.build`` (over a fresh store of a corpus, or over an
existing store); ``HttpTarget`` talks to ``trialqa serve`` through ``POST /v1/ask``,
``GET /v1/search`` and ``GET /v1/documents/{id}``. (``eval/runner.py`` re-exports both.)
"""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from assistant.models import Answer, Filters
from eval.cases import Case


class Target(Protocol):
    name: str

    def ask(
        self, question: str, conversation_id: str | None = None, filters: Filters | None = None
    ) -> Answer: ...

    def ranked_doc_ids(self, query: str, k: int) -> list[str]: ...

    def document_text(self, doc_id: str) -> str | None: ...

    def describe(self) -> dict[str, Any]: ...


class InProcessTarget:
    """The engine in this process. ``from_corpus`` ingests into a temporary store that
    ``close`` removes."""

    name = "in-process"

    def __init__(self, services, cleanup: Path | None = None) -> None:
        self.services = services
        self._cleanup = cleanup
        self._texts: dict[str, str | None] = {}

    @classmethod
    def from_corpus(cls, corpus: Sequence[Path], settings=None, embedder=None) -> InProcessTarget:
        from assistant.factory import build
        from assistant.settings import Settings
        from ingest.pipeline import Ingestor

        settings = (settings or Settings()).model_copy(deep=True)
        folder = Path(tempfile.mkdtemp(prefix="trialqa-eval-"))
        settings.store.path = folder
        settings.store.kind = "embedded"  # a throwaway store, never a shared Chroma server
        try:
            services = build(settings, embedder=embedder)
            report = Ingestor(services.store, services.embedder, settings).ingest(list(corpus))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if report.failed:
            shutil.rmtree(folder, ignore_errors=True)
            problems = "; ".join(str(r.error) for r in report.failed)
            raise RuntimeError(f"ingesting the corpus failed: {problems}")
        return cls(services, cleanup=folder)

    @classmethod
    def from_store(cls, settings=None, embedder=None) -> InProcessTarget:
        from assistant.factory import build

        return cls(build(settings, embedder=embedder))

    @classmethod
    def from_real_documents(cls, cases: Sequence[Case], settings=None) -> InProcessTarget:
        """A fresh store of the public documents the cases are asked within (``documents``),
        read from ../shared/data by ``eval.realdocs``."""
        from eval.realdocs import materialise

        folder = Path(tempfile.mkdtemp(prefix="trialqa-realdocs-"))
        try:
            keys = dict.fromkeys(k for c in cases for k in c.documents)
            materialise(keys, folder)
            return cls.from_corpus([folder], settings)
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # the store keeps the texts

    def ask(
        self, question: str, conversation_id: str | None = None, filters: Filters | None = None
    ) -> Answer:
        # Through the conversation service, as the API does: follow-ups are rewritten from
        # the earlier turns before retrieval.
        return self.services.conversations.ask(question, conversation_id, filters=filters).answer

    def ranked_doc_ids(self, query: str, k: int) -> list[str]:
        return [p.chunk.doc_id for p in self.services.retriever.search(query, k)]

    def document_text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            try:
                self._texts[doc_id] = self.services.store.get_document(doc_id).text
            except Exception:  # a citation of an unknown document fails exactness, not the run
                self._texts[doc_id] = None
        return self._texts[doc_id]

    def describe(self) -> dict[str, Any]:
        s = self.services.settings
        docs = self.services.store.list_documents()
        return {
            "target": self.name,
            "engine": type(self.services.engine).__name__,
            "documents": len(docs),
            "chunks": sum(d.chunks for d in docs),
            "settings": {
                "retrieval": s.retrieval.model_dump(mode="json"),
                "answer": s.answer.model_dump(mode="json"),
                "chunking": s.chunking.model_dump(mode="json"),
            },
        }

    def warm_up(self) -> None:
        """Load the model before the clock starts (the first question would pay for it)."""
        self.services.retriever.search("warm-up", 1)

    def close(self) -> None:
        if self._cleanup:
            shutil.rmtree(self._cleanup, ignore_errors=True)
            self._cleanup = None


class HttpTarget:
    """A running ``trialqa serve`` at ``url``."""

    name = "http"

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._texts: dict[str, str | None] = {}

    def _request(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.load(response)

    def ask(
        self, question: str, conversation_id: str | None = None, filters: Filters | None = None
    ) -> Answer:
        body: dict[str, Any] = {"question": question}
        if conversation_id:
            body["conversation_id"] = conversation_id
        if filters and filters.active():
            body["filters"] = filters.active()
        return Answer.model_validate(self._request("/v1/ask", body))

    def ranked_doc_ids(self, query: str, k: int) -> list[str]:
        q = urllib.parse.urlencode({"q": query, "k": k})
        return [hit["doc_id"] for hit in self._request(f"/v1/search?{q}")["results"]]

    def document_text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            try:
                path = "/v1/documents/" + urllib.parse.quote(doc_id, safe="")
                self._texts[doc_id] = self._request(path)["text"]
            except (urllib.error.URLError, KeyError, ValueError):
                self._texts[doc_id] = None
        return self._texts[doc_id]

    def describe(self) -> dict[str, Any]:
        try:
            ready = self._request("/readyz")
        except (urllib.error.URLError, ValueError):
            ready = {}
        return {"target": self.url, "documents": ready.get("documents"),
                "chunks": ready.get("chunks")}  # fmt: skip

    def warm_up(self) -> None:
        self.ranked_doc_ids("warm-up", 1)

    def close(self) -> None:
        pass
