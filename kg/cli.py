"""The `kg` command: a few lines per command over the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

DEFAULT_OUT = Path("output")
DEFAULT_STORE = DEFAULT_OUT / "store"
store_option = click.option(
    "--store", "store_dir", type=click.Path(path_type=Path), default=DEFAULT_STORE, show_default=True,
    help="The built Oxigraph store.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
def main() -> None:
    """Build a linked, sourced RDF knowledge graph from Russian news articles."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Output directory.")
@click.option("--quiet", is_flag=True, help="No progress bar or summary.")
def build(paths: tuple[str, ...], out: Path, quiet: bool) -> None:
    """Build the graph of PATHS (.txt, .md, .html, .jsonl, directories, or - for stdin) into OUT."""
    from kg.pipeline import build as run_build

    report = run_build(paths, out, stdin=sys.stdin, progress=not quiet)
    if not quiet:
        classes = ", ".join(f"{n} {c}" for c, n in sorted(report.classes.items()))
        click.echo(
            f"{report.documents} documents, {report.failed} failed, {report.triples} triples "
            f"in {report.seconds:.1f} s → {out}/  ({classes})",
            err=True,
        )
    sys.exit(1 if report.failed else 0)


@main.command()
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the query from a .rq file.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True)
@store_option
def query(sparql: str | None, query_file: Path | None, fmt: str, store_dir: Path) -> None:
    """Run a SPARQL query over the built store (all named graphs as the default graph)."""
    from kg.query import open_readonly, run

    if (sparql is None) == (query_file is None):
        raise click.UsageError("give a SPARQL query or -f FILE, not both")
    text = query_file.read_text(encoding="utf-8") if query_file else sparql
    try:
        db = open_readonly(store_dir)
        click.echo(run(db, text, fmt))
    except (FileNotFoundError, SyntaxError, OSError) as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "nq", "trig", "jsonld", "xml"]),
              default="ttl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output.")
@store_option
def export(fmt: str, output: Path | None, store_dir: Path) -> None:
    """Export the built graph as Turtle, N-Triples, N-Quads, TriG, JSON-LD or RDF/XML."""
    from kg import store
    from kg.query import open_readonly

    try:
        db = open_readonly(store_dir)
    except (FileNotFoundError, OSError) as error:
        raise click.ClickException(str(error)) from error
    if output is None:
        store.dump(db, sys.stdout.buffer, fmt)
    else:
        store.write(db, output, fmt)


@main.command(name="eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--limit", type=int, help="Score only the first N documents.")
def evaluate(gold: Path, fmt: str, limit: int | None) -> None:
    """Score extraction and linking against an annotated corpus (NEREL or factRuEval JSONL)."""
    from kg.evaluate import evaluate_file, render

    scores = evaluate_file(gold, limit=limit)
    click.echo(json.dumps(scores, ensure_ascii=False, indent=2) if fmt == "json" else render(scores))
