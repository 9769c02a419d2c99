"""Participants in their own language: every participant page renders in each of the
eight languages with no string missing from its catalogue, `lang` and `dir` on
<html>, the choice by `?lang=` remembered in a cookie, the browser's language as the
default, staff pages in Italian and English, dates in the reader's format, and the
protocol's error messages in the participant's language with the same code."""

from __future__ import annotations

import gettext
import html
import json
import re
import shutil

import pytest
from flask_babel import get_translations
from sqlmodel import select

from tests.conftest import facilitator_in, make_settings, to_phase
from tests.helpers import cid
from tests.live.test_privacy_pages import join_page
from workshop import i18n
from workshop.extensions import socketio
from workshop.seed import create_session, seed_reference
from workshop.storage.models import Lab

WRONG_CODE = {"code": "000000", "pseudonym": "Zaira", "category": "cittadino"}
TRANSLATED = [code for code in i18n.EVERYONE if code != i18n.SOURCE]


class Missing(gettext.NullTranslations):
    """Put behind a catalogue: gettext asks it only for a string the catalogue lacks."""

    def __init__(self):
        super().__init__()
        self.asked: set[str] = set()

    def gettext(self, message):
        self.asked.add(message)
        return message

    def ngettext(self, singular, plural, n):
        self.asked.add(singular)
        return singular if n == 1 else plural


@pytest.fixture
def app(tmp_path, closed_labs_template):
    """One SQLite app (the languages do not depend on the database) with a session
    collecting notes and the two sample labs closed (a copy of them, closed once)."""
    from workshop.app import create_app

    path = tmp_path / "languages.db"
    shutil.copy(closed_labs_template[0], path)
    application = create_app(make_settings(f"sqlite:///{path}"))
    application.config["TESTING"] = True
    db = application.extensions["workshop"].db
    seed_reference(db)
    owner = facilitator_in(db)
    made = create_session(db, "dopo-di-noi", "Sessione di prova", "Domanda guida", owner_id=owner.id)
    to_phase(application, made, "raccolta")
    application.config["made"] = made
    yield application
    db.dispose()


@pytest.fixture
def missing(app):
    """What each language's catalogue was asked for and lacked, while the test ran."""
    recorders = {}
    for code in TRANSLATED:
        with app.test_request_context(f"/?lang={code}"):
            catalogue = get_translations()
            recorders[code] = Missing()
            catalogue.add_fallback(recorders[code])
    yield recorders
    for code in TRANSLATED:
        with app.test_request_context(f"/?lang={code}"):
            get_translations()._fallback = None


def participant_pages(app) -> list[str]:
    code = app.config["made"].code
    with app.extensions["workshop"].db.reader() as s:
        labs = [lab.slug for lab in s.exec(select(Lab))]
    return [
        "/",
        f"/s/{code}",
        "/privacy",
        "/accessibilita",
        "/contatti",
        "/note-legali",
        "/laboratori",
        *[f"/laboratori/{slug}" for slug in labs],
        "/non-esiste",
    ]


def opening_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page)[0]


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_participant_page_renders_in_the_language_with_no_missing_string(app, missing, code):
    browser = join_page(app, app.config["made"].code)
    room = app.config["made"].code
    pages = [*participant_pages(app), f"/s/{room}", f"/s/{room}/i-miei-dati"]  # the room, once joined
    for path in pages:
        response = browser.get(path, query_string={"lang": code})
        assert response.status_code in (200, 404), path
        page = response.get_data(as_text=True)
        language = i18n.LANGUAGES[code]
        direction = "rtl" if language.rtl else "ltr"
        assert opening_tag(page) == f'<html lang="{language.tag}" dir="{direction}">', path
        stylesheet = "site.rtl.css" if language.rtl else "site.css"
        assert f"build/{stylesheet}" in page, path
    assert missing[code].asked == set(), f"{code}: not in the catalogue: {sorted(missing[code].asked)[:10]}"


def test_a_page_in_each_language_says_its_own_words(app):
    """Not only no gap: the words are the catalogue's (a page left in Italian would
    pass the gap check if nothing was asked)."""
    client = app.test_client()
    headings = {}
    for code in i18n.EVERYONE:
        page = client.get("/", query_string={"lang": code}).get_data(as_text=True)
        headings[code] = html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)[1]).strip()
    assert headings["it"] == "Entra in un laboratorio"
    assert headings["en"] == "Join a lab"
    assert headings["fr"] == "Entrer dans un atelier"
    assert headings["ar"] == "ادخل إلى ورشة"
    assert headings["zh"] == "进入研讨会"
    assert len(set(headings.values())) == len(i18n.EVERYONE)


def test_the_choice_is_remembered_and_the_browser_language_is_the_default(app):
    browser = app.test_client()
    assert 'lang="it"' in opening_tag(browser.get("/").get_data(as_text=True))
    assert 'lang="uk"' in opening_tag(
        browser.get("/", headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"}).get_data(as_text=True)
    )
    assert 'lang="zh-Hans"' in opening_tag(
        browser.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    )
    chosen = browser.get("/?lang=sq")
    assert "lang=sq" in chosen.headers["Set-Cookie"] and "Max-Age=31536000" in chosen.headers["Set-Cookie"]
    # The choice wins over the browser's language, on every page after.
    later = browser.get("/privacy", headers={"Accept-Language": "fr"})
    assert 'lang="sq"' in opening_tag(later.get_data(as_text=True))
    assert {"Cookie", "Accept-Language"} <= set(later.vary)
    # A language the platform does not have changes nothing.
    assert 'lang="sq"' in opening_tag(browser.get("/?lang=xx").get_data(as_text=True))


def test_the_picker_links_this_page_in_every_language_each_named_in_itself(app):
    page = app.test_client().get("/laboratori?lang=ar").get_data(as_text=True)
    link = r'<a href="([^"]+)" lang="([^"]+)" hreflang="[^"]+"( aria-current="true")?>([^<]+)</a>'
    links = re.findall(link, page)
    names = {tag: name for _, tag, _, name in links}
    assert names == {lang.tag: lang.name for lang in i18n.LANGUAGES.values()}
    assert ("/laboratori?lang=ro", "ro") in {(url, tag) for url, tag, _, _ in links}
    assert [tag for _, tag, current, _ in links if current] == ["ar"] * (len(links) // len(names))


def test_staff_pages_speak_italian_and_english_and_documents_italian(app):
    browser = app.test_client()
    assert 'lang="en"' in opening_tag(browser.get("/accedi?lang=en").get_data(as_text=True))
    # Someone who chose Chinese on the home page meets the staff sign-in in English…
    browser.get("/?lang=zh")
    signin = browser.get("/accedi").get_data(as_text=True)
    assert 'lang="en"' in opening_tag(signin) and "Staff sign-in" in signin
    # …or in Italian if their browser prefers it.
    assert 'lang="it"' in opening_tag(
        browser.get("/accedi", headers={"Accept-Language": "it"}).get_data(as_text=True)
    )
    # The staff picker offers only those two.
    assert re.findall(r'hreflang="([^"]+)"', signin) == ["it", "en"]
    # The plan's documents are the district's official texts: Italian whatever was chosen.
    markdown = browser.get("/piano/bozza.md", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Piano di Zona" in markdown and "Draft" not in markdown


def test_dates_are_written_as_the_language_writes_them(app):
    pages = {
        code: html.unescape(
            app.test_client()
            .get("/laboratori/dimissioni-difficili", query_string={"lang": code})
            .get_data(as_text=True)
        )
        for code in ("it", "en", "zh")
    }
    italian = re.search(r"Conclusa il (\d+ \w+ \d{4}, \d\d:\d\d)", pages["it"])
    assert italian, "the Italian date"
    assert re.search(r"Closed on [A-Z][a-z]+ \d+, \d{4}", pages["en"])
    assert re.search(r"结束于 \d{4}年\d+月\d+日", pages["zh"])


def test_protocol_errors_come_in_the_participants_language_with_the_same_code(app):
    made = app.config["made"]
    answers = {}
    for code in ("it", "fr", "ar"):
        client = socketio.test_client(app, query_string=f"lang={code}")
        ack = client.emit("join", WRONG_CODE, callback=True)
        answers[code] = ack["error"]
        # A wrong phase: the phase's name is translated inside the message.
        joined = client.emit(
            "join", {"code": made.code, "pseudonym": f"Zaira-{code}", "category": "cittadino"}, callback=True
        )
        vote = client.emit(
            "vote.place", {"cid": cid(), "session_id": joined["session"]["id"], "note_id": 1}, callback=True
        )
        answers[code + "-phase"] = vote["error"]
        client.disconnect()
    assert {answers[c]["code"] for c in ("it", "fr", "ar")} == {"invalid_code"}
    assert answers["it"]["message"] == "Codice non valido: controlla le cifre e riprova."
    assert answers["fr"]["message"] == "Code non valide : vérifiez les chiffres et réessayez."
    assert answers["ar"]["message"] == "رمز غير صالح: تحقق من الأرقام وأعد المحاولة."
    assert {answers[c + "-phase"]["code"] for c in ("it", "fr", "ar")} == {"wrong_phase"}
    assert answers["fr-phase"]["params"] == {"phase": "raccolta"}
    assert "« Recueil des contributions »" in answers["fr-phase"]["message"]
    assert "«Raccolta dei contributi»" in answers["it-phase"]["message"]


def test_a_socket_follows_the_cookie_and_the_browser_language_of_its_handshake(app):
    client = socketio.test_client(app, headers={"Accept-Language": "uk"})
    ack = client.emit("join", WRONG_CODE, callback=True)
    assert ack["error"]["message"] == "Недійсний код: перевірте цифри й спробуйте ще раз."
    client.disconnect()
    browser = app.test_client()
    browser.get("/?lang=ro")
    client = socketio.test_client(app, flask_test_client=browser)
    ack = client.emit("join", WRONG_CODE, callback=True)
    assert ack["error"]["message"] == "Cod nevalid: verificați cifrele și încercați din nou."
    client.disconnect()


def test_names_that_are_data_come_in_the_readers_language(app):
    """Labs, categories, plan areas and groups of categories are rows, named in each
    language by the seed (workshop/data); Italian stays the fallback."""
    code = app.config["made"].code
    join = html.unescape(app.test_client().get(f"/s/{code}?lang=ar").get_data(as_text=True))
    assert "«Dopo di noi» (من بعدنا" in join  # the lab
    assert "مواطن/ة بصفة شخصية" in join and "Cittadino/a" not in join  # the categories
    browser = join_page(app, code)
    room = html.unescape(browser.get(f"/s/{code}?lang=uk").get_data(as_text=True))
    assert "Громадянин/ка від власного імені" in room  # the room's categories
    assert json.dumps("Близькість і допомога вдома")[1:-1] in room  # the plan areas, in the scripts' config
    lab = html.unescape(
        app.test_client().get("/laboratori/dimissioni-difficili?lang=en").get_data(as_text=True)
    )
    assert "Difficult hospital discharges" in lab
    columns = re.findall(r'<li data-column="[^"]+"><span>([^<]+)</span>', lab)
    assert columns and not any("Terzo settore" in c or "Altre categorie" in c for c in columns), columns
    italian = html.unescape(app.test_client().get("/laboratori/dimissioni-difficili").get_data(as_text=True))
    assert "Dimissioni difficili" in italian


def test_staff_pages_render_in_english_with_no_missing_string(app, missing):
    """The facilitator's pages (dashboard, control room, projector) and the plan's
    public pages read in English draw only on the catalogues."""
    from tests.live.test_staff_pages import sign_in

    http, _ = sign_in(app, "fabia")
    made = app.config["made"]
    for path in (
        "/facilitatore",
        f"/facilitatore/sessioni/{made.id}",
        f"/facilitatore/sessioni/{made.id}/proiezione",
        "/account",
    ):
        response = http.get(path, query_string={"lang": "en"})
        assert response.status_code == 200, path
        assert 'lang="en"' in opening_tag(response.get_data(as_text=True)), path
    assert missing["en"].asked == set(), sorted(missing["en"].asked)[:10]


def test_staff_pages_in_english_name_the_phase_and_the_note_kinds_in_english(app):
    """The domain's labels are defined once and reach every page translated (the
    dashboard showed «Raccolta dei contributi» and the form «Problema» in English)."""
    from tests.live.test_staff_pages import sign_in

    http, _ = sign_in(app, "fabia")
    page = http.get("/facilitatore", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Collecting notes" in page and "Raccolta dei contributi" not in page
    assert "Problem" in page and "Problema" not in page


def test_the_categories_api_names_them_in_the_asked_language(app):
    """A client's join screen in Arabic gets the categories' Arabic names; the key
    and the code stay the same (they were Italian whatever was asked)."""
    client = app.test_client()
    italian = client.get("/api/v1/categories").get_json()["categories"]
    arabic = client.get("/api/v1/categories", headers={"Accept-Language": "ar"}).get_json()["categories"]
    assert [(c["key"], c["code"]) for c in arabic] == [(c["key"], c["code"]) for c in italian]
    with app.app_context():
        from workshop.storage.models import Category

        with app.extensions["workshop"].db.reader() as s:
            expected = {c.key: c.translations["ar"] for c in s.exec(select(Category))}
    assert {c["key"]: c["label"] for c in arabic} == expected
    assert all(a["label"] != i["label"] for a, i in zip(arabic, italian, strict=True))
