"""`kg export`: the sorted files a build wrote, while they still show its store; else the store dumped and sorted anew.

Reading an on-disk store back is bound by RocksDB's term lookups (2.7 s of the ~4.5 s an export took at 1M quads,
bench/results.md), while the build has just written the same quads sorted as graph.nq.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import Store

from kg import store
from kg.extsort import Dump, SortedDump, named_only
from kg.files import atomic_writer, write_atomic
from kg.query import open_readonly

GRAPH_FILES = ("ttl", "nq", "jsonld")  # what `kg build` writes as OUT/graph.<format>
STAMP = ".kg.stamp.json"  # in OUT: the store's files and the graph files as the build that wrote them left them


def fingerprint(out: Path) -> dict:
    """What changes whenever the store in `out`, or a graph file there, does: the store's table files and non-empty
    write-ahead logs by name and size (RocksDB never rewrites a table file and only appends to a log; a read-only
    open touches neither), and each graph file's size and modification time."""
    tables = sorted(
        [entry.name, entry.stat().st_size]
        for entry in (out / "store").iterdir()
        if entry.suffix == ".sst" or (entry.suffix == ".log" and entry.stat().st_size)
    )
    graphs = {fmt: (out / f"graph.{fmt}").stat() for fmt in GRAPH_FILES}
    return {"store": tables, "graphs": {fmt: [st.st_size, st.st_mtime_ns] for fmt, st in graphs.items()}}


def stamp(out: Path) -> str:
    """Record that the graph files in `out` show its store, once the store is closed; the record."""
    record = json.dumps(fingerprint(out)) + "\n"
    write_atomic(out / STAMP, record)
    return record


def unstamp(out: Path) -> None:
    """Forget the record: the store in `out` is about to change."""
    (out / STAMP).unlink(missing_ok=True)


def built(store_dir: Path) -> Path | None:
    """The output directory holding `store_dir` when its graph files still show that store, else None."""
    out = store_dir.parent
    return out if store_dir.name == "store" and holding(out) is not None else None


def holding(out: Path) -> str | None:
    """The last build's record (`stamp`) when the graph files in `out` still show its store, else None."""
    try:
        record = (out / STAMP).read_text()
        return record if json.loads(record) == fingerprint(out) else None
    except (OSError, ValueError):
        return None


def export(store_dir: Path, fmt: str, handle: BinaryIO) -> None:
    """Serialize the built store as `fmt`, sorted: from the build's files while they still show the store."""
    db, out = open_readonly(store_dir), built(store_dir)
    if out is None:
        store.dump(db, handle, fmt)
    else:
        _from_files(db, out, fmt, handle)


def write(store_dir: Path, fmt: str, path: Path) -> None:
    """`export` to `path`, atomically."""
    db, out = open_readonly(store_dir), built(store_dir)
    if out is None:
        store.write(db, path, fmt)
        return
    with atomic_writer(path) as handle:
        _from_files(db, out, fmt, handle)


def _from_files(db: Store, out: Path, fmt: str, handle: BinaryIO) -> None:
    """Serialize the store as `fmt` from the graph files in `out`, which show it."""
    if fmt in GRAPH_FILES:
        with (out / f"graph.{fmt}").open("rb") as lines:
            shutil.copyfileobj(lines, handle)
        return
    with tempfile.TemporaryDirectory(prefix="kg-export-") as tmp:
        store.dump_sorted(SortedDump(out / "graph.nq", Dump(None, (), named_only(db)), Path(tmp)), handle, fmt)
