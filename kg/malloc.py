"""glibc's allocator told to give freed memory back: a long build otherwise keeps what its store's loads and
dumps free. Every function is a no-op off glibc, and says whether it took."""

from __future__ import annotations

import ctypes

M_TRIM_THRESHOLD = -1  # mallopt's parameters, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MAPPED_FROM = 128 * 2**10  # glibc's own starting threshold
MAPPED_AT_MOST = 32 * 2**20  # how far glibc raises it by itself, on 64 bits


def _glibc(function: str, *args: int) -> bool:
    """Call one of glibc's allocator functions, which return 1 when they did something; False elsewhere."""
    call = getattr(ctypes.CDLL(None), function, None)
    return call is not None and call(*args) == 1


def fewer_arenas(arenas: int = 2) -> bool:
    """Cap this process's malloc arenas at `arenas`.

    By default glibc may give each thread an arena of its own, which keeps what is freed in it: a process dumping
    a 40M-quad store on two threads (RocksDB's readers beside them) peaked at 438 MB so, and at 346 MB with two
    arenas, in the same time."""
    return _glibc("mallopt", M_ARENA_MAX, arenas)


def map_large_allocations(threshold: int = MAPPED_FROM) -> bool:
    """Give every allocation of `threshold` bytes or more pages of its own, unmapped when freed.

    glibc raises its threshold each time such a block is freed, after which the batches of N-Quads a build loads
    (tens of MB each) come from the heap and leave holes there that it keeps. Not for a process that runs natasha:
    its arrays then fault their pages in at each allocation (a 400-document build on one worker: 10× the page
    faults, +3.4 s of system time over 20 s)."""
    return _glibc("mallopt", M_MMAP_THRESHOLD, threshold)


def heap_large_allocations() -> bool:
    """Serve allocations of up to MAPPED_AT_MOST from the heap and keep twice that free before trimming it, where
    glibc's own thresholds end up in a process that runs natasha. For a Dask worker: its nanny sets
    MALLOC_TRIM_THRESHOLD_, which stops glibc raising its mmap threshold from 128 KB, and natasha's arrays then
    fault their pages in at each allocation (2,000 documents on two workers: 1.29× the time, 5.2M page faults a
    worker against 0.13M)."""
    mapped = _glibc("mallopt", M_MMAP_THRESHOLD, MAPPED_AT_MOST)
    return _glibc("mallopt", M_TRIM_THRESHOLD, 2 * MAPPED_AT_MOST) and mapped


def trim() -> bool:
    """Return the free pages of every arena to the system; whether any was returned."""
    return _glibc("malloc_trim", 0)
