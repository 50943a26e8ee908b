"""`kg export` reads the files a build wrote while they show its store, and dumps the store once they do not."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

from kg import export, store
from kg.cli import main

FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "xml", "ttl12")
NEW = pyoxigraph.Quad(
    pyoxigraph.NamedNode("https://example.org/added"),
    pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
    pyoxigraph.Literal("added after the build"),
    pyoxigraph.NamedNode("https://example.org/graph"),
)


@pytest.fixture
def out(examples_build: Path, tmp_path: Path) -> Path:
    """A copy of the examples' build (sizes and modification times kept), free to change."""
    copy = tmp_path / "out"
    shutil.copytree(examples_build, copy)
    return copy


def _exported(store_dir: Path, fmt: str) -> bytes:
    handle = io.BytesIO()
    export.export(store_dir, fmt, handle)
    return handle.getvalue()


def _dumped(store_dir: Path, fmt: str) -> bytes:
    handle = io.BytesIO()
    store.dump(pyoxigraph.Store.read_only(str(store_dir)), handle, fmt)
    return handle.getvalue()


def test_after_a_build_every_format_comes_from_its_files_as_the_store_would_give_it(out: Path) -> None:
    assert export.built(out / "store") == out
    for fmt in FORMATS:
        assert _exported(out / "store", fmt) == _dumped(out / "store", fmt), fmt
    assert _exported(out / "store", "nq") == (out / "graph.nq").read_bytes()
    result = CliRunner().invoke(main, ["query", "ASK { ?s ?p ?o }", "--store", str(out / "store")])
    assert result.output.strip() == "true"
    assert export.built(out / "store") == out  # reading the store changes none of its files


def test_a_store_changed_after_the_build_is_dumped_anew(out: Path, tmp_path: Path) -> None:
    db = pyoxigraph.Store(str(out / "store"))
    db.add(NEW)
    del db
    assert export.built(out / "store") is None
    result = CliRunner().invoke(main, ["export", "--format", "nt", "-o", str(tmp_path / "x.nt"),
                                       "--store", str(out / "store")])
    assert result.exit_code == 0, result.output
    assert f"{NEW.triple} .\n" in (tmp_path / "x.nt").read_text()
    assert _exported(out / "store", "ttl") == _dumped(out / "store", "ttl") != (out / "graph.ttl").read_bytes()


def test_a_graph_file_changed_after_the_build_is_not_read(out: Path) -> None:
    with (out / "graph.ttl").open("a") as handle:
        handle.write("# edited\n")
    assert export.built(out / "store") is None
    assert b"# edited" not in _exported(out / "store", "ttl")
    (out / "graph.jsonld").unlink()
    assert export.built(out / "store") is None


def test_a_store_elsewhere_or_a_build_that_did_not_finish_is_dumped(out: Path, tmp_path: Path) -> None:
    shutil.copytree(out / "store", tmp_path / "elsewhere")
    assert export.built(tmp_path / "elsewhere") is None
    export.unstamp(out)  # as a build does before it opens the store
    assert export.built(out / "store") is None
    assert _exported(out / "store", "nq") == (out / "graph.nq").read_bytes()


def test_trig_writes_each_graph_once_in_the_order_of_the_names(out: Path) -> None:
    names = sorted(str(graph) for graph in pyoxigraph.Store.read_only(str(out / "store")).named_graphs())
    for trig in (_exported(out / "store", "trig"), _dumped(out / "store", "trig")):  # from the files, the store
        assert re.findall(r"^(<[^>]+>) \{$", trig.decode(), re.MULTILINE) == names
        assert len(names) == 9  # seven articles, the entities, the ontology
