"""The scheda intervento and the plan as documents the district files.

A scheda is written in the order of the district's form
(data/example_scheda.md): its references and classification as a table,
then razionale, descrizione, destinatari, azioni previste (a numbered list,
each with its period), linked interventions, bodies involved, referenti (only
in the office's own copy), risorse non finanziarie, the budget (a table by
funding source and year, with totals), the indicators (a table with a target
for each year), where the scheda comes from in words (labs by name,
categories by label, numbers as Italians write them, notes as the review
page numbers them), and the decisions: who decided, when, and what.

The plan is a cover (district, title, programming period, date, whether it
is a draft or approved with the act), a table of contents, then the schede
in parts by state (approved, under review, sent back, not accepted) and,
within each part, by plan area A–E, each scheda on a new page.

Only public views go into these documents (services/schede.view(public=True)):
no staff names, the publishable split of dots. The office's own copy adds
the referenti and nothing else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlmodel import col, select

from workshop.domain import review
from workshop.domain import scheda as fields
from workshop.domain.periods import APPROVATO
from workshop.services import periods, schede
from workshop.services.blocks import Block, markdown_blocks
from workshop.storage.database import Database
from workshop.storage.models import AnnualProgramme, Area, PlanAction, Process

DISTRICT = "Distretto di Reggio Emilia"
OFFICE = "Ufficio di Piano"
ROME = ZoneInfo("Europe/Rome")
EMPTY = "—"
# The parts of the plan, in order, and the states each holds.
PARTS = (
    ("approvate", "Schede approvate", (review.APPROVATA,)),
    (
        "in_revisione",
        "Schede in corso di revisione",
        (review.BOZZA, review.REVISIONE_UP, review.AT_RISTRETTA, review.AT_ALLARGATA),
    ),
    ("rinviate", "Schede rinviate", (review.RINVIATA,)),
    ("non_accolte", "Schede non accolte", (review.NON_ACCOLTA,)),
)
DEFAULT_STATES = tuple(s for s in review.STATES if s != review.NON_ACCOLTA)


def when(moment: datetime | date | None) -> str:
    """A day as Italians write it: «4 dicembre 2026» (in Italy's time zone)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(ROME).date()
    return format_date(moment, "d MMMM y", locale="it")


def number(value: float | int | None, decimals: int = 2) -> str:
    """A number as Italians write it: 69.58 → «69,58»."""
    if value is None:
        return EMPTY
    return format_decimal(value, format="#,##0." + "0" * decimals if decimals else "#,##0", locale="it")


def joined(items: list) -> str:
    """«1, 8, 10 e 13»."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " e " + items[-1]


def area_labels(db: Database) -> dict[str, str]:
    with db.reader() as s:
        return {a.code: a.label for a in s.exec(select(Area))}


# -- one scheda -------------------------------------------------------------------------


def _references(view: dict, areas: dict[str, str]) -> list[list[str]]:
    c = view["content"]
    regional = (
        "; ".join(
            f"{r['numero']} — {r['titolo']}" if r.get("titolo") else r["numero"] for r in c["rif_regionale"]
        )
        or EMPTY
    )
    ambito = c["ambito"]
    if ambito["tipo"] == fields.DISTRETTUALE:
        where = f"Distrettuale ({len(fields.COMUNI)} Comuni del {DISTRICT})"
    elif ambito["tipo"]:
        where = "Sub-distrettuale" + (": " + ", ".join(ambito["comuni"]) if ambito["comuni"] else "")
    else:
        where = EMPTY
    lead = c["capofila"]
    capofila = (
        " – ".join(
            filter(
                None,
                [
                    fields.CAPOFILA.get(lead["tipo"], ""),
                    ("Specifica: " if lead["tipo"] else "") + lead["specifica"] if lead["specifica"] else "",
                ],
            )
        )
        or EMPTY
    )
    main = c.get("area_prevalente")
    area_text = (
        "; ".join(
            ([f"{main} {areas.get(main, '')} (prevalente)".replace("  ", " ")] if main else [])
            + [f"{a} {areas.get(a, '')}".strip() for a in c.get("altre_aree") or []]
        )
        or EMPTY
    )
    return [
        [review.FIELD_LABELS["rif_regionale"], regional],
        [review.FIELD_LABELS["rif_distrettuale"], c["rif_distrettuale"] or EMPTY],
        [review.FIELD_LABELS["ambito"], where],
        [review.FIELD_LABELS["capofila"], capofila],
        [review.FIELD_LABELS["continuita"], fields.CONTINUITA.get(c["continuita"], EMPTY)],
        [review.FIELD_LABELS["community_lab"], fields.COMMUNITY_LAB.get(c["community_lab"], EMPTY)],
        ["Aree", area_text],
    ]


def action_item(action: dict) -> str:
    """An action as its list item says it: «Protocollo … (mesi 1–4)»."""
    return action["testo"] + (f" ({action['periodo']})" if action.get("periodo") else "")


def budget_rows(preventivo: dict, years: tuple[int, ...]) -> list[list[str]] | None:
    totals = fields.budget_totals(preventivo, years)
    if not totals.rows:
        return None
    head = ["Fonte di finanziamento", *[str(y) for y in totals.years], "Totale"]
    rows = [
        [
            fields.FONTI[source],
            *[fields.amount(by_year[y]) if y in by_year else "" for y in totals.years],
            fields.amount(total),
        ]
        for source, by_year, total in totals.rows
    ]
    rows.append(
        [
            "Totale",
            *[fields.amount(totals.by_year[y]) if y in totals.used else "" for y in totals.years],
            fields.amount(totals.total),
        ]
    )
    return [head, *rows]


def indicator_rows(indicators: list[dict], years: tuple[int, ...]) -> list[list[str]] | None:
    if not indicators:
        return None
    shown = tuple(sorted(set(years) | {int(y) for i in indicators for y in i.get("obiettivi", {})}))
    head = [
        "Indicatore",
        "Situazione di partenza",
        *[f"Obiettivo {y}" for y in shown],
        "Fonte",
        "Periodicità",
    ]
    return [head] + [
        [
            i["descrizione"],
            i["partenza"],
            *[i["obiettivi"].get(str(y), "") for y in shown],
            i["fonte"],
            i["periodicita"],
        ]
        for i in indicators
    ]


def _split_words(source: dict) -> str:
    """The published split of one group's dots, in words (empty when none is)."""
    columns = source.get("split_columns") or []
    if not columns:
        return ""
    split = source.get("split") or {}
    return "; per categorie di chi ha votato: " + ", ".join(
        f"{col['label']} {'riservato' if split.get(col['key']) is None else split[col['key']]}"
        for col in columns
    )


def trace_lines(view: dict, *, staff: bool = False) -> list[str]:
    """Where the scheda comes from, in words."""
    c = view["content"]
    trace = c["tracciabilita"]
    clusters = trace.get("clusters", [])
    if not clusters:
        return [
            f"Scheda non derivata dalle priorità dei laboratori: "
            f"{fields.ORIGINI.get(trace.get('origine'), fields.ORIGINI['ufficio']).lower()}."
        ]
    labs = view.get("labs", {})
    closed = view.get("session_closed", {})
    out = []
    for source in clusters:
        lab = source.get("lab_title") or labs.get(source["lab"], source["lab"])
        ended = closed.get(source["session_id"])
        out.append(
            f"Laboratorio «{lab}», sessione «{source['session_title']}» (n. {source['session_id']})"
            + (f", conclusa il {when(ended)}" if ended else "")
            + "."
        )
        notes = source.get("note_ids") or []
        line = f"Gruppo «{source['title']}»"
        if source.get("areas"):
            line += f" (aree {joined(source['areas'])})"
        line += (
            f": {'contributo' if len(notes) == 1 else 'contributi'} n. {joined(notes)}"
            if notes
            else ": nessun contributo pubblicabile"
        )
        withheld = len(source.get("notes_withheld") or [])
        if staff and withheld:
            line += (
                f"; {withheld} non ancora rivist{'o' if withheld == 1 else 'i'} per la pubblicazione, "
                "non ripres" + ("o" if withheld == 1 else "i")
            )
        out.append(line + ".")
        out.append(f"{source['dots']} punti su {source['dots_available']}" + _split_words(source) + ".")
        # A priority voted in several meetings: each one with its own dots and split.
        for m in source.get("incontri") or []:
            part = (
                f"Nell'incontro «{m['session_title']}» (n. {m['session_id']}): "
                f"{m['dots']} punti su {m['dots_available']}" + _split_words(m)
            )
            if m.get("snapshot_hash"):
                part += f"; impronta dei risultati (SHA-256): {m['snapshot_hash']}"
            out.append(part + ".")
        scores = source.get("scores")
        out.append(
            "Valutazioni del tavolo: "
            + (
                f"impatto {scores['impatto']}/5, fattibilità {scores['fattibilita']}/5, "
                f"urgenza {scores['urgenza']}/5."
                if scores
                else "non registrate."
            )
        )
        if source.get("priority_index") is not None:
            out.append(f"Indice di priorità: {number(source['priority_index'])} su 100.")
        if source.get("snapshot_hash") and not source.get("incontri"):
            out.append(f"Impronta dei risultati della sessione (SHA-256): {source['snapshot_hash']}.")
    if len(clusters) > 1:
        totals = view.get("trace_totals") or {}
        sessions = totals.get("sessions", 1)
        out.append(
            f"In totale: {totals.get('dots', 0)} punti su {totals.get('dots_available', 0)} "
            f"disponibili in {sessions} {'sessione' if sessions == 1 else 'sessioni'}."
        )
    return out


def adoption_text(adoption: dict) -> str:
    """«Accordo di Programma, Comitato di Distretto, atto n. 12 del 3 marzo 2019»."""
    return f"{adoption['act']}, {adoption['body']}, atto n. {adoption['number']} del {when(adoption['on'])}"


def votes_line(votes: dict | None) -> str:
    if not votes:
        return ""
    parts = [
        f"{label} {votes[key]}"
        for key, label in (("for", "favorevoli"), ("against", "contrari"), ("abstained", "astenuti"))
        if votes.get(key) is not None
    ]
    return f" (votazione: {', '.join(parts)})"


def decision_lines(view: dict) -> list[str]:
    """Each step: when, which body, what it did (at which meeting, with the vote), and its motivation."""
    lines = []
    for t in view["transitions"]:
        meeting = t.get("meeting")
        day = when(meeting["held_on"]) if meeting else when(t["at"])
        done = t.get("done") or review.DONE.get((t["from"], t["to"]), "")
        where = f", in riunione ({meeting['place']})" if meeting else ""
        lines.append(
            f"{day} — {review.SUBJECTS.get(t.get('body'), '')} {done}{where}{votes_line(t.get('votes'))}. "
            f"Motivazione: «{t['motivation']}»"
        )
    return lines


def observation_lines(view: dict) -> list[str]:
    body = review.BODIES[review.ALLARGATA]
    return [f"{when(o['at'])} — {body}: «{o['text']}»" for o in view["observations"]]


def _markdown_field(text: str) -> list[Block]:
    found = markdown_blocks(text) if text else []
    return found or [Block("p", EMPTY, {"role": "empty"})]


def scheda_blocks(view: dict, areas: dict[str, str], level: int = 1, *, staff: bool = False) -> list[Block]:
    """A scheda as blocks, in the order of the district's form. `staff`: the
    office's own copy, with the referenti (a public view has none anyway)."""
    c = view["content"]
    years = tuple(view["process"].get("years") or ())
    label = review.FIELD_LABELS
    sub = f"h{level + 1}"
    title = view["title"] if level == 1 else f"Scheda {view['id']} — {view['title']}"
    blocks = [
        Block(f"h{level}", title),
        Block(
            "p",
            f"Scheda intervento n. {view['id']} · {view['process']['title']} · stato: "
            f"{view['state_label'].lower()} · versione {view['version']} del "
            f"{when(view['updated_at'])}",
            {"role": "meta"},
        ),
        Block("table", _references(view, areas), {"header": "column"}),
    ]
    for name in ("razionale", "descrizione", "destinatari"):
        blocks += [Block(sub, label[name], {"toc": False}), *_markdown_field(c[name])]
    blocks.append(Block(sub, label["azioni"], {"toc": False}))
    blocks.append(
        Block("ol", [action_item(a) for a in c["azioni"]])
        if c["azioni"]
        else Block("p", EMPTY, {"role": "empty"})
    )
    blocks.append(Block(sub, label["collegate"], {"toc": False}))
    linked = [
        f"Scheda {x['id']} — {x['title']} ({review.LABELS.get(x['state'], x['state']).lower()})"
        for x in view.get("linked", [])
    ]
    if linked:
        blocks.append(Block("ul", linked))
    if c["collegate"]["testo"] or not linked:
        blocks += _markdown_field(c["collegate"]["testo"])
    blocks += [Block(sub, label["attori"], {"toc": False}), *_markdown_field(c["attori"])]
    if staff and "referenti" in c:
        blocks += [
            Block(sub, label["referenti"], {"toc": False}),
            Block("p", c["referenti"] or EMPTY, {"role": "empty"} if not c["referenti"] else {}),
            Block("p", "Dato per uso interno: non è pubblicato né nei dati aperti.", {"role": "note"}),
        ]
    blocks += [Block(sub, label["risorse"], {"toc": False}), *_markdown_field(c["risorse"])]
    blocks.append(Block(sub, label["preventivo"], {"toc": False}))
    budget = budget_rows(c["preventivo"], years)
    if budget:
        blocks.append(
            Block(
                "table", budget, {"header": "row", "numeric": list(range(1, len(budget[0]))), "total": True}
            )
        )
        blocks.append(Block("p", "Importi in euro.", {"role": "note"}))
    if c["preventivo"]["note"] or not budget:
        blocks += _markdown_field(c["preventivo"]["note"])
    blocks.append(Block(sub, label["indicatori"], {"toc": False}))
    indicators = indicator_rows(c["indicatori"], years)
    blocks.append(
        Block("table", indicators, {"header": "row"}) if indicators else Block("p", EMPTY, {"role": "empty"})
    )
    blocks += [
        Block(sub, "Tracciabilità partecipativa", {"toc": False}),
        Block("ul", trace_lines(view, staff=staff)),
    ]
    blocks.append(Block(sub, "Decisioni", {"toc": False}))
    decisions = decision_lines(view)
    blocks.append(
        Block("ul", decisions) if decisions else Block("p", "Nessuna decisione finora.", {"role": "empty"})
    )
    adopted = view["process"].get("adoption")
    if adopted and view["state"] == review.APPROVATA:
        line = f"Il piano che comprende la scheda è stato adottato: {adoption_text(adopted)}."
        blocks.append(Block("p", line + (f" Atto: {adopted['url']}" if adopted["url"] else "")))
    if view["observations"]:
        blocks += [
            Block(sub, "Osservazioni della cabina di regia allargata", {"toc": False}),
            Block("ul", observation_lines(view)),
        ]
    return blocks


# -- the plan ---------------------------------------------------------------------------


def plan_blocks(
    db: Database,
    process_slug: str,
    states: tuple[str, ...] | None = None,
    *,
    today: date | None = None,
    staff: bool = False,
    programme_id: int | None = None,
) -> list[Block]:
    """The plan as a document: cover, table of contents, the schede by state and area.
    For a programma attuativo: only its confirmed schede, each with that year's
    budget and targets. The public document (not `staff`) never holds a draft
    of the office (review.PUBLIC_STATES), whatever states are asked for."""
    states = tuple(states) if states else DEFAULT_STATES
    if not staff:
        states = tuple(s for s in states if review.is_public(s))
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        query = select(PlanAction.id).where(
            PlanAction.process_id == process.id, col(PlanAction.state).in_(states)
        )
        programme = s.get(AnnualProgramme, programme_id) if programme_id else None
        entries = periods.confirmed_actions(s, programme.id) if programme else {}
        if programme:
            query = query.where(col(PlanAction.id).in_(list(entries)))
        ids = s.exec(query.order_by(col(PlanAction.area_main), col(PlanAction.id))).all()
    areas = area_labels(db)
    splits: dict = {}  # each session's published split, read once for the whole plan
    views = [
        schede.view(db, action_id, public=True, referenti=staff, split_tables=splits) for action_id in ids
    ]
    years = schede.years(process)
    approved = bool(process.approval_act)
    if programme:
        years, approved = (programme.year,), programme.state == APPROVATO
    blocks = cover_blocks(
        programme.title if programme else process.title,
        years,
        approved,
        programme.approval_act if programme else process.approval_act,
        today or date.today(),
        len(views),
        states,
        None if programme else schede.adoption(process),
        programme=programme is not None,
    )
    blocks += [Block("toc", "Indice"), Block("break", "")]
    first_part = True
    for _, part_title, part_states in PARTS:
        part = [v for v in views if v["state"] in part_states]
        if not part:
            continue
        if not first_part:
            blocks.append(Block("break", ""))
        first_part = False
        blocks.append(Block("h1", part_title))
        blocks.append(
            Block(
                "p",
                f"{len(part)} {'scheda' if len(part) == 1 else 'schede'}"
                + (
                    ": "
                    + ", ".join(
                        f"{review.LABELS[s].lower()} {n}"
                        for s, n in ((s, sum(1 for v in part if v["state"] == s)) for s in part_states)
                        if n
                    )
                    if len(part_states) > 1
                    else ""
                )
                + ".",
                {"role": "meta"},
            )
        )
        by_area: dict[str, list[dict]] = {}
        for v in part:
            by_area.setdefault(v["content"].get("area_prevalente") or "", []).append(v)
        for n, code in enumerate(sorted(by_area, key=lambda a: (a == "", a))):
            if n:
                blocks.append(Block("break", ""))
            blocks.append(
                Block(
                    "h2", f"Area {code} — {areas.get(code, '')}" if code else "Schede senza area prevalente"
                )
            )
            for m, v in enumerate(by_area[code]):
                if m:
                    blocks.append(Block("break", ""))
                blocks += scheda_blocks(v, areas, level=3, staff=staff)
                if programme:
                    blocks += programme_entry_blocks(programme.year, entries[v["id"]], v["content"])
    if not views:
        blocks.append(Block("p", "Nessuna scheda negli stati scelti.", {"role": "empty"}))
    return blocks


def programme_entry_blocks(year: int, entry, content: dict) -> list[Block]:
    """What the programma attuativo of `year` says of a scheda: new or in
    continuità, that year's budget by source and its targets."""
    label = periods.CONTINUITY_LABELS.get(entry.continuity, entry.continuity)
    budget = [
        ["Fonte di finanziamento", f"Preventivo {year}"],
        *[[fields.FONTI.get(k, k), fields.amount(v)] for k, v in sorted(entry.budget.items())],
        ["Totale", fields.amount(sum(entry.budget.values()))],
    ]
    blocks = [
        Block("h4", f"Nel programma attuativo {year}", {"toc": False}),
        Block("p", f"Scheda {label}."),
        Block("table", budget, {"header": "row", "numeric": [1], "total": True}),
        Block("p", "Importi in euro.", {"role": "note"}),
    ]
    indicators = content.get("indicatori") or []
    targets = [
        [indicators[int(k)]["descrizione"] if int(k) < len(indicators) else k, text]
        for k, text in sorted(entry.targets.items(), key=lambda kv: int(kv[0]))
    ]
    if targets:
        blocks.append(Block("table", [["Indicatore", f"Obiettivo {year}"], *targets], {"header": "row"}))
    return blocks


def cover_blocks(
    title: str,
    years: tuple[int, ...],
    approved: bool,
    act: str | None,
    today: date,
    count: int,
    states: tuple[str, ...],
    adoption: dict | None = None,
    programme: bool = False,
) -> list[Block]:
    """The cover. `programme`: a programma attuativo's document (what is
    approved, or still a draft, is the programme, not the plan)."""
    # One year (a programma attuativo) is that year, not «2020–2020».
    period = (f"{years[0]}–{years[-1]}" if years[0] != years[-1] else str(years[0])) if years else EMPTY
    state = f"approvato — {act}" if approved else "bozza, non ancora approvata"
    if adoption:
        state = f"adottato — {adoption_text(adoption)}"
    included = ", ".join(review.LABELS[s].lower() for s in review.STATES if s in states)
    if programme:
        subtitle = "Programma attuativo approvato" if approved else "Bozza del programma attuativo"
    else:
        subtitle = "Piano approvato" if approved else "Bozza del piano"
    return [
        Block("p", f"{DISTRICT} · {OFFICE}", {"role": "cover-kicker"}),
        Block("h1", title, {"role": "cover-title", "toc": False}),
        Block(
            "p",
            f"{subtitle}: schede intervento",
            {"role": "cover-title"},
        ),
        Block("p", f"Periodo di programmazione: {period}", {"role": "cover"}),
        Block("p", f"Stato del documento: {state}", {"role": "cover"}),
        *(
            [Block("p", f"Atto: {adoption['url']}", {"role": "cover"})]
            if adoption and adoption["url"]
            else []
        ),
        Block("p", f"Documento del {when(today)}", {"role": "cover"}),
        Block("p", f"Schede incluse: {count} (stati: {included})", {"role": "cover"}),
        Block("break", "", {"role": "cover-end"}),
    ]


def plan_title(db: Database, process_slug: str, programme_id: int | None = None) -> str:
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        programme = s.get(AnnualProgramme, programme_id) if programme_id else None
    if programme:
        return (
            programme.title
            if programme.state == APPROVATO
            else f"Bozza del {programme.title[:1].lower()}{programme.title[1:]}"
        )
    return (
        f"Piano approvato — {process.title}" if process.approval_act else f"Bozza del piano — {process.title}"
    )


def running_header(process_title: str, right: str) -> tuple[str, str]:
    return f"{DISTRICT} · {process_title}", right


def plan_header(process_title: str, title: str, moment: date | datetime) -> tuple[str, str]:
    """The plan's running header: the district and the process on the left, on
    the right «Bozza del piano» (or «Piano approvato») and the day it was made."""
    return running_header(process_title, title.split(" — ")[0] + " · " + when(moment))


def parse_states(chosen: list[str] | tuple[str, ...]) -> tuple[str, ...] | None:
    """The states a plan document includes, in the review's order (unknown
    names left out); None when none of them is a state."""
    found = tuple(s for s in review.STATES if s in chosen)
    return found or None


# -- the annual monitoring report -------------------------------------------------------


def monitoring_title(process_title: str, year: int) -> str:
    return f"Monitoraggio {year} — {process_title}"


def monitoring_blocks(
    db: Database, process_slug: str, year: int, *, today: date | None = None
) -> list[Block]:
    """How the approved schede did in one year: a summary table (scheda, area,
    stato, avanzamento), then each scheda by area A–E with its timeline, its
    indicators against partenza and the year's obiettivo, and spending against
    the preventivo. Bodies, never people."""
    from workshop.domain import monitoring as monitoring_rules
    from workshop.services import monitoring

    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        actions = s.exec(
            select(PlanAction)
            .where(PlanAction.process_id == process.id, PlanAction.state == review.APPROVATA)
            .order_by(col(PlanAction.area_main), col(PlanAction.id))
        ).all()
    areas = area_labels(db)
    views = [(a, monitoring.of_action(db, a.id)) for a in actions]
    rows = [(a, next(y for y in v["years"] if y["year"] == year)) for a, v in views]
    reported = [r for r in rows if r[1]["reported"]]
    blocks = [
        Block("p", f"{DISTRICT} · {OFFICE}", {"role": "cover-kicker"}),
        Block("h1", monitoring_title(process.title, year), {"role": "cover-title", "toc": False}),
        Block(
            "p", "Rapporto annuale di monitoraggio delle schede intervento approvate", {"role": "cover-title"}
        ),
        Block("p", f"Anno: {year}", {"role": "cover"}),
        Block("p", f"Documento del {when(today or date.today())}", {"role": "cover"}),
        Block(
            "p",
            f"Schede approvate: {len(rows)}; con il monitoraggio del {year}: {len(reported)}",
            {"role": "cover"},
        ),
        Block("break", "", {"role": "cover-end"}),
        Block("toc", "Indice"),
        Block("break", ""),
        Block("h1", "Sintesi"),
    ]
    if rows:
        counts = {
            status: sum(1 for _, y in reported if y["status"] == status)
            for status in monitoring_rules.STATUSES
        }
        blocks.append(
            Block(
                "p",
                "; ".join(f"{monitoring_rules.LABELS[k].lower()}: {n}" for k, n in counts.items() if n)
                or f"Nessuna scheda ha ancora il monitoraggio del {year}.",
            )
        )
        blocks.append(
            Block(
                "table",
                [
                    ["Scheda", "Area", "Stato", "Avanzamento"],
                    *[
                        [
                            f"{a.id}. {a.title}",
                            a.area_main or EMPTY,
                            monitoring_rules.LABELS[y["status"]] if y["reported"] else "non rilevato",
                            f"{y['progress']}%" if y["reported"] else EMPTY,
                        ]
                        for a, y in rows
                    ],
                ],
                {"header": "row", "numeric": [3]},
            )
        )
    else:
        blocks.append(Block("p", "Nessuna scheda approvata.", {"role": "empty"}))
    by_area: dict[str, list] = {}
    for a, y in rows:
        by_area.setdefault(a.area_main or "", []).append((a, y))
    for code in sorted(by_area, key=lambda c: (c == "", c)):
        blocks.append(Block("break", ""))
        blocks.append(
            Block("h1", f"Area {code} — {areas.get(code, '')}" if code else "Schede senza area prevalente")
        )
        for a, y in by_area[code]:
            blocks.append(Block("h2", f"Scheda {a.id} — {a.title}"))
            if not y["reported"]:
                blocks.append(Block("p", f"Monitoraggio del {year} non ancora rilevato.", {"role": "empty"}))
                continue
            body = monitoring_rules.BODIES.get(y["body"], "")
            blocks.append(
                Block(
                    "p",
                    f"Stato: {monitoring_rules.LABELS[y['status']]} · avanzamento {y['progress']}% · "
                    f"aggiornato il {when(y['updated_at'])}" + (f" da: {body}" if body else ""),
                )
            )
            if y["entries"]:
                blocks.append(Block("h3", "Cronologia", {"toc": False}))
                blocks.append(
                    Block(
                        "ul",
                        [
                            f"{when(e['day'])}: {e['text']} ({monitoring_rules.BODIES.get(e['body'], '')})"
                            for e in y["entries"]
                        ],
                    )
                )
            if y["indicators"]:
                blocks.append(Block("h3", "Indicatori", {"toc": False}))
                blocks.append(
                    Block(
                        "table",
                        [
                            ["Indicatore", "Situazione di partenza", f"Obiettivo {year}", f"Valore {year}"],
                            *[
                                [
                                    i["descrizione"],
                                    i["partenza"] or EMPTY,
                                    i["target"] or EMPTY,
                                    number(i["value_num"], monitoring_rules.value_decimals(i["value"]))
                                    if i["value"] is not None
                                    else "non rilevato",
                                ]
                                for i in y["indicators"]
                            ],
                        ],
                        {"header": "row"},
                    )
                )
            if y["resources"]:
                blocks.append(Block("h3", "Risorse", {"toc": False}))
                blocks.append(
                    Block(
                        "table",
                        [
                            ["Fonte di finanziamento", f"Previsto {year}", f"Speso {year}"],
                            *[
                                [
                                    fields.FONTI.get(r["source"], r["source"]),
                                    fields.amount(r["planned"]) if r["planned"] is not None else EMPTY,
                                    fields.amount(r["spent"]) if r["spent"] is not None else EMPTY,
                                ]
                                for r in y["resources"]
                            ],
                            # Nothing reported is not «0,00 spent».
                            [
                                "Totale",
                                fields.amount(y["planned_total"])
                                if any(r["planned"] is not None for r in y["resources"])
                                else EMPTY,
                                fields.amount(y["spent_total"])
                                if any(r["spent"] is not None for r in y["resources"])
                                else EMPTY,
                            ],
                        ],
                        {"header": "row", "numeric": [1, 2], "total": True},
                    )
                )
                blocks.append(Block("p", "Importi in euro.", {"role": "note"}))
    return blocks
