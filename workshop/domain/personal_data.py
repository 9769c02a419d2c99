"""Personal data in a note's text, flagged for the person who decides what is published.

Notes are written in the room, quickly, and people tell their own stories
(«Mia madre è stata dimessa il venerdì pomeriggio…»). Before a note reaches
a public page, a scheda or the open data, a facilitator or the Ufficio di
Piano reviews it (services/publication.py). This module only points at what
deserves a second look; it never decides. It errs on the side of flagging:
a false alarm costs a glance, a miss can expose someone.

What is flagged: e-mail addresses, phone numbers, Italian tax codes, street
addresses, people's names (a list of common given names, and words after a
title such as «signora» or «dott.»), ages and dates, the writer's own family
(«mio figlio»), and health words when the note speaks of the writer or their
family (health data is a special category under the GDPR, art. 9). A *caso*
note is a personal story by definition: always flagged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def _(message: str) -> str:
    """Marker for message extraction; translated where shown."""
    return message


LABELS = {
    "email": _("indirizzo e-mail"),
    "telefono": _("numero di telefono"),
    "codice_fiscale": _("codice fiscale"),
    "indirizzo": _("indirizzo"),
    "nome": _("nome di persona"),
    "eta": _("età"),
    "data": _("data"),
    "famiglia": _("familiari di chi scrive"),
    "salute": _("dati sulla salute"),
    "storia": _("storia personale (contributo di tipo «caso»)"),
}


@dataclass(frozen=True)
class Flag:
    kind: str
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return LABELS[self.kind]


_GIVEN_NAMES = """
alberto alessandra alessandro alessia alice andrea angela anna antonella antonio arianna
barbara beatrice benedetta bruno carla carlo carmela caterina chiara claudia claudio cristina
daniela daniele davide debora diego domenico elena eleonora elisa emanuela emma enrico enza
erika fabio federica federico filippo francesca francesco franco gabriele gabriella giacomo
gianluca gianni giorgia giorgio giovanna giovanni giulia giulio giuseppe giuseppina grazia
ilaria irene lorenzo luca lucia luciana luigi luisa manuela marco margherita maria marina
mario marta martina massimo matteo mattia maurizio michela michele monica nadia nicola paola
paolo patrizia pietro raffaele rita roberta roberto rosa rosanna salvatore sara serena sergio
silvia simona simone sofia stefania stefano teresa tiziana tommaso valentina valeria vincenzo
viola vittoria
mohamed mohammed ahmed fatima fatma khadija youssef omar hassan aisha amina rachid karim
ion ioana elena andrei mihai vasile gheorghe ana adriana florin
arben besnik blerina elira ermal fatos klodian luljeta
olena oksana iryna natalia tetiana svitlana andriy oleksandr volodymyr
wei li jing hui ming xiu yan chen wang zhang liu
kwame kofi ama abena yaw chinedu ngozi emeka oluwaseun
singh kaur ali hussain imran asif bilal
"""
_NAMES = frozenset(_GIVEN_NAMES.split())
_TITLES = r"(?:signor[ae]?|sig\.?(?:ra)?|dott(?:\.|oressa|ore)?|dr\.?|prof(?:\.|essoressa|essore)?|avv\.?)"
_KIN = (
    r"(?:madre|padre|mamma|papà|babbo|genitori|figli[oae]?|marito|moglie|compagn[oa]|"
    r"fidanzat[oa]|fratell[oi]|sorell[ae]|nonn[oaie]|zi[oaie]|suocer[oaie]|cognat[oaie]|"
    r"nipot[ei]|cugin[oaie]|famiglia|bambin[oaie]|ragazz[oaie])"
)
_HEALTH = (
    r"(?:malat|diagnos|tumor|cancr|ictus|infart|demenz|alzheimer|parkinson|disabil|invalid|"
    r"handicap|autis|sindrom|depress|psichiatr|psicolog|ansia|dipendenz|tossicodipend|alcol|"
    r"droga|hiv|aids|diabet|chemio|terapi|farmac|ricover|dimess|dimission|ospedal|pronto soccorso|"
    r"intervento chirurg|operat[oa] |frattur|cadut|allettat|non autosufficien|badante|"
    r"gravidanz|aborto|epatit|sclerosi|sla\b|dialisi|carrozzina|deambul)\w*"
)
_PERSONAL = (
    rf"\b(?:mi[aoe]|miei|nostr[aoie]|sua|suo|sue|suoi)\s+{_KIN}\b|\b(?:io|sono|ho|ero|avevo|"
    rf"abbiamo|siamo|mi hanno|ci hanno|mi sono|ci siamo)\b"
)

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I)),
    (
        "codice_fiscale",
        re.compile(
            r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b",
            re.I,
        ),
    ),
    (
        "telefono",
        re.compile(
            r"(?<![\w.,])(?:\+|00)?(?:39[\s./-]?)?(?:3\d{2}|0\d{1,4})(?:[\s./-]?\d){5,8}"
            r"(?!\w)(?![.,]\d)"
        ),
    ),
    (
        "indirizzo",
        re.compile(
            r"\b(?:via|viale|v\.le|piazza|p\.zza|piazzale|corso|largo|vicolo|strada|"
            r"località|loc\.)\s+(?:[A-ZÀ-Ü][\w'’.-]*\s*){1,4}(?:,?\s*(?:n\.?\s*)?\d+\w?)?",
            re.I,
        ),
    ),
    ("nome", re.compile(rf"\b{_TITLES}\s+[A-ZÀ-Ü][\w'’-]+", re.I)),
    (
        "eta",
        re.compile(
            r"\b\d{1,3}\s*anni\b|\b(?:ottant|novant|settant|sessant|cinquant|quarant|trent|"
            r"vent)enne\b",
            re.I,
        ),
    ),
    (
        "data",
        re.compile(
            r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}\s+(?:gennaio|febbraio|marzo|"
            r"aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre)\b",
            re.I,
        ),
    ),
    ("famiglia", re.compile(rf"\b(?:mi[aoe]|miei|nostr[aoie])\s+{_KIN}\b", re.I)),
]
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ'’]+")


def _names(text: str) -> list[Flag]:
    """Common given names written with a capital letter (not «Anna» in «Annalisa»)."""
    found = []
    for m in _WORD.finditer(text):
        word = m.group(0).strip("'’")
        plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
        if word[:1].isupper() and plain in _NAMES:
            found.append(Flag("nome", m.start(), m.start() + len(word), word))
    return found


def find(text: str, kind: str | None = None) -> list[Flag]:
    """What in `text` may be personal data, in reading order (overlaps removed)."""
    flags = [
        Flag(k, m.start(), m.end(), m.group(0).strip()) for k, rx in _PATTERNS for m in rx.finditer(text)
    ]
    flags += _names(text)
    if re.search(_PERSONAL, text, re.I) or kind == "caso":
        flags += [
            Flag("salute", m.start(), m.end(), m.group(0)) for m in re.finditer(rf"\b{_HEALTH}", text, re.I)
        ]
    flags.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Flag] = []
    for flag in flags:
        if kept and flag.start < kept[-1].end:
            continue
        kept.append(flag)
    if kind == "caso":
        kept.insert(0, Flag("storia", 0, 0, ""))
    return kept


def kinds(text: str, kind: str | None = None) -> list[str]:
    """The kinds flagged, once each, in a stable order."""
    found = {f.kind for f in find(text, kind)}
    return [k for k in LABELS if k in found]
