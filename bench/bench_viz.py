"""Benchmark the graph page against pyvis's default output, on synthetic builds of 100 to 20,000 nodes.

For each size: a synthetic store following ontology/README.md (entities, documents, mentions, relations with
evidence), then
- ours: `kg.viz.write_html` from the store (SPARQL projection, PageRank, layout, HTML), time to first draw in
  headless Chromium, and the time from a mouse click on a node to the side panel showing it;
- pyvis's default: `Network(cdn_resources="in_line")` filled with `add_node`/`add_edge` (physics on), its
  `write_html`, and its time to first draw, waited for at most --cap seconds.
First draw is the first canvas drawing call, recorded by the same init script in both pages. Appends a markdown
table to bench/results-viz.md.

    .venv/bin/python bench/bench_viz.py [--sizes 100,1000,5000,20000] [--cap 90]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import networkx as nx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright
from pyoxigraph import RdfFormat, Store
from pyvis.network import Network

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg import store, viz  # noqa: E402  (the repository root is put on the path first)

RESULTS = ROOT / "bench" / "results-viz.md"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
KG = "https://w3id.org/kg-news/ontology#"
ID = "https://w3id.org/kg-news/id/"
GRAPH = "https://w3id.org/kg-news/graph/doc/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ANCHOR = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#anchorOf"
# Record the first canvas drawing call: the moment something is on screen, in either page.
FIRST_DRAW = """
(() => {
  const proto = CanvasRenderingContext2D.prototype;
  for (const name of ["arc", "lineTo", "fillText", "rect", "drawImage"]) {
    const original = proto[name];
    proto[name] = function (...args) {
      if (window.__firstDraw === undefined) {
        window.__firstDraw = performance.now();
        document.documentElement.dataset.firstDraw = "1";  // waitable without eval (our page's CSP)
      }
      return original.apply(this, args);
    };
  }
})();
"""
CLASSES = [("Person", 40), ("Organization", 15), ("City", 12), ("Place", 10), ("Position", 10),
           ("Visit", 5), ("Country", 3), ("Cooperation", 5)]
PREDICATE = {"Country": "locatedIn", "City": "locatedIn", "Place": "locatedIn", "Organization": "memberOf",
             "Position": "holdsPosition", "Person": "participant", "Visit": "participant",
             "Cooperation": "participant"}


@dataclass
class Row:
    nodes: int
    edges: int = 0
    ours_build: float = 0.0
    ours_project: float = 0.0
    ours_mb: float = 0.0
    ours_draw: str = ""
    ours_click: str = ""
    pyvis_build: float = 0.0
    pyvis_draw: str = ""
    pyvis_requests: int = 0


def synthetic(n: int, seed: int = 1) -> tuple[bytes, nx.Graph]:
    """N-Quads of a build with n entities in documents of 20, linked like a scale-free graph."""
    rng = random.Random(seed)
    shape = nx.barabasi_albert_graph(n, 1, seed=seed)
    names, weights = zip(*CLASSES, strict=True)
    cls = {i: rng.choices(names, weights)[0] for i in range(n)}
    lines = []

    def quad(s: str, p: str, o: str, doc: int) -> None:
        """One N-Quads line in the document's graph."""
        lines.append(f"{s} <{p}> {o} <{GRAPH}d{doc}> .")

    for i in range(n):
        doc, e = i // 20, f"<{ID}e/{i}>"
        quad(f"<{ID}doc/d{doc}>", RDF_TYPE, f"<{KG}Document>", doc)
        quad(f"<{ID}doc/d{doc}>", KG + "mentions", e, doc)
        quad(e, RDF_TYPE, f"<{KG}{cls[i]}>", doc)
        quad(e, LABEL, f'"Узел {i} {cls[i]}"@ru', doc)
        quad(e, LABEL, f'"Node {i}"@en', doc)
        quad(f"<{ID}doc/d{doc}#m{i}>", KG + "refersTo", e, doc)
    for u, v in sorted(shape.edges()):
        s, o = (u, v) if u > v else (v, u)
        doc, p = s // 20, PREDICATE[cls[o]]
        quad(f"<{ID}e/{s}>", KG + p, f"<{ID}e/{o}>", doc)
        if s % 3 == 0:
            ev = f"<{ID}doc/d{doc}#ev{s}-{o}>"
            quad(ev, RDF_TYPE, f"<{KG}Evidence>", doc)
            quad(ev, RDF + "subject", f"<{ID}e/{s}>", doc)
            quad(ev, RDF + "predicate", f"<{KG}{p}>", doc)
            quad(ev, RDF + "object", f"<{ID}e/{o}>", doc)
            quad(ev, KG + "sentence", f"<{ID}doc/d{doc}#s{s}>", doc)
            quad(f"<{ID}doc/d{doc}#s{s}>", ANCHOR, f'"Предложение о связи {s} и {o}."', doc)
    return ("\n".join(lines) + "\n").encode(), shape


def pyvis_page(shape: nx.Graph, path: Path) -> float:
    """pyvis's default output (in_line, physics on), built the documented way; seconds taken."""
    started = time.perf_counter()
    net = Network(cdn_resources="in_line", directed=True)
    for i in shape.nodes:
        net.add_node(i, label=f"Узел {i}", title=f"Node {i}")
    for u, v in shape.edges:
        net.add_edge(u, v)
    net.write_html(str(path))
    return time.perf_counter() - started


def first_draw(browser: object, path: Path, cap: float, click: bool) -> tuple[str, str, int]:
    """Seconds to the first canvas drawing, the click-to-panel time (ours), and external requests tried."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    external: list[str] = []
    url = path.resolve().as_uri()

    def route(r: object) -> None:
        """Let the page's own file through; abort and count anything else."""
        if r.request.url == url:
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    context.add_init_script(FIRST_DRAW)
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit", timeout=cap * 1000)
        page.wait_for_selector("html[data-first-draw]", state="attached", timeout=cap * 1000)
        drawn = f"{page.evaluate('window.__firstDraw') / 1000:.2f}"
    except PlaywrightTimeout:
        drawn = f">{cap:.0f}"
    clicked = ""
    if click and not drawn.startswith(">"):
        page.wait_for_selector("html[data-kg-ready]", state="attached", timeout=cap * 1000)
        clicked = f"{click_ms(page):.0f}"
    try:
        context.close()
    except PlaywrightError as error:  # a page still busy stabilising may refuse a clean close
        print(f"closing the page: {error}", file=sys.stderr)
    return drawn, clicked, len(external)


def click_ms(page: object) -> float:
    """Milliseconds from a mouse click on the most central node to the side panel showing a node."""
    x, y = page.evaluate("""() => {
        const data = JSON.parse(document.getElementById('graph-data').textContent);
        const top = data.nodes.reduce((a, b) => (b.size > a.size ? b : a));
        const net = window.kgNetwork, p = net.getPositions([top.id])[top.id];
        const d = net.canvasToDOM(p), box = document.querySelector('#graph canvas').getBoundingClientRect();
        return [box.left + d.x, box.top + d.y];
    }""")
    started = time.perf_counter()
    page.mouse.click(x, y)
    # zoomed out, leaves may be drawn over the hub: whichever node the click hits will do
    while not page.evaluate("document.querySelector('#panel h3') !== null"):
        if time.perf_counter() - started > 10:
            raise TimeoutError("a click on the most central node showed nothing in the panel within 10 s")
        time.sleep(0.005)
    return (time.perf_counter() - started) * 1000


def measure(n: int, browser: object, work: Path, cap: float) -> Row:
    """One size: build both pages and time them."""
    data, shape = synthetic(n)
    db = Store()
    store.load_ontology(db)
    db.bulk_load(input=data, format=RdfFormat.N_QUADS)
    row = Row(nodes=n, edges=shape.number_of_edges())
    ours = work / f"ours-{n}.html"
    started = time.perf_counter()
    stats = viz.write_html(db, ours, max_nodes=n)
    row.ours_build = time.perf_counter() - started
    assert (stats.nodes, stats.omitted) == (n, 0), stats
    started = time.perf_counter()
    viz.project(db)
    row.ours_project = time.perf_counter() - started
    row.ours_mb = ours.stat().st_size / 1e6
    row.ours_draw, row.ours_click, external = first_draw(browser, ours, cap, click=True)
    assert external == 0, "our page tried the network"
    theirs = work / f"pyvis-{n}.html"
    row.pyvis_build = pyvis_page(shape, theirs)
    row.pyvis_draw, _, row.pyvis_requests = first_draw(browser, theirs, cap, click=False)
    print(row, file=sys.stderr)
    return row


def table(rows: list[Row], cap: float, command: str, load: float) -> str:
    """The results as a markdown section."""
    lines = [
        f"## {date.today().isoformat()} — {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {load:.1f} at start",
        "",
        f"`{command}` (first draw in headless Chromium, pyvis wait capped at {cap:.0f} s)",
        "",
        "| nodes | edges | ours: HTML from store (s) | of which SPARQL projection (s) | ours: size (MB) "
        "| ours: first draw (s) "
        "| ours: click → panel (ms) | pyvis: HTML (s) | pyvis: first draw (s) | pyvis: requests blocked |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.nodes:,} | {r.edges:,} | {r.ours_build:.2f} | {r.ours_project:.2f} | {r.ours_mb:.1f} | {r.ours_draw} "
        f"| {r.ours_click} "
        f"| {r.pyvis_build:.2f} | {r.pyvis_draw} | {r.pyvis_requests} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n\n"


def main() -> None:
    """Measure every size and append the table to bench/results-viz.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000,20000")
    parser.add_argument("--cap", type=float, default=90.0, help="Longest wait for pyvis's first draw (s).")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load = os.getloadavg()[0]  # other work on the machine slows every number down
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        rows = [measure(n, browser, Path(tmp), args.cap) for n in sizes]
        browser.close()
    command = "python bench/bench_viz.py " + " ".join(sys.argv[1:])
    text = table(rows, args.cap, command.strip(), load)
    print(text)
    if not RESULTS.exists():
        RESULTS.write_text("# Graph page benchmark\n\nWritten by `bench/bench_viz.py`; newest last.\n\n",
                           encoding="utf-8")
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
