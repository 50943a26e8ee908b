"""A map of strings to strings in a temporary SQLite table on disk, for what a build must look up once per
document: memory then does not grow with the documents (at 100k documents a dict of document IRIs to hashes held
26 MB, a set of ids 12 MB; the table takes ~2 µs an entry and ~14 MB of RSS at 1M)."""

from __future__ import annotations

import sqlite3


class Ledger:
    """Keys, each with a value, in a temporary on-disk table that goes when the ledger is closed."""

    def __init__(self) -> None:
        # A caller may go on from another thread than it began in (a generator runs in one at a time).
        self._table = sqlite3.connect("", check_same_thread=False)
        self._table.execute("CREATE TABLE ledger (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")

    def add(self, key: str, value: str = "") -> str | None:
        """Record `key` with `value` unless it is recorded; the value recorded before, or None."""
        if self._table.execute("INSERT OR IGNORE INTO ledger VALUES (?, ?)", (_bytes(key), _bytes(value))).rowcount:
            return None
        return self.get(key)

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value recorded with `key`, or `default`."""
        row = self._table.execute("SELECT value FROM ledger WHERE key = ?", (_bytes(key),)).fetchone()
        return default if row is None else row[0].decode("utf-8", "surrogatepass")

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def close(self) -> None:
        """Drop the table."""
        self._table.close()


def _bytes(text: str) -> bytes:
    # A path's undecodable bytes are lone surrogates, which SQLite's text would refuse.
    return text.encode("utf-8", "surrogatepass")
