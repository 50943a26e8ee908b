"""Output files appear whole: written and moved into place atomically."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from kg.files import move_atomic


def test_a_finished_file_is_moved_into_place(tmp_path: Path) -> None:
    source, target = tmp_path / "sorted", tmp_path / "graph.nq"
    source.write_bytes(b"<a> <b> <c> <g> .\n")
    source.chmod(0o600)
    target.write_bytes(b"old\n")
    move_atomic(source, target)
    assert target.read_bytes() == b"<a> <b> <c> <g> .\n"
    assert not source.exists()
    assert target.stat().st_mode & 0o777 == 0o644


def test_across_file_systems_the_file_is_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = tmp_path / "sorted", tmp_path / "out" / "graph.nt"
    target.parent.mkdir()
    source.write_bytes(b"<a> <b> <c> .\n")
    replace = os.replace

    def across(src: str | Path, dst: str | Path) -> None:
        if Path(src) == source:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", across)
    move_atomic(source, target)
    assert target.read_bytes() == b"<a> <b> <c> .\n"
    assert [p.name for p in target.parent.iterdir()] == ["graph.nt"]


def test_other_errors_are_raised(tmp_path: Path) -> None:
    source = tmp_path / "sorted"
    source.write_bytes(b"x\n")
    with pytest.raises(OSError):
        move_atomic(source, tmp_path / "missing-dir" / "graph.nq")
