"""Real triple stores for tests (an Oxigraph server from the venv, Virtuoso 7 from Debian), and comparing answers.

Each runs on free loopback ports with a temporary database, is waited for until it answers, and is stopped
(terminate, then kill) when the tests that use it are done. A store whose binary is missing is skipped, saying
which package provides it.
"""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
import requests
from pyoxigraph import BlankNode, Literal, NamedNode, Store
from requests.auth import AuthBase, HTTPDigestAuth

from kg import store as kg_store
from kg.rdf import PREFIXES
from kg.serve import oxigraph_binary

READY_TIMEOUT = 60.0  # seconds; a fresh Virtuoso database takes a few to initialise
STOP_TIMEOUT = 15.0
ASK = "ASK { }"


@dataclass
class Server:
    """A running SPARQL server: where to query it and where to PUT graphs."""

    name: str
    query_url: str  # SPARQL 1.1 Protocol
    store_url: str  # SPARQL 1.1 Graph Store Protocol
    process: subprocess.Popen
    log: Path
    auth: AuthBase | None = None
    home: Path = field(default_factory=Path)
    sql_port: int = 0  # Virtuoso's ISQL port


def kg_command() -> list[str]:
    """The `kg` console script of this venv (or the module, when not installed)."""
    script = Path(sys.executable).parent / "kg"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from kg.cli import main; main()"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = READY_TIMEOUT) -> None:
    """Poll a SPARQL endpoint with ASK {} until it answers 200; fail with the server's log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{_tail(log)}")
        if _answers(url):
            return
        time.sleep(0.2)
    stop(process)
    pytest.fail(f"server not ready after {timeout:.0f} s:\n{_tail(log)}")


def _answers(url: str) -> bool:
    """True when the endpoint answers ASK {} with 200; False while it is not listening yet."""
    try:
        return requests.get(url, params={"query": ASK}, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def stop(process: subprocess.Popen) -> None:
    """Terminate a server and wait for it; kill it if it does not exit in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def start(command: list[str], home: Path, query_url: str) -> tuple[subprocess.Popen, Path]:
    """Start a server in `home`, its output in `home`/server.log, and wait until it answers queries."""
    log = home / "server.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(command, cwd=home, stdout=handle, stderr=subprocess.STDOUT)
    wait_until_ready(query_url, process, log)
    return process, log


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A read-write Oxigraph server (`oxigraph` from PyPI), empty, querying all graphs as the default graph."""
    try:
        binary = oxigraph_binary()
    except FileNotFoundError as error:
        pytest.skip(str(error))
    home = tmp_path_factory.mktemp("oxigraph")
    base = f"http://127.0.0.1:{free_port()}"
    bind = base.removeprefix("http://")
    command = [str(binary), "serve", "--location", str(home / "db"), "--bind", bind, "--union-default-graph"]
    process, log = start(command, home, f"{base}/query")
    yield Server("oxigraph", f"{base}/query", f"{base}/store", process, log, home=home)
    stop(process)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {home}/virtuoso.db
ErrorLogFile = {home}/virtuoso.log
LockFile = {home}/virtuoso.lck
TransactionFile = {home}/virtuoso.trx
xa_persistent_file = {home}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {home}/virtuoso-temp.db
TransactionFile = {home}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {home}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ServerThreads = 10
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {home}
MaxClientConnections = 5
ServerThreads = 5

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 400
"""


def virtuoso_ini(home: Path, sql_port: int, http_port: int) -> Path:
    """An ini file for a database in `home`, SQL and HTTP servers bound to 127.0.0.1 only."""
    path = home / "virtuoso.ini"
    path.write_text(VIRTUOSO_INI.format(home=home, sql_port=sql_port, http_port=http_port))
    return path


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Virtuoso Open Source 7 with a fresh database; its Graph Store endpoint takes digest dba/dba."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        pytest.skip("virtuoso-t is not installed (Debian virtuoso-opensource-7-bin; run .ci/system-deps)")
    home = tmp_path_factory.mktemp("virtuoso")
    http_port, sql_port = free_port(), free_port()
    ini = virtuoso_ini(home, sql_port, http_port)
    base = f"http://127.0.0.1:{http_port}"
    process, log = start([binary, "+foreground", "+configfile", str(ini)], home, f"{base}/sparql")
    yield Server(
        "virtuoso", f"{base}/sparql", f"{base}/sparql-graph-crud-auth", process, log,
        auth=HTTPDigestAuth("dba", "dba"), home=home, sql_port=sql_port,
    )
    stop(process)


# --- comparing answers on values --------------------------------------------------------------------------------

def with_prefixes(sparql: str) -> str:
    """The query with our prefixes declared, as `kg query` has them built in (servers do not)."""
    declared = {m.lower() for m in re.findall(r"PREFIX\s+(\w*):", sparql, flags=re.IGNORECASE)}
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p.lower() not in declared)
    return head + sparql


def concatenations(sparql: str) -> dict[str, str]:
    """Variables bound by GROUP_CONCAT, with their separator: their order of parts differs between engines."""
    pattern = r'GROUP_CONCAT\s*\((?:DISTINCT\s+)?\?\w+\s*(?:;\s*separator\s*=\s*"([^"]*)")?\)\s*AS\s+\?(\w+)'
    return {var: sep or " " for sep, var in re.findall(pattern, sparql, flags=re.IGNORECASE)}


def value(kind: str, text: str, datatype: str | None, separator: str | None) -> tuple[str, str]:
    """A comparable value: numbers by value (Virtuoso rewrites 0.90 as 0.9), blank nodes by kind only."""
    if kind == "bnode":
        return kind, ""
    if separator is not None:
        return kind, separator.join(sorted(text.split(separator)))
    if datatype and datatype.startswith("http://www.w3.org/2001/XMLSchema#") and datatype.endswith(NUMERIC):
        try:
            return "literal", format(Decimal(text).normalize(), "f")
        except InvalidOperation:
            return "literal", text
    return ("uri" if kind == "uri" else "literal"), text


NUMERIC = ("integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger",
           "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")


def term_value(term: object, separator: str | None) -> tuple[str, str] | None:
    if term is None:
        return _unbound(separator)
    if isinstance(term, NamedNode):
        return value("uri", term.value, None, separator)
    if isinstance(term, BlankNode):
        return value("bnode", term.value, None, separator)
    assert isinstance(term, Literal)
    return value("literal", term.value, term.datatype.value, separator)


def embedded_rows(db: Store, sparql: str) -> Counter[tuple]:
    """The rows of a SELECT over the embedded store, as a multiset: a duplicated row counts twice."""
    result = kg_store.query(db, sparql)
    names = [v.value for v in result.variables]
    seps = concatenations(sparql)
    return Counter(tuple(term_value(s[n], seps.get(n)) for n in names) for s in result)


def http_rows(server: Server, sparql: str) -> Counter[tuple]:
    """A SELECT over SPARQL 1.1 Protocol, results as JSON, without default-graph-uri (all graphs)."""
    response = requests.post(server.query_url, data={"query": with_prefixes(sparql)},
                             headers={"Accept": "application/sparql-results+json"}, timeout=120)
    assert response.status_code == 200, f"{server.name}: HTTP {response.status_code}\n{response.text[:2000]}"
    return json_rows(response.json(), sparql)


def json_rows(results: dict, sparql: str) -> Counter[tuple]:
    """The rows of SPARQL 1.1 Results JSON as a multiset, comparable with `embedded_rows`."""
    names, seps = results["head"]["vars"], concatenations(sparql)
    return Counter(tuple(_binding(b.get(n), seps.get(n)) for n in names) for b in results["results"]["bindings"])


def _unbound(separator: str | None) -> tuple[str, str] | None:
    """Unbound, except GROUP_CONCAT of nothing: Virtuoso answers "" where Oxigraph leaves it unbound."""
    return None if separator is None else ("literal", "")


def _binding(binding: dict | None, separator: str | None) -> tuple[str, str] | None:
    if binding is None:
        return _unbound(separator)
    return value(binding["type"], binding["value"], binding.get("datatype"), separator)


# --- the commands and snippets of docs/triple-stores.md ---------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "triple-stores.md"


def doc_blocks(language: str) -> list[str]:
    """The fenced code blocks of docs/triple-stores.md in `language`."""
    return re.findall(rf"^```{language}\n(.*?)^```", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)


def doc_command(command: str, replacements: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The first shell line of the docs that starts with `command`, edited for this test: (environment, argv)."""
    for block in doc_blocks("sh"):
        for line in block.splitlines():
            _, argv = _env_and_argv(line)
            if argv[: len(command.split())] == command.split():
                return _env_and_argv(_edit(line, replacements))
    raise AssertionError(f"docs/triple-stores.md runs no `{command}`")


def _env_and_argv(line: str) -> tuple[dict[str, str], list[str]]:
    words = shlex.split(line)
    env = dict(w.split("=", 1) for w in itertools.takewhile(lambda w: re.match(r"^\w+=", w), words))
    return env, words[len(env):]


def doc_python(marker: str, replacements: dict[str, str]) -> str:
    """The Python snippet of the docs that contains `marker`, edited for this test."""
    block = next((b for b in doc_blocks("python") if marker in b), None)
    assert block is not None, f"docs/triple-stores.md has no Python snippet with {marker}"
    return _edit(block, replacements)


def _edit(text: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text
