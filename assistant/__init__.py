"""The core of TrialQA: settings, models, retrieval, answering. Imports no outer package."""

from assistant.errors import TrialQAError
from assistant.factory import Services, build
from assistant.models import Answer, Chunk, Citation, Document, Filters, Passage
from assistant.settings import Settings

__all__ = [
    "Answer",
    "Chunk",
    "Citation",
    "Document",
    "Filters",
    "Passage",
    "Services",
    "Settings",
    "TrialQAError",
    "build",
]
