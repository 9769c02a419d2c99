"""Schede intervento: drafted from clusters (or started without one), edited
with versions, reviewed with motivations.

Each function is one command: it checks the rule in `domain.review` and the
field's shape in `domain.scheda`, changes the rows inside one transaction (the
scheda's row locked), and keeps the history: every save is a whole version in
`plan_action_version`, every step of the review a row in
`plan_action_transition` with its public motivation. Content is read through
`scheda.normalize`, so schede stored in the first shape open, compare and
export like the others.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from workshop import markup
from workshop.domain import cabine as cabine_rules
from workshop.domain import drafting, publication, review, territory
from workshop.domain import scheda as fields
from workshop.domain.errors import Rejected
from workshop.domain.rules import one_line
from workshop.services.consolidation import PriorityRow, consolidate, published_splits
from workshop.services.publication import public_content
from workshop.services.views import VISIBLE
from workshop.storage.database import Database
from workshop.storage.models import (
    AnnualProgramme,
    BodyMeeting,
    Category,
    Lab,
    LiveSession,
    Note,
    Participant,
    PlanAction,
    PlanActionCluster,
    PlanActionObservation,
    PlanActionTransition,
    PlanActionVersion,
    Process,
    RegionalScheda,
    StaffUser,
    Territory,
    utcnow,
)

TEXT_MAX = fields.TEXT_MAX
# Markdown shown through the one sanitizer: the fields, and the texts beside the
# linked schede and the budget.
MARKDOWN_FIELDS = (*fields.MARKDOWN_FIELDS, "collegate", "preventivo")
FIELD_LABELS = review.FIELD_LABELS


@dataclass(frozen=True)
class PlanActor:
    """Who acts on the plan: a signed-in staff member."""

    user_id: int
    role: str


def _locked(s: Session, action_id: int) -> PlanAction:
    result = s.exec(
        update(PlanAction).where(col(PlanAction.id) == action_id).values(version=PlanAction.version)
    )
    if result.rowcount == 0:
        raise Rejected("scheda_not_found")
    return s.exec(select(PlanAction).where(PlanAction.id == action_id)).one()


def _places(s: Session, row: PriorityRow) -> tuple[territory.Place, ...]:
    """Where a priority came from: the territories of its meetings' places, then
    those of its supporters with a published count (a scheda is public: a
    reserved or pooled cell names no territory)."""
    known = {t.key: territory.Place(t.kind, t.name) for t in s.exec(select(Territory))}
    keys = [m["territory"] for m in row.meetings if m.get("territory")]
    keys += [
        key for m in row.meetings for key, n in (m.get("territory_split") or {}).items() if n and key in known
    ]
    return tuple(known[k] for k in dict.fromkeys(keys) if k in known)


def _parts(s: Session, row: PriorityRow) -> tuple[dict, ...]:
    """The meetings of a priority voted in several, for its traceability."""
    if len(row.meetings) < 2:
        return ()
    hashes = dict(
        s.exec(
            select(LiveSession.id, LiveSession.snapshot_hash).where(
                col(LiveSession.id).in_([m["session_id"] for m in row.meetings])
            )
        ).all()
    )
    return tuple(
        {
            "session_id": m["session_id"],
            "session_title": m["session_title"],
            "cluster_id": m["cluster_id"],
            "dots": m["dots"],
            "dots_available": m["dots_available"],
            "snapshot_hash": hashes.get(m["session_id"]),
        }
        for m in row.meetings
    )


def _sources(
    s: Session, cluster_ids: list[int], rows: dict[int, PriorityRow], by_session: dict[int, list[int]]
) -> list[drafting.SourceCluster]:
    """The drafting inputs of each cluster: its notes, and its figures from consolidation."""
    out = []
    for cluster_id in cluster_ids:
        row = rows[cluster_id]
        notes = s.exec(
            select(Note, Participant.category_key)
            .join(Participant, col(Participant.id) == Note.author_id)
            .where(Note.cluster_id == cluster_id, VISIBLE, col(Note.erased_at).is_(None))
            .order_by(col(Note.id))
        ).all()
        # Only what a person reviewed as publishable goes into a scheda, which is public.
        published = [
            (n, publication.published_text(n.publication, n.text, n.public_text), cat) for n, cat in notes
        ]
        peers = by_session[row.session_id]
        out.append(
            drafting.SourceCluster(
                lab_slug=row.lab_slug,
                lab_title=row.lab_title,
                session_id=row.session_id,
                session_title=row.session_title,
                cluster_id=cluster_id,
                title=row.title,
                areas=tuple(row.areas),
                notes=tuple(
                    drafting.SourceNote(n.id, n.kind, text, cat) for n, text, cat in published if text
                ),
                withheld=tuple(n.id for n, text, _ in published if not text),
                dots=row.dots,
                dots_available=row.dots_available,
                rank_in_session=peers.index(cluster_id) + 1,
                clusters_in_session=len(peers),
                by_category=row.by_category,
                scores=row.scores,
                priority_index=round(row.index, 2),
                snapshot_hash=row.snapshot_hash,
                meetings=max(1, len(row.meetings)),
                places=_places(s, row),
                parts=_parts(s, row),
            )
        )
    return out


def create_from_clusters(db: Database, editor: PlanActor, process_slug: str, cluster_ids: list[int]) -> int:
    """A new draft from one prioritised cluster, or several merged by the Ufficio di Piano."""
    review.check_edit(editor.role, review.BOZZA, set(review.TEXT_FIELDS))
    cluster_ids = list(dict.fromkeys(cluster_ids))
    if not 1 <= len(cluster_ids) <= 20:
        raise Rejected("clusters_invalid")
    # Only clusters of closed sessions of this process are in the consolidation.
    consolidated = consolidate(db, process_slug)
    # Any group of a priority's line names it; the scheda takes its latest group,
    # which holds the notes carried forward and those added since.
    rows = {cluster_id: r for r in consolidated.rows for cluster_id in r.cluster_ids}
    if any(c not in rows for c in cluster_ids):
        raise Rejected("clusters_invalid")
    cluster_ids = list(dict.fromkeys(rows[c].cluster_id for c in cluster_ids))
    by_session: dict[int, list[int]] = {}  # each session's clusters, most dots first
    for r in sorted(consolidated.rows, key=lambda r: (-r.dots, r.cluster_id)):
        by_session.setdefault(r.session_id, []).append(r.cluster_id)
    with db.transaction() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        labels = {c.key: c.label for c in s.exec(select(Category))}
        content = drafting.draft(_sources(s, cluster_ids, rows, by_session), labels)
        action = PlanAction(
            process_id=process.id,
            title=content["titolo"][: fields.TITLE_MAX],
            area_main=content["area_prevalente"],
            content=content,
            created_by=editor.user_id,
        )
        s.add(action)
        s.flush()
        for cluster_id in cluster_ids:
            s.add(PlanActionCluster(action_id=action.id, cluster_id=cluster_id))
        s.add(PlanActionVersion(action_id=action.id, version=1, content=content, user_id=editor.user_id))
        return action.id


def _meetings_of(s: Session, meeting_ids: set[int]) -> dict[int, dict]:
    """The meetings of the bodies named by review steps: which body, which day."""
    found = s.exec(select(BodyMeeting).where(col(BodyMeeting.id).in_(list(meeting_ids) or [0]))).all()
    return {m.id: {"id": m.id, "body": m.body_key, "held_on": m.held_on, "place": m.place} for m in found}


def adoption(process: Process) -> dict | None:
    """The act that adopted the plan, once recorded."""
    if process.adopted_on is None:
        return None
    return {
        "act": process.approval_act or "Atto di adozione del piano",
        "body": process.adoption_body,
        "on": process.adopted_on,
        "number": process.adoption_number,
        "url": process.adoption_url or "",
    }


def years(process: Process) -> tuple[int, ...]:
    return fields.period(process.year_start, process.year_end, process.title)


def create_blank(
    db: Database, editor: PlanActor, process_slug: str, title: str, origin: str, area: str = ""
) -> int:
    """A draft that no lab priority led to: regional and continuing interventions,
    or the Ufficio di Piano's own; its traceability says where it comes from."""
    review.check_edit(editor.role, review.BOZZA, set(review.TEXT_FIELDS))
    if origin not in fields.ORIGINI or origin == fields.LABORATORI:
        raise Rejected("origin_invalid")
    content = fields.empty(origin)
    content["titolo"] = fields.clean("titolo", title, fields.Context(), FIELD_LABELS["titolo"])
    if area:
        content["area_prevalente"] = fields.clean("area_prevalente", area, fields.Context())
    if origin == "continuita":
        content["continuita"] = fields.SI
    with db.transaction() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).first()
        if process is None:
            raise Rejected("process_not_found")
        action = PlanAction(
            process_id=process.id,
            title=content["titolo"],
            area_main=content["area_prevalente"],
            content=content,
            created_by=editor.user_id,
        )
        s.add(action)
        s.flush()
        s.add(PlanActionVersion(action_id=action.id, version=1, content=content, user_id=editor.user_id))
        return action.id


def _context(s: Session, action: PlanAction) -> fields.Context:
    process = s.get_one(Process, action.process_id)
    return fields.Context(
        years=years(process),
        regional={r.number: r.title for r in s.exec(select(RegionalScheda).where(RegionalScheda.active))},
        schede=frozenset(s.exec(select(PlanAction.id).where(PlanAction.process_id == process.id))),
        self_id=action.id,
    )


def update_fields(
    db: Database, editor: PlanActor, action_id: int, changes: dict, expected_version: int
) -> int:
    """Save edits as a new version; refuses if someone saved in between."""
    unknown = set(changes) - set(FIELD_LABELS)
    if unknown:
        raise Rejected(
            "invalid_payload",
            details=[
                {"field": f, "type": "extra_forbidden", "problem": "unknown field"} for f in sorted(unknown)
            ],
        )
    with db.transaction() as s:
        action = _locked(s, action_id)
        if action.version != expected_version:
            raise Rejected("version_conflict")
        ctx = _context(s, action)
        content = fields.normalize(action.content, ctx.years)
        cleaned = {f: fields.clean(f, v, ctx, FIELD_LABELS[f]) for f, v in changes.items()}
        changed = {f for f, v in cleaned.items() if v != content.get(f)}
        if not changed:
            return action.version
        review.check_edit(editor.role, action.state, changed)
        for f in changed:
            content[f] = cleaned[f]
        action.content = content
        action.title = content["titolo"][: fields.TITLE_MAX]
        action.area_main = content.get("area_prevalente", "")
        action.version += 1
        action.updated_at = utcnow()
        s.add(action)
        s.add(
            PlanActionVersion(
                action_id=action.id, version=action.version, content=content, user_id=editor.user_id
            )
        )
        return action.version


def record_step(
    s: Session, action: PlanAction, target: str, motivation: str, user_id: int, **meeting
) -> None:
    """A review step, once its rule has passed: the history row (with the meeting
    and votes of a body's decision, `meeting`) and the scheda's new state."""
    s.add(
        PlanActionTransition(
            action_id=action.id,
            from_state=action.state,
            to_state=target,
            motivation=motivation,
            user_id=user_id,
            **meeting,
        )
    )
    action.state = target
    action.updated_at = utcnow()
    s.add(action)


def transition(db: Database, editor: PlanActor, action_id: int, target: str, motivation: str) -> None:
    with db.transaction() as s:
        action = _locked(s, action_id)
        text = review.check_transition(editor.role, action.state, target, motivation)
        record_step(s, action, target, text, editor.user_id)


def observe(db: Database, editor: PlanActor, action_id: int, text: str) -> None:
    with db.transaction() as s:
        action = _locked(s, action_id)
        s.add(
            PlanActionObservation(
                action_id=action.id,
                user_id=editor.user_id,
                text=review.check_observation(editor.role, action.state, text),
            )
        )


def rendered(content: dict) -> dict:
    """The markdown texts as safe HTML, through the one sanitizer."""
    texts = {f: content.get(f) or "" for f in fields.MARKDOWN_FIELDS}
    texts["collegate"] = (content.get("collegate") or {}).get("testo") or ""
    texts["preventivo"] = (content.get("preventivo") or {}).get("note") or ""
    return {f: markup.render(text) for f, text in texts.items()}


def trace_totals(clusters: list[dict]) -> tuple[int, int, int]:
    """Dots of the clusters together, the dots available (each session's once:
    two priorities of one 60-dot session are so many of 60, not of 120), and
    the number of sessions."""
    available = {c["session_id"]: c.get("dots_available", 0) for c in clusters}
    return sum(c.get("dots", 0) for c in clusters), sum(available.values()), len(available)


def view(
    db: Database,
    action_id: int,
    *,
    public: bool = False,
    referenti: bool = False,
    split_tables: dict | None = None,
) -> dict:
    """A scheda with its sources, review history, observations and versions.

    `public`: no staff names (roles only), no referenti (names and contacts of
    people), and the traceability's dots by category as they may be published.
    `referenti` with `public`: the office's own copy of a document, which is
    the public one with the referenti. `split_tables`: the published splits
    already read, by session (consolidation.published_splits), shared by the
    schede of one document."""
    with db.reader() as s:
        action = s.get(PlanAction, action_id)
        if action is None:
            raise Rejected("scheda_not_found")
        users = {u.id: u for u in s.exec(select(StaffUser))}

        def who(user_id):
            user = users.get(user_id)
            if user is None:
                return None
            return {"role": user.role} if public else {"role": user.role, "name": user.display_name}

        steps = s.exec(
            select(PlanActionTransition)
            .where(PlanActionTransition.action_id == action_id)
            .order_by(col(PlanActionTransition.id))
        ).all()
        held = _meetings_of(s, {t.meeting_id for t in steps if t.meeting_id is not None})
        transitions = [
            {
                "from": t.from_state,
                "to": t.to_state,
                "motivation": t.motivation,
                "at": t.created_at,
                # A body's decision is the body's, at its meeting: not the click
                # of whoever recorded it.
                "by": None if t.meeting_id is not None else who(t.user_id),
                "body": held[t.meeting_id]["body"]
                if t.meeting_id in held
                else review.decided_by(t.from_state, t.to_state),
                "done": review.DONE.get((t.from_state, t.to_state), ""),
                "meeting": held.get(t.meeting_id) if t.meeting_id is not None else None,
                "votes": {"for": t.votes_for, "against": t.votes_against, "abstained": t.votes_abstained}
                if t.meeting_id is not None
                and any(v is not None for v in (t.votes_for, t.votes_against, t.votes_abstained))
                else None,
            }
            for t in steps
        ]
        observations = [
            {"text": o.text, "at": o.created_at, "by": who(o.user_id)}
            for o in s.exec(
                select(PlanActionObservation)
                .where(PlanActionObservation.action_id == action_id)
                .order_by(col(PlanActionObservation.id))
            )
        ]
        versions = [
            {"version": v.version, "at": v.created_at, "by": who(v.user_id)}
            for v in s.exec(
                select(PlanActionVersion)
                .where(PlanActionVersion.action_id == action_id)
                .order_by(col(PlanActionVersion.version))
            )
        ]
        process = s.get_one(Process, action.process_id)
        period = years(process)
        content = fields.normalize(action.content, period)
        trace = dict(content["tracciabilita"])
        clusters = trace.get("clusters", [])
        linked_ids = content["collegate"]["schede"]
        linked = {
            a.id: {"id": a.id, "title": a.title, "state": a.state}
            for a in s.exec(select(PlanAction).where(col(PlanAction.id).in_(linked_ids or [0])))
            # A public view names no draft of the office.
            if not public or review.is_public(a.state)
        }
        labs = {lab.slug: lab.title for lab in s.exec(select(Lab))}
        closed = {
            live.id: live.closed_at
            for live in s.exec(
                select(LiveSession).where(col(LiveSession.id).in_([c["session_id"] for c in clusters] or [0]))
            )
        }
        categories = {c.key: c.label for c in s.exec(select(Category))}
        if public:
            # The split as it may be published (the same cells as the lab's page), never the raw one.
            # A priority voted in several meetings: each meeting's own split (one
            # meeting's beside the dots of all would not add up; added together
            # they would be a second cut of the same tables).
            ids = [c["cluster_id"] for c in clusters]
            ids += [m["cluster_id"] for c in clusters for m in c.get("incontri", [])]
            split = published_splits(s, ids, split_tables)

            def published(cluster_id: int) -> dict:
                cells, columns = split.get(cluster_id, ({}, []))
                return {"split": cells, "split_columns": columns}

            trace["clusters"] = [
                {
                    **{k: v for k, v in c.items() if k != "by_category"},
                    **(
                        {
                            "split": {},
                            "split_columns": [],
                            "incontri": [{**m, **published(m["cluster_id"])} for m in c["incontri"]],
                        }
                        if c.get("incontri")
                        else published(c["cluster_id"])
                    ),
                }
                for c in clusters
            ]
            # Drafted notes only as reviewed (a draft older than the review keeps the text as written).
            content = public_content(s, content, categories)
    content["tracciabilita"] = trace
    if public and not referenti:
        content = fields.public(content)
    dots, available, sessions = trace_totals(trace.get("clusters", []))
    return {
        "id": action.id,
        "process": {
            "slug": process.slug,
            "title": process.title,
            "years": period,
            "approval_act": process.approval_act,
            "adoption": adoption(process),
        },
        "title": action.title,
        "state": action.state,
        "state_label": review.LABELS[action.state],
        "is_public": review.is_public(action.state),
        "version": action.version,
        "content": content,
        "html": rendered(content),
        "transitions": transitions,
        "observations": observations,
        "versions": versions,
        "created_at": action.created_at,
        "updated_at": action.updated_at,
        "public": public,
        "linked": [linked[i] for i in linked_ids if i in linked],
        "labs": labs,
        "categories": categories,
        "session_closed": closed,
        "trace_totals": {"dots": dots, "dots_available": available, "sessions": sessions},
    }


def diff(db: Database, action_id: int, older: int, newer: int) -> list[dict]:
    """What changed between two versions, field by field (unified diff lines)."""
    with db.reader() as s:
        action = s.get(PlanAction, action_id)
        if action is None:
            raise Rejected("scheda_not_found")
        period = years(s.get_one(Process, action.process_id))
        found = {
            v.version: fields.normalize(v.content, period)
            for v in s.exec(
                select(PlanActionVersion).where(
                    PlanActionVersion.action_id == action_id,
                    col(PlanActionVersion.version).in_([older, newer]),
                )
            )
        }
    if older not in found or newer not in found:
        raise Rejected("scheda_not_found")
    changes = []
    for f, label in FIELD_LABELS.items():
        a, b = fields.as_text(f, found[older].get(f)), fields.as_text(f, found[newer].get(f))
        if a != b:
            lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=1))[2:]
            changes.append({"field": f, "label": label, "lines": lines})
    return changes


def list_actions(db: Database, process_slug: str, *, public: bool = False) -> list[dict]:
    """The schede of a process; `public`: only those the public may read (review.PUBLIC_STATES)."""
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        query = select(PlanAction).where(PlanAction.process_id == process.id)
        if public:
            query = query.where(col(PlanAction.state).in_(review.PUBLIC_STATES))
        actions = s.exec(query.order_by(col(PlanAction.id))).all()
        sources: dict[int, list[int]] = {}
        for action_id, cluster_id in s.exec(
            select(PlanActionCluster.action_id, PlanActionCluster.cluster_id)
        ):
            sources.setdefault(action_id, []).append(cluster_id)
    out = []
    for a in actions:
        content = a.content
        trace = content.get("tracciabilita") or {}
        out.append(
            {
                "id": a.id,
                "title": a.title,
                "state": a.state,
                "state_label": review.LABELS[a.state],
                "area_main": a.area_main,
                "other_areas": content.get("altre_aree", []),
                "version": a.version,
                "updated_at": a.updated_at,
                "cluster_ids": sources.get(a.id, []),
                "origin": trace.get("origine") or fields.LABORATORI,
                "code": content.get("rif_distrettuale", ""),
            }
        )
    return out


def regional_list(db: Database, *, active_only: bool = True) -> list[dict]:
    """The regional schede that a scheda may reference, in the admin's order."""
    with db.reader() as s:
        query = select(RegionalScheda).order_by(col(RegionalScheda.position), col(RegionalScheda.number))
        if active_only:
            query = query.where(RegionalScheda.active)
        return [
            {"number": r.number, "title": r.title, "active": r.active, "position": r.position}
            for r in s.exec(query)
        ]


REGIONAL_NUMBER_MAX, REGIONAL_TITLE_MAX = fields.REGIONAL_NUMBER_MAX, fields.REGIONAL_TITLE_MAX


def save_regional(
    db: Database, editor: PlanActor, number: str, title: str, active: bool = True, *, new: bool = False
) -> None:
    """Add a regional scheda to the list, or change the title or availability of one.
    Schede keep the number and title they referenced when saved."""
    if editor.role != "admin":
        raise Rejected("forbidden")
    number, title = one_line(number or ""), one_line(title or "")
    if not (1 <= len(number) <= REGIONAL_NUMBER_MAX and 1 <= len(title) <= REGIONAL_TITLE_MAX):
        raise Rejected("regional_invalid", number_max=REGIONAL_NUMBER_MAX, title_max=REGIONAL_TITLE_MAX)
    with db.transaction() as s:
        row = s.get(RegionalScheda, number)
        if new and row is not None:
            raise Rejected("regional_exists", number=number)
        if row is None:
            last = s.exec(
                select(RegionalScheda.position).order_by(col(RegionalScheda.position).desc())
            ).first()
            row = RegionalScheda(number=number, title=title, position=(last or 0) + 1)
        row.title, row.active = title, active
        s.add(row)


APPROVAL_ACT_MAX = fields.APPROVAL_ACT_MAX


def save_plan_settings(
    db: Database,
    editor: PlanActor,
    process_slug: str,
    year_start: int | None,
    year_end: int | None,
    approval_act: str,
) -> None:
    """The programming period and the act that adopted the plan (admin)."""
    if editor.role != "admin":
        raise Rejected("forbidden")
    act = one_line(approval_act or "")
    if len(act) > APPROVAL_ACT_MAX:
        raise Rejected(
            "field_invalid", field="Atto di approvazione", problem=f"fino a {APPROVAL_ACT_MAX} caratteri"
        )
    if (year_start is None) != (year_end is None) or (
        year_start is not None and not fields.period(year_start, year_end)
    ):
        raise Rejected(
            "field_invalid",
            field="Periodo di programmazione",
            problem="da un anno a un anno successivo, al massimo 10 anni",
        )
    with db.transaction() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).first()
        if process is None:
            raise Rejected("process_not_found")
        # A programma attuativo is for a year of the period: the period keeps it.
        outside = s.exec(
            select(AnnualProgramme.year).where(
                AnnualProgramme.process_id == process.id,
                col(AnnualProgramme.year).not_in(fields.period(year_start, year_end)),
            )
        ).first()
        if outside is not None:
            raise Rejected(
                "field_invalid",
                field="Periodo di programmazione",
                problem=f"c'è il programma attuativo del {outside}",
            )
        process.year_start, process.year_end = year_start, year_end
        process.approval_act = act or None
        s.add(process)


def record_adoption(
    db: Database,
    editor: PlanActor,
    process_slug: str,
    act: str,
    body: str,
    adopted_on: date | None,
    number: str,
    url: str = "",
) -> None:
    """The plan's final step: the act that adopted it (Accordo di Programma of the
    Comitato di Distretto…), with its day, number and where to read it. The
    admin and the Ufficio di Piano record it; it can be corrected, not removed."""
    if editor.role not in (review.ADMIN, review.UFFICIO_PIANO):
        raise Rejected("forbidden")
    today = datetime.now(ZoneInfo("Europe/Rome")).date()
    found = cabine_rules.clean_adoption(act, body, adopted_on, number, url, APPROVAL_ACT_MAX, today)
    with db.transaction() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).first()
        if process is None:
            raise Rejected("process_not_found")
        process.approval_act, process.adoption_body = found.act, found.body
        process.adopted_on, process.adoption_number = found.adopted_on, found.number
        process.adoption_url = found.url or None
        s.add(process)
