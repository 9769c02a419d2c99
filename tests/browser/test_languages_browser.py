"""Participants in their own language, in a real browser on a phone: an Arabic
participant joins, writes, votes and follows the phases on a mirrored page; the
scripts and fonts of Arabic, Ukrainian and Chinese render as letters, not as the
empty boxes of a missing font. Screenshots go to test-artifacts/languages/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_room_experience_browser import RECORD_LIVE

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "languages"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def box(page, selector: str, text: bool = False) -> dict:
    """Where an element is, or with `text` where its words are (a block is as wide as
    its container whichever side its words start from)."""
    return page.locator(selector).first.evaluate(
        """(e, text) => {
             let r = e.getBoundingClientRect();
             if (text) { const range = document.createRange(); range.selectNodeContents(e);
                         r = range.getBoundingClientRect(); }
             return {left: r.left, right: r.right};
           }""",
        text,
    )


def side(page, selector: str, within: str) -> str:
    """Which edge of `within` the words of the element hug: 'left' or 'right'."""
    inner, outer = box(page, selector, text=not selector.endswith(".icon")), box(page, within)
    return "left" if inner["left"] - outer["left"] < outer["right"] - inner["right"] else "right"


def heard(page, words: str, seconds: float = 10) -> None:
    """The live region said `words` at some point (RECORD_LIVE keeps everything it said)."""
    for _ in range(int(seconds * 10)):
        said = page.evaluate("() => window.__said")
        if any(words in s for s in said):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never said {words!r}: {said}")


def test_an_arabic_page_is_mirrored(new_page, web_server):
    """The same home page in Italian and in Arabic, on a phone: what hugs the left
    edge in Italian hugs the right edge in Arabic."""
    layouts = {}
    for code in ("it", "ar"):
        page = new_page(360, 740)
        page.goto(f"{web_server.url}/?lang={code}")
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if code == "ar" else "ltr")
        layouts[code] = {
            "label": side(page, "label[for=code]", ".entry-card .card-body"),
            "heading": side(page, "h1", "main .container"),
            "first language": side(page, ".language-list-first li:first-child", ".language-list-first"),
            "brand icon": side(page, ".it-brand-wrapper .icon", ".it-header-center-wrapper .container"),
        }
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, code  # no sideways scroll
        shot(page, f"home-{code}-phone")
    assert layouts["it"] == dict.fromkeys(layouts["it"], "left"), layouts
    assert layouts["ar"] == dict.fromkeys(layouts["ar"], "right"), layouts


def test_an_arabic_participant_joins_writes_votes_and_follows_the_phases(new_page, web_server, room):
    page = new_page(360, 740)
    page.goto(f"{web_server.url}/?lang=ar")
    page.fill("#code", room.code)
    page.get_by_role("button", name="دخول").click()
    page.wait_for_url(re.compile("/s/"))
    expect(page.locator("h2", has_text="عرّف بنفسك")).to_be_visible()
    page.fill("#pseudonym", "سلمى")
    page.select_option("#category", "cittadino")
    page.get_by_role("button", name="دخول").click()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "online")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # The scripts take their words from the page: the connection, the phase, the form.
    expect(page.locator("#connection-status")).to_contain_text("متصل")
    expect(page.locator("#phase-label")).to_have_text("جمع المساهمات")
    # The phase banner's coloured edge is where a line starts: on the right.
    edges = page.locator("#phase-banner").evaluate(
        "(e) => [getComputedStyle(e).borderRightWidth, getComputedStyle(e).borderLeftWidth]"
    )
    assert edges == ["8px", "1px"], edges

    page.evaluate(RECORD_LIVE)  # what the screen reader is told, whatever replaces it after
    page.select_option("#note-kind", "proposta")
    page.fill("#note-text", "نحتاج إلى مترجمين في مكاتب الخدمات")
    page.locator("#note-form [type=submit]").click()
    # The stored note (a pending copy shows while the server has not answered).
    card = page.locator("article.note:not(.note-pending)", has_text="مترجمين")
    expect(card).to_be_visible()
    expect(card).to_contain_text("مقترح")
    assert card.locator(".note-body p").evaluate("(p) => getComputedStyle(p).direction") == "rtl"
    heard(page, "نُشرت المساهمة")
    shot(page, "room-ar-raccolta")

    room.facilitator.advance("votazione")
    expect(page.locator("#phase-label")).to_have_text("التصويت")
    expect(page.locator("#phase-help")).to_contain_text("وزّع نقاطك")
    card.get_by_role("button", name=re.compile("أضف نقطة")).click()
    heard(page, "أُضيفت النقطة")
    expect(page.locator("#dots-pre")).to_have_text("المتبقي لك:")
    shot(page, "room-ar-votazione")

    room.facilitator.advance("valutazione")
    room.facilitator.advance("chiusa")
    expect(page.locator("#phase-label")).to_have_text("مغلقة")
    expect(page.locator("#closed-notice")).to_contain_text("الجلسة مغلقة. شكرًا لمشاركتك!")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.console_errors == []
    shot(page, "room-ar-chiusa")


# Draws each character of a page's heading with the heading's own font and compares
# the pixels with a character no font has (U+10FFFD, a private-use code point): a
# missing glyph is drawn as that same box, and every missing glyph alike.
GLYPHS = """(selector) => {
  const el = document.querySelector(selector);
  const font = getComputedStyle(el).font;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const draw = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = font.replace(/\\d+(\\.\\d+)?px/, "40px");
    ctx.fillText(ch, 4, 48);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
  };
  const tofu = draw("\\u{10FFFD}");
  const chars = Array.from(new Set(Array.from(el.textContent.trim()).filter((c) => c.trim())));
  const drawn = chars.map(draw);
  return {chars: chars.join(""), tofu: chars.filter((c, i) => drawn[i] === tofu).join(""),
          distinct: new Set(drawn).size};
}"""


@pytest.mark.parametrize(
    ("code", "heading"), [("zh", "进入研讨会"), ("ar", "ادخل إلى ورشة"), ("uk", "Увійти до лабораторії")]
)
def test_scripts_render_as_letters_not_boxes(new_page, web_server, code, heading):
    page = new_page(360, 740)
    page.goto(f"{web_server.url}/?lang={code}")
    expect(page.locator("h1")).to_have_text(heading)
    found = page.evaluate(GLYPHS, "h1")
    assert found["tofu"] == "", f"{code}: drawn as missing glyphs: {found['tofu']}"
    # Missing glyphs would all look alike; letters differ from one another.
    assert found["distinct"] == len(found["chars"]), found
    shot(page, f"home-{code}-phone")


@pytest.mark.parametrize("code", ["ar", "zh"])
def test_pages_in_another_language_stay_accessible(browser, web_server, room, code):
    """axe-core (WCAG 2.1 AA) and 44-px targets on the participant's pages in Arabic
    and Chinese, on a phone; the language menu's links 44 px high."""
    from tests.browser.test_accessibility_browser import audit, small_targets

    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    found = []
    for path in ("/", f"/s/{room.code}", "/laboratori/dimissioni-difficili", "/privacy"):
        page.goto(f"{web_server.url}{path}?lang={code}")
        audit(page, found, f"{code} {path}")
        small_targets(page, found, f"{code} {path}")
        # The header's menu, open (it covers the page below it, so axe runs with it closed).
        page.locator("header .language-menu summary").click()
        heights = page.locator("header .language-menu a").evaluate_all(
            "(links) => links.map((a) => a.getBoundingClientRect().height)"
        )
        assert len(heights) == 8 and min(heights) >= 44, heights
    context.close()
    assert found == []


def catalogue(code: str):
    from babel.support import Translations

    return Translations.load(
        str(Path(__file__).resolve().parents[2] / "workshop" / "translations"), [code], "messages"
    )


@pytest.mark.parametrize("code", ["it", "en", "fr", "ar", "ro", "sq", "uk", "zh"])
def test_a_participant_takes_part_in_each_language_on_a_phone(new_page, web_server, room, code):
    """Join, write, vote and follow every phase to the end, the page in one language
    throughout (the words expected are the catalogue's own)."""
    _ = catalogue(code).gettext
    page = new_page(360, 740)
    page.goto(f"{web_server.url}/?lang={code}")
    page.fill("#code", room.code)
    page.locator("main form [type=submit]").click()
    page.fill("#pseudonym", f"Persona {code}")
    page.select_option("#category", "associazione")
    page.locator("main form [type=submit]").click()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "online")
    expect(page.locator("#connection-status")).to_contain_text(_("Connesso"))
    expect(page.locator("#phase-label")).to_have_text(_("Raccolta dei contributi"))
    page.fill("#note-text", f"Una proposta ({code})")
    page.locator("#note-form [type=submit]").click()
    card = page.locator("article.note:not(.note-pending)", has_text=f"({code})")
    expect(card).to_contain_text(_("Problema"))  # the first kind, chosen by default
    # A note keeps its language's direction: this Italian one runs left to right on an Arabic page too.
    assert card.locator(".note-body p").evaluate("(p) => getComputedStyle(p).direction") == "ltr"
    for phase, label in (("raggruppamento", "Raggruppamento"), ("votazione", "Votazione")):
        room.facilitator.advance(phase)
        expect(page.locator("#phase-label")).to_have_text(_(label))
    card.locator("button.vote-place").click()
    expect(page.locator("#dots-left")).to_have_text("2")
    expect(page.locator("#dots-pre")).to_have_text(_("Ti restano"))
    room.facilitator.advance("valutazione")
    expect(page.locator("#phase-label")).to_have_text(_("Valutazione"))
    room.facilitator.advance("chiusa")
    thanks = _("La sessione è chiusa. Grazie per aver partecipato!")
    expect(page.locator("#closed-notice")).to_contain_text(thanks)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.console_errors == []
