"""The on-disk map a build looks each document up in."""

from __future__ import annotations

import os
import sqlite3

import pytest

from kg.ledger import Ledger


def test_a_key_keeps_the_value_it_was_first_added_with():
    ledger = Ledger()
    assert ledger.add("doc/a", "one.txt") is None
    assert ledger.add("doc/a", "two.txt") == "one.txt"
    assert ledger.get("doc/a") == "one.txt"
    assert "doc/a" in ledger and "doc/b" not in ledger
    assert ledger.get("doc/b") is None and ledger.get("doc/b", "") == ""


def test_keys_and_values_need_not_be_valid_utf8():
    path = os.fsdecode(b"/tmp/caf\xe9.txt")  # a lone surrogate, which SQLite's text would refuse
    ledger = Ledger()
    ledger.add(path, path)
    assert ledger.get(path) == path


def test_an_empty_value_still_counts_as_recorded():
    ledger = Ledger()
    ledger.add("id")
    assert "id" in ledger and ledger.get("id") == ""


def test_a_closed_ledger_is_gone():
    ledger = Ledger()
    ledger.add("id", "x")
    ledger.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        ledger.get("id")
