"""Files -> normalised Documents -> chunks -> embeddings -> the store."""

from ingest.chunking import chunk_document
from ingest.loaders import load_file
from ingest.pipeline import Ingestor
from ingest.report import IngestReport

__all__ = ["IngestReport", "Ingestor", "chunk_document", "load_file"]
