"""What a document's graph depends on besides its text, as a digest: the kg code that reads and writes it, the
ontology's files (gazetteer, sectors) and natasha's version. A build records it in its output, and the next build
rebuilds every document when it differs: graphs that an older kg extracted are not kept as if the new one had."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import version
from pathlib import Path

from kg.files import write_atomic
from kg.store import ONTOLOGY_DIR

PACKAGE = Path(__file__).resolve().parent
# The modules a document's graph comes from; the rest (store, files, page, exports) write what these make.
GRAPH_MODULES = ("annotate", "gazetteer", "link", "morph", "pipeline", "rdf", "types", "vocab")
RECORD = ".kg-release"  # in OUT: the digest of the kg that built the graphs in its store


def digest(files: list[tuple[Path, Path]], *versions: str) -> str:
    """One sha256 over files (each named relative to its root) and version strings."""
    hashed = hashlib.sha256()
    for root, path in files:
        hashed.update(f"{path.relative_to(root)}\0".encode() + path.read_bytes())
    for text in versions:
        hashed.update(f"{text}\0".encode())
    return hashed.hexdigest()


@cache
def of_graphs() -> str:
    """The digest of what a document's graph depends on besides its text."""
    files = [(PACKAGE, PACKAGE / f"{module}.py") for module in GRAPH_MODULES]
    files += [(PACKAGE, path) for path in sorted((PACKAGE / "extract").glob("*.py"))]
    files += [(ONTOLOGY_DIR, path) for path in sorted(ONTOLOGY_DIR.glob("*.ttl"))]
    return digest(files, version("natasha"))


def holds(out: Path) -> bool:
    """Whether the graphs in `out`'s store were built by this kg (an output without a record was not)."""
    try:
        return (out / RECORD).read_text(encoding="ascii").strip() == of_graphs()
    except OSError:
        return False


def record(out: Path) -> None:
    """Record that this kg built the graphs in `out`'s store."""
    write_atomic(out / RECORD, of_graphs() + "\n")
