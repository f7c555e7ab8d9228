"""ClinicalTrials.gov records (API v2 JSON and the legacy XML) -> readable text and metadata.

Both formats are first read into the same ``Study`` shape, then written out once by
``render``: title and design, arms, eligibility, participant flow, each outcome measure with
its value, interval and number analysed per arm, statistical analyses, and adverse events by
group with affected / at-risk counts. Values are copied as the registry posts them; nothing is
computed here, so every figure in the text is a figure of the record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from assistant.errors import IngestError
from ingest.registry.legacy_xml import from_xml
from ingest.registry.render import metadata, render
from ingest.registry.study import Study
from ingest.registry.v2 import from_v2

__all__ = ["load_json", "load_xml"]


def load_json(data: str, name: str) -> tuple[str, str, dict[str, Any]]:
    try:
        record = json.loads(data)
    except json.JSONDecodeError as exc:
        raise IngestError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise IngestError(f"{name}: JSON nested too deeply to be a registry record") from exc
    if isinstance(record, dict) and isinstance(record.get("studies"), list):
        if len(record["studies"]) != 1:
            raise IngestError(f"{name}: holds {len(record['studies'])} studies; save one per file")
        record = record["studies"][0]
    if not isinstance(record, dict) or "protocolSection" not in record:
        raise IngestError(
            f"{name}: JSON that is not a ClinicalTrials.gov API v2 study (no protocolSection)"
        )
    return _written(_read(from_v2, record, name), "ctgov-api-v2-json")


_ENTITY = re.compile(r"<!ENTITY", re.I)


def load_xml(data: str, name: str) -> tuple[str, str, dict[str, Any]]:
    if _ENTITY.search(data):  # anywhere: comments may push a DOCTYPE past any fixed prefix
        raise IngestError(f"{name}: XML with entity declarations is refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise IngestError(f"{name}: not well-formed XML ({exc})") from exc
    except RecursionError as exc:
        raise IngestError(f"{name}: XML nested too deeply to be a registry record") from exc
    return _written(_read(from_xml, root, name), "ctgov-legacy-xml")


def _read(reader: Callable[[Any], Study], record: Any, name: str) -> Study:
    """``reader(record)``, any failure one IngestError naming the file."""
    try:
        return reader(record)
    except IngestError as exc:
        raise IngestError(f"{name}: {exc}") from exc
    except (AttributeError, TypeError, KeyError, ValueError, IndexError) as exc:
        raise IngestError(
            f"{name}: a ClinicalTrials.gov record of unexpected shape "
            f"({exc.__class__.__name__}: {exc})"
        ) from exc


def _written(study: Study, fmt: str) -> tuple[str, str, dict[str, Any]]:
    return render(study), study.brief_title, metadata(study, fmt)
