"""Lists of consecutive items, for work done a batch at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice


def batches(items: Iterable, size: int) -> Iterator[list]:
    """Lists of up to `size` consecutive items."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
