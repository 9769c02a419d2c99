"""The translation catalogues: extract, update, check, compile (Babel's own API).

Two gettext domains in workshop/translations/ (why: workshop/i18n.py):

- `messages`: every string of a file a participant can meet (PARTICIPANT below),
  translated into every language of `i18n.EVERYONE`;
- `staff`: every other string, translated into English.

    .venv/bin/python scripts/i18n.py extract   # templates and code -> the two .pot, then update
    .venv/bin/python scripts/i18n.py update    # each .po from its .pot (new strings empty, changed fuzzy)
    .venv/bin/python scripts/i18n.py check     # fails on a stale .pot, a missing, empty or fuzzy translation
    .venv/bin/python scripts/i18n.py compile   # .po -> .mo (scripts/setup.sh; the .mo are not committed)

`check` is what CI runs (tests/test_translations.py): a catalogue is stale when a
fresh extraction finds other strings than the committed .pot (line numbers do not
count); a shipped language fails on any string without a translation, a fuzzy one,
or one whose placeholders differ from the Italian.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from workshop import i18n  # noqa: E402 - the languages, from the package that serves them

TRANSLATIONS = ROOT / "workshop" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}

# Files whose strings a participant can meet: their pages (home, join, room, lab
# pages, privacy, accessibility, contacts, legal notes, their own data), the
# protocol's error messages, the phases, what the privacy page lists.
PARTICIPANT = {
    "templates/base.html",
    "templates/macros.html",
    "templates/_demo_notice.html",
    "templates/error.html",
    "templates/home.html",
    "templates/join.html",
    "templates/room.html",
    "templates/privacy.html",
    "templates/accessibility.html",
    "templates/contacts.html",
    "templates/legal.html",
    "templates/public/labs.html",
    "templates/public/lab.html",
    "templates/public/_meetings.html",
    "templates/public/bodies.html",
    "templates/public/monitoring.html",
    "templates/plan/_macros.html",
    "templates/privacy/mine.html",
    "templates/privacy/_data.html",
    "workshop/domain/errors.py",
    "workshop/domain/commands.py",
    "workshop/domain/phases.py",
    "workshop/domain/publication.py",
    "workshop/domain/review.py",
    "workshop/domain/cabine.py",
    "workshop/domain/monitoring.py",
    "workshop/domain/territory.py",
    "workshop/web/pages.py",
    "workshop/web/privacy.py",
    "workshop/web/api.py",
    "workshop/services/privacy.py",
    "workshop/i18n.py",
}
DOMAINS = {
    "messages": [c for c in i18n.EVERYONE if c != i18n.SOURCE],
    "staff": [c for c in i18n.STAFF if c != i18n.SOURCE],
}


def extracted() -> dict[str, Catalog]:
    """A fresh extraction of templates and code, split into the two domains."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[tuple, dict] = {}
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
        directory_filter=lambda d: Path(d).name not in {".venv", "node_modules", "tests", "bench"},
    ):
        key = (message, context)
        entry = found.setdefault(key, {"locations": [], "comments": []})
        entry["locations"].append((filename, lineno))
        entry["comments"].extend(c for c in comments if c not in entry["comments"])
    catalogs = {
        domain: Catalog(project="workshop", domain=domain, locale=None, charset="utf-8", fuzzy=False)
        for domain in DOMAINS
    }
    for (message, context), entry in found.items():
        domain = "messages" if any(f in PARTICIPANT for f, _ in entry["locations"]) else "staff"
        forms = [message] if isinstance(message, str) else list(message)
        flags = ["python-format"] if any("%(" in form for form in forms) else []
        catalogs[domain].add(
            message, None, entry["locations"], auto_comments=entry["comments"], flags=flags, context=context
        )
    return catalogs


def _placeholders(text) -> set[str]:
    """`%(name)s` (Python, the server's) and `{name}` (the page scripts': static/js/live/text.js),
    over every plural form: a translation must keep each one the Italian has."""
    texts = [text] if isinstance(text, str) else list(text)
    return {name for t in texts for name in re.findall(r"%\(\w+\)[sd]|\{\w+\}", t)}


def _ids(catalog: Catalog) -> set:
    return {(m.id if isinstance(m.id, str) else tuple(m.id), m.context) for m in catalog if m.id}


def _read(path: Path, locale: str | None = None) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, locale=locale)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write_po(f, catalog, width=100, sort_output=False, include_previous=True)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def po_path(domain: str, code: str) -> Path:
    return TRANSLATIONS / code / "LC_MESSAGES" / f"{domain}.po"


def extract() -> None:
    for domain, catalog in extracted().items():
        _write(TRANSLATIONS / f"{domain}.pot", catalog)
    update()


def update() -> None:
    for domain, codes in DOMAINS.items():
        template = _read(TRANSLATIONS / f"{domain}.pot")
        for code in codes:
            path = po_path(domain, code)
            catalog = _read(path, code) if path.exists() else Catalog(locale=code, domain=domain)
            catalog.update(template)
            catalog.fuzzy = False  # the header: a new catalogue's is marked fuzzy, and stays so otherwise
            _write(path, catalog)


def problems() -> list[str]:
    """Everything that makes a shipped catalogue wrong, one line each."""
    found = []
    fresh = extracted()
    for domain, codes in DOMAINS.items():
        pot = TRANSLATIONS / f"{domain}.pot"
        if not pot.exists():
            found.append(f"{_shown(pot)} missing: run scripts/i18n.py extract")
            continue
        template = _read(pot)
        if _ids(template) != _ids(fresh[domain]):
            added = len(_ids(fresh[domain]) - _ids(template))
            gone = len(_ids(template) - _ids(fresh[domain]))
            found.append(
                f"{_shown(pot)} is stale ({added} new strings, {gone} gone): "
                "run scripts/i18n.py extract, then translate"
            )
        for code in codes:
            path = po_path(domain, code)
            where = _shown(path)
            if not path.exists():
                found.append(f"{where} missing")
                continue
            catalog = _read(path, code)
            if _ids(catalog) != _ids(template):
                found.append(f"{where} does not match {pot.name}: run scripts/i18n.py update")
            for message in catalog:
                if not message.id:
                    continue
                shown = message.id if isinstance(message.id, str) else message.id[0]
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.previous_id or any(c.startswith("|") for c in message.user_comments):
                    # A former wording Babel or msgcat kept beside a string: it ships
                    # nothing, but it hides what the translation was made from.
                    found.append(f"{where}: a previous wording left beside: {shown[:60]!r}")
                if message.fuzzy:
                    found.append(f"{where}: fuzzy: {shown[:70]!r}")
                elif not all(strings):
                    found.append(f"{where}: untranslated: {shown[:70]!r}")
                elif _placeholders(message.id) != _placeholders(strings):
                    names = sorted(_placeholders(message.id) ^ _placeholders(strings))
                    found.append(f"{where}: placeholders {names} differ: {shown[:60]!r}")
            for message, errors in catalog.check():
                for error in errors:
                    found.append(f"{where}: {error}: {str(message.id)[:70]!r}")
    return found


def check() -> int:
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


def compile_all() -> None:
    for domain, codes in DOMAINS.items():
        for code in codes:
            path = po_path(domain, code)
            if path.exists():
                with open(path.with_suffix(".mo"), "wb") as f:
                    write_mo(f, _read(path, code), use_fuzzy=False)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "check":
        return check()
    elif command == "compile":
        compile_all()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
