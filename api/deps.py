"""Dependencies declared once for every route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.checking import ClaimChecker
from assistant.conversation import Suggestions
from assistant.factory import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_suggestions(request: Request) -> Suggestions:
    return request.app.state.suggestions


SuggestionsDep = Annotated[Suggestions, Depends(get_suggestions)]


def get_checker(request: Request) -> ClaimChecker:
    return request.app.state.checker


CheckerDep = Annotated[ClaimChecker, Depends(get_checker)]
