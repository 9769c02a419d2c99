"""Schede intervento: drafted from clusters, edited with versions, reviewed with motivations.

Each function is one command: it checks the rule in `domain.review`, changes
the rows inside one transaction (the scheda's row locked), and keeps the
history: every save is a whole version in `plan_action_version`, every step
of the review a row in `plan_action_transition` with its public motivation.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from workshop import markup
from workshop.domain import drafting, publication, review
from workshop.domain.errors import Rejected
from workshop.domain.rules import AREA_CODES, plain_text
from workshop.services.consolidation import PriorityRow, consolidate, published_splits
from workshop.services.views import VISIBLE
from workshop.storage.database import Database
from workshop.storage.models import (
    Category,
    Note,
    Participant,
    PlanAction,
    PlanActionCluster,
    PlanActionObservation,
    PlanActionTransition,
    PlanActionVersion,
    Process,
    StaffUser,
    utcnow,
)

TEXT_MAX = 20_000
MARKDOWN_FIELDS = ("razionale", "descrizione", "destinatari", "azioni", "attori", "risorse",
                   "preventivo")
FIELD_LABELS = review.FIELD_LABELS


@dataclass(frozen=True)
class Editor:
    """Who acts on the plan: a signed-in staff member."""

    user_id: int
    role: str


def _locked(s: Session, action_id: int) -> PlanAction:
    result = s.execute(update(PlanAction).where(PlanAction.id == action_id)
                       .values(version=PlanAction.version))
    if result.rowcount == 0:
        raise Rejected("scheda_not_found")
    return s.exec(select(PlanAction).where(PlanAction.id == action_id)).one()


def _sources(s: Session, cluster_ids: list[int], rows: dict[int, PriorityRow],
             by_session: dict[int, list[int]]) -> list[drafting.SourceCluster]:
    """The drafting inputs of each cluster: its notes, and its figures from consolidation."""
    out = []
    for cluster_id in cluster_ids:
        row = rows[cluster_id]
        notes = s.exec(select(Note, Participant.category_key)
                       .join(Participant, Participant.id == Note.author_id)
                       .where(Note.cluster_id == cluster_id, VISIBLE, Note.erased_at.is_(None))
                       .order_by(Note.id)).all()
        # Only what a person reviewed as publishable goes into a scheda, which is public.
        published = [(n, publication.published_text(n.publication, n.text, n.public_text), cat)
                     for n, cat in notes]
        peers = by_session[row.session_id]
        out.append(drafting.SourceCluster(
            lab_slug=row.lab_slug, lab_title=row.lab_title, session_id=row.session_id,
            session_title=row.session_title, cluster_id=cluster_id, title=row.title,
            areas=tuple(row.areas),
            notes=tuple(drafting.SourceNote(n.id, n.kind, text, cat) for n, text, cat in published
                        if text),
            withheld=tuple(n.id for n, text, _ in published if not text),
            dots=row.dots, dots_available=row.dots_available,
            rank_in_session=peers.index(cluster_id) + 1, clusters_in_session=len(peers),
            by_category=row.by_category, scores=row.scores, priority_index=round(row.index, 2),
            snapshot_hash=row.snapshot_hash))
    return out


def create_from_clusters(db: Database, editor: Editor, process_slug: str,
                         cluster_ids: list[int]) -> int:
    """A new draft from one prioritised cluster, or several merged by the Ufficio di Piano."""
    review.check_edit(editor.role, review.BOZZA, set(review.TEXT_FIELDS))
    cluster_ids = list(dict.fromkeys(cluster_ids))
    if not 1 <= len(cluster_ids) <= 20:
        raise Rejected("clusters_invalid")
    # Only clusters of closed sessions of this process are in the consolidation.
    consolidated = consolidate(db, process_slug)
    rows = {r.cluster_id: r for r in consolidated.rows}
    if any(c not in rows for c in cluster_ids):
        raise Rejected("clusters_invalid")
    by_session: dict[int, list[int]] = {}  # each session's clusters, most dots first
    for r in sorted(consolidated.rows, key=lambda r: (-r.dots, r.cluster_id)):
        by_session.setdefault(r.session_id, []).append(r.cluster_id)
    with db.transaction() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        labels = {c.key: c.label for c in s.exec(select(Category))}
        content = drafting.draft(_sources(s, cluster_ids, rows, by_session), labels)
        action = PlanAction(process_id=process.id, title=content["titolo"][:300],
                            area_main=content["area_prevalente"], content=content,
                            created_by=editor.user_id)
        s.add(action)
        s.flush()
        for cluster_id in cluster_ids:
            s.add(PlanActionCluster(action_id=action.id, cluster_id=cluster_id))
        s.add(PlanActionVersion(action_id=action.id, version=1, content=content,
                                user_id=editor.user_id))
        return action.id


def _clean(field: str, value):
    """One field's new value, checked; the shapes are those of domain/drafting.py."""
    if field == "altre_aree":
        if not isinstance(value, list) or any(a not in AREA_CODES for a in value):
            raise Rejected("area_unknown", area=str(value)[:20])
        return sorted(set(value))
    if field == "area_prevalente":
        if value not in AREA_CODES:
            raise Rejected("area_unknown", area=str(value)[:4])
        return value
    if field == "indicatori":
        keys = ("indicatore", "baseline", "target", "fonte")
        if not isinstance(value, list) or any(
                not isinstance(i, dict) or set(i) - set(keys) for i in value):
            raise Rejected("invalid_payload", details=[{"field": "indicatori", "type": "value_error",
                                                        "problem": f"a list of objects with {keys}"}])
        rows = [{k: plain_text(str(i.get(k, "")))[:500] for k in keys} for i in value]
        rows = [r for r in rows if any(r.values())]  # empty form rows are not indicators
        if len(rows) > 30:
            raise Rejected("invalid_payload", details=[{"field": "indicatori", "type": "too_long",
                                                        "problem": "at most 30 indicators"}])
        return rows
    if not isinstance(value, str) or len(value) > TEXT_MAX:
        raise Rejected("invalid_payload", details=[{"field": field, "type": "string_type",
                                                    "problem": f"text up to {TEXT_MAX} characters"}])
    value = plain_text(value)
    if field == "titolo" and not 1 <= len(value) <= 300:
        raise Rejected("title_invalid", max=300)
    return value


def update_fields(db: Database, editor: Editor, action_id: int, changes: dict,
                  expected_version: int) -> int:
    """Save edits as a new version; refuses if someone saved in between."""
    unknown = set(changes) - set(FIELD_LABELS)
    if unknown:
        raise Rejected("invalid_payload", details=[{"field": f, "type": "extra_forbidden",
                                                    "problem": "unknown field"} for f in sorted(unknown)])
    with db.transaction() as s:
        action = _locked(s, action_id)
        if action.version != expected_version:
            raise Rejected("version_conflict")
        content = dict(action.content)
        changed = {f for f, v in changes.items() if _clean(f, v) != content.get(f)}
        if not changed:
            return action.version
        review.check_edit(editor.role, action.state, changed)
        for f in changed:
            content[f] = _clean(f, changes[f])
        action.content = content
        action.title = content["titolo"][:300]
        action.area_main = content.get("area_prevalente", "")
        action.version += 1
        action.updated_at = utcnow()
        s.add(action)
        s.add(PlanActionVersion(action_id=action.id, version=action.version, content=content,
                                user_id=editor.user_id))
        return action.version


def transition(db: Database, editor: Editor, action_id: int, target: str, motivation: str) -> None:
    with db.transaction() as s:
        action = _locked(s, action_id)
        text = review.check_transition(editor.role, action.state, target, motivation)
        s.add(PlanActionTransition(action_id=action.id, from_state=action.state, to_state=target,
                                   motivation=text, user_id=editor.user_id))
        action.state = target
        action.updated_at = utcnow()
        s.add(action)


def observe(db: Database, editor: Editor, action_id: int, text: str) -> None:
    with db.transaction() as s:
        action = _locked(s, action_id)
        s.add(PlanActionObservation(action_id=action.id, user_id=editor.user_id,
                                    text=review.check_observation(editor.role, action.state, text)))


def rendered(content: dict) -> dict:
    """The markdown fields as safe HTML, through the one sanitizer."""
    return {f: markup.render(content.get(f) or "") for f in MARKDOWN_FIELDS}


def view(db: Database, action_id: int, *, public: bool = False) -> dict:
    """A scheda with its sources, review history, observations and versions.

    `public`: no staff names (roles only), and the traceability's dots by
    category as they may be published."""
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

        transitions = [{"from": t.from_state, "to": t.to_state, "motivation": t.motivation,
                        "at": t.created_at, "by": who(t.user_id)}
                       for t in s.exec(select(PlanActionTransition)
                                       .where(PlanActionTransition.action_id == action_id)
                                       .order_by(PlanActionTransition.id))]
        observations = [{"text": o.text, "at": o.created_at, "by": who(o.user_id)}
                        for o in s.exec(select(PlanActionObservation)
                                        .where(PlanActionObservation.action_id == action_id)
                                        .order_by(PlanActionObservation.id))]
        versions = [{"version": v.version, "at": v.created_at, "by": who(v.user_id)}
                    for v in s.exec(select(PlanActionVersion)
                                    .where(PlanActionVersion.action_id == action_id)
                                    .order_by(PlanActionVersion.version))]
        process = s.get(Process, action.process_id)
    content = dict(action.content)
    if public:
        # The split as it may be published (the same cells as the lab's page), never the raw one.
        trace = dict(content.get("tracciabilita", {}))
        clusters = trace.get("clusters", [])
        with db.reader() as s:
            split = published_splits(s, [c["cluster_id"] for c in clusters])
        trace["clusters"] = [{**{k: v for k, v in c.items() if k != "by_category"},
                              "split": split.get(c["cluster_id"], ({}, []))[0],
                              "split_columns": split.get(c["cluster_id"], ({}, []))[1]}
                             for c in clusters]
        content["tracciabilita"] = trace
    return {"id": action.id, "process": {"slug": process.slug, "title": process.title},
            "title": action.title, "state": action.state, "state_label": review.LABELS[action.state],
            "version": action.version, "content": content, "html": rendered(content),
            "transitions": transitions, "observations": observations, "versions": versions,
            "updated_at": action.updated_at}


def diff(db: Database, action_id: int, older: int, newer: int) -> list[dict]:
    """What changed between two versions, field by field (unified diff lines)."""
    with db.reader() as s:
        found = {v.version: v.content for v in s.exec(
            select(PlanActionVersion).where(PlanActionVersion.action_id == action_id,
                                            PlanActionVersion.version.in_([older, newer])))}
    if older not in found or newer not in found:
        raise Rejected("scheda_not_found")
    changes = []
    for f, label in FIELD_LABELS.items():
        a, b = _as_text(found[older].get(f)), _as_text(found[newer].get(f))
        if a != b:
            lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=1))[2:]
            changes.append({"field": f, "label": label, "lines": lines})
    return changes


def _as_text(value) -> str:
    if isinstance(value, list):
        return "\n".join(" · ".join(str(v) for v in item.values()) if isinstance(item, dict)
                         else str(item) for item in value)
    return value or ""


def list_actions(db: Database, process_slug: str) -> list[dict]:
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        actions = s.exec(select(PlanAction).where(PlanAction.process_id == process.id)
                         .order_by(PlanAction.id)).all()
        sources = {}
        for action_id, cluster_id in s.exec(select(PlanActionCluster.action_id,
                                                   PlanActionCluster.cluster_id)):
            sources.setdefault(action_id, []).append(cluster_id)
    return [{"id": a.id, "title": a.title, "state": a.state, "state_label": review.LABELS[a.state],
             "area_main": a.area_main, "other_areas": a.content.get("altre_aree", []),
             "version": a.version, "updated_at": a.updated_at,
             "cluster_ids": sources.get(a.id, [])} for a in actions]
