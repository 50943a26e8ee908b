"""Reading input into Documents: the example articles, every input format, and every kind of bad input."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.ingest import read_documents, safe_id, slug, text_id
from kg.ledger import Ledger
from kg.types import Document, IngestError

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT / "examples" / "news"
EXTRA = ROOT / "examples" / "extra"
ID = re.compile(r"[a-z0-9][a-z0-9._-]*")

NEWS_TITLES = {
    "01-astana-state-visit": "Си Цзиньпин прибыл в Астану с государственным визитом",
    "02-khorgos-dry-port": "Через Хоргос прошёл рекордный объём контейнеров",
    "03-energy-wind-solar": "Китайская компания построит в Казахстане ветровую электростанцию на 1 ГВт",
    "04-water-ili-irtysh": "Казахстан и Китай обсудили совместное использование вод Или и Иртыша",
    "05-finance-yuan-tenge": "Казахстан и Китай расширяют расчёты в юанях и тенге",
    "06-summit-central-asia-china": "В Астане прошёл второй саммит «Центральная Азия — Китай»",
    "07-weather-yekaterinburg": "В Екатеринбурге ожидаются заморозки и мокрый снег",
}


def read(*paths, stdin=None) -> list[Document | IngestError]:
    return list(read_documents([str(path) for path in paths], stdin=stdin))


def documents(items) -> list[Document]:
    return [item for item in items if isinstance(item, Document)]


def errors(items) -> list[IngestError]:
    return [item for item in items if isinstance(item, IngestError)]


def only_error(items) -> IngestError:
    found = errors(items)
    assert len(found) == 1, found
    return found[0]


# --- the example articles -------------------------------------------------------------------------------


def test_news_examples_have_titles_ids_and_sources_in_path_order():
    items = read(NEWS)
    assert errors(items) == []
    assert [(doc.id, doc.title) for doc in items] == sorted(NEWS_TITLES.items())
    for doc in items:
        assert doc.source == f"{NEWS.as_posix()}/{doc.id}.txt"
        assert doc.text == (NEWS / f"{doc.id}.txt").read_text(encoding="utf-8")
        assert doc.text.startswith(doc.title + "\n\n")
        assert doc.language == "ru"
        assert 120 <= len(re.findall(r"\w+", doc.text.split("\n", 2)[2])) <= 300


def test_news_readme_is_not_an_article():
    assert all("README" not in doc.source for doc in read(NEWS))


def test_news_examples_carry_the_facts_tests_rely_on():
    text = {doc.id: doc.text for doc in read(NEWS)}
    assert "17 июня 2025 года" in text["01-astana-state-visit"]
    assert "министр иностранных дел Казахстана Мурат Нуртлеу" in text["01-astana-state-visit"].replace(
        "Министр", "министр"
    )
    assert "«Хоргос — Восточные ворота»" in text["02-khorgos-dry-port"]
    assert "Или" in text["04-water-ili-irtysh"] and "Иртыш" in text["04-water-ili-irtysh"]
    assert "Саммит «Центральная Азия — Китай»" in text["06-summit-central-asia-china"]
    assert "Казахстан" not in text["07-weather-yekaterinburg"]


def test_a_single_file_gets_its_name_as_id_and_the_path_as_source():
    path = NEWS / "02-khorgos-dry-port.txt"
    [doc] = read(path)
    assert doc.id == "02-khorgos-dry-port"
    assert doc.source == path.as_posix()


def test_jsonl_example_records():
    [first, second] = read(EXTRA / "feed.jsonl")
    assert first == Document(
        id="feed-aktau-port",
        text=first.text,
        title="Порт Актау увеличил перевалку контейнеров",
        date="2025-09-01",
        url="https://example.org/news/2025/09/01/aktau-port",
        source="Example feed",
    )
    assert first.text.startswith("Порт Актау увеличил перевалку контейнеров\n\nМорской порт Актау")
    assert second.id == "feed-sco-tianjin"
    assert second.title == "Токаев принял участие в саммите ШОС в Тяньцзине"
    assert "Касым-Жомарт Токаев" in second.text


def test_html_example_gives_metadata_and_main_text_only():
    [doc] = read(EXTRA / "page.html")
    assert doc.id == "page"
    assert doc.title == "В Актау открылся новый контейнерный терминал"
    assert doc.date == "2025-09-03"
    assert doc.url == "https://example.org/news/2025/09/03/aktau-terminal"
    assert doc.source == "Новости Евразии"
    assert doc.text.startswith(doc.title + "\n\nВ морском порту Актау на Каспийском море")
    assert doc.text.count(doc.title) == 1
    assert "— заявил директор терминала Арман Жаксылыков" in doc.text
    boilerplate = ("Подписаться на рассылку", "Политика", "Все права защищены", "Курс тенге", "Контакты")
    for words in boilerplate:
        assert words not in doc.text


def test_html_source_falls_back_to_the_host_then_to_the_path(tmp_path):
    page = (EXTRA / "page.html").read_text(encoding="utf-8")
    page = page.replace('<meta property="og:site_name" content="Новости Евразии">', "")
    (tmp_path / "host.html").write_text(page)
    page = re.sub(r'<(meta property="og:url"|link rel="canonical")[^>]*>', "", page)
    (tmp_path / "bare.htm").write_text(page)
    bare, host = read(tmp_path)
    assert (host.id, host.source) == ("host", "example.org")
    assert host.url == "https://example.org/news/2025/09/03/aktau-terminal"
    assert (bare.id, bare.source, bare.url) == ("bare", f"{tmp_path.as_posix()}/bare.htm", "")
    assert bare.title == "В Актау открылся новый контейнерный терминал"


def test_html_in_a_declared_charset_is_read(tmp_path):
    html = (
        '<html><head><meta charset="windows-1251"><title>Заголовок</title></head><body><article>'
        "<h1>Заголовок</h1><p>Текст статьи о Хоргосе, набранный в кодировке windows-1251.</p>"
        "</article></body></html>"
    )
    path = tmp_path / "cp.html"
    path.write_bytes(html.encode("cp1251"))
    [doc] = read(path)
    assert doc.text == "Заголовок\n\nТекст статьи о Хоргосе, набранный в кодировке windows-1251."


def test_all_examples_together():
    items = read(NEWS, EXTRA)
    assert errors(items) == []
    assert [doc.id for doc in items] == [*sorted(NEWS_TITLES), "feed-aktau-port", "feed-sco-tianjin", "page"]


# --- text and markdown --------------------------------------------------------------------------------


def test_markdown_title_loses_its_heading_mark(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("\n# Визит в Астану #\n\nТекст.\n", encoding="utf-8")
    [doc] = read(path)
    assert doc.title == "Визит в Астану"
    assert doc.text == "\n# Визит в Астану #\n\nТекст.\n"


def test_bom_is_stripped_and_line_endings_normalised(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("\ufeffЗаголовок\r\n\r\nСтрока один.\rСтрока два.\r\n".encode())
    [doc] = read(path)
    assert doc.text == "Заголовок\n\nСтрока один.\nСтрока два.\n"
    assert doc.title == "Заголовок"


def test_file_ids_are_transliterated_slugs_of_the_relative_path(tmp_path):
    (tmp_path / "Новости" / "Май").mkdir(parents=True)
    (tmp_path / "Новости" / "Май" / "Визит Си Цзиньпина.txt").write_text("Визит\n\nТекст.")
    [doc] = read(tmp_path)
    assert doc.id == "novosti-mai-vizit-si-tszinpina"
    assert doc.source == f"{tmp_path.as_posix()}/Новости/Май/Визит Си Цзиньпина.txt"


def test_directories_skip_other_extensions_hidden_files_and_readmes(tmp_path):
    names = ("b.txt", "a.md", "c.html", "notes.rst", "image.png", ".hidden.txt", "README.md", "readme.txt")
    for name in names:
        (tmp_path / name).write_text("Заголовок\n\nТекст.")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("Заголовок\n\nТекст.")
    items = read(tmp_path)
    assert [Path(item.source).name for item in items] == ["a.md", "b.txt", "c.html"]


def test_a_named_file_with_another_extension_is_read_as_text(tmp_path):
    path = tmp_path / "article.rst"
    path.write_text("Заголовок\n\nТекст.")
    [doc] = read(path)
    assert (doc.id, doc.title) == ("article", "Заголовок")


def test_order_is_deterministic_and_follows_the_arguments(tmp_path):
    for name in ("z.txt", "a/b.txt", "a/a.txt", "m.txt", "a-c.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(f"Статья {name}\n\nТекст.")
    first = read(tmp_path)
    assert [doc.id for doc in first] == ["a-c", "a-a", "a-b", "m", "z"]
    assert read(tmp_path) == first
    later = read(tmp_path / "z.txt", NEWS / "01-astana-state-visit.txt", tmp_path / "m.txt")
    assert [doc.id for doc in later] == ["z", "01-astana-state-visit", "m"]


# --- JSONL ----------------------------------------------------------------------------------------------


def test_jsonl_fields_defaults_and_ids(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"id": "a-1", "text": "Первый\\r\\nтекст"}\n'
        "\n"
        '{"id": "Статья №2", "text": "Второй", "title": "Т", "date": null, "language": "kk"}\n'
        '{"id": 7, "text": "Третий", "source": "Лента"}\n',
        encoding="utf-8",
    )
    first, second, third = read(path)
    assert first == Document(id="a-1", text="Первый\nтекст", source=f"{path.as_posix()}#L1")
    assert (second.id, second.title, second.date, second.language) == ("statia-no2", "Т", "", "kk")
    assert second.source == f"{path.as_posix()}#L3"
    assert (third.id, third.source) == ("7", "Лента")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('{"id": "x", "text": "ok",', "invalid JSON"),
        ('["id", "text"]', "expected a JSON object, got list"),
        ('{"id": "x"}', 'missing "text" field'),
        ('{"id": "x", "text": 5}', '"text" must be a string'),
        ('{"id": "x", "text": "  \\n "}', "empty document"),
        ('{"text": "Текст"}', 'missing "id" field'),
        ('{"id": ["x"], "text": "Текст"}', '"id" must be a string'),
        ('{"id": "x", "text": "Текст", "date": 20250901}', '"date" must be a string'),
    ],
)
def test_a_bad_jsonl_line_is_one_error_and_the_other_lines_still_come(tmp_path, line, words):
    path = tmp_path / "feed.jsonl"
    path.write_text(f'{{"id": "a", "text": "Первый"}}\n\n{line}\n{{"id": "b", "text": "Второй"}}\n')
    items = read(path)
    error = only_error(items)
    assert error.source == f"{path.as_posix()}#L3"
    assert error.message.startswith(f"{path.as_posix()}: line 3: ")
    assert words in error.message
    assert [doc.id for doc in documents(items)] == ["a", "b"]


# --- stdin ----------------------------------------------------------------------------------------------


def test_stdin_text_is_one_document_with_a_hash_id():
    text = "Заголовок из stdin\n\nТекст статьи.\n"
    [doc] = read("-", stdin=io.StringIO(text))
    assert doc == Document(id=text_id(text), text=text, title="Заголовок из stdin", source="<stdin>")
    assert re.fullmatch(r"[0-9a-f]{16}", doc.id)


def test_stdin_jsonl():
    feed = '  {"id": "s1", "text": "Один"}\n{"id": "s2", "text": "Два", "source": "Лента"}\n'
    first, second = read("-", stdin=io.StringIO(feed))
    assert (first.id, first.source) == ("s1", "<stdin>#L1")
    assert (second.id, second.source) == ("s2", "Лента")


def test_stdin_jsonl_comes_a_line_at_a_time_before_the_stream_ends():
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as writer, io.TextIOWrapper(os.fdopen(read_end, "rb"), encoding="utf-8") as stdin:
        writer.write('{"id": "first", "text": "Делегация прибыла в Астану."}\n'.encode())
        writer.flush()
        got: list = []
        reader = threading.Thread(target=lambda: got.append(next(read_documents(["-"], stdin=stdin))), daemon=True)
        reader.start()
        reader.join(10)  # the stream is still open: a reader waiting for its end would never return
        writer.close()
        reader.join(10)
        assert [doc.id for doc in got] == ["first"] and not reader.is_alive()


def test_a_jsonl_file_is_read_a_line_at_a_time(tmp_path, monkeypatch):
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(f'{{"id": "d{i}", "text": "Текст {i}."}}\n' for i in range(5000)), encoding="utf-8")
    reads: list[int] = []
    real_open = Path.open

    def counting_open(self, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        real_read = handle.read
        handle.read = lambda size=-1: reads.append(size) or real_read(size)
        return handle

    monkeypatch.setattr(Path, "open", counting_open)
    monkeypatch.setattr("kg.ingest.CHUNK", 4096)
    docs = read(path)
    assert [d.id for d in docs[:2]] == ["d0", "d1"] and len(docs) == 5000
    assert reads and -1 not in reads and max(reads) == 4096  # never the whole file at once


def test_a_jsonl_line_that_is_not_utf8_is_one_error_and_the_other_lines_still_come(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b'{"id": "a", "text": "one"}\n{"id": "b", "text": "Caf\xe9"}\n{"id": "c", "text": "three"}\n')
    first, error, third = read(path)
    assert (first.id, third.id) == ("a", "c")
    assert error == IngestError(f"{path.as_posix()}#L2", f"{path.as_posix()}: line 2: not valid UTF-8 at byte 24")


def test_stdin_bytes_are_checked_for_utf8():
    stream = io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbfok \xff"), encoding="utf-8")
    error = only_error(read("-", NEWS / "01-astana-state-visit.txt", stdin=stream))
    assert error == IngestError("<stdin>", "<stdin>: not valid UTF-8 at byte 6")


def test_empty_stdin():
    error = only_error(read("-", stdin=io.StringIO(" \n")))
    assert error == IngestError("<stdin>", "<stdin>: empty document")


# --- bad input ------------------------------------------------------------------------------------------

BAD_FILES = [
    ("empty.txt", b"", "empty document"),
    ("blank.md", b"  \r\n\t\n", "empty document"),
    ("nul.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not text"),
    ("noise.txt", bytes(range(1, 32)) * 20, "binary file, not text"),
    ("latin1.txt", "Заголовок\n\n".encode() + b"Caf\xe9", "not valid UTF-8 at byte 23"),
    ("bom.txt", b"\xef\xbb\xbfab\xc3", "not valid UTF-8 at byte 5"),
    ("wide.txt", "Текст".encode("utf-16"), "UTF-16 text, not UTF-8: convert it to UTF-8"),
    ("empty.html", b"", "empty document"),
    ("script.html", b"<html><head><title>T</title></head><body><script>x=1</script></body></html>",
     "no article text found in the HTML"),
    ("empty.jsonl", b"\n\n", "empty document"),
    ("binary.jsonl", b'{"id": "x"}\x00', "binary file, not text"),
]


@pytest.mark.parametrize(("name", "data", "words"), BAD_FILES)
def test_a_bad_file_is_one_error_naming_it_and_the_good_documents_still_come(tmp_path, name, data, words):
    (tmp_path / name).write_bytes(data)
    shutil.copy(NEWS / "01-astana-state-visit.txt", tmp_path / "a.txt")
    shutil.copy(EXTRA / "page.html", tmp_path / "z.html")
    items = read(tmp_path)
    error = only_error(items)
    source = f"{tmp_path.as_posix()}/{name}"
    assert error.source == source
    assert error.message == f"{source}: {words}"
    assert [doc.id for doc in documents(items)] == ["a", "z"]


def test_a_missing_path_is_one_error_and_the_rest_still_come(tmp_path):
    missing = tmp_path / "nowhere" / "article.txt"
    items = read(NEWS / "01-astana-state-visit.txt", missing, EXTRA / "feed.jsonl")
    path = missing.as_posix()
    assert only_error(items) == IngestError(path, f"{path}: no such file or directory")
    assert len(documents(items)) == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="file permissions do not apply to root")
def test_an_unreadable_file_is_an_error(tmp_path):
    path = tmp_path / "locked.txt"
    path.write_text("Текст")
    path.chmod(0)
    error = only_error(read(path))
    assert error.message == f"{path.as_posix()}: cannot read: permission denied"


# --- ids ------------------------------------------------------------------------------------------------


def test_duplicate_ids_are_errors_naming_both_sources(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "a.txt").write_text("Первая\n\nТекст.")
    (tmp_path / "two" / "a.txt").write_text("Вторая\n\nТекст.")
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "x", "text": "Один"}\n{"id": "x", "text": "Два"}\n')
    items = read(tmp_path / "one", tmp_path / "two", feed)
    first, second = (tmp_path / "one" / "a.txt").as_posix(), (tmp_path / "two" / "a.txt").as_posix()
    line1, line2 = f"{feed.as_posix()}#L1", f"{feed.as_posix()}#L2"
    assert errors(items) == [
        IngestError(second, f"{second}: duplicate id 'a', already used by {first}"),
        IngestError(line2, f"{line2}: duplicate id 'x', already used by {line1}"),
    ]
    assert [(doc.id, doc.title) for doc in documents(items)] == [("a", "Первая"), ("x", "")]


def test_the_ids_read_are_recorded_in_the_callers_ledger_with_where_they_were_read(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "x", "text": "Один"}\n{"id": "x", "text": "Два"}\n{"id": "y", "text": "Три"}\n')
    read_ids = Ledger()
    items = list(read_documents([str(feed)], read=read_ids))
    assert [doc.id for doc in documents(items)] == ["x", "y"]
    assert read_ids.get("x") == f"{feed.as_posix()}#L1"  # the first, not the duplicate
    assert read_ids.get("y") == f"{feed.as_posix()}#L3"
    assert "z" not in read_ids


def test_a_duplicate_read_from_a_path_that_is_not_utf8_names_both_sources(tmp_path):
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9"))  # a lone surrogate in the path
    folder.mkdir()
    feed = folder / "feed.jsonl"
    feed.write_text('{"id": "x", "text": "Один"}\n{"id": "x", "text": "Два"}\n', encoding="utf-8")
    line1, line2 = f"{feed.as_posix()}#L1", f"{feed.as_posix()}#L2"
    assert errors(read(folder)) == [IngestError(line2, f"{line2}: duplicate id 'x', already used by {line1}")]


def test_stdin_is_read_once():
    items = read("-", "-", stdin=io.StringIO("Текст"))
    assert [type(item).__name__ for item in items] == ["Document", "IngestError"]
    assert items[1].message == "<stdin>: empty document"


def test_safe_ids_are_kept_and_others_slugified():
    assert safe_id("Doc_1.v2") == "Doc_1.v2"
    assert safe_id("Статья 1") == "statia-1"
    assert safe_id("../etc/passwd") == "etc-passwd"
    assert re.fullmatch(r"id-[0-9a-f]{16}", safe_id("!!!"))
    assert slug("Хоргос — Восточные ворота") == "khorgos-vostochnye-vorota"


@settings(deadline=None)
@given(st.text(min_size=1))
def test_every_id_is_iri_safe(value):
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", safe_id(value))
    assert safe_id(value) == safe_id(value)


# --- round trip -----------------------------------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")
    | st.sampled_from("\n\r\t "),
    min_size=1,
).filter(str.strip)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_any_text_round_trips_through_a_txt_file(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "article.txt")
        path.write_bytes(text.encode("utf-8"))
        [doc] = read(path)
    assert isinstance(doc, Document), doc
    assert doc.text == text.replace("\r\n", "\n").replace("\r", "\n")
    assert doc.title == next(line.strip() for line in doc.text.split("\n") if line.strip())
    assert ID.fullmatch(doc.id)
