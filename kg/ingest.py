"""Reading input into Documents: .txt, .md, .html/.htm, .jsonl, directories of them, and `-` for stdin.

Conventions:
- `.txt`/`.md` (and stdin that is not JSONL): `text` is the whole file as read, title line included, so
  that character offsets point into the file's text; `title` is the first non-empty line, stripped (and,
  in markdown, without its leading `#`).
- `.html`: `text` is the extracted title, a blank line, then the main text found by trafilatura;
  `title`, `date` and `url` come from the page's metadata and `source` is the site name when the page
  has one. HTML may declare its own charset, so it is not required to be UTF-8.
- `.jsonl`: one document per non-blank line, `id` and `text` required; `title`, `date`, `url`, `source`
  and `language` optional.
- Every text is UTF-8 with the BOM stripped and line endings normalised to `\\n`; nothing else changes.
- ids are IRI-safe: a JSONL id is kept when made of `[A-Za-z0-9._-]`, otherwise slugified; a file's id
  is its path relative to the input argument, without extension, slugified to `[a-z0-9._-]` (Cyrillic
  transliterated); stdin text gets the first 16 hex digits of the sha256 of its text.
- Directories are read recursively in order of relative path; files with other extensions, hidden
  files and folders, and README files (they describe a folder of articles, they are not one) are skipped.
- Nothing is raised for bad input: each failure is an IngestError whose message names the file and the
  problem, and the other documents still come through.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, nullcontext
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import TextIO

import trafilatura
from slugify import slugify

from kg.ledger import Ledger
from kg.types import Document, IngestError

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES
STDIN = "-"
STDIN_SOURCE = "<stdin>"
CHUNK = 1 << 20  # bytes read at a time from a JSONL file or stdin
OPTIONAL_FIELDS = ("title", "date", "url", "source", "language")

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+|\s+#+\s*$")
# Bytes that never occur in text; tab, newlines, form feed and escape do.
CONTROL_BYTES = frozenset(range(32)) - frozenset(b"\t\n\r\f\v\x1b") | {0x7F}

# What the readers below produce: where an item came from (a path, `path#L3`, `<stdin>`) and the item.
Item = tuple[str, Document | IngestError]


class BadInput(ValueError):
    """Input that cannot become a Document; the message says why in plain words."""


def read_documents(
    paths: Sequence[str | Path], stdin: TextIO | None = None, read: Ledger | None = None
) -> Iterator[Document | IngestError]:
    """Yield a Document or an IngestError for every input, in order; ids are unique within one call. Each id read
    is recorded in `read` with where it was read (in a ledger of the call's own if none is given)."""
    with closing(Ledger()) if read is None else nullcontext(read) as ledger:
        for origin, item in read_inputs(paths, stdin):
            if isinstance(item, Document):
                first = ledger.add(item.id, origin)
                if first is not None:
                    yield IngestError(origin, f"{origin}: duplicate id {item.id!r}, already used by {first}")
                    continue
            yield item


def read_inputs(paths: Sequence[str | Path], stdin: TextIO | None = None) -> Iterator[Item]:
    """Every document or error from the given paths, each with where it came from."""
    for arg in paths:
        if str(arg) == STDIN:
            yield from read_stdin(sys.stdin if stdin is None else stdin)
        else:
            yield from read_path(arg)


def read_path(arg: str | Path) -> Iterator[Item]:
    """The documents in one file or directory as the user named it."""
    path = Path(arg)
    given = path.as_posix()
    if path.is_dir():
        for file in find_files(path):
            relative = PurePosixPath(file.relative_to(path).as_posix())
            source = (PurePosixPath(given) / relative).as_posix()
            yield from read_file(file, source=source, doc_id=path_id(relative))
    elif path.exists():
        yield from read_file(path, source=given, doc_id=path_id(PurePosixPath(path.name)))
    else:
        yield given, IngestError(given, f"{given}: no such file or directory")


def find_files(root: Path) -> list[Path]:
    """The files under a directory with a known extension, recursively, sorted by relative path."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        found += [Path(folder, name) for name in files if is_article_name(name)]
    return sorted(found, key=lambda file: file.relative_to(root).as_posix())


def is_article_name(name: str) -> bool:
    """Whether a file name inside a directory is read as an article."""
    stem, suffix = os.path.splitext(name)
    return suffix.lower() in SUFFIXES and not name.startswith(".") and stem.lower() != "readme"


def read_file(path: Path, *, source: str, doc_id: str) -> Iterator[Item]:
    """The documents in one file, chosen by its extension; an unknown extension is read as plain text."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from _read_jsonl_file(path, source)
        return
    try:
        data = path.read_bytes()
        if suffix in HTML_SUFFIXES:
            items = iter([(source, parse_html(data, doc_id=doc_id, source=source))])
        else:
            document = parse_text(decode(data), doc_id=doc_id, source=source, markdown=suffix == ".md")
            items = iter([(source, document)])
    except OSError as error:
        yield source, IngestError(source, f"{source}: cannot read: {(error.strerror or str(error)).lower()}")
        return
    except BadInput as error:
        yield source, IngestError(source, f"{source}: {error}")
        return
    yield from items


def _read_jsonl_file(path: Path, source: str) -> Iterator[Item]:
    """The documents of a .jsonl file, read a line at a time."""
    try:
        with path.open("rb") as handle:
            yield from read_jsonl(iter(lambda: handle.read(CHUNK), b""), source=source)
    except OSError as error:
        yield source, IngestError(source, f"{source}: cannot read: {(error.strerror or str(error)).lower()}")


def read_stdin(stream: TextIO) -> Iterator[Item]:
    """The documents on standard input: JSONL when it starts with `{` (read a line at a time, as it comes), else
    one text document."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text stream without bytes underneath (tests): its text as UTF-8
        chunks: Iterator[bytes] = iter([stream.read().encode("utf-8", "surrogatepass")])
    else:
        chunks = iter(lambda: buffer.read1(CHUNK), b"")  # what has arrived so far, without waiting for more
    head = b""
    for chunk in chunks:  # enough to see the first character that is not blank
        head += chunk
        if head.removeprefix(codecs.BOM_UTF8).strip():
            break
    if head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"{"):
        yield from read_jsonl(chain([head], chunks), source=STDIN_SOURCE)
        return
    try:
        text = decode(head + b"".join(chunks))
        yield STDIN_SOURCE, parse_text(text, doc_id=text_id(text), source=STDIN_SOURCE)
    except BadInput as error:
        yield STDIN_SOURCE, IngestError(STDIN_SOURCE, f"{STDIN_SOURCE}: {error}")


def decode(data: bytes) -> str:
    """UTF-8 bytes as text, BOM stripped and newlines normalised; BadInput when the bytes are not text."""
    require_utf8_text(data)
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + len(data) - len(body)
        raise BadInput(f"not valid UTF-8 at byte {offset}") from None
    return normalise_newlines(text)


def require_utf8_text(data: bytes) -> None:
    """BadInput when bytes (a whole file, or its start) are UTF-16 or binary rather than UTF-8 text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise BadInput("UTF-16 text, not UTF-8: convert it to UTF-8")
    if is_binary(data):
        raise BadInput("binary file, not text")


def is_binary(data: bytes) -> bool:
    """Whether bytes look binary: any NUL byte, or control bytes in over 10% of the first 8 KiB."""
    if b"\x00" in data:
        return True
    sample = data[:8192]
    return bool(sample) and sum(byte in CONTROL_BYTES for byte in sample) > len(sample) / 10


def normalise_newlines(text: str) -> str:
    """Text with CRLF and CR line endings turned into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def require_text(text: str) -> str:
    """The text itself, or BadInput when it is empty or only whitespace."""
    if not text.strip():
        raise BadInput("empty document")
    return text


def parse_text(text: str, *, doc_id: str, source: str, markdown: bool = False) -> Document:
    """A Document from plain text or markdown: the whole text, titled by its first non-empty line."""
    require_text(text)
    return Document(id=doc_id, text=text, title=first_line(text, markdown=markdown), source=source)


def first_line(text: str, *, markdown: bool = False) -> str:
    """The first non-empty line, stripped, and in markdown without its heading marks."""
    line = next(line.strip() for line in text.split("\n") if line.strip())
    return MARKDOWN_HEADING.sub("", line).strip() if markdown else line


def parse_html(data: bytes, *, doc_id: str, source: str) -> Document:
    """A Document from an HTML page: its title, date, url and site name, and its main text via trafilatura."""
    if not data.strip():
        raise BadInput("empty document")
    if is_binary(data):
        raise BadInput("binary file, not text")
    page = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False)
    title = normalise_newlines(page.title or "").strip() if page else ""
    body = main_text(page.text or "", title) if page else ""
    if not body:
        raise BadInput("no article text found in the HTML")
    return Document(
        id=doc_id,
        text=f"{title}\n\n{body}" if title else body,
        title=title,
        date=page.date or "",
        url=page.url or "",
        source=page.sitename or source,
    )


def main_text(text: str, title: str) -> str:
    """Extracted main text without a first line that repeats the title (trafilatura keeps the <h1>)."""
    head, _, rest = normalise_newlines(text).strip().partition("\n")
    return rest.strip() if title and head.strip() == title else f"{head}\n{rest}".strip()


def read_jsonl(chunks: Iterable[bytes], *, source: str) -> Iterator[Item]:
    """One Document per non-blank line of JSONL bytes, or an IngestError naming the line and what is wrong with
    it, a line at a time so that memory never holds the file; input that is not UTF-8 text at all (UTF-16,
    binary, blank) is one error."""
    lines = _lines(chunks)
    first = next(lines, b"")
    try:
        require_utf8_text(first)
    except BadInput as error:
        yield source, IngestError(source, f"{source}: {error}")
        return
    number, found = 0, False
    for raw in chain([first.removeprefix(codecs.BOM_UTF8)], lines):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            number += 1
            origin = f"{source}#L{number}"
            yield origin, IngestError(origin, f"{source}: line {number}: not valid UTF-8 at byte {error.start}")
            found = True
            continue
        for line in normalise_newlines(text).split("\n"):  # a lone CR ends a line too
            number += 1
            if not line.strip():
                continue
            found, origin = True, f"{source}#L{number}"
            try:
                if "\x00" in line:
                    raise BadInput("binary data (a NUL byte)")
                yield origin, parse_record(line, default_source=origin)
            except BadInput as error:
                yield origin, IngestError(origin, f"{source}: line {number}: {error}")
    if not found:
        yield source, IngestError(source, f"{source}: empty document")


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a stream of byte chunks, without their line feeds."""
    rest = b""
    for chunk in chunks:
        *complete, rest = (rest + chunk).split(b"\n")
        yield from complete
    yield rest


def parse_record(line: str, *, default_source: str) -> Document:
    """A Document from one JSONL line: `id` and `text` required, the other fields optional strings."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadInput(f"invalid JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(record, dict):
        raise BadInput(f"expected a JSON object, got {type(record).__name__}")
    text = record_text(record)
    fields = {name: optional_string(record, name) for name in OPTIONAL_FIELDS}
    return Document(
        id=record_id(record),
        text=text,
        title=fields["title"],
        date=fields["date"],
        url=fields["url"],
        source=fields["source"] or default_source,
        language=fields["language"] or "ru",
    )


def record_text(record: dict) -> str:
    """A record's `text`, newlines normalised; BadInput when it is missing, not a string or empty."""
    if "text" not in record:
        raise BadInput('missing "text" field')
    if not isinstance(record["text"], str):
        raise BadInput('"text" must be a string')
    return require_text(normalise_newlines(record["text"]))


def record_id(record: dict) -> str:
    """A record's `id` made IRI-safe; BadInput when it is missing or not a string or integer."""
    value = record.get("id")
    if value is None or value == "":
        raise BadInput('missing "id" field')
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadInput('"id" must be a string')
    return safe_id(str(value))


def optional_string(record: dict, name: str) -> str:
    """An optional string field, '' when absent or null; BadInput when it has another type."""
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f'"{name}" must be a string')
    return value.strip()


def safe_id(value: str) -> str:
    """The id itself when it is IRI-safe, else its slug (or a hash of it when the slug is empty)."""
    if SAFE_ID.fullmatch(value):
        return value
    return slug(value) or "id-" + text_id(value)


def path_id(relative: PurePosixPath) -> str:
    """The id of a file: its relative path without extension, slugified."""
    stem = relative.with_suffix("").as_posix()
    return slug(stem) or "doc-" + text_id(relative.as_posix())


def slug(value: str) -> str:
    """Lower-case ASCII made of `[a-z0-9._-]`, Cyrillic transliterated; '' when nothing is left."""
    return slugify(value, regex_pattern=r"[^a-z0-9._-]+").strip("._-")


def text_id(text: str) -> str:
    """The first 16 hex digits of the sha256 of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
