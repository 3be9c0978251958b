"""HTML articles read as Markdown: headings, list items, quotes and inline markup kept, the rest dropped.

``html_to_markdown`` reduces a page to its text as Markdown blocks, so the segmenter sees
the layout and the inline markup (``<a href>``, ``<em>``, ``<strong>``, ``<code>``) follows
each sentence into its translation; scripts, styles, navigation and forms are left out.
"""

from __future__ import annotations

from html.parser import HTMLParser

from pipeline.markdown import MAX_NESTING

# Inline marks (<em>, <strong>, <code>) open inside each other beyond this many are
# dropped, their text kept: Markdown has no use for them, and wrapping the text of each
# of 10 000 nested <em> rewrote it 10 000 times.
MAX_MARKS = 2


class _HTMLToMarkdown(HTMLParser):
    """Collects an HTML page's text as Markdown blocks (headings, items, quotes, paragraphs)."""

    # Inline tags kept as Markdown, so their markup follows the text into the translation.
    MARKS = {"em": "*", "i": "*", "strong": "**", "b": "**", "code": "`"}
    SKIP = {"script", "style", "noscript", "template", "nav", "aside", "footer", "form", "button", "svg", "head"}
    BLOCK = {
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "li",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "figure",
        "figcaption",
        "br",
        "hr",
        "dd",
        "dt",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.buffer: list[str] = []
        self.prefix: list[str] = []
        self.skipping = 0
        self.quote = 0
        self.title = ""
        self.in_title = False
        self.link: tuple[int, str] | None = None  # an open <a href>: where its text starts, its target
        # open <em>, <strong>, <code>...: the tag, where its text starts (-1: past MAX_MARKS, dropped)
        self.marks: list[tuple[str, int]] = []

    def _flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        if text:
            marker = "".join(self.prefix[-1:])
            # Quotes nested past what the segmenter reads keep one level more than it reads,
            # so it flattens them with a warning; a deeper prefix would only make each block
            # as long as the nesting is deep.
            self.blocks.append(("> " * min(self.quote, MAX_NESTING)) + marker + text)
        self.buffer = []
        self.link = None  # a link that spans blocks keeps its text only
        self.marks = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP:
            self.skipping += 1
            return
        if tag in self.BLOCK:
            self._flush()
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.prefix.append("#" * int(tag[1]) + " ")
        elif tag == "li":
            self.prefix.append("- ")
        elif tag == "blockquote":
            self.quote += 1
        elif tag in self.MARKS:
            self.marks.append((tag, len(self.buffer) if len(self.marks) < MAX_MARKS else -1))
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            self.link = (len(self.buffer), href) if href.startswith(("http://", "https://", "mailto:")) else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
            return
        if tag in self.BLOCK:
            self._flush()
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "li") and self.prefix:
            self.prefix.pop()
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag in self.MARKS and self.marks and self.marks[-1][0] == tag:
            _, start = self.marks.pop()
            self._mark(start, self.MARKS[tag])
        elif tag == "a" and self.link is not None:
            start, href = self.link
            self.link = None
            if "".join(self.buffer[start:]).strip() and not self.skipping:  # a Markdown link keeps the target
                self.buffer.insert(start, "[")
                self.buffer.append(f"]({href.replace(' ', '%20').replace('(', '%28').replace(')', '%29')})")

    def _mark(self, start: int, marker: str) -> None:
        """Wrap the text since ``start`` in Markdown ``marker``s, blanks kept outside (``*a*``, not ``* a *``)."""
        content = "".join(self.buffer[start:])
        core = content.strip()
        if not core or self.skipping or start < 0 or start > len(self.buffer):
            return
        lead, trail = content[: len(content) - len(content.lstrip())], content[len(content.rstrip()) :]
        self.buffer[start:] = [lead, marker, core, marker, trail]

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.skipping:
            self.buffer.append(data)


def html_to_markdown(html: str) -> str:
    """Reduce an HTML page to its text, as Markdown blocks separated by blank lines."""
    parser = _HTMLToMarkdown()
    # Every tag, comment or declaration ends with ">": a "<" after the last ">" opens none,
    # and HTMLParser reads it as text, but only after looking for its end to the end of the
    # page, once per "<" ("<a" * 50000: quadratic). Written as "&lt;", it is the same text
    # read in one pass.
    last = html.rfind(">") + 1
    if "<" in html[last:]:
        html = html[:last] + html[last:].replace("<", "&lt;")
    parser.feed(html)
    parser.close()
    parser._flush()
    blocks = parser.blocks
    title = " ".join(parser.title.split())
    if title and not any(b.startswith("# ") for b in blocks):
        blocks.insert(0, "# " + title)
    return "\n\n".join(blocks)


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text)
