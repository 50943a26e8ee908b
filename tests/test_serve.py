"""`kg serve`: the Oxigraph server over the built store, read-only, started and stopped as a user would."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
import requests
from click.testing import CliRunner
from pyoxigraph import Store

from kg import serve as serve_module
from kg import store as kg_store
from kg.cli import main
from tests import servers
from tests.servers import (
    Server,
    doc_command,
    doc_python,
    embedded_rows,
    free_port,
    http_rows,
    json_rows,
    kg_command,
    stop,
    wait_until_ready,
)

virtuoso_server = servers.virtuoso_server  # fixture

ROOT = Path(__file__).resolve().parent.parent
QUERIES = sorted((ROOT / "ontology" / "queries").glob("*.rq"))
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@dataclass
class Running:
    """A `kg serve` process and where it answers."""

    process: subprocess.Popen
    base: str
    log: Path

    @property
    def server(self) -> Server:
        return Server("kg serve", f"{self.base}/query", f"{self.base}/store", self.process, self.log)


def start_kg_serve(argv: list[str], port: int, log: Path) -> Running:
    """Run `kg serve …` as a user would; SIGINT reaches it even when the test runner ignores it."""
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [*kg_command(), *argv], stdout=handle, stderr=subprocess.STDOUT,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    base = f"http://127.0.0.1:{port}"
    wait_until_ready(f"{base}/query", process, log)
    return Running(process, base, log)


@pytest.fixture
def served(examples_build: Path, tmp_path: Path) -> Iterator[Running]:
    """`kg serve` over the examples' store, started with the command line of docs/triple-stores.md."""
    port = free_port()
    _, argv = doc_command("kg serve", {"output/": f"{examples_build}/", "7878": str(port)})
    running = start_kg_serve(argv[1:], port, tmp_path / "serve.log")
    yield running
    stop(running.process)


def test_answers_sparql_over_the_union_of_all_graphs(served: Running, examples_build: Path) -> None:
    embedded = Store.read_only(str(examples_build / "store"))
    assert http_rows(served.server, COUNT) == embedded_rows(embedded, COUNT)
    for path in QUERIES:
        sparql = path.read_text(encoding="utf-8")
        assert http_rows(served.server, sparql) == embedded_rows(embedded, sparql), path.name


def test_has_a_query_page(served: Running) -> None:
    page = requests.get(f"{served.base}/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Oxigraph" in page.text


def test_refuses_writes(served: Running) -> None:
    before = http_rows(served.server, COUNT)
    update = requests.post(f"{served.base}/update", data="INSERT DATA { <http://a/s> <http://a/p> <http://a/o> }",
                           headers={"Content-Type": "application/sparql-update"}, timeout=10)
    put = requests.put(f"{served.base}/store", params={"graph": "http://a/g"}, data=b"<http://a/s> <http://a/p> 1 .",
                       headers={"Content-Type": "application/n-triples"}, timeout=10)
    assert update.status_code == 403 and put.status_code == 403
    assert http_rows(served.server, COUNT) == before


def test_ctrl_c_stops_it_cleanly(served: Running) -> None:
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=15) == 0
    output = served.log.read_text(errors="replace")
    assert "Traceback" not in output and "read-only" in output
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{served.base}/query", params={"query": "ASK {}"}, timeout=5)


def test_sigterm_stops_the_server_too(served: Running) -> None:
    served.process.terminate()
    assert served.process.wait(timeout=15) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{served.base}/query", params={"query": "ASK {}"}, timeout=5)


class FakeServer:
    """Stands in for the oxigraph process: records its command line, exits at once."""

    commands: ClassVar[list[list[str]]] = []

    def __init__(self, command: list[str]) -> None:
        self.commands.append(command)

    def wait(self) -> int:
        return 0


def test_warns_when_bound_beyond_loopback(
    examples_build: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(serve_module.subprocess, "Popen", FakeServer)
    store = examples_build / "store"
    assert serve_module.serve(store, "127.0.0.1", 7878) == 0
    assert "warning" not in capsys.readouterr().err
    assert serve_module.serve(store, "0.0.0.0", 7878) == 0
    err = capsys.readouterr().err
    assert "warning: listening on 0.0.0.0" in err and f"at http://{socket.gethostname()}:7878/" in err
    assert "at http://127.0.0.1:7878/ (SPARQL endpoint http://127.0.0.1:7878/query)" in err
    assert "http://0.0.0.0" not in err
    command = FakeServer.commands[-1]
    assert command[1:] == ["serve-read-only", "--location", str(store), "--bind", "0.0.0.0:7878",
                           "--union-default-graph"]
    assert Path(command[0]).parent == Path(sys.executable).parent  # the oxigraph of this venv


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", "http://127.0.0.1:7878/"), ("0.0.0.0", "http://127.0.0.1:7878/"), ("::", "http://[::1]:7878/"),
    ("::1", "http://[::1]:7878/"), ("192.168.1.10", "http://192.168.1.10:7878/"), ("localhost", "http://localhost:7878/"),
])
def test_printed_urls_are_ones_a_browser_can_open(host: str, local: str) -> None:
    assert serve_module.url(host, 7878) == local
    network = serve_module.network_url(host, 7878)
    assert network == (f"http://{socket.gethostname()}:7878/" if host in ("0.0.0.0", "::") else local)


def test_the_url_printed_for_every_interface_answers(examples_build: Path, tmp_path: Path) -> None:
    port = free_port()
    running = start_kg_serve(["serve", "--store", str(examples_build / "store"), "--host", "0.0.0.0",
                              "--port", str(port)], port, tmp_path / "serve.log")
    try:
        printed = re.search(r"read-only at (\S+) ", running.log.read_text()).group(1)
        assert printed == f"http://127.0.0.1:{port}/"
        answer = requests.get(printed + "query", params={"query": "ASK { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"}, timeout=10)
        assert answer.status_code == 200 and answer.json()["boolean"] is True
    finally:
        stop(running.process)


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False),
])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert serve_module.is_loopback(host) is loopback


def test_a_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--store", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "no store here" in result.output and "kg build" in result.output


# --- the Python snippets of docs/triple-stores.md -------------------------------------------------------------

def run_snippet(code: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Run a documentation snippet; the lines it printed."""
    exec(compile(code, "docs/triple-stores.md", "exec"), {})
    return capsys.readouterr().out.splitlines()


def entity_counts(db: Store) -> list[str]:
    sparql = """SELECT ?class (COUNT(DISTINCT ?entity) AS ?entities)
                WHERE { ?doc kg:mentions ?entity . ?entity a ?class } GROUP BY ?class ORDER BY ?class"""
    return [f"{row['class'].value} {row['entities'].value}" for row in kg_store.query(db, sparql)]


def test_the_pyoxigraph_snippet(examples_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = doc_python("use_default_graph_as_union", {"output/": f"{examples_build}/"})
    expected = entity_counts(Store.read_only(str(examples_build / "store")))
    assert run_snippet(code, capsys) == expected and expected


@pytest.mark.skipif(shutil.which("virtuoso-t") is None, reason="needs virtuoso-t for its second half")
def test_the_sparqlwrapper_snippet_on_kg_serve_and_virtuoso(
    served: Running, virtuoso_server: Server, examples_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = Store.read_only(str(examples_build / "store"))
    expected = entity_counts(examples)
    code = doc_python("SPARQLWrapper", {"http://localhost:7878/query": served.server.query_url})
    assert run_snippet(code, capsys) == expected
    edits = {"/srv/kg/output": str(virtuoso_server.home), "1111": f"127.0.0.1:{virtuoso_server.sql_port}"}
    _, isql = doc_command("isql-vt", edits)
    shutil.copy(examples_build / "graph.nq", virtuoso_server.home / "graph.nq")
    loaded = subprocess.run(isql, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0 and "Error" not in loaded.stdout + loaded.stderr, loaded.stdout + loaded.stderr
    code = doc_python("SPARQLWrapper", {"http://localhost:7878/query": virtuoso_server.query_url})
    assert run_snippet(code, capsys) == expected
    _, curl = doc_command("curl -H", {"http://localhost:8890/sparql": virtuoso_server.query_url})
    answer = subprocess.run(curl, capture_output=True, cwd=ROOT, check=True, timeout=60).stdout
    query_file = next(arg.split("@", 1)[1] for arg in curl if arg.startswith("query@"))
    sparql = (ROOT / query_file).read_text(encoding="utf-8")
    rows = json_rows(json.loads(answer), sparql)
    assert rows and rows == embedded_rows(examples, sparql)
