"""An independent reader: Apache Jena (riot, TDB2) accepts every serialization we write, with no error or warning.

Debian 12's `libapache-jena-java` does not run with `java -cp '/usr/share/java/*'`: that class path holds two
SLF4J bindings (riot dies at start-up), and jena-core.jar relocates Xerces' classes to `xerces.` without their
message files (every XSD datatype check dies). `jena()` builds a class path that works: Jena's jars and their
dependencies, `slf4j-simple` as the one binding (it prints riot's warnings and errors on stderr), and a directory
with the message files where the relocated classes look for them. Jena's JSON-LD 1.1 reader needs a JSON-P provider
Debian does not package, so JSON-LD is read with `--syntax=jsonld10` (jsonld-java).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from pyoxigraph import Store
from rdflib.compare import isomorphic

from kg import store as kg_store
from kg.cli import main
from tests.servers import doc_blocks, doc_command, embedded_rows, json_rows

# rdflib's own N-Quads and JSON-LD parsers use its deprecated ConjunctiveGraph API internally.
pytestmark = pytest.mark.filterwarnings("ignore:.*(default_context|ConjunctiveGraph).*:DeprecationWarning")
ROOT = Path(__file__).resolve().parent.parent
JAVA_DIR = Path("/usr/share/java")
# Jars that must not be on the class path: other SLF4J bindings and bridges, and unrelated tools.
EXCLUDED = re.compile(
    r"slf4j-(log4j12|jcl|jdk14|nop|migrator)|log4j-over-slf4j|jcl-over-slf4j|jul-to-slf4j|maven|plexus|sisu|wagon"
    r"|guice|aether|cdi-api|java-atk"
)
VERSIONED = re.compile(r"-\d[^/]*\.jar$")  # Debian installs each jar twice: name.jar and name-1.2.3.jar
XERCES_MESSAGES = "org/apache/jena/ext/xerces/"
# Every serialization we write: the build's files and `kg export`'s formats, with the syntax riot reads them as.
EXPORTS = {"nt": "graph.nt", "trig": "graph.trig", "xml": "graph.rdf", "ttl12": "graph.ttl12"}


@pytest.fixture(scope="module")
def jena(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """`java -cp …` for Debian's Jena 4.5, or a skip naming the missing package."""
    java = shutil.which("java")
    if java is None or not (JAVA_DIR / "jena-arq.jar").exists():
        pytest.skip("Apache Jena is not installed (Debian libapache-jena-java and a JRE; run .ci/system-deps)")
    messages = tmp_path_factory.mktemp("xerces-messages")
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(XERCES_MESSAGES) and name.endswith(".properties"):
                target = messages / "xerces" / name.removeprefix(XERCES_MESSAGES)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    jars = [str(p) for p in sorted(JAVA_DIR.glob("*.jar")) if not (VERSIONED.search(p.name) or EXCLUDED.search(p.name))]
    return [java, "-cp", ":".join([str(messages), *jars])]


@pytest.fixture(scope="module")
def written(examples_build: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every file we write for the examples: graph.ttl/.nq/.jsonld and void.ttl of the build, and each export."""
    out = tmp_path_factory.mktemp("exports")
    files = {"ttl": examples_build / "graph.ttl", "nq": examples_build / "graph.nq",
             "jsonld": examples_build / "graph.jsonld", "void": examples_build / "void.ttl"}
    for fmt, name in EXPORTS.items():
        result = CliRunner().invoke(main, ["export", "--format", fmt, "-o", str(out / name),
                                           "--store", str(examples_build / "store")])
        assert result.exit_code == 0, result.output
        files[fmt] = out / name
    return files


def riot(jena: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*jena, "riotcmd.riot", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def riot_report(jena: list[str], written: dict[str, Path]) -> dict[str, list[str]]:
    """riot --validate over all non-JSON-LD files in one run: the messages about each file."""
    names = [written[fmt] for fmt in ("ttl", "nt", "nq", "trig", "xml", "void")]
    result = riot(jena, "--validate", *map(str, names))
    report: dict[str, list[str]] = {}
    current = ""
    for line in result.stderr.splitlines():
        started = re.search(r"INFO .* - File: (.+)$", line)
        if started:
            current = Path(started.group(1)).name
            report[current] = []
        else:
            report.setdefault(current, []).append(line)
    report["exit"] = [] if result.returncode == 0 else [f"riot exited with {result.returncode}"]
    return report


@pytest.mark.parametrize("fmt", ["ttl", "nt", "nq", "trig", "xml", "void"])
def test_riot_validates_with_no_error_or_warning(fmt: str, written: dict[str, Path], riot_report: dict) -> None:
    assert riot_report["exit"] == []
    assert riot_report[written[fmt].name] == []


def test_riot_reads_our_jsonld_as_the_same_dataset(jena: list[str], written: dict[str, Path]) -> None:
    result = riot(jena, "--syntax=jsonld10", "--check", "--strict", "--output=nquads", str(written["jsonld"]))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    read = rdflib.Dataset()
    read.parse(data=result.stdout, format="nquads")
    assert same_dataset(read, nquads(written["nq"]))


def test_riot_and_rdf_12(jena: list[str], written: dict[str, Path]) -> None:
    """Turtle 1.2 (`VERSION`, `~ reifier {| … |}`) postdates Jena 4.5, which knows only RDF-star (2021)."""
    result = riot(jena, "--validate", str(written["ttl12"]))
    if result.returncode != 0 and re.search(r"VERSION|~\(126", result.stderr):
        pytest.skip(f"Jena 4.5's riot does not read RDF 1.2 Turtle: {result.stderr.splitlines()[0]}")
    assert result.returncode == 0 and result.stderr == "", result.stderr


def nquads(path: Path) -> rdflib.Dataset:
    dataset = rdflib.Dataset()
    dataset.parse(path, format="nquads")
    return dataset


def same_dataset(a: rdflib.Dataset, b: rdflib.Dataset) -> bool:
    """The same named graphs, each isomorphic (blank node labels may differ)."""
    graphs_a, graphs_b = _graphs(a), _graphs(b)
    return graphs_a.keys() == graphs_b.keys() and all(isomorphic(graphs_a[k], graphs_b[k]) for k in graphs_a)


def _graphs(dataset: rdflib.Dataset) -> dict[str, rdflib.Graph]:
    return {str(g.identifier): g for g in dataset.graphs() if len(g)}


def test_rdflib_reads_our_jsonld_as_the_same_dataset(written: dict[str, Path]) -> None:
    read = rdflib.Dataset()
    read.parse(written["jsonld"], format="json-ld")
    assert same_dataset(read, nquads(written["nq"]))


def test_jsonld_embeds_the_published_context_and_is_compacted(written: dict[str, Path]) -> None:
    document = json.loads(written["jsonld"].read_text(encoding="utf-8"))
    context = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    context.pop("@version", None)
    assert document["@context"] == context == kg_store.jsonld_context()
    graph = next(g for g in document["@graph"] if "/graph/doc/" in g["id"])
    keys = {key for node in graph["@graph"] for key in node}
    assert {"id", "type", "mentions", "refersTo", "beginIndex", "anchorOf"} <= keys
    entities = next(g for g in document["@graph"] if g["id"].endswith("/graph/entities"))
    assert {"id", "type", "label", "sameAs"} <= {key for node in entities["@graph"] for key in node}
    assert not any(key.startswith(("http://", "https://", "@id")) for key in keys)


def test_jena_tdb2_loads_the_nquads_and_answers_like_the_store(
    jena: list[str], examples_build: Path, tmp_path: Path
) -> None:
    """docs/triple-stores.md: tdb2.tdbloader, then tdb2.tdbquery over the union of the named graphs."""
    edits = {"kg-tdb2": str(tmp_path / "tdb2"), "output/": f"{examples_build}/", "ontology/": f"{ROOT}/ontology/"}
    _, load = doc_command("tdb2.tdbloader", edits)
    _, query = doc_command("tdb2.tdbquery", edits)
    subprocess.run([*jena, *load], check=True, capture_output=True, timeout=300)
    answer = subprocess.run([*jena, *query], check=True, capture_output=True, text=True, timeout=300)
    sparql = Path(query[query.index("--query") + 1]).read_text(encoding="utf-8")
    rows = embedded_rows(Store.read_only(str(examples_build / "store")), sparql)
    assert rows and json_rows(json.loads(answer.stdout), sparql) == rows


def test_the_debian_class_path_of_the_docs_runs_jena(jena: list[str], examples_build: Path, tmp_path: Path) -> None:
    """docs/triple-stores.md: the `JENA_CP` recipe for Debian's jars, then riot validating our files with it."""
    if shutil.which("unzip") is None:
        pytest.skip("the recipe unpacks jena-core.jar with unzip (Debian unzip)")
    script = next(b for b in doc_blocks("sh") if "JENA_CP=" in b).replace("output/", f"{examples_build}/")
    assert 'java -cp "$JENA_CP" riotcmd.riot --validate' in script
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    messages = [line for line in done.stderr.splitlines() if not re.search(r"INFO .* - File: ", line)]
    assert done.returncode == 0 and messages == [] and done.stdout == "", done.stderr[-3000:]
    assert done.stderr.count("File: ") == 2  # both files read, no error and no warning
    (tmp_path / "broken.ttl").write_text("<http://a/s> <http://a/p> .\n", encoding="utf-8")
    broken = script.replace(f"{examples_build}/graph.ttl", str(tmp_path / "broken.ttl"))
    failed = subprocess.run(["bash", "-c", broken], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert failed.returncode != 0 and "ERROR" in failed.stderr  # it does validate


def test_the_fuseki_commands_of_the_docs_are_consistent() -> None:
    """Fuseki is not packaged here: its command must open the TDB2 database the docs load, writable, and ask for
    the credentials `kg push` sends."""
    _, fuseki = doc_command("java -jar jena-fuseki-server.jar", {})
    _, loader = doc_command("tdb2.tdbloader", {})
    env, push = doc_command("kg push --auth basic http://localhost:3030/kg/data", {})
    assert {"--tdb2", "--update", "--auth=basic", "--passwd=fuseki-passwd"} <= set(fuseki)
    assert fuseki[fuseki.index("--loc") + 1] == loader[loader.index("--loc") + 1]
    assert fuseki[-1] == "/kg" and push[-1] == "http://localhost:3030/kg/data" and env == {}
    _, passwd = doc_command("printf", {})
    assert passwd == ["printf", "%s: %s\\n", "$KG_PUSH_USER", "$KG_PUSH_PASSWORD", ">", "fuseki-passwd"]
    _, exported = doc_command("export", {})
    assert {w.split("=")[0] for w in exported[1:]} == {"KG_PUSH_USER", "KG_PUSH_PASSWORD"}
