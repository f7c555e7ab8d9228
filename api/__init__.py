"""The ways in: the FastAPI app (``create_app``), the page, and the ``trialqa`` CLI."""

from api.main import create_app

__all__ = ["create_app"]
