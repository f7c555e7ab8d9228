"""Filters as a Chroma ``where`` clause.

Each chunk stores ``doc_id`` and, per field a filter selects on, ``match_<field>``: the list
of its document's values as ``match_key`` gives them (``assistant.models``). A filter field
with several values accepts any of them; several fields must all match.
"""

from __future__ import annotations

from typing import Any

from assistant.models import Filters, match_key


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    """The ``where`` clause selecting the chunks ``filters`` match, or None for no filter."""
    clauses: list[dict[str, Any]] = []
    for key, values in filters.active().items():
        if key == "doc_id":
            clauses.append({"doc_id": {"$in": values}})
            continue
        found = [{f"match_{key}": {"$contains": match_key(v)}} for v in values]
        clauses.append(found[0] if len(found) == 1 else {"$or": found})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
