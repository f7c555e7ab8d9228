"""Every error TrialQA raises on purpose, in one tree.

    TrialQAError
    ├── ConfigError              settings that cannot work (bad model path, bad store kind)
    ├── InputError               a request the engine refuses (empty or over-long question, bad k)
    ├── NotFoundError            an unknown document id
    ├── IngestError              a file that cannot become a Document
    │   ├── UnsupportedFormatError   an extension no loader reads
    │   └── EmptyDocumentError       no text: empty file, scanned PDF without a text layer
    ├── RetrievalError           the store or the index failed to answer
    └── CalculatorInputError     impossible inputs to a calculator

Each class carries a stable machine-readable ``code``; the API maps the classes to HTTP
statuses in one place (``api/errors.py``) and the CLI prints ``message`` on one line.
"""

from __future__ import annotations


class TrialQAError(Exception):
    """Base of every deliberate TrialQA error."""

    code = "trialqa_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(TrialQAError):
    code = "config_error"


class InputError(TrialQAError):
    code = "invalid_input"


class NotFoundError(TrialQAError):
    code = "not_found"


class IngestError(TrialQAError):
    code = "ingest_error"


class UnsupportedFormatError(IngestError):
    code = "unsupported_format"


class EmptyDocumentError(IngestError):
    code = "empty_document"


class RetrievalError(TrialQAError):
    code = "retrieval_error"


class CalculatorInputError(TrialQAError):
    code = "calculator_input"
