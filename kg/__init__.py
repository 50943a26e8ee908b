"""kg: Russian news in, a linked and sourced RDF knowledge graph out.

`kg.build(paths, out=...)` builds a corpus into a directory; `kg.load_context()` and `kg.process(document, ctx)`
run the pipeline on one `kg.Document`. The names are resolved on first use, so `import kg` loads no models.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.pipeline import Context, build, load_context, process
    from kg.types import BuildReport, DocResult, Document

# Public name -> the module that defines it.
_EXPORTS = {
    "build": "kg.pipeline",
    "process": "kg.pipeline",
    "load_context": "kg.pipeline",
    "Context": "kg.pipeline",
    "Document": "kg.types",
    "DocResult": "kg.types",
    "BuildReport": "kg.types",
}
__all__ = ["BuildReport", "Context", "DocResult", "Document", "build", "load_context", "process"]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        # An AttributeError here is also what lets `from kg import store` fall back to importing the submodule.
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
