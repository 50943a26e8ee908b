"""`kg build --dask tcp://HOST:8786`: annotation and extraction on a Dask distributed cluster.

Every machine needs this project installed in the same version (`pip install -e .` in the same checkout; a build
stops with `OtherRelease` at a worker whose kg code or ontology differs from its own); then

    dask scheduler                                          # on one machine; it listens on tcp://HOST:8786
    dask worker tcp://HOST:8786 --nworkers 4 --nthreads 1   # on each machine: one process per core
    kg build articles/ -o output/ --dask tcp://HOST:8786    # anywhere that reaches the scheduler

One thread per worker process: the work is mostly Python code, which threads of one process take in turns. Dask's
profiler costs such a worker 4–7% (bench/results.md); `DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False` in the
workers' environment spares it. Each worker loads the models once (`ContextPlugin`). The client reads the input,
skips unchanged documents, sends the others to the cluster in bounded batches, and loads the N-Quads that come back
into its own store: IRIs are deterministic, so merging the workers' graphs is a union. For a store larger than one
machine, `kg push` the result to a SPARQL 1.1 store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from functools import cache
from itertools import chain, islice
from pathlib import Path

from distributed import Client, Worker, WorkerPlugin, as_completed, get_worker

import kg
from kg import malloc
from kg.batching import batches
from kg.pipeline import ANNOTATE_BATCH, Context, Outcome, build_batch, load_context
from kg.release import digest
from kg.store import ONTOLOGY_DIR
from kg.types import Document

PLUGIN = "kg-context"


class OtherRelease(OSError):
    """A Dask worker that cannot build what this client would: it runs other kg code or reads another ontology
    (or, having failed that check or the models' loading when it joined, has no models)."""


@cache
def release() -> str:
    """What a worker's graphs depend on besides the documents: kg's code and the ontology's files, as a digest."""
    package = Path(kg.__file__).parent
    files = [(package, path) for path in sorted(package.rglob("*.py"))]
    files += [(ONTOLOGY_DIR, path) for path in sorted(ONTOLOGY_DIR.rglob("*.ttl"))]
    return digest(files)


class ContextPlugin(WorkerPlugin):
    """Loads the models once per worker, once it has checked the worker runs the client's `release`; tasks find
    them through `get_worker()`."""

    name = PLUGIN

    def __init__(self) -> None:
        self.client_release = release()  # computed where the plugin is made, the client; it travels pickled
        self.ctx: Context | None = None

    async def setup(self, worker: Worker) -> None:
        if self.client_release != release():
            # Its graphs would differ from the client's for the same documents, and merge as if they did not.
            raise OtherRelease(f"the Dask worker {worker.address} runs another version of kg than this build: "
                               "install the same one on every machine")
        malloc.heap_large_allocations()  # undoes what the nanny's MALLOC_TRIM_THRESHOLD_ costs natasha
        # in a thread: loading takes seconds, and the worker's event loop must keep answering the scheduler
        self.ctx = await asyncio.to_thread(_process_context)


@cache
def _process_context() -> Context:
    """This worker process's models: a later build on the same cluster registers the plugin again, not them."""
    return load_context()


def build_on_worker(documents: list[Document]) -> list[Outcome]:
    """Build documents on a Dask worker with the models its plugin loaded."""
    worker = get_worker()
    ctx = worker.plugins[PLUGIN].ctx
    if ctx is None:  # a worker that joined later and failed the check, or could not load the models
        raise OtherRelease(f"the Dask worker {worker.address} has no models: its kg plugin failed (see its log)")
    return build_batch(documents, ctx)


def map_documents(documents: Iterable[Document], address: str, window: int = 0) -> Iterator[Outcome]:
    """Each document's Outcome, in completion order, from the cluster at `address`; `window` batches in flight.

    The client connects at the first document, so an unchanged corpus needs no cluster.
    """
    iterator = iter(documents)
    first = next(iterator, None)
    if first is None:
        return
    chunks = batches(chain([first], iterator), ANNOTATE_BATCH)
    with Client(address) as client:
        client.register_plugin(ContextPlugin())
        window = window or 2 * max(1, sum(client.nthreads().values()))
        running = as_completed([client.submit(build_on_worker, chunk, pure=False) for chunk in islice(chunks, window)])
        for future in running:
            outcomes = future.result()
            chunk = next(chunks, None)
            if chunk is not None:
                running.add(client.submit(build_on_worker, chunk, pure=False))
            yield from outcomes
