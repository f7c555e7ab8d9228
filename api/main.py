"""The FastAPI app: ``create_app(settings)`` builds it; ``lifespan`` builds the services once."""

from __future__ import annotations

from contextlib import ExitStack, asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors, headers, security
from api.routes import (
    ask,
    calculate,
    check,
    conversations,
    documents,
    health,
    openai,
    page,
    search,
    suggestions,
)
from assistant.checking import checker_for
from assistant.conversation import Suggestions
from assistant.factory import build, warm_up
from assistant.settings import Settings
from assistant.store import holding


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        with ExitStack() as held:
            if settings.store.kind == "embedded":  # no `trialqa ingest` beside this server
                held.enter_context(holding(settings.store.path, "serve", exclusive=False))
            services = build(settings)
            warm_up(services)  # the models and indexes load before serving
            app.state.services = services
            app.state.suggestions = Suggestions(services.store)
            app.state.checker = checker_for(services.engine)
            yield

    app = FastAPI(
        title="TrialQA",
        version="0.1.0",
        summary="Answers about clinical-trial reports, with verbatim citations.",
        lifespan=lifespan,
    )
    errors.install(app)
    headers.install(app)
    security.install(app, settings)
    for module in (
        ask,
        check,
        conversations,
        suggestions,
        openai,
        search,
        calculate,
        documents,
        health,
        page,
    ):
        app.include_router(module.router)
    static = resources.files("api").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app


def app_from_env() -> FastAPI:
    """The app for several worker processes (``trialqa serve --workers N``, or ``uvicorn
    --factory api.main:app_from_env --workers N``): each worker reads its settings from the
    environment and names itself in an ``X-TrialQA-Worker`` header (its process id)."""
    import os

    from assistant.errors import ConfigError

    settings = Settings()
    if settings.store.kind != "http":
        raise ConfigError(
            "several workers need a Chroma server (TRIALQA_STORE__KIND=http): processes sharing "
            "an embedded store folder miss each other's writes and can lose vectors"
        )
    app = create_app(settings)
    worker = str(os.getpid())

    @app.middleware("http")
    async def name_the_worker(request, call_next):
        response = await call_next(request)
        response.headers["X-TrialQA-Worker"] = worker
        return response

    return app
