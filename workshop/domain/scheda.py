"""The fields of a scheda intervento, as the district files it.

The shape follows the Emilia-Romagna *scheda intervento* of the Piani di Zona
and their programmi attuativi (data/example_scheda.md): the references
(regional scheda, district code), where it applies (ambito), who leads it
(soggetto capofila), continuity and Community Lab, the plan areas, the texts,
the actions with their periods, linked interventions, the bodies involved,
the people responsible (for staff only), a budget by year and funding source,
indicators with a target for each year of the programming period, and the
traceability back to the labs.

Everything here is plain Python: the shape of `plan_action.content`
(`FIELDS`), how a value a person typed is checked (`clean`), how money is
read and written (integer cents, never floats), the totals of a budget, and
`normalize`, which reads the first shape of the content (before this one:
capofila, preventivo as one text, indicators without years, azioni as a
numbered markdown list) so that old schede still open and export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from workshop.domain.errors import Rejected, _
from workshop.domain.rules import AREA_CODES, one_line, plain_text

SCHEMA = 2

# -- the choices of the district's form ---------------------------------------------

SI, NO, IN_PARTE = "si", "no", "in_parte"
CONTINUITA = {SI: _("Sì"), NO: _("No"), IN_PARTE: _("In parte")}
COMMUNITY_LAB = {SI: _("Sì"), NO: _("No")}
CAPOFILA = {
    "comune": _("Comune"),
    "unione": _("Unione di Comuni"),
    "ausl": _("AUSL"),
    "asp": _("ASP"),
    "altro": _("Altro"),
}
DISTRETTUALE, SUB_DISTRETTUALE = "distrettuale", "sub_distrettuale"
AMBITO = {DISTRETTUALE: _("Distrettuale"), SUB_DISTRETTUALE: _("Sub-distrettuale")}
# Funding sources of the budget, in the order of the regional form.
FONTI = {
    "fondo_sociale_locale": _("Fondo sociale locale"),
    "quota_comuni": _("Quota dei Comuni"),
    "frna": _("FRNA (Fondo regionale per la non autosufficienza)"),
    "fondo_poverta": _("Fondo povertà"),
    "ausl": _("AUSL"),
    "altri_fondi": _("Altri fondi statali o regionali"),
    "altro": _("Altro"),
}
PERIODICITA = (_("mensile"), _("trimestrale"), _("semestrale"), _("annuale"))
# Where a scheda comes from: the labs' priorities, or (regional and continuing
# interventions exist in every plan) somewhere else, which its traceability says.
LABORATORI = "laboratori"
ORIGINI = {
    LABORATORI: _("Priorità dei laboratori partecipati"),
    "regionale": _("Attuazione di una scheda regionale"),
    "continuita": _("Intervento in continuità con la programmazione precedente"),
    "ufficio": _("Proposta dell'Ufficio di Piano"),
}
# The Comuni of the Distretto di Reggio Emilia.
COMUNI = (
    "Reggio nell'Emilia",
    "Albinea",
    "Bagnolo in Piano",
    "Cadelbosco di Sopra",
    "Castelnovo di Sotto",
    "Quattro Castella",
    "Vezzano sul Crostolo",
)

# -- fields ---------------------------------------------------------------------------

FIELDS = (
    "titolo",
    "rif_regionale",
    "rif_distrettuale",
    "ambito",
    "capofila",
    "continuita",
    "community_lab",
    "area_prevalente",
    "altre_aree",
    "razionale",
    "descrizione",
    "destinatari",
    "azioni",
    "collegate",
    "attori",
    "referenti",
    "risorse",
    "preventivo",
    "indicatori",
)
# Written in markdown (through the one sanitizer when shown); `collegate` and
# `preventivo` carry a markdown text of their own beside their structure.
MARKDOWN_FIELDS = ("razionale", "descrizione", "destinatari", "attori", "risorse")
# Names and contacts of people: shown to staff, never in a public view or open data.
STAFF_ONLY = ("referenti",)

TEXT_MAX = 20_000
TITLE_MAX = 300
CODE_MAX = 60
CELL_MAX = 500
SPECIFICA_MAX = 2000
ACTION_MAX = 2000
PERIOD_MAX = 200
REFERENTI_MAX = 4000
ACTIONS_MAX = 40
INDICATORS_MAX = 30
LINKS_MAX = 50
REGIONAL_MAX = 10
# The regional list the admin keeps, and the act that adopted the plan.
REGIONAL_NUMBER_MAX, REGIONAL_TITLE_MAX = 20, 300
APPROVAL_ACT_MAX = 300
AMOUNT_MAX = 10**12  # cents: ten billion euro, far above any scheda
INDICATOR_KEYS = ("descrizione", "partenza", "fonte", "periodicita")


@dataclass(frozen=True)
class Context:
    """What checking a value needs beyond the value: the programming period,
    the regional schede that may be referenced (number → title), the other
    schede of the plan, and the scheda itself."""

    years: tuple[int, ...] = ()
    regional: dict[str, str] = field(default_factory=dict)
    schede: frozenset[int] = frozenset()
    self_id: int | None = None


def period(year_start: int | None, year_end: int | None, title: str = "") -> tuple[int, ...]:
    """The years of the programming period: the process's own, else read from
    its title («… 2018-2020»)."""
    if not (year_start and year_end):
        found = re.search(r"(\d{4})\s*[-–—/]\s*(\d{4})", title or "")
        if not found:
            return ()
        year_start, year_end = int(found[1]), int(found[2])
    if not 0 <= year_end - year_start <= 10:
        return ()
    return tuple(range(year_start, year_end + 1))


# -- money ------------------------------------------------------------------------------

_AMOUNT = re.compile(r"(?:€\s*)?(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?(?:\s*€)?")


def parse_euro(text: str, label: str = "") -> int | None:
    """An amount as Italians write it («95.000», «95.000,50», «€ 1.200») in
    cents; None for an empty cell. A dot groups thousands, a comma starts the
    cents: «1.50» is refused rather than read as 150 or 1,50."""
    raw = one_line(str(text or "").replace("\u00a0", " ")).strip()
    if not raw:
        return None
    match = _AMOUNT.fullmatch(raw.replace(" ", "") if "€" in raw else raw)
    if not match:
        raise Rejected("amount_invalid", field=label, value=raw[:30])
    cents = int(match[1].replace(".", "")) * 100 + int((match[2] or "0").ljust(2, "0"))
    if cents > AMOUNT_MAX:
        raise Rejected("amount_invalid", field=label, value=raw[:30])
    return cents


def amount(cents: int) -> str:
    """Cents as an Italian amount without the sign: 9500000 → «95.000,00»."""
    euros, rest = divmod(int(cents), 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d}"


def euro(cents: int) -> str:
    """Cents as an amount in euro, Italian style: 9500000 → «€ 95.000,00»."""
    return "€ " + amount(cents)


def decimal_text(cents: int) -> str:
    """Cents as a plain decimal for machines (open data): 9500000 → «95000.00»."""
    euros, rest = divmod(int(cents), 100)
    return f"{euros}.{rest:02d}"


@dataclass(frozen=True)
class Totals:
    years: tuple[int, ...]
    rows: list[tuple[str, dict[int, int], int]]  # source, amount by year, source total
    by_year: dict[int, int]
    total: int

    @property
    def used(self) -> frozenset[int]:
        """The years that have an amount (the others have no total to show)."""
        return frozenset(y for _, by_year, _ in self.rows for y in by_year)


def budget_totals(preventivo: dict, years: tuple[int, ...]) -> Totals:
    """The budget as a table: a row per funding source that has an amount, the
    totals of each year and the grand total, all in integer cents."""
    amounts = preventivo.get("importi") or {}
    shown = tuple(sorted(set(years) | {int(y) for by_year in amounts.values() for y in by_year}))
    rows = []
    for source in FONTI:
        by_year = {int(y): c for y, c in (amounts.get(source) or {}).items() if c is not None}
        if by_year:
            rows.append((source, by_year, sum(by_year.values())))
    by_year = {y: sum(r[1].get(y, 0) for r in rows) for y in shown}
    return Totals(shown, rows, by_year, sum(by_year.values()))


# -- the shape, and reading the first one ----------------------------------------------


def empty(origin: str = LABORATORI) -> dict:
    return {
        "schema": SCHEMA,
        "titolo": "",
        "rif_regionale": [],
        "rif_distrettuale": "",
        "ambito": {"tipo": "", "comuni": []},
        "capofila": {"tipo": "", "specifica": ""},
        "continuita": "",
        "community_lab": SI if origin == LABORATORI else "",
        "area_prevalente": "",
        "altre_aree": [],
        "razionale": "",
        "descrizione": "",
        "destinatari": "",
        "azioni": [],
        "collegate": {"schede": [], "testo": ""},
        "attori": "",
        "referenti": "",
        "risorse": "",
        "preventivo": {"importi": {}, "note": ""},
        "indicatori": [],
        "tracciabilita": {"origine": origin, "clusters": []},
    }


_ITEM = re.compile(r"^\s{0,3}(?:\d{1,3}[.)]|[-*+])\s+")


def actions_from_markdown(text: str) -> list[dict]:
    """The first shape's azioni (a numbered markdown list) as rows: a line that
    starts an item starts a row, the lines after it continue it."""
    rows: list[str] = []
    for line in (text or "").split("\n"):
        if not line.strip():
            continue
        if _ITEM.match(line) or not rows:
            rows.append(_ITEM.sub("", line).strip())
        else:
            rows[-1] += "\n" + line.strip()
    return [{"testo": r, "periodo": ""} for r in rows if r]


def _upgrade(name: str, value, years: tuple[int, ...]):
    """One field's value in the first shape, in this one (other values as they are)."""
    if name == "capofila" and isinstance(value, str):
        return {"tipo": "", "specifica": value}
    if name == "preventivo" and isinstance(value, str):
        return {"importi": {}, "note": value}
    if name == "azioni" and isinstance(value, str):
        return actions_from_markdown(value)
    if name == "indicatori" and isinstance(value, list):
        out = []
        for row in value:
            if isinstance(row, dict) and "indicatore" in row:  # first shape
                target = str(row.get("target") or "")
                out.append(
                    {
                        "descrizione": row.get("indicatore", ""),
                        "partenza": row.get("baseline", ""),
                        # a target without a year: the one to reach by the end of the period
                        "obiettivi": {str(years[-1] if years else ""): target} if target else {},
                        "fonte": row.get("fonte", ""),
                        "periodicita": "",
                    }
                )
            else:
                out.append(row)
        return out
    return value


def normalize(content: dict, years: tuple[int, ...] = ()) -> dict:
    """A scheda's content in this shape, whichever shape it was stored in."""
    origin = (content.get("tracciabilita") or {}).get("origine") or LABORATORI
    out = empty(origin)
    if content.get("schema") != SCHEMA:
        out["community_lab"] = ""  # not asked before: nobody said
    for name, value in content.items():
        out[name] = _upgrade(name, value, years)
    trace = dict(out.get("tracciabilita") or {})
    trace.setdefault("origine", LABORATORI if trace.get("clusters") else origin)
    trace.setdefault("clusters", [])
    out["tracciabilita"] = trace
    out["schema"] = SCHEMA
    return out


def public(content: dict) -> dict:
    """What a public view shows: everything but the people responsible."""
    return {k: v for k, v in content.items() if k not in STAFF_ONLY}


# -- checking what people type ------------------------------------------------------------


def _problem(label: str, problem: str):
    return Rejected("field_invalid", field=label, problem=problem)


def _text(value, label: str, limit: int, *, line: bool = False, required: bool = False) -> str:
    if not isinstance(value, str) or len(value) > limit * 2:
        raise _problem(label, f"testo fino a {limit} caratteri")
    text = one_line(value) if line else plain_text(value)
    if len(text) > limit or (required and not text):
        raise _problem(label, f"testo {'da 1 ' if required else ''}fino a {limit} caratteri")
    return text


def _choice(value, choices: dict, label: str) -> str:
    value = "" if value is None else str(value)
    if value and value not in choices:
        raise _problem(label, "scegli una delle voci dell'elenco")
    return value


def _mapping(value, label: str) -> dict:
    if not isinstance(value, dict):
        raise _problem(label, "valore non valido")
    return value


def _rows(value, label: str, limit: int) -> list:
    if not isinstance(value, list) or len(value) > limit * 2:
        raise _problem(label, f"al massimo {limit} righe")
    return value


def clean(name: str, value, ctx: Context, label: str = ""):
    """One field's new value, checked and in its stored shape (values in the
    first shape are accepted and upgraded)."""
    label = label or name
    value = _upgrade(name, value, ctx.years)
    if name == "titolo":
        return _text(value, label, TITLE_MAX, line=True, required=True)
    if name == "area_prevalente":
        if value not in AREA_CODES:
            raise Rejected("area_unknown", area=str(value)[:4])
        return value
    if name == "altre_aree":
        if not isinstance(value, list) or any(a not in AREA_CODES for a in value):
            raise Rejected("area_unknown", area=str(value)[:20])
        return sorted(set(value))
    if name in MARKDOWN_FIELDS:
        return _text(value, label, TEXT_MAX)
    if name == "rif_distrettuale":
        return _text(value, label, CODE_MAX, line=True)
    if name == "referenti":
        return _text(value, label, REFERENTI_MAX)
    if name in ("continuita", "community_lab"):
        return _choice(value, CONTINUITA if name == "continuita" else COMMUNITY_LAB, label)
    if name == "rif_regionale":
        numbers = [
            str(n) if not isinstance(n, dict) else str(n.get("numero", ""))
            for n in _rows(value, label, REGIONAL_MAX)
        ]
        numbers = list(dict.fromkeys(n for n in numbers if n))
        if len(numbers) > REGIONAL_MAX:
            raise _problem(label, f"al massimo {REGIONAL_MAX} schede regionali")
        known = {str(n.get("numero")): n.get("titolo", "") for n in value if isinstance(n, dict)}
        out = []
        for number in numbers:
            if number in ctx.regional:
                out.append({"numero": number, "titolo": ctx.regional[number]})
            elif number in known:  # kept as it was, even if the list has changed since
                out.append({"numero": number, "titolo": known[number]})
            else:
                raise Rejected("regional_unknown", number=number[:20])
        return out
    if name == "ambito":
        value = _mapping(value, label)
        kind = _choice(value.get("tipo"), AMBITO, label)
        comuni = value.get("comuni") or []
        if not isinstance(comuni, list) or any(c not in COMUNI for c in comuni):
            raise _problem(label, "scegli i Comuni dall'elenco del distretto")
        # Distrettuale: every Comune, so none is listed.
        return {"tipo": kind, "comuni": [] if kind == DISTRETTUALE else [c for c in COMUNI if c in comuni]}
    if name == "capofila":
        value = _mapping(value, label)
        return {
            "tipo": _choice(value.get("tipo"), CAPOFILA, label),
            "specifica": _text(value.get("specifica", ""), label, SPECIFICA_MAX),
        }
    if name == "azioni":
        rows = []
        for row in _rows(value, label, ACTIONS_MAX):
            row = _mapping(row, label)
            text = _text(row.get("testo", ""), label, ACTION_MAX)
            when = _text(row.get("periodo", ""), label, PERIOD_MAX, line=True)
            if text or when:  # an empty row of the form is no action
                rows.append({"testo": text, "periodo": when})
        if len(rows) > ACTIONS_MAX:
            raise _problem(label, f"al massimo {ACTIONS_MAX} azioni")
        return rows
    if name == "collegate":
        value = _mapping(value, label)
        ids = value.get("schede") or []
        if not isinstance(ids, list) or len(ids) > LINKS_MAX:
            raise Rejected("linked_scheda_invalid")
        try:
            ids = list(dict.fromkeys(int(i) for i in ids))
        except (TypeError, ValueError):
            raise Rejected("linked_scheda_invalid") from None
        if any(i == ctx.self_id or i not in ctx.schede for i in ids):
            raise Rejected("linked_scheda_invalid")
        return {"schede": sorted(ids), "testo": _text(value.get("testo", ""), label, TEXT_MAX)}
    if name == "preventivo":
        value = _mapping(value, label)
        amounts = _mapping(value.get("importi") or {}, label)
        years = {str(y) for y in ctx.years}
        cents_by_source: dict[str, dict[str, int]] = {}
        for source, by_year in amounts.items():
            if source not in FONTI:
                raise _problem(label, "fonte di finanziamento sconosciuta")
            for year, cell in _mapping(by_year, label).items():
                if str(year) not in years:
                    raise _problem(label, "anno fuori dal periodo di programmazione")
                if isinstance(cell, bool) or not isinstance(cell, (int, str, type(None))):
                    raise Rejected("amount_invalid", field=label, value=str(cell)[:30])
                if isinstance(cell, int):
                    if not 0 <= cell <= AMOUNT_MAX:
                        raise Rejected("amount_invalid", field=label, value=str(cell)[:30])
                    cents: int | None = cell
                else:
                    cents = parse_euro(cell or "", f"{label} ({FONTI[source]} {year})")
                if cents is not None:
                    cents_by_source.setdefault(source, {})[str(year)] = cents
        return {
            "importi": {s: dict(sorted(cents_by_source[s].items())) for s in FONTI if s in cents_by_source},
            "note": _text(value.get("note", ""), label, TEXT_MAX),
        }
    if name == "indicatori":
        years = {str(y) for y in ctx.years}
        rows = []
        for row in _rows(value, label, INDICATORS_MAX):
            row = _mapping(row, label)
            unknown = set(row) - set(INDICATOR_KEYS) - {"obiettivi"}
            if unknown:
                raise _problem(label, "campo dell'indicatore sconosciuto")
            clean_row: dict[str, Any] = {
                k: _text(str(row.get(k) or ""), label, CELL_MAX, line=k != "descrizione")
                for k in INDICATOR_KEYS
            }
            targets = {}
            for year, target in _mapping(row.get("obiettivi") or {}, label).items():
                if str(year) not in years:
                    raise _problem(label, "anno fuori dal periodo di programmazione")
                text = _text(str(target or ""), label, CELL_MAX, line=True)
                if text:
                    targets[str(year)] = text
            clean_row["obiettivi"] = dict(sorted(targets.items()))
            if any(clean_row[k] for k in INDICATOR_KEYS) or targets:
                rows.append(
                    {
                        "descrizione": clean_row["descrizione"],
                        "partenza": clean_row["partenza"],
                        "obiettivi": clean_row["obiettivi"],
                        "fonte": clean_row["fonte"],
                        "periodicita": clean_row["periodicita"],
                    }
                )
        if len(rows) > INDICATORS_MAX:
            raise _problem(label, f"al massimo {INDICATORS_MAX} indicatori")
        return rows
    raise _problem(label, "campo sconosciuto")


def as_text(name: str, value) -> str:
    """A field as lines of text, to compare two versions line by line."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if name == "rif_regionale":
        return "\n".join(f"{r.get('numero')} {r.get('titolo', '')}".strip() for r in value)
    if name == "ambito":
        return " · ".join(
            filter(None, [AMBITO.get(value.get("tipo"), ""), ", ".join(value.get("comuni") or [])])
        )
    if name == "capofila":
        return " · ".join(filter(None, [CAPOFILA.get(value.get("tipo"), ""), value.get("specifica", "")]))
    if name in ("continuita", "community_lab"):
        return CONTINUITA.get(value, value)
    if name == "azioni":
        return "\n".join(
            f"{i}. {a['testo']}" + (f" ({a['periodo']})" if a.get("periodo") else "")
            for i, a in enumerate(value, start=1)
        )
    if name == "collegate":
        return "\n".join(
            [", ".join(f"scheda {i}" for i in value.get("schede") or [])] + [value.get("testo") or ""]
        ).strip()
    if name == "preventivo":
        lines = [
            f"{FONTI.get(s, s)} {y}: {euro(c)}"
            for s, by_year in (value.get("importi") or {}).items()
            for y, c in by_year.items()
        ]
        return "\n".join(lines + ([value["note"]] if value.get("note") else []))
    if name == "indicatori":
        return "\n".join(
            " · ".join(
                [i.get("descrizione", ""), i.get("partenza", "")]
                + [f"{y}: {t}" for y, t in (i.get("obiettivi") or {}).items()]
                + [i.get("fonte", ""), i.get("periodicita", "")]
            )
            for i in value
        )
    if isinstance(value, list):
        return "\n".join(map(str, value))
    return str(value)
