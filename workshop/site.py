"""Who runs this installation: contacts, the accessibility statement, the legal notes.

The operator writes them once in a TOML file (`instance/sito.toml`, or the path
in WORKSHOP_SITE_FILE; docs/sito.example.toml has every field). Without it the
pages show the demo's placeholders, each page saying plainly that they are a
demo's (`SiteInfo.demo`). Read at start-up; templates see `site`, views `info()`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from flask import Flask, current_app


def _(message: str) -> str:
    return message


@dataclass(frozen=True)
class SiteInfo:
    demo: bool = True
    # Who
    organisation: str = "Comune di Reggio Emilia (ente capofila del Distretto di Reggio Emilia)"
    office: str = "Ufficio di Piano del Distretto di Reggio Emilia"
    website: str = ""
    # Contacts
    email: str = "ufficiodipiano@example.org"
    pec: str = ""
    phone: str = ""
    address: str = "Reggio Emilia"
    hours: str = ""
    dpo_contact: str = ""  # the Responsabile della protezione dei dati (RPD)
    # Accessibility statement (AgID's model, Linee guida sull'accessibilità, allegato 1)
    site_url: str = ""
    conformity: str = "parzialmente conforme"  # conforme, parzialmente conforme, non conforme
    statement_date: str = ""  # first drafted, dd/mm/yyyy
    statement_updated: str = ""  # last reviewed, dd/mm/yyyy
    evaluation: str = "autovalutazione"  # autovalutazione, or by a third party
    non_accessible: list[str] = field(default_factory=list)  # beyond those the platform lists
    feedback_url: str = ""  # a form of the organisation, if any (else e-mail)
    agid_form_url: str = "https://form.agid.gov.it"
    # Legal notes (Markdown; the one sanitizer renders it)
    legal_notes: str = ""

    @property
    def contact_given(self) -> bool:
        return bool(self.email or self.pec or self.phone)


def load(path: Path) -> SiteInfo:
    """The operator's file, or the demo's placeholders when there is none."""
    if not path.exists():
        return SiteInfo()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    known = {f.name for f in fields(SiteInfo)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SystemExit(f"{path}: unknown settings {', '.join(unknown)} (see docs/sito.example.toml)")
    return SiteInfo(**{**data, "demo": bool(data.get("demo", False))})


def init_app(app: Flask, path: Path | None) -> None:
    info_ = load(path) if path else SiteInfo()
    app.extensions["workshop_site"] = info_
    app.context_processor(lambda: {"site": info_})


def info() -> SiteInfo:
    return current_app.extensions["workshop_site"]
