"""Edit a large sorted file into a copy: the stretches no edit falls in are copied by the kernel, unread, so that a
rebuild that changed a few documents passes over the last graph.nq at the speed of a file copy instead of
comparing its every line (at 40M quads ~15 s instead of ~80 s, bench/results.md)."""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path

Edit = tuple[bytes, bool]  # a line with its newline, and whether it is added (else removed)
PIECES = (64 * 2**20, 2**16)  # a stretch is tested whole for an edit; one that holds one, in pieces this size
READ = 2**16  # bytes read at a time to find where a line ends or begins


class Mismatch(ValueError):
    """The file lacks a line to remove, or holds one to add: it is not what the edits were made against."""


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
    with source.open("rb") as src, target.open("wb") as dst:
        editor = _Editor(src.fileno(), dst.fileno(), iter(changes))
        editor.stretch(0, os.fstat(src.fileno()).st_size, 0)
        editor.rest()


class _Editor:
    """Where a splice is: the files, and the next edit."""

    def __init__(self, src: int, dst: int, changes: Iterator[Edit]) -> None:
        self.src, self.dst, self.changes = src, dst, changes
        self.next = next(changes, None)

    def stretch(self, start: int, stop: int, level: int) -> None:
        """Copy the whole lines of source[start:stop], making the edits that fall among them."""
        if level == len(PIECES):
            self.lines(start, stop)
            return
        at = start
        while at < stop:
            if self.next is None:
                _copy(self.src, self.dst, at, stop - at)
                return
            end = _line_end(self.src, at + PIECES[level], stop)
            if self.next[0] > _last_line(self.src, at, end):
                _copy(self.src, self.dst, at, end - at)
            else:
                self.stretch(at, end, level + 1)
            at = end

    def lines(self, start: int, stop: int) -> None:
        """Copy source[start:stop] a line at a time, making the edits that come before its last line or are it."""
        out = []
        for line in _read(self.src, start, stop).split(b"\n")[:-1]:
            line += b"\n"
            while self.next is not None and self.next[0] < line:
                out.append(self.added())
            if self.next is not None and self.next[0] == line:
                if self.next[1]:
                    raise Mismatch(f"the line to add is there already: {line[:200]!r}")
                self.next = next(self.changes, None)
            else:
                out.append(line)
        _write(self.dst, b"".join(out))

    def rest(self) -> None:
        """Write the edits after the source's last line: lines to add, all of them."""
        out = []
        while self.next is not None:
            out.append(self.added())
        _write(self.dst, b"".join(out))

    def added(self) -> bytes:
        """The next edit's line, which must be one to add; the edit after it becomes the next."""
        line, added = self.next
        if not added:
            raise Mismatch(f"the line to remove is not there: {line[:200]!r}")
        self.next = next(self.changes, None)
        return line


def _line_end(fd: int, at: int, stop: int) -> int:
    """The first place at or after `at` where a line begins (`stop` at the latest)."""
    if at >= stop:
        return stop
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


def _read(fd: int, start: int, stop: int) -> bytes:
    """source[start:stop]."""
    data = os.pread(fd, stop - start, start)
    if len(data) != stop - start:
        raise OSError(f"the file ended before byte {stop}")
    return data


def _copy(src: int, dst: int, start: int, count: int) -> None:
    """Append src[start:start + count] to `dst` in the kernel."""
    while count:
        done = os.copy_file_range(src, dst, count, start)
        if not done:
            raise OSError(f"the file ended before byte {start + count}")
        start, count = start + done, count - done


def _write(fd: int, data: bytes) -> None:
    """Append `data` to `fd`."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
