"""What a build keeps in its output for the next build to read instead of the store (void.ttl's reads of it, the
page's evidence records), trusted only under the seal of the build that left the store as it is: that build's stamp
(`kg.export.stamp`), which a build by other code, or any other change to the store, does not leave, and a digest of
the code that read what was kept."""

from __future__ import annotations

import functools
import hashlib
import json
from importlib.metadata import version
from pathlib import Path

from kg.files import write_atomic

SEAL = "seal.json"  # beside each file kept


@functools.cache
def code(*modules: str) -> str:
    """A digest of these kg modules' source and of pyoxigraph's version (how it writes terms back): what was read
    depends on them."""
    here = Path(__file__).parent
    source = b"".join((here / f"{module}.py").read_bytes() for module in modules)
    return hashlib.sha256(source + version("pyoxigraph").encode()).hexdigest()


def unseal(kept: Path, stamp: str | None, code: str) -> bool:
    """Whether the file `kept` is there and was sealed by the build whose `stamp` still holds (None: none does),
    read by `code`; the seal goes either way, for the store is about to change."""
    seal = kept.parent / SEAL
    try:
        sealed = stamp is not None and json.loads(seal.read_text()) == {"stamp": stamp, "code": code}
    except (OSError, ValueError):
        sealed = False
    seal.unlink(missing_ok=True)
    return sealed and kept.is_file()


def seal(kept: Path, stamp: str, code: str) -> None:
    """Seal the file `kept`, if it is there, as read by `code` from the store the build stamped `stamp` left."""
    if kept.is_file():
        write_atomic(kept.parent / SEAL, json.dumps({"stamp": stamp, "code": code}))
