"""The CLI: every command has help and appears in the README, and the README's commands run as written."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

import kg
from kg import pipeline
from kg.cli import main
from kg.pipeline import Context
from kg.serve import oxigraph_binary

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# README commands that need a network service or a corpus outside the repository.
NEEDS_MORE = ("kg serve", "kg eval", "localhost:8890", "localhost:3030", "localhost:7200", "../shared", "--dask")


def test_readme_starts_with_the_two_setup_commands() -> None:
    block = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line.split("#")[0].strip() for line in block] == ["make demo", "make test"]


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert main.commands[command].help
    assert f"kg {command}" in README


def readme_commands() -> list[str]:
    """The `.venv/bin/kg …` lines of the README's shell blocks, without comments."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if ".venv/bin/kg " in line and not any(skip in line for skip in NEEDS_MORE):
                lines.append(line)
    return lines


def test_readme_commands_run_as_written(examples_build: Path, tmp_path: Path) -> None:
    (tmp_path / "ontology").symlink_to(ROOT / "ontology")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    shutil.copytree(examples_build, tmp_path / "output")
    commands = readme_commands()
    assert len(commands) >= 6
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        for line in commands:
            args = shlex.split(line.split(".venv/bin/kg ", 1)[1])
            result = CliRunner().invoke(main, args, catch_exceptions=False)
            assert result.exit_code == 0, f"{line}\n{result.output}"
    finally:
        os.chdir(cwd)
    assert (tmp_path / "output" / "graph.trig").stat().st_size > 1000
    assert (tmp_path / "output" / "graph-en.html").stat().st_size > 1000


def test_readme_oxigraph_commands_run_as_written(examples_build: Path, tmp_path: Path) -> None:
    """The README's `.venv/bin/oxigraph` lines (backslash continuations joined) run on a copy of a build."""
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    commands = [line for line in lines if line.startswith(".venv/bin/oxigraph ")]
    assert commands
    (tmp_path / "ontology").symlink_to(ROOT / "ontology")
    shutil.copytree(examples_build, tmp_path / "output")
    for line in commands:
        args = shlex.split(line.split(" > ")[0])  # its results go to /dev/null: captured here instead
        args[0] = str(oxigraph_binary())
        result = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{line}\n{result.stderr}"
        if "--explain" in args:
            assert "number of results: 14" in result.stderr  # positions.rq on the examples: 14 rows


def test_readme_python_runs_as_written(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    [code] = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    # The session's models, not a second copy. kg first: looking its old value up caches pipeline's, which must
    # not be patched yet, or kg.load_context would stay the patch after the test.
    monkeypatch.setattr(kg, "load_context", lambda: ctx, raising=False)
    monkeypatch.setattr(pipeline, "load_context", lambda: ctx)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "('Казахстана', 'Country', 'https://w3id.org/kg-news/id/wd/Q232')" in printed
    assert "Касым-Жомарт Токаев" in printed
    report = json.loads((tmp_path / "output" / "report.json").read_text(encoding="utf-8"))
    assert (report["documents"], report["failed"]) == (7, 0)


def test_query_formats(examples_build: Path) -> None:
    store = str(examples_build / "store")
    sparql = "SELECT ?name WHERE { ?e a kg:Country ; rdfs:label ?name FILTER(LANG(?name) = 'en') } ORDER BY ?name"
    table = CliRunner().invoke(main, ["query", sparql, "--store", store])
    assert table.exit_code == 0 and "Kazakhstan" in table.output and "rows)" in table.output
    data = json.loads(CliRunner().invoke(main, ["query", sparql, "--store", store, "--format", "json"]).output)
    names = [b["name"]["value"] for b in data["results"]["bindings"]]
    assert "China" in names and names == sorted(names)
    csv = CliRunner().invoke(main, ["query", sparql, "--store", store, "--format", "csv"]).output
    assert csv.splitlines()[0] == "name" and "Kazakhstan" in csv


def test_query_tsv_and_json_variables(examples_build: Path) -> None:
    store = str(examples_build / "store")
    sparql = ("SELECT ?name ?code WHERE { ?e a kg:Country ; rdfs:label ?name ; kg:isoAlpha2 ?code "
              "FILTER(LANG(?name) = 'en') } ORDER BY ?code")
    tsv = CliRunner().invoke(main, ["query", sparql, "--store", store, "--format", "tsv"])
    assert tsv.exit_code == 0, tsv.output
    lines = tsv.output.splitlines()
    assert lines[0] == "?name\t?code"  # SPARQL 1.1 TSV: variables with ?, values as RDF terms
    assert '"Kazakhstan"@en\t"KZ"' in lines and '"China"@en\t"CN"' in lines
    data = json.loads(CliRunner().invoke(main, ["query", sparql, "--store", store, "--format", "json"]).output)
    assert data["head"]["vars"] == ["name", "code"]
    kz = next(b for b in data["results"]["bindings"] if b["code"]["value"] == "KZ")
    assert kz["name"] == {"type": "literal", "value": "Kazakhstan", "xml:lang": "en"}
    ask = CliRunner().invoke(main, ["query", "ASK { ?e rdfs:label 'Астана'@ru }", "--store", store, "--format", "json"])
    assert json.loads(ask.output) == {"head": {}, "boolean": True}


@pytest.mark.parametrize(("fmt", "rdf_format", "dataset"), [
    ("nt", pyoxigraph.RdfFormat.N_TRIPLES, False),
    ("trig", pyoxigraph.RdfFormat.TRIG, True),
    ("xml", pyoxigraph.RdfFormat.RDF_XML, False),
    ("nq", pyoxigraph.RdfFormat.N_QUADS, True),
])
def test_export_reads_back_to_the_store(examples_build: Path, tmp_path: Path, fmt: str,
                                        rdf_format: pyoxigraph.RdfFormat, dataset: bool) -> None:
    """Dataset formats keep every named graph; triple formats hold the union of all graphs."""
    out = tmp_path / f"export.{fmt}"
    result = CliRunner().invoke(main, ["export", "--format", fmt, "-o", str(out), "--store",
                                       str(examples_build / "store")])
    assert result.exit_code == 0, result.output
    quads = set(pyoxigraph.Store.read_only(str(examples_build / "store")))
    parsed = set(pyoxigraph.parse(path=str(out), format=rdf_format))
    if dataset:
        assert parsed == quads
    else:
        assert {q.triple for q in parsed} == {q.triple for q in quads}
    assert len(parsed) > 5000


def test_without_gnu_sort_export_and_build_say_so(
    examples_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    monkeypatch.setattr(pipeline, "load_context", lambda: ctx)
    shutil.copytree(examples_build / "store", tmp_path / "copied" / "store")  # no build's files beside it to read
    monkeypatch.setenv("PATH", str(tmp_path))  # no `sort` here
    store = str(tmp_path / "copied" / "store")
    export = CliRunner().invoke(main, ["export", "--format", "nt", "-o", str(tmp_path / "x.nt"), "--store", store])
    build = CliRunner().invoke(main, ["build", str(ROOT / "examples" / "news"), "-o", str(tmp_path / "out"),
                                      "--workers", "1", "--quiet"])
    for result in (export, build):
        assert result.exit_code == 1 and "GNU sort (coreutils), and `sort` is not on PATH" in result.output
        assert not isinstance(result.exception, OSError)  # a message, not a trace
    assert not (tmp_path / "x.nt").exists()


def test_a_build_into_a_store_in_use_says_which(tmp_path: Path) -> None:
    """A second `kg build` into the same output while the first runs: RocksDB's lock, named, and no trace."""
    out = tmp_path / "out"
    out.mkdir()
    held = pyoxigraph.Store(str(out / "store"))
    result = CliRunner().invoke(main, ["build", str(ROOT / "examples" / "news"), "-o", str(out), "--quiet"])
    assert result.exit_code == 1 and f"{out / 'store'}/LOCK" in result.output
    assert result.output.startswith("Error: ")
    del held


def test_a_full_disk_under_a_table_of_the_build_is_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_: object, **__: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(pipeline, "build", full)
    result = CliRunner().invoke(main, ["build", str(ROOT / "examples" / "news"), "-o", str(tmp_path), "--quiet"])
    assert result.exit_code == 1 and result.output.startswith("Error: database or disk is full (a table kg keeps")
    assert str(tmp_path) in result.output


def test_query_errors_are_clear(tmp_path: Path, examples_build: Path) -> None:
    missing = CliRunner().invoke(main, ["query", "SELECT * WHERE { ?s ?p ?o }", "--store", str(tmp_path / "none")])
    assert missing.exit_code != 0 and "no store here" in missing.output
    bad = CliRunner().invoke(main, ["query", "SELEC nothing", "--store", str(examples_build / "store")])
    assert bad.exit_code != 0 and "Error" in bad.output
    both = CliRunner().invoke(main, ["query"])
    assert both.exit_code == 2


# ------------------------------------------------------------------------------------------ kg build

KG = Path(sys.executable).parent / "kg"


@pytest.fixture
def fast_cli(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose builds reuse the session's models instead of loading them per invocation."""
    monkeypatch.setattr(pipeline, "load_context", lambda: ctx)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # `kg build` sets them
        monkeypatch.setenv(name, "1")
    return CliRunner()


def test_build_names_each_bad_file_builds_the_rest_and_fails(tmp_path: Path) -> None:
    """The installed `kg` command, as a user runs it: one message per bad file, exit status 1."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "astana.txt").write_text("Визит\n\nТокаев прибыл в Астану.\n", encoding="utf-8")
    (inputs / "beijing.md").write_text("# Пекин\n\nСи Цзиньпин встретился с Путиным в Пекине.\n", encoding="utf-8")
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 8)
    (inputs / "cp1251.txt").write_bytes("Заголовок\n\n".encode() + "Привет".encode("cp1251"))  # bad at byte 20
    done = subprocess.run([str(KG), "build", str(inputs), "-o", str(tmp_path / "out"), "--workers", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    errors = sorted(line for line in done.stderr.splitlines() if line.startswith("kg: "))
    assert errors == [
        f"kg: {inputs.as_posix()}/cp1251.txt: not valid UTF-8 at byte 20",
        f"kg: {inputs.as_posix()}/empty.txt: empty document",
        f"kg: {inputs.as_posix()}/picture.txt: binary file, not text",
    ]
    assert "2 documents built, 0 unchanged, 3 failed" in done.stderr
    assert "documents:" not in done.stderr  # five inputs: no progress bar
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert (report["documents"], report["failed"]) == (2, 3)
    assert {e["source"].rsplit("/", 1)[1] for e in report["errors"]} == {"cp1251.txt", "empty.txt", "picture.txt"}
    turtle = (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    assert all(f'"{name}"@ru' in turtle for name in ("Астана", "Пекин", "Касым-Жомарт Токаев", "Си Цзиньпин"))


def test_build_reads_stdin(fast_cli: CliRunner, tmp_path: Path) -> None:
    text = "Визит\n\nСи Цзиньпин прибыл в Астану.\n"
    result = fast_cli.invoke(main, ["build", "-", "-o", str(tmp_path), "--workers", "1"], input=text)
    assert result.exit_code == 0, result.stderr
    assert "1 documents built, 0 unchanged, 0 failed" in result.stderr
    assert result.stdout == ""
    turtle = (tmp_path / "graph.ttl").read_text(encoding="utf-8")
    assert '"Си Цзиньпин"@ru' in turtle and '"Астана"@ru' in turtle and '"Визит"' in turtle


def test_build_reads_jsonl_on_stdin_with_a_progress_bar_past_five_documents(fast_cli: CliRunner,
                                                                             tmp_path: Path) -> None:
    cities = ("Астану", "Алматы", "Пекин", "Москву", "Бишкек", "Ташкент")
    lines = [json.dumps({"id": f"n{i}", "text": f"Делегация прибыла в {city}."}, ensure_ascii=False)
             for i, city in enumerate(cities)]
    result = fast_cli.invoke(main, ["build", "-", "-o", str(tmp_path / "six"), "--workers", "1"],
                             input="\n".join(lines))
    assert result.exit_code == 0, result.stderr
    assert re.search(r"documents: 6doc \[", result.stderr), result.stderr
    assert "6 documents built" in result.stderr
    five = fast_cli.invoke(main, ["build", "-", "-o", str(tmp_path / "five"), "--workers", "1"],
                           input="\n".join(lines[:5]))
    assert five.exit_code == 0 and "documents:" not in five.stderr and "5 documents built" in five.stderr
    quiet = fast_cli.invoke(main, ["build", "-", "-o", str(tmp_path / "quiet"), "--workers", "1", "--quiet"],
                            input="\n".join(lines))
    assert quiet.exit_code == 0 and quiet.stderr == ""


TERMINATED_WHILE_WRITING = '''
import multiprocessing, os, signal, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from kg.cli import stop_on_term
from kg.files import atomic_writer


def write_slowly(path: str) -> None:
    with atomic_writer(Path(path)) as handle:
        handle.write(b"half of it")
        Path(path + ".started").touch()
        time.sleep(60)


if __name__ == "__main__":
    stop_on_term()
    out = Path(sys.argv[1])
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as helper:
        done = helper.submit(write_slowly, str(out / "graph.jsonld"))
        while not (out / "graph.jsonld.started").exists():
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)
        done.result()
'''


def test_a_terminated_command_and_its_helpers_remove_their_temporary_files(tmp_path: Path) -> None:
    # `kill` sends SIGTERM to the build process alone: taken as Ctrl-C, it interrupts the helper writing a file too.
    script = tmp_path / "terminated.py"
    script.write_text(TERMINATED_WHILE_WRITING, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    ran = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=60)
    assert ran.returncode != 0 and "KeyboardInterrupt" in ran.stderr
    assert sorted(p.name for p in out.iterdir()) == ["graph.jsonld.started"]
