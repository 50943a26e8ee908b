"""`kg push`: make a SPARQL 1.1 Graph Store Protocol endpoint hold exactly the built output, one HTTP PUT per graph.

Every graph is PUT, so it replaces what the server held under that name: pushing again never duplicates, and a
fact or an entity a rebuild dropped is gone from the server too. The build record (void.ttl, the graph
`BUILD_GRAPH`) goes last; the documents the server's previous record lists but the output no longer holds have
their graphs deleted first. Credentials come from the environment (`KG_PUSH_USER`, `KG_PUSH_PASSWORD`) and are
never printed: messages name the graph, the URL and the server's answer, and a URL with credentials in it is refused.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from pyoxigraph import NamedNode, RdfFormat, Store, Triple, parse, serialize
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth
from tqdm import tqdm

from kg import dataset
from kg.batching import batches
from kg.rdf import PREFIXES
from kg.vocab import BUILD_GRAPH, doc_graph, doc_iri

USER_VAR, PASSWORD_VAR = "KG_PUSH_USER", "KG_PUSH_PASSWORD"
BODY_FORMATS = {
    "nt": (RdfFormat.N_TRIPLES, "application/n-triples"),
    "ttl": (RdfFormat.TURTLE, "text/turtle"),
}
TIMEOUT = (10, 300)  # seconds to connect, seconds to wait for the answer (a big graph takes a while to load)
ANSWER_LINES, ANSWER_CHARS = 8, 800  # how much of a server's error answer to show


class PushError(Exception):
    """A graph could not be stored; the message says which, where, and what the server answered."""


@dataclass(frozen=True)
class Graph:
    """A named graph, how many triples it holds, and what a push does with it: PUT, or DELETE when stale."""

    iri: str
    triples: int
    method: str = "PUT"

def check_url(url: str) -> None:
    """Refuse URLs we cannot use, and URLs carrying credentials (they would end up in messages)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushError(f"not an http(s) URL: {url!r}")
    if parts.username is not None or parts.password is not None:
        raise PushError(f"put credentials in {USER_VAR} and {PASSWORD_VAR}, not in the URL")


def credentials(scheme: str | None, env: Mapping[str, str] = os.environ) -> AuthBase | None:
    """HTTP authentication from the environment: `scheme` is basic, digest, none, or None for basic-if-set."""
    user, password = env.get(USER_VAR), env.get(PASSWORD_VAR)
    if scheme == "none" or (scheme is None and not user):
        return None
    if not user or password is None:
        raise PushError(f"--auth {scheme}: set {USER_VAR} and {PASSWORD_VAR}")
    return HTTPDigestAuth(user, password) if scheme == "digest" else HTTPBasicAuth(user, password)


def graph_names(db: Store) -> list[str]:
    """Every named graph of the store (articles, ontology, build record), sorted."""
    return sorted(g.value for g in db.named_graphs() if isinstance(g, NamedNode))


def graph_triples(db: Store, iri: str) -> list[Triple]:
    """The triples of one named graph, sorted so a body is the same on every push."""
    return sorted((q.triple for q in db.quads_for_pattern(None, None, None, NamedNode(iri))), key=str)


def description_graph(path: Path | None) -> list[tuple[str, list[Triple]]]:
    """The dataset description (void.ttl) as the build graph, when there is one."""
    if path is None or not path.exists():
        return []
    return [(BUILD_GRAPH, sorted(dataset.read(path), key=str))]


def plan(db: Store, description: Path | None = None) -> list[Graph]:
    """What a push would send: each graph with its triple count."""
    graphs = [Graph(iri, len(graph_triples(db, iri))) for iri in graph_names(db)]
    return graphs + [Graph(iri, len(triples)) for iri, triples in description_graph(description)]


def body(triples: Sequence[Triple], fmt: str = "nt") -> bytes:
    """A graph as an HTTP body: N-Triples or Turtle."""
    rdf_format = BODY_FORMATS[fmt][0]
    return serialize(triples, format=rdf_format, prefixes=PREFIXES if fmt == "ttl" else None) or b""


def answer(response: requests.Response) -> str:
    """The server's answer, short: status line and the first lines of its body."""
    lines = response.text[:ANSWER_CHARS].strip().splitlines()[:ANSWER_LINES]
    if response.status_code == 401 and not lines:
        lines = [f"(credentials refused or missing: check --auth, {USER_VAR} and {PASSWORD_VAR})"]
    return "\n".join([f"HTTP {response.status_code} {response.reason}", *("  " + line for line in lines)])


def send(
    session: requests.Session,
    method: str,
    url: str,
    iri: str,
    data: bytes | None = None,
    content_type: str | None = None,
    *,
    retries: int = 5,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> requests.Response | None:
    """One Graph Store request about graph `iri`; retry 5xx answers and connection failures with exponential
    backoff; fail on 4xx, except 404 to a GET or DELETE (no such graph), which gives None."""
    headers = {"Content-Type": content_type} if content_type else {}
    if method == "GET":
        headers["Accept"] = "application/n-triples"
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            response = session.request(
                method, url, params={"graph": iri}, data=data, headers=headers, timeout=TIMEOUT
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            if last:
                message = f"{method} {iri} to {url}: no answer after {retries + 1} attempts: {error}"
                raise PushError(message) from error
        else:
            if response.ok:
                return response
            if response.status_code == 404 and method in ("GET", "DELETE"):
                return None
            if response.status_code < 500 or last:
                raise PushError(f"{method} {iri} to {url} failed:\n{answer(response)}")
        sleep(backoff * 2**attempt)
    return None  # not reached: the last attempt returns or raises


def recorded_graphs(record: requests.Response) -> set[str]:
    """The document graphs a build record, as a server sent it back, lists: one per document IRI named in it."""
    media_type = record.headers.get("Content-Type", "").split(";")[0].strip()
    rdf_format = RdfFormat.from_media_type(media_type) or RdfFormat.N_TRIPLES
    try:
        quads = list(parse(record.content, format=rdf_format))
    except SyntaxError as error:
        raise PushError(f"GET {BUILD_GRAPH} from {record.url}: the answer is not {rdf_format}: {error}") from error
    prefix = doc_iri("")
    iris = {term.value for quad in quads for term in (quad.subject, quad.object)
            if isinstance(term, NamedNode) and term.value.startswith(prefix)}
    return {doc_graph(iri[len(prefix):]) for iri in iris if "#" not in iri}


def push(
    db: Store,
    url: str,
    *,
    description: Path | None = None,
    auth: AuthBase | None = None,
    fmt: str = "nt",
    batch: int = 4,
    retries: int = 5,
    backoff: float = 0.5,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Graph]:
    """PUT every named graph of `db` to the Graph Store `url`, then, given the `description` (void.ttl): DELETE the
    graphs of documents the server's previous build record lists but `db` no longer holds, and PUT the description
    as the new record. What was done, graph by graph.

    Graphs go in batches of `batch`: read and serialized here, then sent concurrently, so memory holds at most
    `batch` bodies and a slow server is never sent more than `batch` requests at once.
    """
    check_url(url)
    names = graph_names(db)
    record = description_graph(description)
    done: list[Graph] = []
    options = {"retries": retries, "backoff": backoff, "sleep": sleep}
    content_type = BODY_FORMATS[fmt][1]
    with requests.Session() as session, ThreadPoolExecutor(max_workers=batch) as pool, tqdm(
        total=len(names) + len(record), desc="graphs", unit="graph", file=sys.stderr, disable=not progress
    ) as bar:
        session.auth = auth

        def put(chunk: list[tuple[str, list[Triple]]]) -> None:
            """PUT a batch of graphs concurrently; raise the PushError of the first that failed."""
            futures = [pool.submit(send, session, "PUT", url, iri, body(triples, fmt), content_type, **options)
                       for iri, triples in chunk]
            for (iri, triples), future in zip(chunk, futures, strict=True):
                future.result()
                done.append(Graph(iri, len(triples)))
                bar.update()

        for chunk in batches(names, batch):
            put([(iri, graph_triples(db, iri)) for iri in chunk])
        if record:
            previous = send(session, "GET", url, BUILD_GRAPH, **options)
            stale = sorted(recorded_graphs(previous) - set(names)) if previous is not None else []
            bar.total += len(stale)
            for chunk in batches(stale, batch):
                list(pool.map(lambda iri: send(session, "DELETE", url, iri, **options), chunk))
                done.extend(Graph(iri, 0, "DELETE") for iri in chunk)
                bar.update(len(chunk))
            put(record)
    return done
