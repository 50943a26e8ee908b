"""The graph page in real headless Chromium: offline, counts, search, selection, filters and hostile text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kg import viz
from tests.test_viz import NAMESPACES, fixture_store, nquads

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
HOSTILE_ARTICLE = ROOT / "examples" / "hostile" / "hostile.txt"
SCREENSHOT = ROOT / "output" / "graph-screenshot.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# Anything a hostile string could have injected; our own scripts carry data-kg.
INJECTED = "script:not([data-kg]), img, svg, iframe, object, embed, [onerror], [onload]"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (`make system-deps`)"
)


@dataclass
class Visit:
    """A page opened in the browser and everything it tried to do."""

    page: object
    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def eval(self, script: str, arg: object = None) -> object:
        """Evaluate JavaScript in the page."""
        return self.page.evaluate(script, arg)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        # launch() gives the browser a fresh temporary profile of its own
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser: object) -> Iterator:
    """A function that opens a page in a fresh context, recording what it does."""
    contexts = []

    def visit(path: Path) -> Visit:
        """Open `path`, allow only that file, and wait for the first draw."""
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page, path.resolve().as_uri())

        def route(handler_route: object) -> None:
            """Let the page's own file through; abort and record anything else."""
            if handler_route.request.url == seen.url:
                handler_route.continue_()
            else:
                seen.blocked.append(handler_route.request.url)
                handler_route.abort()

        def dialog(d: object) -> None:
            """Record and dismiss any alert, confirm or prompt."""
            seen.dialogs.append(d.message)
            d.dismiss()

        context.route("**/*", route)
        page.on("request", lambda request: seen.requests.append(request.url))
        page.on("console", lambda msg: seen.errors.append(msg.text) if msg.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: seen.errors.append(str(error)))
        page.on("dialog", dialog)
        page.goto(seen.url)
        page.wait_for_selector("html[data-kg-ready]", state="attached", timeout=20_000)
        assert page.evaluate("window.kgReady") is True
        return seen

    yield visit
    for context in contexts:
        context.close()


def assert_clean(seen: Visit) -> None:
    """No console error, no request but the file itself, no dialog, nothing injected."""
    assert seen.errors == []
    assert seen.requests == [seen.url] and seen.blocked == []
    assert seen.dialogs == []
    assert seen.eval(f"document.querySelectorAll({INJECTED!r}).length") == 0


def node_id(seen: Visit, iri: str) -> int:
    """The page's id of a node, by IRI without our namespace."""
    data = seen.eval("JSON.parse(document.getElementById('graph-data').textContent)")
    return next(n["id"] for n in data["nodes"] if n["iri"] == iri)


def click_node(seen: Visit, node: int) -> None:
    """Zoom onto a node and click it with the mouse where vis-network draws it."""
    x, y = seen.eval("""(id) => {
        const net = window.kgNetwork, p = net.getPositions([id])[id];
        net.moveTo({position: p, scale: 1.5, animation: false});
        const d = net.canvasToDOM(p), box = document.querySelector('#graph canvas').getBoundingClientRect();
        return [box.left + d.x, box.top + d.y];
    }""", node)
    seen.page.mouse.click(x, y)


def click_edge(seen: Visit, a: int, b: int) -> None:
    """Zoom onto the edge between two nodes, half way between their borders, and click it."""
    x, y = seen.eval("""([a, b]) => {
        const net = window.kgNetwork, p = net.getPositions([a, b]);
        const ra = net.body.nodes[a].options.size, rb = net.body.nodes[b].options.size;
        const length = Math.hypot(p[b].x - p[a].x, p[b].y - p[a].y), t = (ra + (length - ra - rb) / 2) / length;
        const mid = {x: p[a].x + t * (p[b].x - p[a].x), y: p[a].y + t * (p[b].y - p[a].y)};
        net.moveTo({position: mid, scale: 1.5, animation: false});
        const d = net.canvasToDOM(mid), box = document.querySelector('#graph canvas').getBoundingClientRect();
        return [box.left + d.x, box.top + d.y];
    }""", [a, b])
    seen.page.mouse.click(x, y)


def panel_text(seen: Visit) -> str:
    """The side panel's text."""
    return seen.eval("document.getElementById('panel').textContent")


def visible_nodes(seen: Visit) -> int:
    """How many nodes the filters leave in the network."""
    return seen.eval("window.kgNetwork.body.data.nodes.length")


@pytest.fixture(scope="module")
def fixture_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, viz.VizStats]:
    """The fixture's page, written once per module."""
    path = tmp_path_factory.mktemp("fixture") / "graph.html"
    return path, viz.write_html(fixture_store(), path)


# ---------------------------------------------------------------- the fixture graph


def test_page_is_offline_and_shows_the_whole_projection(open_page, fixture_page) -> None:
    path, stats = fixture_page
    graph = viz.project(fixture_store())
    seen = open_page(path)
    assert seen.eval("window.kgStats") == {"nodes": len(graph), "edges": graph.number_of_edges(), "omitted": 0}
    assert (stats.nodes, stats.edges) == (len(graph), graph.number_of_edges())
    assert seen.eval("window.kgNetwork.body.data.edges.length") == graph.number_of_edges()
    assert visible_nodes(seen) == len(graph)
    assert_clean(seen)


def test_search_finds_selects_and_focuses_khorgos(open_page, fixture_page) -> None:
    seen = open_page(fixture_page[0])
    khorgos = node_id(seen, "place/khorgos")
    seen.page.fill("#search", "Хоргос")
    assert seen.eval("window.kgNetwork.getSelectedNodes()") == [khorgos]
    assert seen.eval("document.querySelector('#panel h3').textContent") == "Хоргос"
    centre, node = seen.eval("""(id) => [window.kgNetwork.getViewPosition(),
                                         window.kgNetwork.getPositions([id])[id]]""", khorgos)
    assert abs(centre["x"] - node["x"]) < 1 and abs(centre["y"] - node["y"]) < 1
    seen.page.fill("#search", "khorg")  # English labels and prefixes are found too
    assert seen.eval("document.querySelector('#results button').textContent").startswith("Хоргос")
    assert_clean(seen)


def test_clicking_xi_jinping_shows_his_wikidata_id(open_page, fixture_page) -> None:
    seen = open_page(fixture_page[0])
    click_node(seen, node_id(seen, "wd/Q15031"))
    text = panel_text(seen)
    assert "Си Цзиньпин" in text and "Xi Jinping" in text and "Q15031" in text
    assert seen.eval("document.querySelector('#panel a').href") == "https://www.wikidata.org/wiki/Q15031"
    assert seen.requests == [seen.url]  # showing a link fetches nothing
    assert_clean(seen)


def test_clicking_an_edge_shows_its_evidence(open_page, fixture_page) -> None:
    seen = open_page(fixture_page[0])
    click_edge(seen, node_id(seen, "wd/Q15031"), node_id(seen, "position/president-china"))
    text = panel_text(seen)
    assert "занимает должность" in text
    assert "Президент Китая Си Цзиньпин прибыл в Астану с государственным визитом." in text
    assert_clean(seen)


def test_filters_by_class_and_sector(open_page, fixture_page) -> None:
    seen = open_page(fixture_page[0])
    total = visible_nodes(seen)
    people = seen.eval("window.kgStats && JSON.parse(document.getElementById('graph-data').textContent)"
                       ".nodes.filter(n => n.cls === 'Person').length")
    seen.page.click("#legend label[data-cls=Person] input")
    assert visible_nodes(seen) == total - people
    seen.page.click("#legend label[data-cls=Person] input")
    assert visible_nodes(seen) == total
    energy = node_id(seen, "sector/energy")
    seen.page.click(f"#sector-filter label[data-sector='{energy}'] input")
    assert visible_nodes(seen) == 4  # the sector, the cooperation and its two countries
    seen.page.click("#reset")
    assert visible_nodes(seen) == total
    assert_clean(seen)


def test_max_nodes_shows_how_many_were_left_out(open_page, fixture_page, tmp_path: Path) -> None:
    total = len(viz.project(fixture_store()))
    path = tmp_path / "graph.html"
    viz.write_html(fixture_store(), path, max_nodes=3)
    seen = open_page(path)
    note = seen.page.locator("#note")
    assert note.is_visible()
    assert note.inner_text() == (f"Показаны 3 самых центральных узлов из {total}; {total - 3} опущено "
                                 "(см. --max-nodes).")
    assert visible_nodes(seen) == 3
    assert_clean(seen)
    whole = open_page(fixture_page[0])
    assert not whole.page.locator("#note").is_visible()  # nothing left out, no note


def test_communities_colour_the_nodes(open_page, tmp_path: Path) -> None:
    path = tmp_path / "graph.html"
    viz.write_html(fixture_store(), path, communities=True)
    seen = open_page(path)
    drawn = seen.eval("""() => {
        const data = JSON.parse(document.getElementById('graph-data').textContent);
        return data.nodes.map(n => [n.com, window.kgNetwork.body.nodes[n.id].options.color.background]);
    }""")
    colours: dict[int, set[str]] = {}
    for community, colour in drawn:
        colours.setdefault(community, set()).add(colour)
    assert len(colours) >= 3  # the fixture has several communities
    assert all(len(c) == 1 for c in colours.values())  # one colour per community
    assert len({next(iter(c)) for c in colours.values()}) == len(colours)  # a different one for each
    assert seen.eval("document.getElementById('community-note').textContent") == viz.UI["ru"]["by_community"]
    assert_clean(seen)


# ---------------------------------------------------------------- hostile text


def hostile_nquads() -> str:
    """The hostile article's organisation, speaker and quotation as they would be extracted, in our RDF."""
    text = HOSTILE_ARTICLE.read_text(encoding="utf-8")
    org = re.search(r"компании «(.*?)»", text).group(1)
    quote = re.search(r"понедельник\. «(.*?)», —", text).group(1)
    sentence = next(line for line in text.splitlines() if quote in line)
    lines = [
        '<kgr:doc/hostile> <rdf:type> <kg:Document> <g:doc/hostile> .',
        '<kgr:doc/hostile> <kg:mentions> <kgr:organization/evil> <g:doc/hostile> .',
        '<kgr:doc/hostile> <kg:mentions> <kgr:person/ivan-petrov> <g:doc/hostile> .',
        '<kgr:organization/evil> <rdf:type> <kg:Organization> <g:doc/hostile> .',
        f'<kgr:organization/evil> <rdfs:label> "{escape(org)}"@ru <g:doc/hostile> .',
        '<kgr:person/ivan-petrov> <rdf:type> <kg:Person> <g:doc/hostile> .',
        '<kgr:person/ivan-petrov> <rdfs:label> "Иван Петров"@ru <g:doc/hostile> .',
        '<kgr:person/ivan-petrov> <kg:worksFor> <kgr:organization/evil> <g:doc/hostile> .',
        '<kgr:doc/hostile#evidence-1> <rdf:type> <kg:Evidence> <g:doc/hostile> .',
        '<kgr:doc/hostile#evidence-1> <rdf:subject> <kgr:person/ivan-petrov> <g:doc/hostile> .',
        '<kgr:doc/hostile#evidence-1> <rdf:predicate> <kg:worksFor> <g:doc/hostile> .',
        '<kgr:doc/hostile#evidence-1> <rdf:object> <kgr:organization/evil> <g:doc/hostile> .',
        '<kgr:doc/hostile#evidence-1> <kg:sentence> <kgr:doc/hostile#char=1,2> <g:doc/hostile> .',
        f'<kgr:doc/hostile#char=1,2> <nif:anchorOf> "{escape(sentence)}" <g:doc/hostile> .',
        '<kgr:doc/hostile#char=3,4> <rdf:type> <kg:Statement> <g:doc/hostile> .',
        f'<kgr:doc/hostile#char=3,4> <kg:quote> "{escape(quote)}" <g:doc/hostile> .',
        '<kgr:doc/hostile#char=3,4> <kg:speaker> <kgr:person/ivan-petrov> <g:doc/hostile> .',
        '<kgr:doc/hostile#char=3,4> <kg:aboutSector> <kgr:sector/transport> <g:doc/hostile> .',
    ]
    return "\n".join(lines) + "\n"


def escape(text: str) -> str:
    """An N-Quads string literal body."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page of the hostile article's hand-made graph."""
    path = tmp_path_factory.mktemp("hostile") / "graph.html"
    viz.write_html(fixture_store(hostile_nquads()), path)
    return path


def test_hostile_names_and_quotes_run_nothing_and_show_literally(open_page, hostile_page) -> None:
    text = HOSTILE_ARTICLE.read_text(encoding="utf-8")
    quote = re.search(r"понедельник\. «(.*?)», —", text).group(1)
    seen = open_page(hostile_page)
    evil = node_id(seen, "organization/evil")
    seen.page.fill("#search", "alert")
    assert seen.eval("document.querySelector('#results button').textContent").startswith(
        "<script>alert(1)</script>")
    click_node(seen, evil)
    assert seen.eval("document.querySelector('#panel h3').textContent") == "<script>alert(1)</script>"
    seen.page.mouse.move(10, 10)
    click_node(seen, evil)
    seen.page.mouse.move(*seen.eval("""() => { const b = document.querySelector('#graph canvas')
        .getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; }"""))
    seen.page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5_000)
    assert seen.eval("document.querySelector('div.vis-tooltip').textContent").startswith("<script>alert(1)</script>")
    click_edge(seen, node_id(seen, "person/ivan-petrov"), node_id(seen, "sector/transport"))
    assert quote in panel_text(seen)
    click_edge(seen, node_id(seen, "person/ivan-petrov"), evil)
    assert '"><svg onload=alert(1)>' in panel_text(seen)
    assert_clean(seen)


# ---------------------------------------------------------------- real builds (the whole pipeline)


def test_hostile_article_built_by_the_pipeline_runs_nothing(open_page, ctx, tmp_path: Path) -> None:
    from kg.pipeline import build
    from kg.query import open_readonly

    build([HOSTILE_ARTICLE.parent], tmp_path / "out", ctx=ctx, progress=False)
    db = open_readonly(tmp_path / "out" / "store")
    viz.write_html(db, tmp_path / "docs.html", documents=True)
    seen = open_page(tmp_path / "docs.html")
    headline = HOSTILE_ARTICLE.read_text(encoding="utf-8").splitlines()[0]
    seen.page.fill("#search", "открыла склад")
    seen.page.keyboard.press("Enter")
    assert seen.eval("document.querySelector('#panel h3').textContent") == headline
    seen.page.fill("#search", "Мы откроем второй склад")
    seen.page.keyboard.press("Enter")
    quote = seen.eval("document.querySelector('#panel h3').textContent")
    assert quote.startswith("Мы откроем второй склад <script>alert(1)</script>")  # the quotation, shown as text
    assert_clean(seen)


def test_news_build_page_and_screenshot(open_page, examples_build: Path) -> None:
    from kg.query import open_readonly

    out = examples_build
    graph = viz.project(open_readonly(out / "store"))
    seen = open_page(out / "graph.html")
    assert seen.eval("window.kgStats") == {"nodes": len(graph), "edges": graph.number_of_edges(), "omitted": 0}
    seen.page.fill("#search", "Хоргос")
    selected = seen.eval("window.kgNetwork.getSelectedNodes()")
    assert len(selected) == 1 and seen.eval("document.querySelector('#panel h3').textContent") == "Хоргос"
    SCREENSHOT.parent.mkdir(exist_ok=True)
    seen.page.screenshot(path=str(SCREENSHOT))
    assert_clean(seen)


@pytest.mark.parametrize("name", ["Казахстан", "Астана"])
def test_the_panel_of_a_place_shows_its_class_geonames_link_and_counts(
    open_page, examples_build: Path, name: str
) -> None:
    from kg.query import open_readonly

    graph = viz.project(open_readonly(examples_build / "store"))
    node = next(d for _, d in graph.nodes(data=True) if d["label"] == name)
    assert node["geonames"] and node["mentions"] > 1 and node["documents"] > 1
    seen = open_page(examples_build / "graph.html")
    seen.page.fill("#search", name)
    assert seen.eval("document.querySelector('#panel h3').textContent") == name
    rows = dict(seen.eval("""() => Array.from(document.querySelectorAll('#panel dt'))
        .map(dt => [dt.textContent, dt.nextElementSibling.textContent])"""))
    ui = viz.UI["ru"]
    assert rows[ui["class"]] == node["cls_label"] and node["cls_label"] in ("страна", "город")
    assert (rows[ui["mentions"]], rows[ui["documents"]]) == (str(node["mentions"]), str(node["documents"]))
    assert rows["GeoNames"] == node["geonames"] and rows["Wikidata"] == node["wikidata"]
    links = seen.eval("Array.from(document.querySelectorAll('#panel a')).map(a => a.href)")
    assert f"https://www.geonames.org/{node['geonames']}" in links
    assert seen.requests == [seen.url]
    assert_clean(seen)


def test_fixture_namespaces_match_the_vocabulary() -> None:
    assert NAMESPACES["kg"] == viz.KG_NS and NAMESPACES["kgr"] == viz.ID_NS
    assert b"<https://w3id.org/kg-news/id/wd/Q15031>" in nquads("<kgr:wd/Q15031>")
