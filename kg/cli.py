"""The `kg` command: a few lines per command over the library."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import sys
import tempfile
from pathlib import Path

import click

DEFAULT_OUT = Path("output")
DEFAULT_STORE = DEFAULT_OUT / "store"
store_option = click.option(
    "--store", "store_dir", type=click.Path(path_type=Path), default=DEFAULT_STORE, show_default=True,
    help="The built Oxigraph store.",
)


def stop_on_term() -> None:
    """Take SIGTERM (`kill`, a service manager, a CI timeout) as Ctrl-C: this process and the helper and worker
    processes it started are interrupted, and each removes its temporary files on the way out (killed outright, a
    build left a half-written graph.jsonld and a sort directory in its output directory)."""

    def interrupt(signum: int, frame: object) -> None:
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGINT)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
def main() -> None:
    """Build a linked, sourced RDF knowledge graph from Russian news articles."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Output directory.")
@click.option("--quiet", is_flag=True, help="No progress bar or summary.")
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores",
              help="Processes that annotate and extract, each loading the models once; with more than one, "
              "the output files are also written by two processes.")
@click.option("--prune", is_flag=True, help="Drop the graphs of documents that are not in this run's input.")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Annotate and extract on a Dask distributed cluster, e.g. tcp://HOST:8786.")
def build(paths: tuple[str, ...], out: Path, quiet: bool, workers: int, prune: bool, dask_address: str | None) -> None:
    """Build the graph of PATHS (.txt, .md, .html, .jsonl, directories, or - for stdin) into OUT.

    On an existing OUT, only new and changed documents are processed; unchanged ones are skipped.
    """
    stop_on_term()
    # Before numpy loads: one BLAS thread per process (see kg.parallel); the workers inherit it.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    from kg import malloc
    from kg.pipeline import build as run_build

    if workers > 1 or dask_address:  # this process only loads the store: see kg.malloc
        malloc.map_large_allocations()

    try:
        report = run_build(
            paths, out, stdin=sys.stdin, progress=not quiet, workers=workers, prune=prune, dask=dask_address
        )
    except OSError as error:  # the store locked by another build, a full disk, no `sort`: a message, not a trace
        raise click.ClickException(str(error)) from error
    except sqlite3.OperationalError as error:  # a full disk, where a build keeps its tables (spool, page, ledger)
        raise click.ClickException(f"{error} (a table kg keeps under {out} or in {tempfile.gettempdir()})") from error
    if not quiet:
        classes = ", ".join(f"{n} {c}" for c, n in sorted(report.classes.items()))
        click.echo(
            f"{report.documents} documents built, {report.skipped} unchanged, {report.failed} failed, "
            f"{report.triples} triples "
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
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "nq", "trig", "jsonld", "xml", "ttl12"]),
              default="ttl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output.")
@store_option
def export(fmt: str, output: Path | None, store_dir: Path) -> None:
    """Export the built graph as Turtle, N-Triples, N-Quads, TriG, JSON-LD or RDF/XML."""
    from kg import export as exporting
    from kg import malloc

    stop_on_term()
    malloc.fewer_arenas()  # before the store's threads start
    try:
        if output is None:
            exporting.export(store_dir, fmt, sys.stdout.buffer)
        else:
            exporting.write(store_dir, fmt, output)
    except OSError as error:
        raise click.ClickException(str(error)) from error


@main.command(name="eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--limit", type=int, help="Score only the first N documents.")
def evaluate(gold: Path, fmt: str, limit: int | None) -> None:
    """Score extraction and linking against an annotated corpus (NEREL or factRuEval JSONL)."""
    from kg.evaluate import evaluate_file, render

    scores = evaluate_file(gold, limit=limit)
    click.echo(json.dumps(scores, ensure_ascii=False, indent=2) if fmt == "json" else render(scores))


@main.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; anything but loopback exposes the graph to the network.")
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True)
def serve(store_dir: Path, host: str, port: int) -> None:
    """Serve the built store read-only over SPARQL 1.1 Protocol (Oxigraph server, with its query page)."""
    from kg.serve import serve as run_server

    try:
        code = run_server(store_dir, host, port)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    sys.exit(code)


@main.command()
@click.argument("url")
@store_option
@click.option("--auth", type=click.Choice(["basic", "digest", "none"]),
              help="HTTP auth with KG_PUSH_USER / KG_PUSH_PASSWORD [default: basic if KG_PUSH_USER is set].")
@click.option("--format", "fmt", type=click.Choice(["nt", "ttl"]), default="nt", show_default=True,
              help="Body of each PUT: N-Triples or Turtle.")
@click.option("--dry-run", is_flag=True, help="List each graph and its triple count; send nothing.")
@click.option("--batch", type=click.IntRange(min=1), default=4, show_default=True,
              help="Graphs serialized and sent (concurrently) per batch.")
@click.option("--quiet", is_flag=True, help="No progress bar or summary.")
def push(
    url: str, store_dir: Path, auth: str | None, fmt: str, dry_run: bool, batch: int, quiet: bool
) -> None:
    """Make a SPARQL 1.1 Graph Store endpoint URL hold exactly the built graphs: PUT each one, delete those of
    documents no longer built, and PUT void.ttl as the build graph."""
    from kg.push import PushError, check_url, credentials, plan
    from kg.push import push as run_push
    from kg.query import open_readonly

    try:
        check_url(url)
        db = open_readonly(store_dir)
        description = store_dir.parent / "void.ttl"  # the build's description, sent as its own graph
        if dry_run:
            graphs = plan(db, description)
            for graph in graphs:
                click.echo(f"{graph.iri}\t{graph.triples}")
        else:
            graphs = run_push(db, url, description=description, auth=credentials(auth), fmt=fmt, batch=batch,
                              progress=not quiet)
    except (PushError, FileNotFoundError, OSError) as error:
        raise click.ClickException(str(error)) from error
    if not quiet:
        verb = "would push" if dry_run else "pushed"
        put = [g for g in graphs if g.method == "PUT"]
        deleted = len(graphs) - len(put)
        stale = f"; deleted {deleted} graphs of documents no longer built" if deleted else ""
        click.echo(f"{verb} {len(put)} graphs, {sum(g.triples for g in put)} triples to {url}{stale}", err=True)


def _names(value: str) -> tuple[str, ...]:
    """A comma-separated option as a tuple of names."""
    return tuple(name.strip() for name in value.split(",") if name.strip())


@main.command()
@store_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_OUT / "graph.html", show_default=True, help="The HTML file to write.")
@click.option("--lang", type=click.Choice(["ru", "en"]), default="ru", show_default=True,
              help="Language of labels and of the page.")
@click.option("--max-nodes", type=click.IntRange(min=0), default=2000, show_default=True,
              help="Keep at most N nodes, the most central (PageRank).")
@click.option("--classes", default="", help="Only nodes of these classes, e.g. Person,City.")
@click.option("--sectors", default="", help="Only nodes connected to these sectors, e.g. energy,water.")
@click.option("--min-degree", type=click.IntRange(min=0), default=0, show_default=True,
              help="Only nodes with at least N links.")
@click.option("--documents", is_flag=True, help="Also show documents and statements.")
@click.option("--communities", is_flag=True, help="Colour nodes by Louvain community.")
def viz(store_dir: Path, output: Path, lang: str, max_nodes: int, classes: str, sectors: str,
        min_degree: int, documents: bool, communities: bool) -> None:
    """Write the interactive graph of the built store as one offline HTML page."""
    from kg import viz as graph_viz
    from kg.query import open_readonly

    try:
        db = open_readonly(store_dir)
    except (FileNotFoundError, OSError) as error:
        raise click.ClickException(str(error)) from error
    try:
        stats = graph_viz.write_html(
            db, output, lang=lang, max_nodes=max_nodes, classes=_names(classes), sectors=_names(sectors),
            min_degree=min_degree, documents=documents, communities=communities,
        )
    except graph_viz.UnknownName as error:
        raise click.BadParameter(str(error), param_hint=f"'{error.option}'") from error
    left_out = f", {stats.omitted} less central nodes left out" if stats.omitted else ""
    click.echo(f"{stats.nodes} nodes, {stats.edges} edges{left_out} → {output}", err=True)
