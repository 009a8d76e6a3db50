"""Owns turning an HTML mail body into text that keeps line breaks and quoting, for the forward finder."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK = {
    "p",
    "div",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "pre",
    "hr",
    "address",
    "section",
    "article",
    "header",
    "footer",
    "dl",
    "dt",
    "dd",
}
_SKIP = {"script", "style", "head", "title", "xml"}
MAX_HTML_CHARS = 5_000_000


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote = 0
        self.skip = 0

    def _newline(self) -> None:
        """Start a fresh line at a block boundary; never a blank one, as a browser shows nested divs.

        Clients write one block per line (Gmail's divs, Outlook's MsoNormal paragraphs, Thunderbird's
        header-table rows); their blank lines are blocks holding only a non-breaking space or a <br>,
        which count as content here.
        """
        if self.lines[-1].replace(">", "").strip(" \t"):
            self.lines.append("")
        self.lines[-1] = "> " * self.quote if self.quote else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self.lines.append("> " * self.quote if self.quote else "")
        elif tag == "blockquote":
            self.quote += 1
            self._newline()
        elif tag in _BLOCK:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self._newline()
        elif tag in _BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"[ \t\r\n]+", " ", data)
        if not self.lines[-1].replace(">", "").strip(" \t"):
            text = text.lstrip(" ")  # not a lone &nbsp;: that is how a blank line is written
        self.lines[-1] += text


def html_to_text(markup: str) -> str:
    maker = _TextMaker()
    try:
        maker.feed(markup[:MAX_HTML_CHARS])
        maker.close()
    except (AssertionError, ValueError):
        return html.unescape(re.sub(r"<[^>]+>", " ", markup[:MAX_HTML_CHARS]))
    text = "\n".join(line.rstrip() for line in maker.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
