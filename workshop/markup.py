"""Markdown to safe HTML: the one place where user text becomes markup.

Python-Markdown passes raw HTML, `javascript:` links and event-handler
attributes straight through, so its output is cleaned with an allowlist
(bleach) before anyone sees it. Everything that renders user-written markdown
(notes now, schede later) must call `render` and nothing else.
"""

from __future__ import annotations

import threading
from functools import lru_cache, partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "b",
        "i",
        "ul",
        "ol",
        "li",
        "a",
        "code",
        "pre",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel", "target"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _safe_link(attrs, new=False):
    href_key = (None, "href")
    if href_key not in attrs:
        return attrs
    # Links leave the platform: never pass the referrer or a window handle.
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
    attrs[(None, "target")] = "_blank"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    # Escape rather than drop what is not allowed: someone who types "<3" or
    # "<script>" sees their own words, inert.
    strip=False,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_safe_link], skip_tags={"pre", "code"})],
)


class _ImagesAsLinks(Treeprocessor):
    """`![alt](url)` becomes a link to the image: no remote image loads into
    everyone's page (a tracking pixel), and no escaped `<img>` markup shown."""

    def run(self, root):
        for element in root.iter("img"):
            src, alt = element.get("src", ""), element.get("alt", "")
            element.tag = "a"
            element.attrib.clear()
            element.set("href", src)
            element.text = alt or src


class _NoImages(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's API)
        md.treeprocessors.register(_ImagesAsLinks(md), "images_as_links", 0)


# Building a Markdown instance (extensions, parser) cost more than converting a
# short note, so one is kept and reset. Neither it nor the Cleaner is safe to
# share between threads, hence the lock; under greenlets it is never contended
# (rendering does not yield).
_markdown = markdown.Markdown(extensions=["sane_lists", "nl2br", "tables", _NoImages()], output_format="html")
_rendering = threading.Lock()


@lru_cache(maxsize=1024)
def render(text: str) -> str:
    """Render user markdown to HTML that is safe to insert into any page.

    Pure, so cached: the command bus renders before taking the session lock
    and the handler's call then costs nothing."""
    with _rendering:
        return _cleaner.clean(_markdown.reset().convert(text))
