"""Reading articles (encodings, HTML, bad input) and writing the translation layout."""

from __future__ import annotations

import io
import os
import sys

import pytest

from pipeline.api import _identities, output_paths
from pipeline.document import Document, Paragraph, Segment
from pipeline.errors import ArticleTooLarge, InputError
from pipeline.html_input import html_to_markdown
from pipeline.io import (
    Decoded,
    decode,
    link_target,
    output_suffix,
    read_article,
    read_limited,
    render_markdown,
    render_translation,
    safe_links,
    to_record,
)
from pipeline.segment import FrenchSegmenter, FrenchSegmenterConfig

FRENCH = "L'été à Noël : « œuvre » coûte 5 € — déjà ?"
CP1252 = ("input: a.md is not UTF-8: read as Windows-1252 (cp1252)",)
LE = "input: a.md has no byte-order mark; its NUL bytes say UTF-16 LE: read as UTF-16 LE"
BE = "input: a.md has no byte-order mark; its NUL bytes say UTF-16 BE: read as UTF-16 BE"

DECODE = [
    (FRENCH.encode("utf-8"), FRENCH, "utf-8", ()),
    (b"\xef\xbb\xbf" + FRENCH.encode("utf-8"), FRENCH, "utf-8", ()),
    (FRENCH.encode("cp1252"), FRENCH, "cp1252", CP1252),
    ("Élève à l'école".encode("latin-1"), "Élève à l'école", "cp1252", CP1252),
    (FRENCH.encode("utf-16"), FRENCH, "utf-16", ()),
    # UTF-16 without a byte-order mark: the side of the NUL bytes says which.
    (FRENCH.encode("utf-16-le"), FRENCH, "utf-16-le", (LE,)),
    (FRENCH.encode("utf-16-be"), FRENCH, "utf-16-be", (BE,)),
    ("Ā€ tout va bien".encode("utf-16-le"), "Ā€ tout va bien", "utf-16-le", (LE,)),  # U+0100: a NUL on the other side
    # More latin-1 bytes than valid UTF-8 characters: each read as Windows-1252, the UTF-8 as UTF-8.
    (
        "Été : ".encode() + "café crème, thé".encode("cp1252"),
        "Été : café crème, thé",
        "utf-8+cp1252",
        (
            "input: a.md mixes UTF-8 with 3 byte(s) of another encoding (offsets 11, 15, 22): "
            "those were read as Windows-1252 (cp1252), the rest as UTF-8",
        ),
    ),
    (
        b"\xef\xbb\xbf\xc5\x93 " + "é".encode("latin-1") * 7,
        "œ ééééééé",
        "utf-8+cp1252",
        (
            "input: a.md mixes UTF-8 with 7 byte(s) of another encoding (offsets 6, 7, 8, 9, 10, ...): "
            "those were read as Windows-1252 (cp1252), the rest as UTF-8",
        ),
    ),
    # A stray byte in UTF-8 text: UTF-8 with a replacement, not cp1252 mojibake of the whole article.
    (
        "Le cœur de l'été".encode() + b"\xff",
        "Le cœur de l'été\ufffd",
        "utf-8",
        ("input: 1 byte(s) of a.md are not valid UTF-8 (offsets 19); each was replaced with U+FFFD",),
    ),
    (
        b"\xff" + "é".encode() * 4 + b"\xfe\xfd" + b"x" * 7 + b"\xc3",
        "\ufffdéééé\ufffd\ufffdxxxxxxx\ufffd",
        "utf-8",
        ("input: 4 byte(s) of a.md are not valid UTF-8 (offsets 0, 9, 10, 18); each was replaced with U+FFFD",),
    ),
    # More invalid bytes than valid multi-byte characters: Windows-1252 (ASCII with one é byte).
    (b"caf\xe9 cr\xe8me", "café crème", "cp1252", CP1252),
]


@pytest.mark.parametrize(("data", "text", "encoding", "warnings"), DECODE)
def test_decode(data: bytes, text: str, encoding: str, warnings: tuple[str, ...]) -> None:
    assert decode(data, "a.md") == Decoded(text, encoding, warnings)


BAD_BYTES = [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (NUL bytes)"),
    (b"caf\x81 et th\x8d", "byte 0x81 at offset 3 is not valid UTF-8 or Windows-1252"),
    (bytes(range(1, 32)) * 4, "control characters"),
    (b"\xef\xbb\xbf" + "é".encode() + b"caf\xe9\xe8\x8d", "byte 0x8d at offset 10 is not valid UTF-8 or Windows-1252"),
    # NUL bytes on both sides, or too few of them on one side: not UTF-16.
    (b"\x00\x00" + "Bonjour".encode("utf-16-le"), "binary file (NUL bytes)"),
    (b"abcdefg\x00", "binary file (NUL bytes)"),
    ("Bonjour".encode("utf-16-le") + b"x", "binary file (NUL bytes)"),  # odd length
    # A byte-order mark, then bytes that aren't UTF-16: coded, not a crash.
    (b"\xff\xfe" + "Bonjour".encode("utf-16-le") + b"x", "starts with a UTF-16 byte-order mark but is not valid"),
    (b"\xff\xfe\x00\xd8a\x00", "starts with a UTF-16 byte-order mark but is not valid"),  # a lone surrogate
]


@pytest.mark.parametrize(("data", "message"), BAD_BYTES)
def test_decode_rejects(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        decode(data, "a.md")


def test_read_article_errors(tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_article(str(tmp_path / "missing.md"))
    with pytest.raises(InputError, match="is a directory"):
        read_article(str(tmp_path))
    blank = tmp_path / "blank.md"
    blank.write_text(" \n\t\n  ")
    with pytest.raises(InputError, match="empty"):
        read_article(str(blank))
    page = tmp_path / "empty.html"
    page.write_text("<html><body><script>var x = 1;</script></body></html>")
    with pytest.raises(InputError, match="empty"):
        read_article(str(page))


HTML = [
    (
        "<html><head><title>T</title><style>p{}</style></head>"
        "<body><h1>Titre</h1><p>Un <b>texte</b>.</p></body></html>",
        "# Titre\n\nUn **texte**.",
    ),
    (
        "<html><head><title>Le titre</title></head><body><p>A&amp;B &eacute;t&eacute;.</p></body></html>",
        "# Le titre\n\nA&B été.",
    ),
    (
        "<!DOCTYPE html><body><nav>Menu</nav><h2>Sous</h2><ul><li>un</li><li>deux</li></ul>"
        "<blockquote><p>cité</p></blockquote><script>x()</script></body>",
        "## Sous\n\n- un\n\n- deux\n\n> cité",
    ),
    (
        '<p>Selon le <a href="https://wsj.com/a b">Wall Street <i>Journal</i></a>, '
        '<a href="/relatif">ici</a> et <a href="mailto:a@b.fr"><img src="x.png"></a>.</p>',
        "Selon le [Wall Street *Journal*](https://wsj.com/a%20b), ici et .",  # inline tags kept as Markdown
    ),
    ('<p><a href="https://a.fr"><p>Un bloc</p></a> suite</p>', "Un bloc\n\nsuite"),
]


@pytest.mark.parametrize(("html", "markdown"), HTML)
def test_html_to_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown


def translated(markdown: str) -> Document:
    doc = FrenchSegmenter(FrenchSegmenterConfig())(Document("d", markdown))
    from dataclasses import replace

    return replace(
        doc,
        segments=tuple(s if s.verbatim else replace(s, translation=s.source.upper()) for s in doc.segments),
    )


def test_render_translation_keeps_layout() -> None:
    doc = translated(
        "# Titre\n\nUn. Deux.\n\n## Partie\n\n- un\n- deux\n\n> cité\n\n*Tout en italique.*\n\n```\nx = 1\n```"
    )
    assert render_translation(doc) == (
        "UN. DEUX.\n\n## PARTIE\n\n- UN\n- DEUX\n\n> CITÉ\n\n*TOUT EN ITALIQUE.*\n\n```\nx = 1\n```"
    )


def test_render_markdown_sections() -> None:
    from dataclasses import replace

    doc = replace(translated("# Titre\n\nUn. Deux."), summary="Résumé.", warnings=("w1",))
    assert render_markdown(doc) == (
        "# TITRE\n\n## Summary\n\nRésumé.\n\n## Translation\n\nUN. DEUX.\n\n## Warnings\n\n- w1\n"
    )


def test_links_are_listed_after_the_translation() -> None:
    from dataclasses import replace

    doc = replace(translated("# Titre\n\nLe [WSJ](https://wsj.com) et [rien](#).\n\n- <https://a.fr>"), summary="S.")
    assert render_markdown(doc) == (
        "# TITRE\n\n## Summary\n\nS.\n\n## Translation\n\nLE WSJ ET RIEN.\n\n- HTTPS://A.FR\n\n"
        "## Links\n\n- WSJ: <https://wsj.com>\n- https://a.fr: <https://a.fr>\n"
    )
    record = to_record(doc, models=[], config={}, versions={}, signature="precis:0.1.0|mt:x@y")
    assert [p["links"] for p in record["paragraphs"]] == [
        [],
        [{"text": "WSJ", "url": "https://wsj.com"}],
        [{"text": "https://a.fr", "url": "https://a.fr"}],
    ]


# --- link targets: what each writer may write ---------------------------------------

LINK_TARGETS = [
    ("https://lemonde.fr/a?b=1&c=2", "https://lemonde.fr/a?b=1&c=2"),
    ("HTTPS://A.FR", "HTTPS://A.FR"),
    ("mailto:a@b.fr", "mailto:a@b.fr"),
    # what could end the Markdown link or autolink, open a tag or an attribute: percent-encoded
    ("https://ex.org/<script>x</script>", "https://ex.org/%3Cscript%3Ex%3C/script%3E"),
    ('https://a.fr/a b(c)"`\\', "https://a.fr/a%20b%28c%29%22%60%5C"),
    ("https://a.fr/été", "https://a.fr/%C3%A9t%C3%A9"),
    ("https://a.fr/a%20b", "https://a.fr/a%20b"),  # an escape isn't escaped twice
    # read as CommonMark reads a destination: escapes, then references ending in ";"
    ("https://a.fr/\\(x\\)", "https://a.fr/%28x%29"),
    ("https://a.fr/?a=1&amp;b=2", "https://a.fr/?a=1&b=2"),
    ("https://a.fr/?a=1&copy=2", "https://a.fr/?a=1&copy=2"),  # no ";": not a reference
    ("https://a.fr/?x=&amp;copy;", "https://a.fr/?x=%26copy;"),  # would read as "©" again
    # blanks around and tabs or newlines inside are dropped, as browsers drop them
    ("  https://a.fr/x\n ", "https://a.fr/x"),
    # relative targets: kept (written as text, not as links)
    ("/relatif", "/relatif"),
    ("#partie-2", "#partie-2"),
    ("javascript%3Aalert(1)", "javascript%3Aalert%281%29"),  # no ":": a relative path to a browser too
    # schemes other than http, https, mailto: refused, however written
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("java\tscript:alert(1)", None),
    ("java\nscript:alert(1)", None),
    (" \x01javascript:alert(1)", None),
    ("java\x00script:alert(1)", None),
    ("java\u200bscript:alert(1)", None),
    ("&#106;avascript:alert(1)", None),
    ("javascript&colon;alert(1)", None),
    ("vbscript:msgbox(1)", None),
    ("VBScript:msgbox(1)", None),
    ("data:text/html;base64,PHNjcmlwdD4=", None),
    ("data:image/png;base64,AAAA", None),
    (" DATA:text/html,x", None),
    ("file:///etc/passwd", None),
    ("10:30", None),
]


@pytest.mark.parametrize(("target", "safe"), LINK_TARGETS)
def test_link_target(target: str, safe: str | None) -> None:
    assert link_target(target) == safe
    if safe is not None:
        assert link_target(safe) == safe  # a second pass changes nothing


def linked(links: tuple[tuple[str, str], ...], markup: str | None = None) -> Document:
    """A translated article of two paragraphs, the second with ``links`` (and its sentence's ``markup``)."""
    return Document(
        "d",
        "",
        paragraphs=(Paragraph(0, "heading", level=1), Paragraph(1, "text", links=links)),
        segments=(Segment(0, 0, "Titre", "Title"), Segment(1, 1, "Le lien.", "The link.", markup=markup)),
        summary="S.",
    )


JS_DROPPED = (
    "links: paragraph 1: link 'js' dropped: its target has a scheme 'javascript', "
    "and only http, https, mailto links are written"
)
UNSAFE_LINKS = (
    ("lien", "https://ex.org/<script>x</script>"),
    ("js", "JaVaScRiPt:alert(1)"),
    ("d", "java\tscript:x"),
    ("rel", "/a b"),
    ("<b>x", "https://a.fr"),
)


def test_markdown_links_are_escaped_and_unsafe_ones_dropped() -> None:
    assert render_markdown(linked(UNSAFE_LINKS)) == (
        "# Title\n\n## Summary\n\nS.\n\n## Translation\n\nThe link.\n\n## Links\n\n"
        "- lien: <https://ex.org/%3Cscript%3Ex%3C/script%3E>\n- rel: `/a%20b`\n- \\<b>x: <https://a.fr>\n\n"
        f"## Warnings\n\n- {JS_DROPPED}\n- {JS_DROPPED.replace(chr(39) + 'js', chr(39) + 'd')}\n"
    )


def test_a_safe_link_is_escaped_in_every_writer() -> None:
    doc = linked((("x", 'https://ex.org/"><img src=x onerror=alert(1)>'),))
    safe = "https://ex.org/%22%3E%3Cimg%20src=x%20onerror=alert%281%29%3E"
    assert safe_links(doc).paragraphs[1].links == (("x", safe),) and safe_links(doc).warnings == ()
    assert render_markdown(doc).endswith(f"## Links\n\n- x: <{safe}>\n")
    record = to_record(doc, models=[], config={}, versions={}, signature="s")
    assert record["paragraphs"][1]["links"] == [{"text": "x", "url": safe}]


def test_json_links_are_escaped_and_unsafe_ones_dropped() -> None:
    record = to_record(linked(UNSAFE_LINKS), models=[], config={}, versions={}, signature="s")
    assert record["paragraphs"][1]["links"] == [
        {"text": "lien", "url": "https://ex.org/%3Cscript%3Ex%3C/script%3E"},
        {"text": "rel", "url": "/a%20b"},
        {"text": "<b>x", "url": "https://a.fr"},
    ]
    assert record["warnings"] == [JS_DROPPED, JS_DROPPED.replace("'js'", "'d'")]


DROPPED_SCHEMES = [
    ("&#106;avascript:alert(1)", "a scheme 'javascript'"),  # named as the browser would read it
    (" Java\tScript:alert(1)", "a scheme 'javascript'"),
    ("DATA:text/html,x", "a scheme 'data'"),
    # an invalid scheme can hold anything, markup included: it isn't written into the warning
    ("<img src=x onerror=alert(1)>:y", "a scheme that isn't valid"),
]


@pytest.mark.parametrize(("target", "named"), DROPPED_SCHEMES)
def test_the_warning_names_the_scheme_dropped(target: str, named: str) -> None:
    doc = safe_links(linked((("x", target),)))
    assert doc.paragraphs[1].links == ()
    assert doc.warnings == (
        f"links: paragraph 1: link 'x' dropped: its target has {named}, and only http, https, mailto links are written",
    )


MARKUP = [
    ("The [link](https://a.fr/x).", "The [link](https://a.fr/x).", ()),
    # markdown-it reads data:image/... as a link (javascript: it doesn't): the sentence is written plain
    (
        "The [link](data:image/png;base64,AAAA).",
        None,
        (
            "links: segment 1: markup dropped, the sentence is written plain: its target has a scheme 'data', "
            "and only http, https, mailto links are written",
        ),
    ),
    ("The [link](javascript:alert(1)).", "The [link](javascript:alert(1)).", ()),  # text to CommonMark
]


@pytest.mark.parametrize(("markup", "kept", "warnings"), MARKUP)
def test_markup_with_an_unsafe_link_is_dropped(markup: str, kept: str | None, warnings: tuple[str, ...]) -> None:
    doc = safe_links(linked((), markup))
    assert (doc.segments[1].markup, doc.warnings) == (kept, warnings)
    assert safe_links(doc) == doc  # a second pass (the writer's) changes nothing
    assert "data:" not in render_markdown(doc)


# --- reading: a size limit, whatever the source ------------------------------------


class Endless:
    """A stream that never ends (/dev/zero, an endless pipe), counting what was read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, n: int) -> bytes:
        self.read_bytes += n
        return b"a" * n


def test_reading_stops_at_the_limit() -> None:
    stream = Endless()
    with pytest.raises(ArticleTooLarge, match=r"^\[E220\] <stdin>: more than 1000 bytes, over the limit of 1000 "):
        read_limited(stream, "<stdin>", 1000)
    assert stream.read_bytes == 1001
    assert read_limited(io.BytesIO(b"x" * 1000), "a", 1000) == b"x" * 1000


LIMITS = [
    (b"Un article.", 11, None),
    (b"Un article.", 10, "[E220] {path}: 11 bytes, over the limit of 10 for one article"),
]


@pytest.mark.parametrize(("data", "limit", "message"), LIMITS)
def test_read_article_limit(tmp_path, data: bytes, limit: int, message: str | None) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(data)
    if message is None:
        assert read_article(str(path), max_bytes=limit).text == data.decode()
    else:
        with pytest.raises(ArticleTooLarge) as caught:
            read_article(str(path), max_bytes=limit)
        assert str(caught.value) == message.format(path=path)


def test_a_closed_stdin_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(InputError) as caught:
        read_article("-")
    assert str(caught.value) == (
        "[E200] <stdin>: standard input is closed; give an article file, or pipe an article into -"
    )


# --- output names: never an input's ------------------------------------------------

NAMES = [
    # inputs in the output folder, article ids -> the names chosen
    (["article.md"], ["article"], "md", ["article.en.md"]),
    (["page.html"], ["page"], "html", ["page.en.html"]),
    (["a.json", "a.txt"], ["a", "a"], "json", ["a.en.json", "a-2.en.json"]),
    # an input has the name the other's output would take: passed over
    (["x.md", "x.en.md"], ["x", "x.en"], "md", ["x-2.en.md", "x.en.en.md"]),
]


@pytest.mark.parametrize(("inputs", "ids", "format", "names"), NAMES)
def test_output_names(tmp_path, inputs: list[str], ids: list[str], format: str, names: list[str]) -> None:
    for name in inputs:
        (tmp_path / name).write_text("Un article.")
    identities = _identities([str(tmp_path / name) for name in inputs])
    assert [p.name for p in output_paths(tmp_path, ids, format, identities)] == names


@pytest.mark.parametrize("link", [os.symlink, os.link])
def test_an_output_name_linked_to_an_input_is_passed_over(tmp_path, link) -> None:
    source = tmp_path / "src" / "article.md"
    source.parent.mkdir()
    source.write_text("Un article.")
    out = tmp_path / "out"
    out.mkdir()
    link(source, out / "article.en.md")
    paths = output_paths(out, ["article"], "md", _identities([str(source)]))
    assert [p.name for p in paths] == ["article-2.en.md"]
    assert output_suffix("html") == ".en.html"
