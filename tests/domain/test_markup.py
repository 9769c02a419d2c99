"""The one sanitizer: user markdown in, safe HTML out."""

from html.parser import HTMLParser

import pytest

from workshop.markup import ALLOWED_TAGS, render


class Elements(HTMLParser):
    """The real elements and attributes a browser would build from the HTML."""

    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[clicca](javascript:alert(1))",
    "[clicca](JaVaScRiPt:alert(1))",
    "[clicca](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="http://x" onclick="alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=//evil></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "![x](http://tracker.example/pixel.png)",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_come_out_inert(attack):
    html = render(attack)
    for tag, attrs in Elements(html).found:
        assert tag in ALLOWED_TAGS, html
        assert tag not in {"script", "img", "iframe", "svg", "style", "math"}, html
        assert not any(name.startswith("on") or name == "style" for name in attrs), html
        if "href" in attrs:
            assert attrs["href"].split(":", 1)[0].lower() in {"http", "https", "mailto"}, html


def test_markdown_is_rendered():
    assert render("**forte** e _corsivo_") == "<p><strong>forte</strong> e <em>corsivo</em></p>"
    assert render("- uno\n- due") == "<ul>\n<li>uno</li>\n<li>due</li>\n</ul>"


def test_text_that_looks_like_html_is_shown_not_dropped():
    assert render("ti voglio bene <3") == "<p>ti voglio bene &lt;3</p>"
    assert "&lt;script&gt;" in render("<script>x</script>")


def test_images_become_links_to_the_image():
    assert render("![foto](https://example.org/a.png)") == (
        '<p><a href="https://example.org/a.png" rel="nofollow noopener noreferrer" '
        'target="_blank">foto</a></p>'
    )


def test_links_are_safe_to_follow():
    html = render("vedi https://www.comune.re.it")
    assert 'href="https://www.comune.re.it"' in html
    assert 'rel="nofollow noopener noreferrer"' in html
