"""Editing a sorted file into a copy (`kg.splice`): what the edits make, at every size of piece, and what it refuses."""

from __future__ import annotations

from pathlib import Path
from random import Random

import pyoxigraph
import pytest

from kg import extsort, splice, store
from kg.rdf import PREFIXES
from kg.vocab import ID

KG = "https://w3id.org/kg-news/ontology#"
EX = "http://example.org/"


def _lines(rng: Random, n: int) -> list[bytes]:
    """`n` distinct N-Quads-like lines, a few longer than a read, some with a tab or a prefix of another's object."""
    lines = set()
    while len(lines) < n:
        size = 2**17 // 4 if rng.random() < 0.03 else rng.choice((1, 3, 8))
        word = "".join(rng.choice("ab\tц") for _ in range(size))
        lines.add(f'<s{rng.randrange(50)}> <p> "{word}" <g{rng.randrange(3)}> .\n'.encode())
    return sorted(lines)


@pytest.mark.parametrize("kernel", [True, False])  # whether stretches are copied by copy_file_range (Linux)
@pytest.mark.parametrize("pieces", [(2**20, 2**12), (512, 64), (64,), ()])
@pytest.mark.parametrize("seed", range(6))
def test_a_splice_writes_the_sorted_lines_with_the_edits_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pieces: tuple[int, ...], seed: int, kernel: bool
) -> None:
    monkeypatch.setattr(splice, "PIECES", pieces)
    if not kernel:
        monkeypatch.delattr(splice.os, "copy_file_range")
    rng = Random(seed)
    every = _lines(rng, 400)
    held = [line for line in every if rng.random() < 0.7]
    removed = [line for line in held if rng.random() < [0.01, 0.3][seed % 2]]
    added = [line for line in every if line not in held and rng.random() < 0.2]
    if seed == 0:
        added.append(b"\xff the last line\n")
    source, target = tmp_path / "source.nq", tmp_path / "target.nq"
    source.write_bytes(b"".join(held))
    # A line both removed and added stays; the edits come from the lines as the two sides give them.
    kept = held[len(held) // 2]
    changes = list(splice.edits(sorted({*removed, kept}), sorted({*added, kept})))

    splice.splice(source, changes, target)

    assert target.read_bytes() == b"".join(sorted(set(held) - set(removed) | set(added) | {kept}))
    assert (kept, True) not in changes and (kept, False) not in changes


def test_an_edit_against_other_lines_is_refused(tmp_path: Path) -> None:
    source, target = tmp_path / "source.nq", tmp_path / "target.nq"
    source.write_bytes(b"a\nc\n")
    for changes, said in (
        ([(b"b\n", False)], "the line to remove is not there: b'b\\\\n'"),
        ([(b"d\n", False)], "the line to remove is not there: b'd\\\\n'"),
        ([(b"c\n", True)], "the line to add is there already: b'c\\\\n'"),
    ):
        with pytest.raises(splice.Mismatch, match=said):
            splice.splice(source, changes, target)


def test_sorted_quads_that_do_not_hold_what_the_spool_says_are_sorted_anew(tmp_path: Path) -> None:
    """The merge's fallback: when the last graph.nq lacks a line the spool says it held, every quad is sorted."""
    graph = "<https://w3id.org/kg-news/graph/doc/x>"
    a, b, c = (f'<s> <p> "{word}" {graph} .\n' for word in "abc")
    quads, stale, removed, listing = (tmp_path / name for name in ("graph.nq", "stale.txt", "removed.nq", "l.tsv"))
    dumped = tmp_path / "dump.nq"
    quads.write_text(a)
    removed.write_text(c)  # not what graph.nq holds
    stale.write_text(f"{graph}\n")
    dumped.write_text(b)
    listing.write_text(extsort.tsv_line(graph, dumped.name, 0, len(b), None, None))
    before = extsort.Sorted(quads, stale, "<https://w3id.org/kg-news/graph/doc/", removed)
    work = tmp_path / "work"
    work.mkdir()

    result = extsort.sort_dump(extsort.Dump(listing, (dumped,), named_only=True, before=before), work)

    assert result.quads.read_text() == b


def _triples(rng: Random, subjects: list[str]) -> list[bytes]:
    """N-Triples lines about `subjects`: a few predicates each, objects of every kind, literals with a tab, a newline
    or a quote."""
    lines = set()
    for subject in subjects:
        for _ in range(rng.randrange(1, 6)):
            predicate = rng.choice(("<http://www.w3.org/2000/01/rdf-schema#label>", f"<{KG}sentence>", f"<{KG}x>"))
            obj = rng.choice((f"<{ID}doc/d{rng.randrange(9)}#char={rng.randrange(99)},7>", '"a\\tb"', '"c\\nd"@ru',
                              '"e\\"f"', '"12"^^<http://www.w3.org/2001/XMLSchema#integer>', "_:b1"))
            lines.add(f"{subject} {predicate} {obj} .\n".encode())
    return sorted(lines)


def _turtle(lines: list[bytes]) -> bytes:
    return pyoxigraph.serialize(pyoxigraph.parse(b"".join(lines), format=pyoxigraph.RdfFormat.N_TRIPLES),
                                format=pyoxigraph.RdfFormat.TURTLE, prefixes=PREFIXES)


@pytest.mark.parametrize("pieces", [(2**20, 2**12), (256, 32), ()])
@pytest.mark.parametrize("seed", range(4))
def test_turtle_spliced_by_subject_is_turtle_written_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pieces: tuple[int, ...], seed: int
) -> None:
    """Subjects written with a prefix and escapes (`kgr:doc\\/d1\\#char\\=3\\,7`), as IRIs and as blank nodes; some
    subjects' triples changed, some gone, one new, each in two graphs: the spliced file is the one written whole."""
    monkeypatch.setattr(splice, "PIECES", pieces)
    rng = Random(seed)
    subjects = sorted({f"<{ID}doc/d{rng.randrange(30)}#char={rng.randrange(30)},7>" for _ in range(60)}
                      | {"<http://elsewhere.example/x>", "_:b1", "_:b2", f"<{KG}Place>"})
    before = _triples(rng, subjects)
    new = f"<{ID}doc/d99#char=1,7>"  # a subject with no block before
    changed = {*rng.sample(subjects, 8), new}
    after = sorted({line for line in before if line.split(b" ")[0].decode() not in changed}
                   | set(_triples(rng, [s for s in changed if s == new or rng.random() < 0.7])))
    last, quads, target = tmp_path / "graph.ttl", tmp_path / "graph.nq", tmp_path / "new.ttl"
    last.write_bytes(_turtle(before))
    quads.write_bytes(b"".join(line[:-3] + f" <{EX}g{n}> .\n".encode() for line in after for n in (1, 2)))
    blocks = ((f"{s} ".encode(), store._turtle_block(quads, f"{s} ".encode()), None) for s in sorted(changed))

    splice.replace(last, sorted(blocks), target, splice.turtle(PREFIXES))

    assert target.read_bytes() == _turtle(after)
    assert b"kgr:doc\\/d" in target.read_bytes()
