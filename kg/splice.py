"""Edit a large sorted file into a copy: the stretches no edit falls in are copied by the kernel, unread, so that a
rebuild that changed a few documents passes over the last graph.nq and graph.ttl at the speed of a file copy
instead of comparing or serializing their every line (bench/results.md, stop 33).

A file is a sequence of records in the order of their keys: N-Quads and N-Triples a line each, keyed by the line;
Turtle as kg writes it (`store.write_triples`) a block per subject, which begins with a line that does not begin
with a tab, keyed by the subject as N-Triples writes it."""

from __future__ import annotations

import heapq
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

Edit = tuple[bytes, bool]  # a line with its newline, and whether it is added (else removed)
# A record's key, what replaces it (b"": nothing) or is put in its place, and whether it must be there (True), must
# not (False), or either (None).
Change = tuple[bytes, bytes, bool | None]
PIECES = (64 * 2**20, 2**16)  # a stretch is tested whole for an edit; one that holds one, in pieces this size
COPIED = 256 * 2**20  # copied at once, and then let go of
READ = 2**12  # bytes read at a time to find where a line ends or begins
ESCAPED = re.compile(rb"\\(.)")  # a Turtle local name's escaped character


class Mismatch(ValueError):
    """The file lacks a record to replace, or holds one to add: it is not what the edits were made against."""


@dataclass(frozen=True)
class Records:
    """How a file's lines make records: which lines begin one (by their first byte) and a record's key."""

    begins: Callable[[int], bool]
    key: Callable[[bytes], bytes]


LINES = Records(lambda _: True, lambda line: line)


def turtle(prefixes: dict[str, str]) -> Records:
    """Turtle's subject blocks, written with `prefixes`: the @prefix lines come first (their key is b"")."""
    iris = {name.encode(): iri.encode() for name, iri in prefixes.items()}

    def key(block: bytes) -> bytes:
        if block.startswith(b"@"):
            return b""
        token = block[: block.index(b" ")]
        if token.startswith((b"<", b"_:")):
            return token + b" "
        prefix, _, local = token.partition(b":")
        return b"<" + iris[prefix] + ESCAPED.sub(rb"\1", local) + b"> "

    return Records(lambda byte: byte != 9, key)  # 9: a tab, which begins a block's next predicate


def edits(removed: Iterable[bytes], added: Iterable[bytes]) -> Iterator[Edit]:
    """The edits that turn lines holding `removed` into lines holding `added` (each sorted, each line once), in
    order; a line in both stays."""
    both = heapq.merge(((line, False) for line in removed), ((line, True) for line in added))
    for line, group in groupby(both, key=itemgetter(0)):
        sides = [side for _, side in group]
        if len(sides) == 1:
            yield line, sides[0]


def splice(source: Path, changes: Iterable[Edit], target: Path) -> None:
    """Write the sorted lines of `source` to `target` with `changes` made (`edits`, in the lines' order, which is
    that of their bytes); raises `Mismatch` if `source` lacks a line to remove or holds one to add."""
    replace(source, ((line, line if added else b"", not added) for line, added in changes), target, LINES)


def replace(source: Path, changes: Iterable[Change], target: Path | BinaryIO, records: Records) -> None:
    """Write the records of `source` to `target` (a path, or a file open for writing) with `changes` made, in the
    order of their keys."""
    with source.open("rb") as src, (target.open("wb") if isinstance(target, Path) else nullcontext(target)) as dst:
        dst.flush()
        editor = _Editor(src.fileno(), dst.fileno(), iter(changes), records)
        editor.stretch(0, os.fstat(src.fileno()).st_size, 0)
        editor.rest()


def lines_beginning(path: Path, prefix: bytes) -> list[bytes]:
    """The lines of a sorted file that begin with `prefix`, found by bisecting the file."""
    with path.open("rb") as source:
        fd = source.fileno()
        lo, hi = 0, os.fstat(fd).st_size  # the first line from `prefix` on begins in [lo, hi]
        while (mid := _line_end(fd, (lo + hi) // 2 + 1, hi)) < hi:
            if _read_line(fd, mid) < prefix:
                lo = mid
            else:
                hi = mid
        source.seek(lo)
        found = []
        for line in source:
            if line.startswith(prefix):
                found.append(line)
            elif found or line > prefix:
                break
        return found


class _Editor:
    """Where a splice is: the files, the records, and the next change."""

    def __init__(self, src: int, dst: int, changes: Iterator[Change], records: Records) -> None:
        self.src, self.dst, self.changes, self.records = src, dst, changes, records
        self.next = next(changes, None)

    def stretch(self, start: int, stop: int, level: int) -> None:
        """Copy the whole records of source[start:stop], making the changes that fall among them."""
        if level == len(PIECES):
            self.each(start, stop)
            return
        at = start
        while at < stop:
            if self.next is None:
                _copy(self.src, self.dst, at, stop - at)
                return
            end = self._record_end(at + PIECES[level], stop)
            if self.next[0] > self.records.key(self._last_record(at, end)):
                _copy(self.src, self.dst, at, end - at)
            else:
                self.stretch(at, end, level + 1)
            at = end

    def each(self, start: int, stop: int) -> None:
        """Copy source[start:stop] a record at a time, making the changes whose keys come before its last record's
        or are a record's."""
        out = []
        for record in self._split(_read(self.src, start, stop)):
            key = self.records.key(record)
            while self.next is not None and self.next[0] < key:
                out.append(self.put())
            if self.next is not None and self.next[0] == key:
                _, new, there = self.next
                if there is False:
                    raise Mismatch(f"the line to add is there already: {record[:200]!r}")
                out.append(new)
                self.next = next(self.changes, None)
            else:
                out.append(record)
        _write(self.dst, b"".join(out))

    def rest(self) -> None:
        """Write the changes after the source's last record: records to add, all of them."""
        out = []
        while self.next is not None:
            out.append(self.put())
        _write(self.dst, b"".join(out))

    def put(self) -> bytes:
        """The next change's record, which the source has no record for; the change after it becomes the next."""
        key, new, there = self.next
        if there:
            raise Mismatch(f"the line to remove is not there: {key[:200]!r}")
        self.next = next(self.changes, None)
        return new

    def _split(self, data: bytes) -> list[bytes]:
        """The records of whole records' bytes."""
        records: list[bytes] = []
        for line in data.split(b"\n")[:-1]:
            if records and not self.records.begins(line[0] if line else 10):
                records[-1] += line + b"\n"
            else:
                records.append(line + b"\n")
        return records

    def _record_end(self, at: int, stop: int) -> int:
        """The first place at or after `at` where a record begins (`stop` at the latest)."""
        at = _line_end(self.src, at, stop)
        while at < stop and not self.records.begins(os.pread(self.src, 1, at)[0]):
            at = _line_end(self.src, at + 1, stop)
        return at

    def _last_record(self, start: int, end: int) -> bytes:
        """The record that ends at `end` (a record's end, after `start`)."""
        record = _last_line(self.src, start, end)
        while end - len(record) > start and not self.records.begins(record[0]):
            record = _last_line(self.src, start, end - len(record)) + record
        return record


def _line_end(fd: int, at: int, stop: int) -> int:
    """The first place at or after `at` where a line begins (`stop` at the latest)."""
    if at <= 0 or at >= stop:
        return max(0, min(at, stop))
    while at < stop:
        data = os.pread(fd, READ, at - 1)
        cut = data.find(b"\n")
        if cut >= 0:
            return min(at + cut, stop)
        at += len(data)
    return stop


def _last_line(fd: int, start: int, end: int) -> bytes:
    """The line that ends at `end` (a line's end, after `start`), with its newline."""
    size = READ
    while True:
        begin = max(start, end - size)
        data = os.pread(fd, end - begin, begin)
        cut = data.rfind(b"\n", 0, len(data) - 1)
        if cut >= 0 or begin == start:
            return data[cut + 1:]
        size *= 2


def _read_line(fd: int, at: int) -> bytes:
    """The line that begins at `at`, with its newline."""
    line = b""
    while True:
        data = os.pread(fd, READ, at + len(line))
        cut = data.find(b"\n")
        if cut >= 0 or not data:
            return line + data[: cut + 1] if cut >= 0 else line + data
        line += data


def _read(fd: int, start: int, stop: int) -> bytes:
    """source[start:stop]."""
    data = os.pread(fd, stop - start, start)
    if len(data) != stop - start:
        raise OSError(f"the file ended before byte {stop}")
    return data


def _copy(src: int, dst: int, start: int, count: int) -> None:
    """Append src[start:start + count] to `dst`, in the kernel where it can (Linux). The source's pages are let go as
    they are copied: a rebuild at 100k documents copies ~12 GB of a file it then replaces, and what it kept in memory
    pushed out the copy's own pages, which void.ttl's sums then read back from the disk (bench/results.md, stop 38)."""
    while count:
        if hasattr(os, "copy_file_range"):
            done = os.copy_file_range(src, dst, min(count, COPIED), start)
            os.posix_fadvise(src, start, done, os.POSIX_FADV_DONTNEED)
        else:
            done = len(data := os.pread(src, min(count, PIECES[-1]), start))
            _write(dst, data)
        if not done:
            raise OSError(f"the file ended before byte {start + count}")
        start, count = start + done, count - done


def _write(fd: int, data: bytes) -> None:
    """Append `data` to `fd`."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
