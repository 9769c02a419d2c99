"""The command path. Every change to a live session goes through here:

    validate → authorize → lock the session → skip if already applied (cid)
    → domain rule → update read tables → append events → commit → publish

Only after the commit do events leave the process, so whatever a client is
told has happened is stored. Retries with the same client command id return
the original outcome without applying anything twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, replace

from sqlalchemy import Row, bindparam, insert
from sqlmodel import Session, col, select

from workshop import markup
from workshop.domain import commands as c
from workshop.domain import events as ev
from workshop.domain import joincode, phases, rules
from workshop.domain.errors import Rejected
from workshop.domain.permissions import PARTICIPANT, Actor, authorize
from workshop.services import privacy, sessions, territories, views
from workshop.services.facilitation import new_participant
from workshop.services.handlers import HANDLERS
from workshop.services.publisher import Publisher
from workshop.services.ratelimit import JOIN_ADDRESS, Attempt, RateLimits, Scope, join_scopes
from workshop.services.tokens import ParticipantTokens
from workshop.storage import eventlog
from workshop.storage.database import Database, without_yielding
from workshop.storage.models import (
    Category,
    Lab,
    LiveSession,
    Participant,
    ProcessedCommand,
    table_of,
    utcnow,
)

log = logging.getLogger(__name__)

# Further behind than this, a reconnecting client gets a snapshot, not a replay.
REPLAY_LIMIT = 1000


def _ms(start: float, end: float) -> float:
    return round((end - start) * 1000, 1)


def fingerprint(command: c.Command) -> str:
    body = json.dumps([type(command).__name__, command.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def actor_for(participant: Participant) -> Actor:
    return Actor(
        role=PARTICIPANT,
        session_id=participant.session_id,
        participant_id=participant.id,
        public_id=participant.public_id,
        category=participant.category_key,
    )


def prepare(command: c.Command) -> None:
    """Validate and render note text before the session lock is taken: the
    rendering is pure and cached, so the handler's second call is free, and
    no one waits on the lock while markdown is parsed."""
    if isinstance(command, c.CreateNote | c.EditNote):
        markup.render(rules.note_text(command.text))


# Statements every command runs, built once (see storage/eventlog.py).
_done = table_of(ProcessedCommand)
_FIND_DONE = select(_done.c.fingerprint, _done.c.first_seq, _done.c.last_seq, _done.c.result).where(
    _done.c.scope == bindparam("scope"), _done.c.cid == bindparam("cid")
)
_REMEMBER = insert(_done)
_PARTICIPANT = select(Participant).where(Participant.id == bindparam("participant_id"))


def _already_done(s: Session, scope: str, cid: str, digest: str) -> Row | None:
    """The stored outcome of this very command, if it was applied before."""
    done = s.execute(_FIND_DONE, {"scope": scope, "cid": cid}).first()
    if done is not None and done.fingerprint != digest:
        raise Rejected("command_id_reused")
    return done


def _remember(
    s: Session, live: LiveSession, scope: str, cid: str, digest: str, events: list[dict], result: dict
) -> None:
    s.execute(
        _REMEMBER,
        {
            "scope": scope,
            "cid": cid,
            "session_id": live.id,
            "fingerprint": digest,
            "first_seq": events[0]["seq"] if events else 0,
            "last_seq": events[-1]["seq"] if events else 0,
            "result": result,
            "created_at": utcnow(),
        },
    )


@dataclass
class Joined:
    """A successful join or resume: who, and the token to come back with."""

    actor: Actor
    token: str
    duplicate: bool = False


class CommandBus:
    def __init__(self, db: Database, publisher: Publisher, tokens: ParticipantTokens, limiter: RateLimits):
        self.db = db
        self.publisher = publisher
        self.tokens = tokens
        self.limiter = limiter

    # -- changes -----------------------------------------------------------

    def execute(self, actor: Actor | None, command: c.SessionCommand) -> dict:
        started = time.perf_counter()
        actor = authorize(actor, command)
        if not actor.is_staff:
            self.limiter.spend("commands", actor.scope)
        prepare(command)  # pure work (rendering markdown) done before taking the lock
        handler = HANDLERS[type(command)]
        digest = fingerprint(command)
        behalf = getattr(command, "on_behalf_of", None)
        asked = time.perf_counter()
        with without_yielding(), self.db.transaction() as s:
            live = eventlog.lock_session(s, command.session_id)
            locked = time.perf_counter()
            done = _already_done(s, actor.scope, command.cid, digest)
            if done is not None:
                return self._replay(s, live, actor, done, behalf)
            if live.closed_at is not None:
                raise Rejected("session_closed")
            doer = self._offline_actor(s, live, actor, behalf) if behalf else actor
            phases.check_command(live.phase, command, by_staff_for_themselves=doer.is_staff)
            # Held here so that the handler's lookups of the doer hit the session's
            # identity map (it keeps only objects someone references).
            me = (
                s.exec(_PARTICIPANT, params={"participant_id": doer.participant_id}).first()
                if doer.participant_id
                else None
            )
            if doer.participant_id and (me is None or me.erased_at is not None):
                raise Rejected("invalid_token")  # they erased their data: nobody to act as
            outcome = handler(s, live, doer, command)
            events = eventlog.append(s, live, outcome.events)
            _remember(s, live, actor.scope, command.cid, digest, events, outcome.result)
            # The doer's own state, read in the same transaction: it is exactly the
            # state after this command (its `seq` is the last of `events`), and it
            # costs no second transaction on a path every command takes.
            own = views.personal_state(s, live, me) if me else None
        committed = time.perf_counter()
        self._publish(live.id, events)
        # Anyone else the command changed (dots refunded by a moderation) is read
        # after the commit, not under the session lock: there may be many.
        states = self._personal_states(live.id, outcome.affected - {doer.participant_id})
        if own is not None and doer.participant_id is not None:  # own: read for the doer
            states[doer.participant_id] = own
        self._publish_personal(states)
        log.info(
            "command applied",
            extra={
                "command": type(command).__name__,
                "session_id": live.id,
                "seq": events[-1]["seq"] if events else None,
                "role": actor.role,
                "ms": _ms(started, time.perf_counter()),
                # Time spent waiting for the session lock, then holding it: the lock
                # serialises a session's commands across every process.
                "lock_wait_ms": _ms(asked, locked),
                "lock_held_ms": _ms(locked, committed),
            },
        )
        return self._ack(events, outcome.result, own, behalf)

    def _personal_states(self, session_id: int, participant_ids: set[int]) -> dict[int, dict]:
        """The `self` of participants a committed command changed besides its doer.

        Read cooperatively, in a transaction of their own. A failure here must
        not turn a stored command into an error: logged, and those participants
        get their state with their next command or sync."""
        if not participant_ids:
            return {}
        try:
            with self.db.reader() as s:
                live = s.get_one(LiveSession, session_id)
                return {
                    pid: views.personal_state(s, live, s.get_one(Participant, pid)) for pid in participant_ids
                }
        except Exception:
            log.exception("reading the state of %d participant(s) failed", len(participant_ids))
            return {}

    def _publish(self, session_id: int, events: list[dict]) -> None:
        """After the commit, tell the room. A failure here (the message queue is
        down) does not undo what is stored: clients catch up from the log on
        their next event, sync or reconnection, so it is logged, not raised."""
        try:
            self.publisher.events(session_id, events)
        except Exception:
            log.exception("publishing %d event(s) of session %s failed", len(events), session_id)

    def _publish_personal(self, states: dict[int, dict]) -> None:
        try:
            for pid, state in states.items():
                self.publisher.personal(pid, state)
        except Exception:
            log.exception("publishing the state of %d participant(s) failed", len(states))

    @staticmethod
    def _ack(events: list[dict], result: dict, state: dict | None, behalf: str | None) -> dict:
        ack = {"ok": True, "events": events, **result}
        if state is not None:
            # For an entry typed in by a facilitator: the offline participant's state.
            ack["on_behalf" if behalf else "self"] = state
        return ack

    @staticmethod
    def _offline_actor(s: Session, live: LiveSession, staff: Actor, public_id: str) -> Actor:
        """The offline participant a facilitator is typing for, in this session."""
        participant = s.exec(select(Participant).where(Participant.public_id == public_id)).first()
        if participant is None or participant.session_id != live.id or not participant.offline:
            raise Rejected("offline_participant_unknown")
        return replace(actor_for(participant), staff_id=staff.staff_id)

    def _replay(self, s: Session, live: LiveSession, actor: Actor, done: Row, behalf: str | None) -> dict:
        events = eventlog.since(s, live.id, done.first_seq - 1, done.last_seq) if done.last_seq else []
        doer = self._offline_actor(s, live, actor, behalf) if behalf else actor
        state = (
            views.personal_state(s, live, s.get_one(Participant, doer.participant_id))
            if doer.participant_id
            else None
        )
        return {**self._ack(events, done.result, state, behalf), "duplicate": True}

    def find_session(self, typed_code: str, client: str) -> tuple[LiveSession, Lab]:
        """The session behind a typed or scanned code. A valid code is always
        found; wrong ones are slowed down (services/ratelimit.py)."""
        with self.limiter.attempt(*join_scopes(client)) as attempt:
            return self._find_session(typed_code, attempt)

    def _find_session(self, typed_code: str, attempt: Attempt) -> tuple[LiveSession, Lab]:
        code = joincode.normalize(typed_code)
        with self.db.reader() as s:
            row = (
                code
                and s.exec(select(LiveSession, Lab).join(Lab).where(LiveSession.join_code == code)).first()
            )
        if not row:
            attempt.failed()  # outside the reader: it may sleep
            raise Rejected("invalid_code")
        return row[0], row[1]

    def join(self, command: c.JoinSession, client: str) -> Joined:
        """A newcomer enters a session: a new pseudonymous participant."""
        with self.limiter.attempt(*join_scopes(client)) as attempt:
            return self._join(command, client, attempt)

    def _join(self, command: c.JoinSession, client: str, attempt: Attempt) -> Joined:
        found = self._find_session(command.code, attempt)[0]
        if found.closed_at is not None:
            raise Rejected("session_closed")
        session_id = found.id
        with self.db.reader() as s:
            category = s.get(Category, command.category)
            if category is None:
                raise Rejected("unknown_category")
            # Optional; one of the admin's territories still in the list.
            territory = territories.check(s, command.territory or None)
        name = rules.pseudonym(command.pseudonym)
        key = rules.pseudonym_key(name)
        scope = f"join:{session_id}"
        # What identifies a join for retries: the same person in the same session,
        # however the code or the pseudonym's spacing was typed the second time.
        digest = fingerprint(
            c.JoinSession(code=str(session_id), pseudonym=key, category=category.key, territory=territory)
        )
        try:
            # The budget is spent before the write transaction, never inside it: a
            # greenlet that yields while holding SQLite's write lock stalls every writer.
            with self.db.reader() as s:
                retried = command.cid and _already_done(s, scope, command.cid, digest)
            if not retried:
                self.limiter.spend("joins", client)
            with without_yielding(), self.db.transaction() as s:
                live = eventlog.lock_session(s, session_id)
                done = command.cid and _already_done(s, scope, command.cid, digest)
                if done:
                    participant = s.get_one(Participant, done.result["participant_id"])  # the first join's
                    events = []
                else:
                    if live.closed_at is not None:
                        raise Rejected("session_closed")
                    participant = new_participant(s, live, name, category.key, territory=territory)
                    events = eventlog.append(
                        s,
                        live,
                        [
                            ev.Event(
                                ev.PARTICIPANT_JOINED,
                                {"participant": views.author_view(participant, live.show_pseudonyms)},
                            )
                        ],
                    )
                    if command.cid:
                        _remember(
                            s, live, scope, command.cid, digest, events, {"participant_id": participant.id}
                        )
        except Rejected as rejected:
            if rejected.code in ("pseudonym_taken", "command_id_reused"):
                # Both answer a guess about someone else's join: count them as
                # failures of the address (they guess no code).
                attempt.failed(Scope(JOIN_ADDRESS, client))
            raise
        self._publish(session_id, events)
        return Joined(actor_for(participant), self.tokens.issue(participant.public_id), duplicate=bool(done))

    def resume(self, command: c.ResumeSession, client: str) -> Joined:
        """A returning participant: same identity, same dots, nothing changes.

        A valid token is never rate-limited (it cannot be guessed): when a room
        reconnects after a Wi-Fi drop, one person's typos must not lock
        everyone else out."""
        public_id = self.tokens.read(command.token)
        with self.db.reader() as s:
            participant = (
                s.exec(
                    select(Participant).where(
                        Participant.public_id == public_id, col(Participant.erased_at).is_(None)
                    )
                ).first()
                if public_id
                else None
            )
        if not participant:
            with self.limiter.attempt(Scope(JOIN_ADDRESS, client)) as attempt:
                attempt.failed()
            raise Rejected("invalid_token")
        return Joined(actor_for(participant), command.token)

    def erase(self, participant_id: int, *, user_id: int | None = None, reference: str = "") -> int:
        """Erase a participant's data (services/privacy.py), with the session locked
        like any command, and tell the room. Returns how many notes went."""
        with self.db.reader() as s:
            session_id = s.exec(
                select(Participant.session_id).where(Participant.id == participant_id)
            ).first()
        if session_id is None:
            raise Rejected("participant_not_found")
        with without_yielding(), self.db.transaction() as s:
            live = eventlog.lock_session(s, session_id)
            # Read again under the lock: a second erasure waiting for it finds this one done.
            participant = s.exec(
                select(Participant)
                .where(Participant.id == participant_id)
                .execution_options(populate_existing=True)
            ).one()
            erased = privacy.erase_in(s, live, participant, user_id, reference)
            events = eventlog.append(s, live, erased.events)
        self._publish(live.id, events)
        self._publish_personal(self._personal_states(live.id, erased.refunded))
        for other, note_ids in sorted(erased.elsewhere.items()):
            # Copies carried to later meetings are already erased (same commit);
            # their rooms are told in their own logs, each with its lock.
            with without_yielding(), self.db.transaction() as s:
                there = eventlog.lock_session(s, other)
                told = eventlog.append(
                    s, there, [ev.Event(ev.NOTE_DELETED, {"note_id": n}) for n in note_ids]
                )
            self._publish(other, told)
        try:
            with self.db.reader() as s:
                self.publisher.presence(live.id, views.presence_counts(s, live.id))
            privacy.scrub_schede(self.db, erased.note_ids, erased.texts)
        except Exception:
            log.exception("after erasing in session %s: presence or schede not updated", live.id)
        log.info(
            "participant erased",
            extra={"session_id": live.id, "notes": erased.notes, "by_staff": user_id is not None},
        )
        return erased.notes

    # -- reads -------------------------------------------------------------

    def catch_up(self, actor: Actor, since: int | None, *, view: str = "room") -> dict:
        """What a (re)connecting client needs to be exactly up to date.

        With `since` (the last sequence number it applied) and not too far
        behind: the missed events, in order. Otherwise a full snapshot. Both
        are read in one consistent transaction, so `head` matches the content.
        `view`: "room" (participants), "control" (staff in the control room:
        always a snapshot, with what only staff see) or "projector" (what the
        room sees, with the publishable split of the results).
        """
        staff_view = view == "control"
        with self.db.reader() as s:
            live = s.get_one(LiveSession, actor.session_id)  # the actor joined it; sessions stay
            participant = views.still_there(s, actor.participant_id)
            seen = views.visibility(live, staff=staff_view)
            if not staff_view and since is not None and 0 <= live.last_seq - since <= REPLAY_LIMIT:
                ack = {
                    "ok": True,
                    "mode": "events",
                    **views.header(s, live),
                    "events": eventlog.since(s, live.id, since, live.last_seq),
                }
                if participant is not None:
                    ack["self"] = views.personal_state(s, live, participant)
                return ack
            ack = {
                "ok": True,
                "mode": "snapshot",
                **views.snapshot(s, live, participant, seen, projector=view == "projector"),
            }
            if staff_view:
                ack["participants"] = views.participants(s, live)
            return ack

    def sync(self, actor: Actor | None, command: c.Sync) -> dict:
        return self.catch_up(authorize(actor, command), command.since)

    # -- staff ----------------------------------------------------------------

    def staff_bind(self, user_id: int, role: str, session_id: int) -> Actor:
        """The actor a logged-in staff member becomes in a session they may run."""
        if sessions.runnable(self.db, user_id, role, session_id) is None:
            raise Rejected("session_not_assigned")
        return Actor(role=role, session_id=session_id, staff_id=user_id)

    def staff_state(self, actor: Actor | None, command: c.StaffState) -> dict:
        return self.catch_up(authorize(actor, command), None, view=command.view)
