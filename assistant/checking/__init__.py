"""The claim checker: a pasted text's sentences as claims, their evidence, verdicts and figures."""

from assistant.checking.claims import (
    MAX_TEXT_CHARS,
    CheckResult,
    ClaimChecker,
    check_text,
    checker_for,
)

__all__ = ["CheckResult", "ClaimChecker", "MAX_TEXT_CHARS", "check_text", "checker_for"]
