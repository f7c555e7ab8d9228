"""The ways in: the FastAPI app (``create_app``), the page, and the ``trialqa`` CLI.

``create_app`` is imported when first asked for, so a CLI command that serves nothing (ingest,
ask) does not import FastAPI.
"""

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from api.main import create_app

        return create_app
    raise AttributeError(f"module 'api' has no attribute {name!r}")
