"""Which language a page or a socket answer speaks, and how a person picks it.

Participants may not read Italian (the district's largest foreign communities:
Albania, Romania, Morocco, China, Ukraine…), so the pages a participant sees
speak eight languages; staff pages speak Italian and English; the plan's
documents and open data are the district's official texts, in Italian.

The choice, in order: `?lang=xx` (remembered in the `lang` cookie for a year),
the cookie, the browser's Accept-Language, Italian. A page that does not speak
the chosen language falls back to what the browser accepts among its own, else
to English for someone who chose a language other than Italian.

Catalogues: two gettext domains in workshop/translations/ (scripts/i18n.py):
`messages`, every string a participant can meet, in all eight languages; and
`staff`, the rest, in English. Flask-Babel merges both for the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from babel.dates import format_date, format_time
from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import get_locale, gettext

from workshop.domain import phases
from workshop.domain.commands import KIND_LABELS


@dataclass(frozen=True)
class Language:
    code: str  # the catalogue's directory and Babel's locale
    tag: str  # BCP 47, for <html lang> (a script where fonts depend on it)
    name: str  # in the language itself: what its reader recognises
    rtl: bool = False


LANGUAGES = {
    lang.code: lang
    for lang in (
        Language("it", "it", "Italiano"),
        Language("en", "en", "English"),
        Language("fr", "fr", "Français"),
        Language("ar", "ar", "العربية", rtl=True),
        Language("ro", "ro", "Română"),
        Language("sq", "sq", "Shqip"),
        Language("uk", "uk", "Українська"),
        Language("zh", "zh-Hans", "中文"),
    )
}
SOURCE = "it"
EVERYONE = tuple(LANGUAGES)
STAFF = ("it", "en")
OFFICIAL = ("it",)
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

# Pages that are not the participants': the office's and the facilitators' (every
# view behind sign-in is marked `staff_only`), and the plan's official documents.
STAFF_BLUEPRINTS = {"auth", "account"}
STAFF_ENDPOINTS = {"plan.public_scheda", "facilitation.qr"}
OFFICIAL_ENDPOINTS = {
    "plan.opendata",
    "plan.plan_export",
    "plan.plan_export_staff",
    "plan.scheda_export",
    "plan.scheda_export_staff",
    "privacy.mine_json",
}


def page_languages() -> tuple[str, ...]:
    """The languages the current request's page is written in."""
    endpoint = request.endpoint or ""
    if endpoint in OFFICIAL_ENDPOINTS:
        return OFFICIAL
    view = current_app.view_functions.get(endpoint)
    if (
        getattr(view, "staff_only", False)
        or endpoint in STAFF_ENDPOINTS
        or request.blueprint in STAFF_BLUEPRINTS
    ):
        return STAFF
    return EVERYONE


def asked() -> str | None:
    """A valid `?lang=` of this request, if any."""
    code = request.args.get("lang", "")
    return code if code in LANGUAGES else None


def chosen() -> str | None:
    """The person's own choice: this request's `?lang=`, else the remembered one."""
    remembered = request.cookies.get(COOKIE, "")
    return asked() or (remembered if remembered in LANGUAGES else None)


def select_locale() -> str:
    """Flask-Babel's locale selector, for pages and socket events alike (a socket
    event sees the cookies and headers of its connection's handshake). Without a
    request (the command line's exports) it is the official language."""
    if not has_request_context():
        return SOURCE
    languages = page_languages() if request.endpoint else EVERYONE
    choice = chosen()
    if choice in languages:
        return choice
    accepted = request.accept_languages.best_match(languages)
    if accepted:
        return accepted
    if choice and choice != SOURCE and "en" in languages:
        return "en"
    return SOURCE


def current() -> Language:
    return LANGUAGES.get(str(get_locale()), LANGUAGES[SOURCE])


def when(moment) -> str:
    """A moment already in local time as the reader's language writes a date and
    time («5 dicembre 2026, 14:30», «5 December 2026 at 14:30», «2026年12月5日 14:30»)."""
    locale = Locale.parse(str(get_locale()))
    date = format_date(moment, "long", locale=locale)
    time = format_time(moment, "short", locale=locale)
    return locale.datetime_formats["medium"].replace("{1}", date).replace("{0}", time)


def named(row, field: str = "label") -> str:
    """A name that is data (a lab, a plan area, a category, a group of categories) in
    the reader's language: the row's `translations`, else its Italian `field`."""
    if isinstance(row, dict):
        translations, italian = row.get("translations"), row.get(field)
    else:
        translations, italian = getattr(row, "translations", None), getattr(row, field)
    return (translations or {}).get(current().code) or italian


def column_name(key: str, italian: str, groups: dict) -> str:
    """A column of the published split by groups of categories (services/tally.py):
    a group, the pooled «Altre categorie», or a group holding the pooled ones."""
    base, _, pooled = key.partition("+")
    if base == "altre":
        name = gettext("Altre categorie")
    else:
        name = named(groups[base]) if base in groups else italian
    return gettext("%(group)s (con altre categorie)", group=name) if pooled else name


def territory_column_name(key: str, italian: str, names: dict[str, str]) -> str:
    """A column of the published split by the voters' territory (services/tally.py):
    a territory (a place name, not translated), those who did not say, the pooled
    «Altri territori», or a column holding the pooled ones."""
    base, _, pooled = key.partition("+")
    if base == "altre":
        name = gettext("Altri territori")
    elif base == "nd":
        name = gettext("Territorio non indicato")
    else:
        name = names.get(base, italian)
    return gettext("%(group)s (con altri territori)", group=name) if pooled else name


def _switch_links() -> list[dict]:
    """The picker: this page again in each language it is written in."""
    # A page answering a form (POST) links to its own address if that can be
    # read (GET), else to the home page; a page without a route (404) too.
    same = request.url_rule is not None and "GET" in (request.url_rule.methods or ())
    endpoint = request.endpoint if same else "pages.home"
    values = dict(request.view_args or {}) if same else {}
    args = request.args.to_dict(flat=False) if same and request.method == "GET" else {}
    args.pop("lang", None)
    return [
        {
            "code": code,
            "tag": LANGUAGES[code].tag,
            "name": LANGUAGES[code].name,
            "url": url_for(endpoint, **values, **args, lang=code),
        }
        for code in page_languages()
    ]


def domain_labels(labels: dict[str, str]) -> dict[str, str]:
    """Labels the domain defines once (phases, note kinds), in the reader's language."""
    return {key: gettext(label) for key, label in labels.items()}


def init_app(app: Flask) -> None:
    app.add_template_filter(named)
    app.add_template_global(column_name)
    app.add_template_global(territory_column_name)

    @app.context_processor
    def language():
        return {
            "page_language": current(),
            "language_links": _switch_links,
            "phase_labels": domain_labels(phases.LABELS),
            "kind_labels": domain_labels(KIND_LABELS),
        }

    @app.after_request
    def remember(response):
        if request.endpoint in ("static", "static_earlier"):
            return response
        code = asked()
        if code and request.cookies.get(COOKIE) != code:
            response.set_cookie(
                COOKIE,
                code,
                max_age=COOKIE_MAX_AGE,
                samesite="Lax",
                secure=app.config.get("SESSION_COOKIE_SECURE", False),
                httponly=True,
            )
        # The same URL answers in several languages: caches must tell them apart.
        response.vary.update(("Cookie", "Accept-Language"))
        return response
