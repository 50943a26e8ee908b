"""SPARQL over the built store, with results as a table, CSV, TSV or SPARQL 1.1 Results JSON."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    serialize,
)

from kg import store
from kg.rdf import PREFIXES

RESULT_FORMATS = {"csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV, "json": QueryResultsFormat.JSON}


def open_readonly(path: Path) -> Store:
    """The built store at `path`, opened read-only; a clear error if there is none."""
    if not (path / "CURRENT").exists():
        raise FileNotFoundError(f"{path}: no store here (run `kg build` first, or pass --store)")
    return Store.read_only(str(path))


def run(db: Store, sparql: str, fmt: str = "table") -> str:
    """Run a query and render its answer: a table, csv, tsv or json for SELECT/ASK; Turtle for CONSTRUCT."""
    result = store.query(db, sparql)
    if isinstance(result, QueryBoolean):
        if fmt == "table":
            return "true" if bool(result) else "false"
        return result.serialize(format=RESULT_FORMATS[fmt]).decode()
    if not isinstance(result, QuerySolutions):
        return serialize(result, format=RdfFormat.TURTLE, prefixes=PREFIXES).decode()
    if fmt == "table":
        return table(result)
    return result.serialize(format=RESULT_FORMATS[fmt]).decode()


def rows(db: Store, sparql: str) -> list[dict[str, str]]:
    """A SELECT query's solutions as dicts of plain strings (IRIs compacted with our prefixes)."""
    result = store.query(db, sparql)
    names = [v.value for v in result.variables]
    return [{name: short(solution[name]) for name in names} for solution in result]


def short(term: NamedNode | BlankNode | Literal | None) -> str:
    """A term as an analyst reads it: prefixed IRI, literal value, or '' when unbound."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        for prefix, base in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
            if term.value.startswith(base):
                return f"{prefix}:{term.value[len(base):]}"
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return term.value


def table(result: QuerySolutions) -> str:
    """An aligned plain-text table of SELECT results."""
    names = [v.value for v in result.variables]
    body = [[short(solution[name]) for name in names] for solution in result]
    widths = [max([len(name), *(len(row[i]) for row in body)]) for i, name in enumerate(names)]
    lines = [" | ".join(name.ljust(w) for name, w in zip(names, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines)
