"""VoID's counts after a few changes, looked up rather than counted (`kg.recount`): the counts of every triple."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Quad, RdfFormat, Store, parse, serialize

from kg import recount, store
from kg.extsort import Changes

EX = "http://example.org/"
BEFORE = f"""
<{EX}a> <{EX}p> <{EX}b> <{EX}g1> .
<{EX}a> <{EX}p> <{EX}b> <{EX}g2> .
<{EX}a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}C> <{EX}g1> .
<{EX}b> <{EX}q> "x" <{EX}g1> .
<{EX}e> <http://other.example/ns#only> "y" <{EX}g2> .
"""


def _quads(text: str) -> list[Quad]:
    return list(parse(text.encode(), format=RdfFormat.N_QUADS))


def _changed(db: Store, tmp_path: Path, removed: str, added: str) -> Changes:
    """Make the changes to `db` and list them as a rebuild's sort does."""
    files = []
    for name, text in (("removed.nq", removed), ("added.nq", added)):
        path = tmp_path / name
        path.write_bytes(b"".join(sorted(serialize(_quads(text), format=RdfFormat.N_QUADS).splitlines(True))))
        files.append(path)
    for quad in _quads(removed):
        db.remove(quad)
    for quad in _quads(added):
        db.add(quad)
    return Changes(*files, len(_quads(removed)) + len(_quads(added)))


def test_the_counts_after_changes_are_those_of_every_triple(tmp_path: Path) -> None:
    db = Store()
    db.extend(_quads(BEFORE))
    last = store.statistics(db)
    changes = _changed(
        db, tmp_path,
        # a triple another graph still holds; the only triple with "x" and with b as subject
        removed=f'<{EX}a> <{EX}p> <{EX}b> <{EX}g2> .\n<{EX}b> <{EX}q> "x" <{EX}g1> .\n',
        # a second resource of class C; a new class and property, from a new vocabulary
        added=f"<{EX}d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}C> <{EX}g3> .\n"
              f'<{EX}d> <http://new.example/ns#p> "z" <{EX}g3> .\n'
              f"<{EX}d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://new.example/ns#K> <{EX}g3> .\n",
    )

    counted = recount.after(db, last, changes)

    assert counted == store.statistics(db)
    assert (counted.triples, counted.subjects, counted.objects) == (last.triples + 2, last.subjects, last.objects + 1)
    assert dict(counted.classes) == {f"{EX}C": 2, "http://new.example/ns#K": 1}
    assert "http://new.example/ns#" in counted.vocabularies


def test_a_property_gone_from_a_vocabulary_no_class_holds_is_counted_anew(tmp_path: Path) -> None:
    db = Store()
    db.extend(_quads(BEFORE))
    last = store.statistics(db)
    changes = _changed(db, tmp_path, removed=f'<{EX}e> <http://other.example/ns#only> "y" <{EX}g2> .\n', added="")

    assert recount.after(db, last, changes) is None
    assert "http://other.example/ns#" not in store.statistics(db).vocabularies
