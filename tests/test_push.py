"""`kg push` against real triple stores (Oxigraph server, Virtuoso 7) and a scripted HTTP server.

The real stores must answer every example query like the embedded store does, and pushing twice must not
change what they hold. The scripted server checks retries, 4xx reports and that credentials never show.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse
from requests.auth import HTTPBasicAuth

from kg import push as push_module
from kg.cli import main
from kg.dataset import read as read_description
from kg.pipeline import Context, build
from kg.push import PushError, credentials, plan, push
from kg.rdf import PREFIXES
from kg.serve import oxigraph_binary
from kg.vocab import BUILD_GRAPH
from tests import servers
from tests.conftest import EXAMPLES, SEED
from tests.servers import (
    Server,
    doc_blocks,
    doc_command,
    embedded_rows,
    free_port,
    http_rows,
    json_rows,
    kg_command,
    stop,
    wait_until_ready,
)

oxigraph_server, virtuoso_server = servers.oxigraph_server, servers.virtuoso_server  # fixtures

ROOT = Path(__file__).resolve().parent.parent
QUERIES = sorted((ROOT / "ontology" / "queries").glob("*.rq"))
OUR_GRAPHS = "https://w3id.org/kg-news/"
# Small queries of our own, run whatever ontology/queries/ holds.
OWN_QUERIES = {
    "graph-sizes": f"""SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                       FILTER(STRSTARTS(STR(?g), "{OUR_GRAPHS}")) }} GROUP BY ?g""",
    "documents": "SELECT ?doc ?hash ?text WHERE { ?doc a kg:Document ; kg:contentHash ?hash ; nif:isString ?text }",
    "labels": "SELECT DISTINCT ?e ?label WHERE { ?doc kg:mentions ?e . ?e rdfs:label ?label }",
    "evidence": "SELECT ?s ?p ?o ?c WHERE { ?ev a kg:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;"
                " kg:confidence ?c }",
    "offsets": "SELECT ?m ?b ?e WHERE { ?m a kg:Mention ; nif:beginIndex ?b ; nif:endIndex ?e }",
}
USER, PASSWORD = "alice-3f9d2", "pw-Zq81-secret"


# --- what the servers hold ---------------------------------------------------------------------------------------

def push_build(path: Path, server: Server) -> list:
    """Push a build, its store and its void.ttl, to the server."""
    return push(Store.read_only(str(path / "store")), server.store_url, description=path / "void.ttl",
                auth=server.auth, progress=False)


def reference(path: Path) -> Store:
    """What a server should hold after a push of the build at `path`: its graphs, and void.ttl as the build graph."""
    db = Store()
    db.extend(Store.read_only(str(path / "store")))
    db.extend(Quad(*t, NamedNode(BUILD_GRAPH)) for t in read_description(path / "void.ttl"))
    return db


@pytest.fixture(scope="module")
def corpus(examples_build: Path, ctx: Context, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples and, when ../shared holds it, the reference article, built into one output."""
    if not SEED.exists():
        return examples_build
    out = tmp_path_factory.mktemp("corpus") / "out"
    shutil.copytree(examples_build, out)
    build([SEED, EXAMPLES], out, ctx=ctx, progress=False)  # the examples are unchanged: only the article is built
    return out


@pytest.fixture(scope="module")
def rebuilt(examples_build: Path, ctx: Context, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples rebuilt after two edits: the weather article is gone, and the finance article lost the
    paragraph that named Arman Kasymov, its only mention anywhere."""
    home = tmp_path_factory.mktemp("rebuilt")
    news, out = home / "news", home / "out"
    shutil.copytree(EXAMPLES, news)
    (news / "07-weather-yekaterinburg.txt").unlink()
    finance = news / "05-finance-yuan-tenge.txt"
    finance.write_text(finance.read_text(encoding="utf-8").split("Аналитик инвестиционной")[0], encoding="utf-8")
    shutil.copytree(examples_build, out)
    build([news], out, ctx=ctx, progress=False, prune=True)
    return out


@pytest.fixture(scope="module")
def pushed_oxigraph(oxigraph_server: Server, corpus: Path) -> Server:
    push_build(corpus, oxigraph_server)
    return oxigraph_server


@pytest.fixture(scope="module")
def pushed_virtuoso(virtuoso_server: Server, corpus: Path) -> Server:
    push_build(corpus, virtuoso_server)
    return virtuoso_server


@pytest.fixture(scope="module")
def expected(corpus: Path) -> Store:
    return reference(corpus)


def queries() -> list[object]:
    named = [pytest.param(p.read_text(encoding="utf-8"), id=p.stem) for p in QUERIES]
    return named + [pytest.param(q, id=f"own-{name}") for name, q in OWN_QUERIES.items()]


# --- real servers ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sparql", queries())
def test_oxigraph_server_answers_like_the_embedded_store(pushed_oxigraph: Server, expected: Store, sparql: str) -> None:
    rows = embedded_rows(expected, sparql)
    if not rows and not SEED.exists():
        pytest.skip(f"this query answers only on {SEED.name}, which is absent")
    assert rows, "the query should have answers on the examples"
    assert http_rows(pushed_oxigraph, sparql) == rows


@pytest.mark.parametrize("sparql", queries())
def test_virtuoso_answers_like_the_embedded_store(pushed_virtuoso: Server, expected: Store, sparql: str) -> None:
    assert http_rows(pushed_virtuoso, sparql) == embedded_rows(expected, sparql)


def triple_count(server: Server) -> int:
    sparql = f'SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{OUR_GRAPHS}")) }}'
    (row,) = http_rows(server, sparql).elements()
    return int(row[0][1])


@pytest.mark.parametrize("name", ["pushed_oxigraph", "pushed_virtuoso"])
def test_pushing_twice_replaces_and_never_duplicates(
    name: str, request: pytest.FixtureRequest, corpus: Path, expected: Store
) -> None:
    server = request.getfixturevalue(name)
    before = triple_count(server)
    assert before == sum(1 for q in expected.quads_for_pattern(None, None, None, None) if _ours(q))
    assert [g.method for g in push_build(corpus, server)] == ["PUT"] * len(list(expected.named_graphs()))
    assert triple_count(server) == before


def _ours(quad: Quad) -> bool:
    return isinstance(quad.graph_name, NamedNode) and quad.graph_name.value.startswith(OUR_GRAPHS)


ALL_QUADS = f"""SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{OUR_GRAPHS}")) }}"""
KASYMOV = "https://w3id.org/kg-news/id/person/arman-kasymov"


@pytest.mark.parametrize("name", ["pushed_oxigraph", "pushed_virtuoso"])
def test_a_rebuild_pushed_over_a_build_leaves_exactly_the_rebuild(
    name: str, request: pytest.FixtureRequest, examples_build: Path, rebuilt: Path, corpus: Path
) -> None:
    """Build A, then B without one article and one entity: after pushing A then B the server holds B, quad for
    quad, with no trace of what only A had (its entity descriptions, its article's graph)."""
    server = request.getfixturevalue(name)
    about_kasymov = f"SELECT ?g ?p ?o WHERE {{ GRAPH ?g {{ <{KASYMOV}> ?p ?o }} }}"
    weather = "https://w3id.org/kg-news/graph/doc/07-weather-yekaterinburg"
    try:
        push_build(examples_build, server)
        assert http_rows(server, about_kasymov) == embedded_rows(reference(examples_build), about_kasymov)
        assert http_rows(server, about_kasymov)  # A names him, in the entities graph and his article's graph
        done = push_build(rebuilt, server)
        assert [(g.iri, g.method) for g in done if g.method != "PUT"] == [(weather, "DELETE")]
        b = reference(rebuilt)
        assert http_rows(server, ALL_QUADS) == embedded_rows(b, ALL_QUADS)
        assert not http_rows(server, about_kasymov)
        assert not http_rows(server, f"SELECT ?s WHERE {{ GRAPH <{weather}> {{ ?s ?p ?o }} }}")
    finally:
        push_build(corpus, server)  # what the other tests of this module expect the server to hold


def test_turtle_bodies_store_the_same_graphs(oxigraph_server: Server, examples_build: Path) -> None:
    db = Store.read_only(str(examples_build / "store"))
    push(db, oxigraph_server.store_url, fmt="ttl", progress=False)
    iri = next(g for g in push_module.graph_names(db) if "/doc/" in g)
    answer = requests.get(oxigraph_server.store_url, params={"graph": iri}, headers={"Accept": "application/n-triples"},
                          timeout=30)
    assert answer.status_code == 200
    served = {q.triple for q in parse(answer.content, format=RdfFormat.N_TRIPLES)}
    assert served == set(push_module.graph_triples(db, iri))


def test_a_4xx_shows_the_servers_answer(oxigraph_server: Server, examples_build: Path) -> None:
    db = Store.read_only(str(examples_build / "store"))
    wrong = oxigraph_server.store_url.replace("/store", "/query")  # the query endpoint takes no PUT
    with pytest.raises(PushError) as error:
        push(db, wrong, progress=False)
    message = str(error.value)
    assert "HTTP 404" in message and "PUT /query is not supported" in message
    assert "https://w3id.org/kg-news/graph/" in message  # which graph failed


def test_virtuoso_refuses_a_wrong_password_and_says_so(virtuoso_server: Server, examples_build: Path) -> None:
    db = Store.read_only(str(examples_build / "store"))
    auth = credentials("digest", {"KG_PUSH_USER": "dba", "KG_PUSH_PASSWORD": PASSWORD})
    with pytest.raises(PushError) as error:
        push(db, virtuoso_server.store_url, auth=auth, progress=False)
    assert "HTTP 401" in str(error.value)
    assert PASSWORD not in str(error.value)


def test_the_oxigraph_commands_of_the_docs_load_the_same_graph(examples_build: Path, tmp_path: Path) -> None:
    """docs/triple-stores.md: `oxigraph load` of graph.nq, then `oxigraph serve-read-only`, answers like the store."""
    port = free_port()
    edits = {"output/": f"{examples_build}/", "kg-db": str(tmp_path / "db"), "localhost:7878": f"127.0.0.1:{port}"}
    _, load = doc_command("oxigraph load", edits)
    _, serve = doc_command("oxigraph serve-read-only", edits)
    subprocess.run([str(oxigraph_binary()), *load[1:]], check=True, capture_output=True)
    log = tmp_path / "serve.log"
    with log.open("wb") as handle:
        process = subprocess.Popen([str(oxigraph_binary()), *serve[1:]], stdout=handle, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/query", process, log)
        server = Server("oxigraph-load", f"http://127.0.0.1:{port}/query", "", process, log)
        examples = Store.read_only(str(examples_build / "store"))
        for sparql in [p.read_text(encoding="utf-8") for p in QUERIES] + list(OWN_QUERIES.values()):
            assert http_rows(server, sparql) == embedded_rows(examples, sparql)
    finally:
        stop(process)


def test_the_push_commands_of_the_docs_work(
    oxigraph_server: Server, virtuoso_server: Server, examples_build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/triple-stores.md: `kg push` to Oxigraph's /store and, with digest auth, to Virtuoso."""
    store = ["--store", str(examples_build / "store"), "--quiet"]
    commands = {
        "kg push http://localhost:7878/store": (oxigraph_server, "http://localhost:7878"),
        "kg push --auth digest": (virtuoso_server, "http://localhost:8890"),
    }
    for command, (server, local) in commands.items():
        env, argv = doc_command(command, {local: server.store_url.rsplit("/", 1)[0]})
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(main, [*argv[1:], *store])
        assert result.exit_code == 0, result.output
        assert triple_count(server) > 0


def test_the_graphdb_repository_config_of_the_docs() -> None:
    """GraphDB is not packaged here: the repository config the docs POST must parse and ask for no inference."""
    (config,) = doc_blocks("turtle")
    db = Store()
    db.load(config.encode(), format=RdfFormat.TURTLE)
    rep, graphdb = "http://www.openrdf.org/config/repository#", "http://www.ontotext.com/config/graphdb#"
    values = {q.predicate.value: q.object.value for q in db}
    assert values[rep + "repositoryID"] == "kg" and values[rep + "repositoryType"] == "graphdb:SailRepository"
    assert values[graphdb + "ruleset"] == "empty" and values[graphdb + "disable-sameAs"] == "true"
    _, create = doc_command("curl -X POST -F", {})
    assert create[-2:] == ["config=@repo-config.ttl", "http://localhost:7200/rest/repositories"]


# --- a scripted server: retries, errors, credentials ------------------------------------------------------------

class Script:
    """The answers a scripted Graph Store gives, in order (the last one repeats), and the requests it saw."""

    def __init__(self, answers: list[tuple[int, str]]) -> None:
        self.answers = answers
        self.requests: list[dict] = []

    def next(self) -> tuple[int, str]:
        return self.answers[min(len(self.requests) - 1, len(self.answers) - 1)]


def handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            script.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                    "body": self.rfile.read(length)})
            status, text = script.next()
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET = do_DELETE = do_PUT

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads `script.requests` instead."""

    return Handler


@pytest.fixture
def scripted() -> Iterator[tuple[Script, str]]:
    """Start a scripted server; the test sets `script.answers` before pushing."""
    script = Script([(201, "")])
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield script, f"http://127.0.0.1:{server.server_address[1]}/store"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def small() -> Store:
    """A store of two tiny graphs."""
    db = Store()
    for name in ("a", "b"):
        graph = NamedNode(f"https://w3id.org/kg-news/graph/doc/{name}")
        s = NamedNode(f"https://w3id.org/kg-news/id/doc/{name}")
        db.add(Quad(s, NamedNode("https://w3id.org/kg-news/ontology#source"), Literal(f"{name}.txt"), graph))
        db.add(Quad(s, NamedNode(PREFIXES["rdfs"] + "label"), Literal("статья", language="ru"), graph))
    return db


def test_retries_5xx_with_exponential_backoff(scripted: tuple[Script, str], small: Store) -> None:
    script, url = scripted
    script.answers = [(503, "busy"), (502, "bad gateway"), (201, "")]
    waits: list[float] = []
    sent = push(small, url, progress=False, backoff=0.25, sleep=waits.append, batch=1)  # one at a time: in order
    assert [g.triples for g in sent] == [2, 2]
    assert len(script.requests) == 4  # 3 for the first graph, 1 for the second
    assert waits == [0.25, 0.5]
    first = script.requests[0]
    assert first["path"] == "/store?graph=https%3A%2F%2Fw3id.org%2Fkg-news%2Fgraph%2Fdoc%2Fa"
    assert first["headers"]["Content-Type"] == "application/n-triples"
    assert '"статья"@ru'.encode() in first["body"]


def test_batches_send_every_graph_once(scripted: tuple[Script, str], examples_build: Path) -> None:
    script, url = scripted
    db = Store.read_only(str(examples_build / "store"))
    sent = push(db, url, description=examples_build / "void.ttl", progress=False, batch=3)
    graphs = [unquote(r["path"].split("graph=", 1)[1]) for r in script.requests if r["method"] == "PUT"]
    assert sorted(graphs) == sorted(g.iri for g in sent) == sorted(g.iri for g in plan(db, examples_build / "void.ttl"))
    assert [g.iri for g in sent][-1] == graphs[-1] == BUILD_GRAPH
    assert {r["method"] for r in script.requests} == {"PUT", "GET"}  # the previous record, read before it is replaced


def test_graphs_of_documents_no_longer_built_are_deleted_before_the_new_record(
    scripted: tuple[Script, str], small: Store, tmp_path: Path
) -> None:
    script, url = scripted
    void = tmp_path / "void.ttl"
    void.write_text("<https://w3id.org/kg-news/dataset> <http://www.w3.org/ns/prov#wasDerivedFrom> "
                    "<https://w3id.org/kg-news/id/doc/a> .\n", encoding="utf-8")
    previous = "".join(f"<https://w3id.org/kg-news/dataset> <http://www.w3.org/ns/prov#wasDerivedFrom> "
                       f"<https://w3id.org/kg-news/id/doc/{name}> .\n" for name in ("a", "gone", "gone#char=0,5"))
    script.answers = [(201, ""), (201, ""), (200, previous), (204, ""), (201, "")]
    done = push(small, url, description=void, progress=False, batch=1)
    calls = [(r["method"], unquote(r["path"].split("graph=", 1)[1])) for r in script.requests]
    graph = "https://w3id.org/kg-news/graph/"
    assert calls == [("PUT", graph + "doc/a"), ("PUT", graph + "doc/b"), ("GET", BUILD_GRAPH),
                     ("DELETE", graph + "doc/gone"), ("PUT", BUILD_GRAPH)]
    assert [(g.iri, g.method) for g in done] == [(iri, method) for method, iri in calls if method != "GET"]


def test_a_build_record_that_is_not_rdf_is_a_clear_error(
    scripted: tuple[Script, str], small: Store, examples_build: Path
) -> None:
    script, url = scripted
    script.answers = [(201, ""), (201, ""), (200, "<html>not a graph</html>")]
    with pytest.raises(PushError, match=r"GET https://w3id\.org/kg-news/graph/build from .*: the answer is not N-Tr"):
        push(small, url, description=examples_build / "void.ttl", progress=False, batch=1)
    assert [r["method"] for r in script.requests] == ["PUT", "PUT", "GET"]  # nothing deleted, no record replaced


def test_gives_up_after_the_last_retry_with_the_servers_answer(scripted: tuple[Script, str], small: Store) -> None:
    script, url = scripted
    script.answers = [(500, "Internal error\nline 2\nstack trace here")]
    waits: list[float] = []
    with pytest.raises(PushError) as error:
        push(small, url, progress=False, retries=2, backoff=1, sleep=waits.append, batch=1)
    assert len(script.requests) == 3 and waits == [1, 2]
    assert "HTTP 500" in str(error.value) and "Internal error" in str(error.value) and "line 2" in str(error.value)


def test_retries_connection_errors() -> None:
    url = f"http://127.0.0.1:{free_port()}/store"  # nothing listens there
    waits: list[float] = []
    db = Store()
    db.add(Quad(NamedNode("http://a/s"), NamedNode("http://a/p"), NamedNode("http://a/o"), NamedNode("http://a/g")))
    with pytest.raises(PushError, match="no answer after 3 attempts"):
        push(db, url, progress=False, retries=2, backoff=0.5, sleep=waits.append)
    assert waits == [0.5, 1.0]


def test_a_4xx_is_not_retried(scripted: tuple[Script, str], small: Store) -> None:
    script, url = scripted
    script.answers = [(400, "Parse error at line 1: unexpected '<'\nsecond line\n" + "x" * 5000)]
    with pytest.raises(PushError) as error:
        push(small, url, progress=False, sleep=lambda _: pytest.fail("a 4xx must not be retried"), batch=1)
    assert len(script.requests) == 1
    message = str(error.value)
    assert "HTTP 400 Bad Request" in message and "Parse error at line 1" in message and "second line" in message
    assert len(message) < 1500  # the first lines of the answer, not all of it


def test_dry_run_lists_graphs_and_sends_nothing(scripted: tuple[Script, str], examples_build: Path) -> None:
    script, url = scripted
    result = CliRunner().invoke(main, ["push", url, "--store", str(examples_build / "store"), "--dry-run"])
    assert result.exit_code == 0, result.output
    listed = dict(line.split("\t") for line in result.stdout.splitlines())
    db = Store.read_only(str(examples_build / "store"))
    expected_plan = plan(db, examples_build / "void.ttl")
    assert listed == {g.iri: str(g.triples) for g in expected_plan}
    assert BUILD_GRAPH in listed and "https://w3id.org/kg-news/graph/ontology" in listed
    assert sum(1 for iri in listed if "/graph/doc/" in iri) == 7
    assert script.requests == []


def test_basic_auth_is_sent_and_credentials_never_shown(
    scripted: tuple[Script, str], examples_build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, url = scripted
    script.answers = [(201, ""), (403, "Forbidden: graph is read-only")]
    monkeypatch.setenv("KG_PUSH_USER", USER)
    monkeypatch.setenv("KG_PUSH_PASSWORD", PASSWORD)
    result = CliRunner().invoke(main, ["push", url, "--store", str(examples_build / "store"), "--auth", "basic"])
    assert result.exit_code == 1
    assert "HTTP 403" in result.output and "graph is read-only" in result.output
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert script.requests[0]["headers"]["Authorization"] == f"Basic {token}"
    for secret in (USER, PASSWORD, token):
        assert secret not in result.output
        assert secret not in repr(result.exception)


def test_credentials_are_not_in_exception_messages(
    scripted: tuple[Script, str], small: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, url = scripted
    script.answers = [(401, "")]
    env = {"KG_PUSH_USER": USER, "KG_PUSH_PASSWORD": PASSWORD}
    closed = f"http://127.0.0.1:{free_port()}/store"
    failures = []
    attempts = [
        (url, credentials("digest", env)), (url, credentials(None, env)), (closed, HTTPBasicAuth(USER, PASSWORD)),
    ]
    for target, auth in attempts:
        with pytest.raises(PushError) as error:
            push(small, target, auth=auth, progress=False, retries=1, sleep=lambda _: None)
        failures.append(error.value)
    with pytest.raises(PushError) as error:
        push(small, url.replace("http://", f"http://{USER}:{PASSWORD}@"), progress=False)
    failures.append(error.value)
    for failure in failures:
        text = f"{failure}\n{failure!r}\n{failure.__cause__!r}"
        assert USER not in text and PASSWORD not in text
    assert "credentials refused or missing" in str(failures[0])


def test_auth_needs_both_variables() -> None:
    with pytest.raises(PushError, match="KG_PUSH_PASSWORD"):
        credentials("basic", {"KG_PUSH_USER": USER})
    assert credentials(None, {}) is None
    assert credentials("none", {"KG_PUSH_USER": USER, "KG_PUSH_PASSWORD": PASSWORD}) is None
    assert isinstance(credentials(None, {"KG_PUSH_USER": USER, "KG_PUSH_PASSWORD": PASSWORD}), HTTPBasicAuth)


# --- the command as a user runs it: progress on stderr, credentials nowhere -------------------------------------

def run_kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `kg` in its own process, as a user would; the environment is ours plus `env`."""
    return subprocess.run([*kg_command(), *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def test_the_progress_bar_goes_to_stderr(scripted: tuple[Script, str], examples_build: Path) -> None:
    _, url = scripted
    store = ["--store", str(examples_build / "store")]
    n = len(plan(Store.read_only(str(examples_build / "store")), examples_build / "void.ttl"))
    done = run_kg("push", url, *store)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert re.search(rf"graphs: 100%\|.*\| {n}/{n} \[", done.stderr), done.stderr
    assert f"pushed {n} graphs" in done.stderr
    quiet = run_kg("push", url, *store, "--quiet")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def test_digest_credentials_never_show_in_the_output(virtuoso_server: Server, examples_build: Path) -> None:
    store = ["--store", str(examples_build / "store")]
    pushed = run_kg("push", "--auth", "digest", virtuoso_server.store_url, *store,
                    env={"KG_PUSH_USER": "dba", "KG_PUSH_PASSWORD": "dba"})
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed" in pushed.stderr and "graphs: 100%" in pushed.stderr
    assert "dba" not in pushed.stdout + pushed.stderr
    refused = run_kg("push", "--auth", "digest", virtuoso_server.store_url, *store,
                     env={"KG_PUSH_USER": USER, "KG_PUSH_PASSWORD": PASSWORD})
    assert refused.returncode == 1 and "HTTP 401" in refused.stderr
    for secret in (USER, PASSWORD):
        assert secret not in refused.stdout + refused.stderr


def test_answers_are_compared_as_multisets() -> None:
    """A server answering a row twice, or once where the store has it twice, does not compare equal."""
    def results(times: int) -> dict:
        row = {"x": {"type": "uri", "value": "http://a/x"}}
        return {"head": {"vars": ["x"]}, "results": {"bindings": [row] * times}}

    sparql = "SELECT ?x WHERE { ?x ?p ?o }"
    assert json_rows(results(2), sparql) != json_rows(results(1), sparql)
    db = Store()
    db.extend(Quad(NamedNode("http://a/x"), NamedNode(f"http://a/p{i}"), Literal("o")) for i in range(2))
    assert embedded_rows(db, sparql) == json_rows(results(2), sparql) != json_rows(results(1), sparql)
