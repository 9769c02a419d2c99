"""The injection corpus stored through every text field a person types.

One scenario, two ways in: `InProcess` sends the commands to the app's bus
(the export tests), `OverTheWire` uses a real server as people do: the
facilitator's form for sessions, Socket.IO for everything said in a room
(the browser test). Schede are written through the plan's service in both.

What goes where (tests/injection.py packs the corpus to each field's limit;
a payload longer than the limit is cut into pieces). The one-line fields,
where each piece costs a session, a scheda, a cluster or a person, take the
injection vectors (424 of them: OWASP's, the Markdown ones, the formulas,
the probes); the others take the whole corpus, naughty strings included.

- sessions: titles (200; vectors) and guiding questions (1000), one session
  per piece; the main session, where the rest happens, and the next nine
  are closed (closing them all would make each consolidation of the plan
  slow), the others stay open, listed on the facilitator's page;
- pseudonyms (40; vectors): a few people join, the others are typed in by
  the facilitator; the first ones each write a note (500), which together
  hold the corpus; all notes are reviewed as publishable;
- hide reasons (300; vectors), on notes of the first person, who sees them;
- cluster titles (200; vectors): the first clusters hold the notes;
- schede: titles (300; vectors) one scheda per piece; the notes drafted
  into the first, with the corpus in its actions (2000 each; vectors in
  their periods, 200), the capofila (2000), district code (60) and
  referenti (4000; vectors) and the indicators (500 a cell); the Markdown
  fields of the second (a part of the corpus each, the texts beside its
  linked schede and its budget too); motivations (4000) of every review
  step of the first; observations (4000).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from tests.injection import INJECTION, packed, payloads
from workshop.domain import commands as c
from workshop.domain import phases

LAB = "dopo-di-noi"
KINDS = ("problema", "proposta", "risorsa", "caso")
NOTE_CLUSTERS = 15  # clusters that hold the notes, drafted together into one scheda (max 20)
JOINED = 5  # people who join over the protocol; the others are typed in by the facilitator
MARKDOWN_FIELDS = ("razionale", "descrizione", "destinatari", "attori", "risorse")


def usable(texts: list[str], check) -> list[str]:
    """The pieces as the field takes them: a piece the field's own rule refuses
    (nothing left once blanks and control characters go) gets a visible mark."""
    from workshop.domain.errors import Rejected

    out = []
    for text in texts:
        try:
            check(text)
        except Rejected:
            text += " ·"
        out.append(text)
    return out


def pseudonyms() -> list[str]:
    """The injection vectors as pseudonyms: at most 40 characters, unique in a
    session as people read them (domain/rules.py), their comparison key
    within its column."""
    from workshop.domain import rules
    from workshop.domain.errors import Rejected

    def taken(text):
        try:
            return rules.pseudonym(text)
        except Rejected:
            return None

    # Cut every 40 characters, across payloads: a person per piece is the
    # dearest thing the scenario makes, so none is left half empty.
    text = " ".join(payloads(INJECTION))
    queue = [text[i : i + rules.PSEUDONYM_MAX] for i in range(0, len(text), rules.PSEUDONYM_MAX)]
    out, keys = [], set()
    while queue:
        text = queue.pop(0)
        name = taken(text) or taken(text + " ··")
        if name is None:  # its comparison key is too long (NFKC expands some characters)
            queue[:0] = [text[: len(text) // 2], text[len(text) // 2 :]]
            continue
        base, n = name, 0
        while rules.pseudonym_key(name) in keys:
            n += 1
            name = base[: rules.PSEUDONYM_MAX - len(f" {n}")] + f" {n}"
        keys.add(rules.pseudonym_key(name))
        out.append(name)
    return out


@dataclass
class Stored:
    """What the scenario stored, and where: the tests look for it there."""

    sessions: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, code, title, question
    notes: list[tuple[int, str]] = field(default_factory=list)  # id, text
    hidden: list[tuple[int, str]] = field(default_factory=list)  # note id, reason
    clusters: list[tuple[int, str]] = field(default_factory=list)  # id, title
    schede: list[int] = field(default_factory=list)  # A (the notes drafted), B (typed), the titled
    public_texts: list[tuple[int, str]] = field(default_factory=list)  # note id, text as reviewed
    references: list[str] = field(default_factory=list)  # of requests about personal data

    @property
    def main(self) -> tuple[int, str, str, str]:
        return self.sessions[0]


class InProcess:
    """Commands straight to the app's bus, as the socket handlers pass them."""

    def __init__(self, app, owner_id: int):
        from workshop.live.handlers import COMMAND_EVENTS

        self.events = COMMAND_EVENTS
        self.bus = app.extensions["workshop"].bus
        self.db = self.bus.db
        self.owner_id = owner_id
        self.staff_actors = {}

    def new_session(self, title: str, question: str) -> tuple[int, str]:
        from workshop.seed import create_session

        made = create_session(self.db, LAB, title, question, owner_id=self.owner_id)
        return made.id, made.code

    def _run(self, actor, event: str, payload: dict) -> dict:
        ack = self.bus.execute(actor, c.parse(self.events[event], {"cid": secrets.token_hex(8), **payload}))
        return {"ok": True, **ack}

    def staff(self, session_id: int, event: str, **payload) -> dict:
        if session_id not in self.staff_actors:
            self.staff_actors[session_id] = self.bus.staff_bind(self.owner_id, "facilitator", session_id)
        return self._run(self.staff_actors[session_id], event, {"session_id": session_id, **payload})

    def join(self, session_id: int, code: str, pseudonym: str, category: str = "cittadino"):
        """Who joined (to `act` as), and their token."""
        joined = self.bus.join(
            c.JoinSession(code=code, pseudonym=pseudonym, category=category), "injection-test"
        )
        return joined.actor, joined.token

    def act(self, actor, event: str, **payload) -> dict:
        return self._run(actor, event, {"session_id": actor.session_id, **payload})

    def leave(self, actor) -> None:
        pass

    def each(self, fn, items) -> list:
        return [fn(item) for item in items]


def advance(driver, session_id: int, current: str, to: str) -> str:
    for phase in phases.ORDER[phases.ORDER.index(current) + 1 : phases.ORDER.index(to) + 1]:
        driver.staff(session_id, "phase.set", phase=phase)
    return to


CLOSED = 10  # sessions closed: the main one and the next nine


def seed(
    driver, db, team: dict, *, rooms: bool = True, participant=None, checkpoint=lambda phase, stored: None
) -> Stored:
    """Store the corpus everywhere (see the module's docstring).

    `rooms`: also what only the rooms and the facilitator's pages show, never
    an export: pseudonyms, hide reasons, the sessions left open.
    `participant(session_id, code, pseudonym)`: who writes the notes, as
    `(who, token)`; `driver.join` unless given (the browser joins by itself).
    `checkpoint(phase, stored)`: called once the room has everything of the
    phase (raccolta, then votazione with the clusters and the results)."""
    from tests.helpers import PROCESS_SLUG, body_decides
    from workshop.domain import publication, rules
    from workshop.domain.errors import Rejected
    from workshop.services import publication as reviews
    from workshop.services import schede
    from workshop.services.sessions import SessionSettings

    stored = Stored()
    vectors = payloads(INJECTION)
    titles = usable(packed(200, sep=" ", items=vectors), lambda t: SessionSettings(title=t).check())
    questions = packed(1000)
    for n in range(max(len(titles), len(questions)) if rooms else CLOSED):
        title = titles[n] if n < len(titles) else f"Sessione {n}"
        question = questions[n] if n < len(questions) else ""
        stored.sessions.append((*driver.new_session(title, question), title, question))
    main_id, code, _, _ = stored.main
    phase = advance(driver, main_id, phases.ACCOGLIENZA, phases.RACCOLTA)

    # Notes, each by a person of its own when the rooms count (so that the room
    # shows pseudonyms beside them): the first people join, the others have no
    # phone and are typed in by the facilitator.
    names = pseudonyms() if rooms else ["Partecipante"]
    who, _ = (participant or driver.join)(main_id, code, names[0])
    notes = usable(packed(rules.NOTE_MAX_CHARS), rules.note_text)
    texts = [notes[n] if n < len(notes) else None for n in range(len(names) - 1)]

    def joined(n):
        someone, _ = driver.join(main_id, code, names[n + 1], "associazione")
        ack = driver.act(someone, "note.create", kind=KINDS[n % len(KINDS)], text=texts[n])
        driver.leave(someone)
        return ack

    def offline(n):
        ack = driver.staff(main_id, "participant.add_offline", pseudonym=names[n + 1], category="cittadino")
        if texts[n] is None:
            return None
        return driver.staff(
            main_id,
            "note.create",
            kind=KINDS[n % len(KINDS)],
            text=texts[n],
            on_behalf_of=ack["events"][0]["data"]["participant"]["id"],
        )

    people = range(len(names) - 1)
    acks = [joined(n) for n in people[:JOINED]] + driver.each(offline, people[JOINED:])
    stored.notes = [
        (ack["events"][0]["data"]["note"]["id"], text)
        for ack, text in zip(acks, texts, strict=True)
        if text is not None
    ]
    for n, text in enumerate(notes[len(stored.notes) :], start=len(stored.notes)):
        ack = driver.act(who, "note.create", kind=KINDS[n % len(KINDS)], text=text)
        stored.notes.append((ack["events"][0]["data"]["note"]["id"], text))

    if rooms:
        # Hide reasons, on notes of the one who joined first (who sees why).
        def hidden(pair):
            n, reason = pair
            ack = driver.act(who, "note.create", kind="caso", text=f"Da nascondere {n}")
            note_id = ack["events"][0]["data"]["note"]["id"]
            driver.staff(main_id, "note.hide", note_id=note_id, reason=reason)
            return note_id, reason

        reasons = usable(packed(rules.REASON_MAX, sep=" ", items=vectors), rules.reason)
        stored.hidden = driver.each(hidden, list(enumerate(reasons)))

    checkpoint(phases.RACCOLTA, stored)

    # Clusters: the first ones hold the notes.
    phase = advance(driver, main_id, phase, phases.RAGGRUPPAMENTO)
    note_ids = [n for n, _ in stored.notes]
    per = -(-len(note_ids) // NOTE_CLUSTERS)

    def cluster(pair):
        n, title = pair
        held = note_ids[n * per : (n + 1) * per] if n < NOTE_CLUSTERS else []
        ack = driver.staff(main_id, "cluster.create", title=title, note_ids=held)
        cluster_id = ack["events"][0]["data"]["cluster"]["id"]
        if held:
            driver.staff(main_id, "cluster.tag", cluster_id=cluster_id, areas=["ABCDE"[n % 5]])
        return cluster_id, title

    titles = usable(packed(rules.TITLE_MAX, sep=" ", items=vectors), rules.title)
    stored.clusters = driver.each(cluster, list(enumerate(titles)))
    phase = advance(driver, main_id, phase, phases.VOTAZIONE)
    driver.act(who, "vote.place", cluster_id=stored.clusters[0][0])
    driver.staff(main_id, "results.reveal")
    checkpoint(phases.VOTAZIONE, stored)
    phase = advance(driver, main_id, phase, phases.VALUTAZIONE)
    driver.staff(
        main_id, "score.record", cluster_id=stored.clusters[0][0], impatto=5, fattibilita=4, urgenza=3
    )
    advance(driver, main_id, phase, phases.CHIUSA)
    driver.each(
        lambda session: advance(driver, session[0], phases.ACCOGLIENZA, phases.CHIUSA),
        stored.sessions[1:CLOSED],
    )
    # A person reviewed every note as publishable: only those reach a scheda and the open data.
    # Some are published edited, with a piece of the corpus as the reviewed text.
    reviewer = schede.PlanActor(driver.owner_id, "facilitator")
    reviews.decide(db, reviewer, main_id, note_ids, publication.PUBBLICABILE)
    edits = usable(
        packed(publication.TEXT_MAX), lambda t: publication.check_decision(publication.PUBBLICABILE, t)
    )
    for note_id, text in zip(note_ids, edits, strict=False):
        reviews.decide(db, reviewer, main_id, [note_id], publication.PUBBLICABILE, text)
        stored.public_texts.append((note_id, text))
    # Requests about personal data, each with a piece of the corpus as its reference.
    from sqlmodel import select

    from workshop.services import privacy
    from workshop.storage.models import Participant

    with db.reader() as s:
        someone = s.exec(select(Participant.id).where(Participant.session_id == main_id)).first()
    stored.references = usable(
        packed(privacy.REFERENCE_MAX, sep=" ", items=vectors), lambda t: privacy.reference(t, required=True)
    )
    for text in stored.references:
        privacy.log_request(db, privacy.ACCESS, someone, team["up"].user_id, text)

    # Schede. A: drafted from the notes' clusters, so the notes fill its razionale,
    # azioni and risorse; then the whole corpus in its azioni (plain text, a
    # piece each, the injection vectors in their periods), the vectors in its
    # capofila, district code and referenti, and all of it in the indicators.
    # B: the corpus typed into its Markdown fields (the texts beside the linked
    # schede and the budget too), a part in each (they are all rendered alike).
    # Then one scheda per piece of the titles.
    admin = team["admin"]
    held = [cid for cid, _ in stored.clusters[:NOTE_CLUSTERS]]
    empty = [cid for cid, _ in stored.clusters[NOTE_CLUSTERS:]] or held
    from workshop.domain import scheda as scheda_fields

    actions = packed(scheda_fields.ACTION_MAX)
    periods = usable(packed(scheda_fields.PERIOD_MAX, sep=" ", items=vectors), rules.one_line)
    assert len(actions) <= scheda_fields.ACTIONS_MAX, "the corpus has outgrown the actions"
    texts = (*MARKDOWN_FIELDS, "collegate", "preventivo")
    parts = packed(-(-sum(len(p) + 2 for p in payloads()) // len(texts)) + 600)
    assert len(parts) <= len(texts)
    parts += [""] * (len(texts) - len(parts))
    cells = packed(500)
    years = ("2018", "2019", "2020")
    indicators = [
        {
            "descrizione": row[0],
            "partenza": row[1] if len(row) > 1 else "",
            "obiettivi": dict(zip(years, row[2:5], strict=False)),
            "fonte": row[5] if len(row) > 5 else "",
            "periodicita": row[6] if len(row) > 6 else "",
        }
        for row in (cells[i : i + 7] for i in range(0, len(cells), 7))
    ]

    def scheda_title(text):
        if not 1 <= len(text.strip()) <= 300:
            raise Rejected("title_invalid")

    scheda_titles = usable(packed(300, sep=" ", items=vectors), scheda_title)
    # (the small ones first: every draft consolidates the plan, which reads every scheda)
    titled = []
    for title in scheda_titles[2:]:
        action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, empty[:1])
        schede.update_fields(db, admin, action_id, {"titolo": title}, 1)
        titled.append(action_id)
    a = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, held)
    b = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, empty[:1])
    drafted = schede.view(db, a)["content"]["azioni"]
    one_line_vectors = usable(packed(scheda_fields.CODE_MAX, sep=" ", items=vectors), rules.one_line)
    writes = {
        a: {
            "titolo": scheda_titles[0],
            "indicatori": indicators,
            "capofila": {"tipo": "altro", "specifica": packed(scheda_fields.SPECIFICA_MAX, items=vectors)[0]},
            "rif_distrettuale": one_line_vectors[0],
            "referenti": packed(scheda_fields.REFERENTI_MAX, items=vectors)[0],
            "azioni": drafted
            + [
                {"testo": text, "periodo": periods[n % len(periods)]}
                for n, text in enumerate(actions[: scheda_fields.ACTIONS_MAX - len(drafted)])
            ],
        },
        b: {
            "titolo": scheda_titles[1 % len(scheda_titles)],
            "capofila": {
                "tipo": "comune",
                "specifica": packed(scheda_fields.SPECIFICA_MAX, items=vectors)[-1],
            },
            "azioni": [
                {"testo": text, "periodo": ""} for text in actions[scheda_fields.ACTIONS_MAX - len(drafted) :]
            ],
            **dict(zip(MARKDOWN_FIELDS, parts, strict=False)),
            "collegate": {"schede": [a], "testo": parts[len(MARKDOWN_FIELDS)]},
            "preventivo": {"importi": {"frna": {"2019": "35.000"}}, "note": parts[len(MARKDOWN_FIELDS) + 1]},
        },
    }
    for action_id, changes in writes.items():
        schede.update_fields(db, admin, action_id, changes, 1)
    stored.schede = [a, b, *titled]
    # Every scheda but A sent to the cabina, so that the public pages, documents and
    # open data carry the corpus (a draft of the office is published nowhere); A goes
    # through the whole review below.
    for action_id in (b, *titled):
        schede.transition(db, team["up"], action_id, "revisione_up", "Revisione dell'Ufficio di Piano.")
        schede.transition(db, team["up"], action_id, "ristretta", "Inviata alla cabina di regia ristretta.")

    # Scheda A through the review, every step with a piece of the corpus as its motivation.
    motivations = packed(4000)
    steps = [("up", "revisione_up"), ("up", "bozza")] * (len(motivations) // 2)
    steps += [("up", "revisione_up"), ("up", "ristretta"), ("ristretta", "allargata")]
    for n, (role, target) in enumerate(steps):
        text = motivations[n] if n < len(motivations) else f"Passaggio {n} della revisione."
        if role == "ristretta":  # a body's step: at its meeting
            body_decides(db, team, a, target, text)
        else:
            schede.transition(db, team[role], a, target, text)
    for text in packed(4000):
        schede.observe(db, team["allargata"], a, text)
    body_decides(db, team, a, "approvata", "Approvata: " + motivations[-1][:3900])
    return stored
