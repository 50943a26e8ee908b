"""`kg build --workers N`: a pool of processes, each loading the models once, fed a bounded window of batches."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain

from kg import malloc
from kg.batching import batches
from kg.pipeline import ANNOTATE_BATCH, Context, Outcome, build_batch, load_context
from kg.types import Document

BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_context: Context | None = None  # this worker process's models, loaded once by `_load_context`


def map_documents(documents: Iterable[Document], workers: int, window: int = 0) -> Iterator[Outcome]:
    """Each document's Outcome, in input order, from `workers` processes; at most `window` batches in flight.

    The pool starts at the first document, so an empty input starts no process and loads no model.
    """
    window = window or 2 * workers
    chunks = batches(documents, ANNOTATE_BATCH)
    first = next(chunks, None)
    if first is None:
        return
    # One BLAS thread per worker, as Dask's nanny sets for its workers: natasha multiplies small matrices, and
    # extra threads only contend with the other workers (5x slower on a busy 2-core machine).
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    # spawn, not fork: the parent holds an open RocksDB store and threads, which a forked child must not inherit
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_load_context)
    pending: deque[Future[list[Outcome]]] = deque()
    try:
        for chunk in chain([first], chunks):
            pending.append(pool.submit(_build, chunk))
            if len(pending) >= window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)


def exit_with_parent() -> None:
    """End this pool process when the process that started it dies: killed, it cannot shut its pool down, and
    the workers would wait for work forever."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(1)), daemon=True).start()


def start_output_helper() -> None:
    """Initialise a process that writes output files from a store: it ends with its parent, and its threads share
    two malloc arenas."""
    exit_with_parent()
    malloc.fewer_arenas()


def _load_context() -> None:
    global _context
    exit_with_parent()
    _context = load_context()


def _build(documents: list[Document]) -> list[Outcome]:
    assert _context is not None, "the pool initializer loads the context"
    return build_batch(documents, _context)
