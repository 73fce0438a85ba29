"""What an HTML page of the site references: its scripts and styles, and any address on
another host, read from the `src` and `href` attributes (the tests of the docs pages and
the admin, in-process and end-to-end)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass(frozen=True)
class Reference:
    tag: str
    attribute: str  # "src" or "href"
    url: str
    rel: str = ""  # a <link>'s rel, e.g. "stylesheet", "icon"

    @property
    def kind(self) -> str | None:
        """What the page loads through it ("script", "stylesheet", "icon"), or None."""
        if self.tag == "script" and self.attribute == "src":
            return "script"
        if self.tag == "link":
            return next((k for k in ("stylesheet", "icon") if k in self.rel.split()), None)
        return None


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.references: list[Reference] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for attribute in ("src", "href"):
            if values.get(attribute):
                self.references.append(
                    Reference(tag, attribute, values[attribute].strip(), (values.get("rel") or "").lower())
                )

    handle_startendtag = handle_starttag


def references(html: str) -> list[Reference]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.references


def scripts_and_styles(html: str) -> list[Reference]:
    """What the page loads itself: its <script src>, <link rel="stylesheet"> and icon."""
    return [r for r in references(html) if r.kind]


def offsite(html: str, page_url: str) -> list[str]:
    """Every src/href of the page that names another host than the page's own
    (http://, https:// or protocol-relative //)."""
    host = urlsplit(page_url).netloc
    found = []
    for reference in references(html):
        parts = urlsplit(urljoin(page_url, reference.url))
        if parts.scheme in {"http", "https"} and parts.netloc != host:
            found.append(f"<{reference.tag} {reference.attribute}={reference.url!r}>")
    return found
