"""The FastAPI app: ``create_app(settings)`` builds it; ``lifespan`` builds the services once."""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors
from api.routes import ask, calculate, conversations, documents, health, openai, page, search
from assistant.factory import build
from assistant.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        services = build(settings)
        services.embedder.embed_query("warm up")  # load the model before serving
        services.retriever.lexical  # noqa: B018 - build the lexical index before serving
        app.state.services = services
        yield

    app = FastAPI(
        title="TrialQA",
        version="0.1.0",
        summary="Answers about clinical-trial reports, with verbatim citations.",
        lifespan=lifespan,
    )
    errors.install(app)
    for module in (ask, conversations, openai, search, calculate, documents, health, page):
        app.include_router(module.router)
    static = resources.files("api").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app
