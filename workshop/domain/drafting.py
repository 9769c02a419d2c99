"""Drafting a scheda intervento from prioritised clusters, as a pure function.

What the lab said becomes the first draft, in the shape of the district's
schede (domain/scheda.py, data/example_scheda.md): the *problema* and *caso*
notes feed the razionale, the *proposta* notes the azioni previste (one row
each, their period left to fill), the *risorsa* notes the risorse non
finanziarie. Only notes reviewed as publishable are used (a scheda is
public); the others are only counted in the traceability block. The ambito
territoriale is proposed from the territories the priorities came from
(domain/territory.proposed_ambito). References, attori, capofila, referenti,
preventivo and indicatori are left for the reviewers. Every draft carries a
traceability block pointing back to its sources; a scheda from the labs is
part of the Community Lab programme.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from workshop.domain import scheda, territory


@dataclass(frozen=True)
class SourceNote:
    id: int
    kind: str
    text: str
    author_category: str


@dataclass(frozen=True)
class SourceCluster:
    lab_slug: str
    lab_title: str
    session_id: int
    session_title: str
    cluster_id: int
    title: str
    areas: tuple[str, ...]
    notes: tuple[SourceNote, ...]
    dots: int
    dots_available: int
    rank_in_session: int
    clusters_in_session: int
    by_category: dict[str, int] = field(default_factory=dict)
    scores: dict[str, int] | None = None
    priority_index: float | None = None
    snapshot_hash: str | None = None
    withheld: tuple[int, ...] = ()  # notes not (yet) reviewed as publishable: left out
    meetings: int = 1  # the lab's meetings it was voted in (a group carried forward)
    # Those meetings, earliest first, when more than one: each one's session,
    # group, dots, dots available and results' fingerprint (the traceability
    # names them all, not the latest alone beside the dots of all).
    parts: tuple[dict, ...] = ()
    # Where it came from: the territories of its meetings' places, then those of
    # its supporters where published (domain/territory.proposed_ambito).
    places: tuple[territory.Place, ...] = ()


def _quote(text: str) -> str:
    """A note's text as one markdown list item (its own line breaks kept inside)."""
    return text.strip().replace("\n", "\n  ")


def _ranking(c: SourceCluster) -> str:
    if c.rank_in_session == 1:
        return "il più votato della sessione"
    return f"{c.rank_in_session}° su {c.clusters_in_session} gruppi per punti"


def _summary(c: SourceCluster) -> str:
    # Voted in several meetings: its dots are theirs together, and a rank in one
    # session's room would not describe it.
    where = f"in {c.meetings} incontri del laboratorio" if c.meetings > 1 else f"({_ranking(c)})"
    line = (
        f"Nel laboratorio «{c.lab_title}» il gruppo «{c.title}» ha raccolto {c.dots} punti "
        f"su {c.dots_available} {where}"
    )
    if c.scores:
        line += (
            f"; il tavolo ha valutato impatto {c.scores['impatto']}/5, fattibilità "
            f"{c.scores['fattibilita']}/5, urgenza {c.scores['urgenza']}/5"
        )
    return line + "."


def draft(clusters: list[SourceCluster], category_labels: dict[str, str]) -> dict:
    """The first version of a scheda: fields as markdown, plus the traceability block."""
    if not clusters:
        raise ValueError("a scheda needs at least one cluster")
    notes = [n for c in clusters for n in c.notes]
    problems = [n for n in notes if n.kind in ("problema", "caso")]
    proposals = [n for n in notes if n.kind == "proposta"]
    resources = [n for n in notes if n.kind == "risorsa"]

    area_votes = Counter(a for c in clusters for a in c.areas)
    first_areas = clusters[0].areas
    prevalent = (
        max(area_votes, key=lambda a: (area_votes[a], a in first_areas[:1], -ord(a[0]))) if area_votes else ""
    )
    others = sorted(set(area_votes) - {prevalent})

    razionale = "\n\n".join(_summary(c) for c in clusters)
    if problems:
        razionale += "\n\nProblemi e casi portati dai partecipanti:\n\n" + "\n".join(
            f"- {_quote(n.text)}" for n in problems
        )
    content = scheda.empty(scheda.LABORATORI)
    # The ambito, proposed from where the priorities came from; the Ufficio di
    # Piano confirms or changes it (the traceability says what it was drawn from).
    ambito = territory.proposed_ambito(p for c in clusters for p in c.places)
    if ambito is not None:
        content["ambito"] = {"tipo": ambito["tipo"], "comuni": ambito["comuni"]}
    content.update(
        {
            "titolo": clusters[0].title if len(clusters) == 1 else " / ".join(c.title for c in clusters),
            "area_prevalente": prevalent,
            "altre_aree": others,
            "razionale": razionale,
            "azioni": [{"testo": n.text.strip(), "periodo": ""} for n in proposals],
            # Who implements it is for the Ufficio di Piano: the categories of the people
            # who took part are not implementing bodies, and listing them would say
            # that someone of a small category was in the room.
            "attori": "",
            "risorse": "\n".join(f"- {_quote(n.text)}" for n in resources),
            "tracciabilita": {
                "origine": scheda.LABORATORI,
                "ambito_da": ambito["territori"] if ambito else [],
                "clusters": [
                    {
                        "lab": c.lab_slug,
                        "lab_title": c.lab_title,
                        "session_id": c.session_id,
                        "session_title": c.session_title,
                        "cluster_id": c.cluster_id,
                        "title": c.title,
                        "areas": list(c.areas),
                        "note_ids": [n.id for n in c.notes],
                        "notes_withheld": list(c.withheld),
                        "dots": c.dots,
                        "dots_available": c.dots_available,
                        "by_category": dict(sorted(c.by_category.items())),
                        "scores": c.scores,
                        "priority_index": c.priority_index,
                        "snapshot_hash": c.snapshot_hash,
                        **({"incontri": [dict(m) for m in c.parts]} if len(c.parts) > 1 else {}),
                    }
                    for c in clusters
                ],
            },
        }
    )
    return content
