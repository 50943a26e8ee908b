"""The CLI: every command has help and appears in the README, and the README's commands run as written."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

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


def test_query_errors_are_clear(tmp_path: Path, examples_build: Path) -> None:
    missing = CliRunner().invoke(main, ["query", "SELECT * WHERE { ?s ?p ?o }", "--store", str(tmp_path / "none")])
    assert missing.exit_code != 0 and "no store here" in missing.output
    bad = CliRunner().invoke(main, ["query", "SELEC nothing", "--store", str(examples_build / "store")])
    assert bad.exit_code != 0 and "Error" in bad.output
    both = CliRunner().invoke(main, ["query"])
    assert both.exit_code == 2
