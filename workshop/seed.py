"""Reference data (labs, areas, categories) and demo sessions.

Reference data is upserted, so running the seed again is harmless. Demo
sessions are created through the command bus like any live activity, so their
event logs match their boards exactly.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources

from sqlmodel import select

from workshop.domain import commands as c
from workshop.domain import meetings as clock
from workshop.domain.rules import DEFAULT_CAP_PER_ITEM, DEFAULT_DOTS_PER_PARTICIPANT
from workshop.services import meetings, periods, sessions, territories
from workshop.services.bus import CommandBus
from workshop.services.sessions import CreatedSession, SessionSettings
from workshop.storage.database import Database
from workshop.storage.models import (
    Area,
    Category,
    CategoryGroup,
    Cluster,
    Lab,
    LabProcess,
    LiveSession,
    Note,
    Process,
    RegionalScheda,
    StaffUser,
)

# The process a new installation starts with (the sample data's); after that
# processes are the admin's data (services/periods.py, /admin/piano).
FIRST_PROCESS = {
    "slug": "pdz-2018-2020",
    "years": (2018, 2020),
    "title": "Piano di Zona per la salute e il benessere sociale 2018-2020",
}
DEMO_TITLE = "Sessione dimostrativa"
PRACTICE_TITLE = "Prova della facilitazione"


def sample_data() -> dict:
    return json.loads(resources.files("workshop").joinpath("data/sample_labs.json").read_text())


def regional_schede() -> list[dict]:
    return json.loads(resources.files("workshop").joinpath("data/schede_regionali.json").read_text())[
        "schede"
    ]


def category_groups() -> list[dict]:
    return json.loads(resources.files("workshop").joinpath("data/category_groups.json").read_text())["groups"]


def seed_reference(db: Database) -> None:
    data = sample_data()
    with db.transaction() as s:
        process = periods.current(s)
        if process is None:
            process = Process(slug=FIRST_PROCESS["slug"], title=FIRST_PROCESS["title"], current=True)
            process.year_start, process.year_end = FIRST_PROCESS["years"]
            s.add(process)
            s.flush()
        # The two cabine di regia (migration 0011 makes them too; a database emptied keeps none).
        from workshop.services.cabine import ensure_bodies

        ensure_bodies(s)
        # The regional schede: a first list, only into an empty one (the admin keeps it).
        if s.exec(select(RegionalScheda)).first() is None:
            for position, item in enumerate(regional_schede()):
                s.add(RegionalScheda(number=item["number"], title=item["title"], position=position))
        for area in data["areas"]:
            s.merge(Area(code=area["code"], label=area["label"], translations=area.get("translations", {})))
        group_of = {}
        for position, group in enumerate(category_groups()):
            s.merge(
                CategoryGroup(
                    key=group["key"],
                    label=group["label"],
                    position=position,
                    translations=group.get("translations", {}),
                )
            )
            group_of.update(dict.fromkeys(group["categories"], group["key"]))
        s.flush()
        for position, cat in enumerate(data["categories"]):
            existing = s.get(Category, cat["key"])
            # A category the admin has regrouped keeps its group.
            group = existing.group_key if existing and existing.group_key else group_of.get(cat["key"])
            s.merge(
                Category(
                    key=cat["key"],
                    code=cat["code"],
                    label=cat["label"],
                    position=position,
                    group_key=group,
                    translations=cat.get("translations", {}),
                )
            )
        existing = {lab.slug: lab for lab in s.exec(select(Lab))}
        taking_part = set(s.exec(select(LabProcess.lab_id)))
        for lab in data["labs"]:
            row = existing.get(lab["slug"]) or Lab(slug=lab["slug"], title=lab["title"])
            row.title = lab["title"]
            row.translations = lab.get("translations", {})
            s.add(row)
            s.flush()
            # A new lab takes part in the current process; the admin decides after that.
            if row.id not in taking_part:
                s.add(LabProcess(lab_id=row.id, process_id=process.id))
    # Sessions closed before their published split was frozen at closing (migration
    # 0006): frozen now that the categories' groups exist.
    from workshop.services import frozen

    frozen.freeze_missing_published(db)


def create_session(
    db: Database,
    lab_slug: str,
    title: str,
    guiding_question: str = "",
    dots: int = DEFAULT_DOTS_PER_PARTICIPANT,
    cap: int = DEFAULT_CAP_PER_ITEM,
    owner_id: int | None = None,
    **settings,
) -> CreatedSession:
    """Shorthand for scripts and tests."""
    return sessions.create_session(
        db,
        lab_slug,
        SessionSettings(title=title, guiding_question=guiding_question, dots=dots, cap=cap, **settings),
        owner_id=owner_id,
    )


def _demo_accounts(db: Database, instance_dir) -> dict[str, tuple[int, str]]:
    """An admin and a facilitator for the demo, with passwords generated once and
    kept in instance/demo-credentials.txt (never used outside a demo)."""
    from workshop.services import accounts

    path = instance_dir / "demo-credentials.txt"
    made = {}
    lines = []
    for username, name, role in (
        ("admin", "Amministratrice demo", "admin"),
        ("facilitatore", "Facilitatore demo", "facilitator"),
    ):
        with db.reader() as s:
            user = s.exec(select(StaffUser).where(StaffUser.username == username)).first()
        if user is None:
            password = secrets.token_urlsafe(9)
            user = accounts.create_user(db, username, name, role, password)
            lines.append(f"{username} {password}")
        made[username] = (user.id, role)
    if lines:
        with open(path, "a") as f:
            f.write("\n".join(lines) + "\n")
        path.chmod(0o600)
    return made


def _as_participants(
    bus: CommandBus, made: CreatedSession, categories: dict[str, str], keys: list[str]
) -> dict[str, object]:
    actors = {}
    for key in keys:
        if key not in actors:
            actors[key] = bus.join(
                c.JoinSession(code=made.code, pseudonym=f"Esempio {categories[key]}", category=key),
                client="seed",
            ).actor
    return actors


def _post_notes(bus, made, actors, notes) -> dict[str, int]:
    ids = {}
    for n, note in enumerate(notes):
        ack = bus.execute(
            actors[note["category"]],
            c.CreateNote(
                cid=f"seed-{made.id}-{n:04d}", session_id=made.id, kind=note["kind"], text=note["text"]
            ),
        )
        ids[note["id"]] = ack["events"][0]["data"]["note"]["id"]
    return ids


def _dots_for(clusters: list[dict], voters: int, budget: int, cap: int) -> list[list[str]]:
    """Spread each cluster's sample total over `voters` people within budget and cap."""
    ballots: list[list[str]] = [[] for _ in range(voters)]
    for cluster in sorted(clusters, key=lambda cl: -cl["dots"]):
        for _ in range(cluster["dots"]):
            open_ = [b for b in ballots if len(b) < budget and b.count(cluster["id"]) < cap]
            max(open_, key=lambda b: budget - len(b)).append(cluster["id"])
    return ballots


# Who comes to a lab of the Piano di Zona, roughly: citizens and families first,
# then the third sector and the public services (the demo's voters follow it).
ROOM_MIX = (
    ("cittadino", 6),
    ("associazione", 3),
    ("cooperativa_sociale", 3),
    ("ausl", 2),
    ("comune", 2),
    ("scuola", 2),
    ("asp", 1),
    ("sindacato", 1),
)


def _room(people: int) -> list[str]:
    """The categories of `people` voters in the proportions of ROOM_MIX."""
    pool = [key for key, n in ROOM_MIX for _ in range(n)]
    return [pool[(i * len(pool)) // people] for i in range(people)]


def review_demo_notes(db: Database, session_id: int, reviewer_id: int) -> None:
    """The demo's reviewer at work: notes with nothing flagged are marked
    publishable; the flagged ones wait for a person (as on a real install)."""
    from workshop.domain import personal_data, publication
    from workshop.services import publication as reviews
    from workshop.services.schede import PlanActor

    with db.reader() as s:
        notes = s.exec(select(Note).where(Note.session_id == session_id)).all()
    plain = [n.id for n in notes if not personal_data.find(n.text, n.kind)]
    if plain:
        reviews.decide(db, PlanActor(reviewer_id, "facilitator"), session_id, plain, publication.PUBBLICABILE)


def _closed_session(
    bus: CommandBus,
    db: Database,
    sample: dict,
    owner: int,
    categories: dict[str, str],
    title: str = "Laboratorio (sessione conclusa)",
    practice: bool = False,
) -> CreatedSession:
    """A lab session taken through every phase with the sample's clusters, dots and scores."""
    made = create_session(
        db,
        sample["lab"],
        title,
        sample["guiding_question"],
        dots=sample["dots_per_participant"],
        owner_id=owner,
        practice=practice,
    )
    staff = bus.staff_bind(owner, "facilitator", made.id)

    def run(command_type, **fields):
        return bus.execute(staff, command_type(cid=secrets.token_hex(8), session_id=made.id, **fields))

    run(c.SetPhase, phase="raccolta")
    keys = [note["category"] for note in sample["notes"]]
    note_ids = _post_notes(bus, made, _as_participants(bus, made, categories, keys), sample["notes"])
    run(c.SetPhase, phase="raggruppamento")
    cluster_ids = {}
    for cluster in sample["clusters"]:
        ack = run(c.CreateCluster, title=cluster["title"], note_ids=[note_ids[n] for n in cluster["notes"]])
        cluster_ids[cluster["id"]] = ack["events"][0]["data"]["cluster"]["id"]
        run(c.TagCluster, cluster_id=cluster_ids[cluster["id"]], areas=cluster["areas"])
    run(c.SetPhase, phase="votazione")
    ballots = _dots_for(sample["clusters"], sample["participants"], sample["dots_per_participant"], 2)
    voter_categories = _room(len(ballots))
    for n, ballot in enumerate(ballots):
        voter = bus.join(
            c.JoinSession(code=made.code, pseudonym=f"Votante {n + 1}", category=voter_categories[n]), "seed"
        ).actor
        for cluster in ballot:
            bus.execute(
                voter,
                c.PlaceVote(cid=secrets.token_hex(8), session_id=made.id, cluster_id=cluster_ids[cluster]),
            )
    run(c.RevealResults)
    run(c.SetPhase, phase="valutazione")
    for cluster in sample["clusters"]:
        run(c.RecordScore, cluster_id=cluster_ids[cluster["id"]], **cluster["scores"])
    run(c.SetPhase, phase="chiusa")
    review_demo_notes(db, made.id, owner)
    return made


def seed_demo(db: Database, bus: CommandBus, instance_dir) -> list[CreatedSession]:
    """Demo data: accounts, one closed session per sample lab (full results), a
    closed practice session, an open session collecting notes, and an empty room
    waiting in accoglienza."""
    with db.reader() as s:
        if s.exec(select(LiveSession.id).where(LiveSession.title == DEMO_TITLE)).first():
            return []
    accounts_ = _demo_accounts(db, instance_dir)
    owner = accounts_["facilitatore"][0]
    data = sample_data()
    categories = {cat["key"]: cat["code"] for cat in data["categories"]}
    created = [_closed_session(bus, db, sample, owner, categories) for sample in data["sessions"]]
    # A facilitator's rehearsal, taken to the end: labelled «prova», counted nowhere.
    created.append(
        _closed_session(bus, db, data["sessions"][0], owner, categories, title=PRACTICE_TITLE, practice=True)
    )

    sample = data["sessions"][0]
    made = create_session(
        db,
        sample["lab"],
        DEMO_TITLE,
        sample["guiding_question"],
        dots=sample["dots_per_participant"],
        owner_id=owner,
    )
    advance = bus.staff_bind(owner, "facilitator", made.id)
    bus.execute(advance, c.SetPhase(cid=secrets.token_hex(8), session_id=made.id, phase="raccolta"))
    keys = [note["category"] for note in sample["notes"]]
    _post_notes(bus, made, _as_participants(bus, made, categories, keys), sample["notes"])
    created.append(made)
    created.append(
        create_session(
            db,
            "dopo-di-noi",
            DEMO_TITLE,
            "Quali progetti di vita per le persone con disabilità "
            "quando i genitori non potranno più occuparsene?",
            owner_id=owner,
        )
    )
    _demo_programmes(db, accounts_["admin"][0])
    demo_monitoring(db, accounts_["admin"][0])
    created.append(demo_meetings(db, bus, created, owner))
    demo_cabine(db, accounts_["admin"][0])
    return created


def demo_cabine(db: Database, admin_id: int) -> int | None:
    """The two cabine di regia with their members (fictitious people, roles as the
    seeds describe them: a ristretta of 5, an allargata of 19 with a
    representative of each lab), the first priority drafted into a scheda and
    sent to the ristretta, and a meeting of the ristretta today with it on the
    agenda and four of five present: its decision is left to whoever tries the demo."""
    from workshop.services import cabine, schede
    from workshop.services.consolidation import consolidate

    admin = schede.PlanActor(admin_id, "admin")
    _demo_bodies(db, admin)
    slug = next(p["slug"] for p in periods.processes(db) if p["current"])
    with_scheda = {c for a in schede.list_actions(db, slug) for c in a["cluster_ids"]}
    rows = [r for r in consolidate(db, slug).rows if r.cluster_id not in with_scheda]
    if not rows:
        return None
    action_id = schede.create_from_clusters(db, admin, slug, [rows[0].cluster_id])
    schede.transition(db, admin, action_id, "revisione_up", "Prima lettura dell'Ufficio di Piano.")
    schede.transition(
        db, admin, action_id, "ristretta", "Bozza completa: passa alla cabina di regia ristretta."
    )
    today = datetime.now(UTC).astimezone(clock.ROME).date()
    meeting = cabine.create_meeting(
        db, admin, "ristretta", slug, today, "Sala del Consiglio, Comune di Reggio Emilia"
    )
    cabine.add_to_agenda(db, admin, meeting, action_id)
    ristretta = next(b for b in cabine.bodies(db) if b["key"] == "ristretta")
    cabine.set_attendance(db, admin, meeting, [m["id"] for m in ristretta["members"]][:4])
    return meeting


def _demo_bodies(db: Database, admin) -> None:
    """The members of the two cabine (data/demo_cabine.json), unless they have some."""
    from workshop.services import cabine, catalog

    members = json.loads(resources.files("workshop.data").joinpath("demo_cabine.json").read_text("utf-8"))
    listed = {b["key"]: b for b in cabine.bodies(db)}
    for key in ("ristretta", "allargata"):
        if listed.get(key, {}).get("members"):
            continue
        for m in members[key]:
            lab = catalog.lab(db, m["lab"]) if m.get("lab") else None
            cabine.save_member(
                db, admin, key, m["name"], m["role"], m["organisation"], lab_id=lab.id if lab else None
            )


def _demo_decision(db: Database, admin, body: str, slug: str, day: date, action_id: int, target: str) -> None:
    """A body's step on a scheda, taken at a meeting of that body on `day` with
    every member present, its minutes approved and frozen."""
    from workshop.domain import cabine as cabine_rules
    from workshop.services import cabine

    meeting = cabine.create_meeting(db, admin, body, slug, day, "Sala del Consiglio, Comune di Reggio Emilia")
    cabine.add_to_agenda(db, admin, meeting, action_id)
    members = next(b for b in cabine.bodies(db) if b["key"] == body)["members"]
    cabine.set_attendance(db, admin, meeting, [m["id"] for m in members if m["active"]])
    why = {
        "allargata": "La scheda risponde alle priorità dei laboratori: passa alla cabina di regia allargata.",
        "approvata": "La cabina di regia allargata approva la scheda come proposta dai laboratori.",
    }[target]
    cabine.decide(db, admin, meeting, action_id, target, why, cabine_rules.Votes())
    cabine.freeze_minutes(db, admin, meeting)


def _demo_programmes(db: Database, admin_id: int) -> None:
    """The demo process's programmi attuativi, one a year, empty: the Ufficio di
    Piano confirms their schede once some are approved."""
    from workshop.services.schede import PlanActor

    admin = PlanActor(admin_id, "admin")
    for process in periods.processes(db):
        if process["current"] and not process["programmes"]:
            for year in process["years"]:
                periods.add_programme(db, admin, process["id"], year)


DEMO_INDICATORS = [
    {
        "descrizione": "Persone dimesse accompagnate a casa",
        "partenza": "12 persone",
        "obiettivi": {"2018": "15", "2019": "25", "2020": "35"},
        "fonte": "Servizio sociale territoriale",
        "periodicita": "annuale",
    },
    {
        "descrizione": "Giorni medi tra dimissione e primo contatto",
        "partenza": "9 giorni",
        "obiettivi": {"2018": "7", "2019": "5", "2020": "3"},
        "fonte": "AUSL, punto unico di accesso",
        "periodicita": "semestrale",
    },
]
DEMO_BUDGET = {
    "importi": {
        "frna": {"2018": "20.000", "2019": "25.000", "2020": "25.000"},
        "quota_comuni": {"2019": "5.000"},
    },
    "note": "",
}


def demo_monitoring(db: Database, admin_id: int) -> int | None:
    """An approved scheda with two years of monitoring (issue 15): drafted from the
    first priority, taken through the review (the cabine deciding at meetings of the
    last days), reported for the
    first two years of the period (once in progress, once concluded its first
    phase). None when there is no priority to draft from."""
    from workshop.services import monitoring, schede
    from workshop.services.consolidation import consolidate

    admin = schede.PlanActor(admin_id, "admin")
    current = next((p for p in periods.processes(db) if p["current"]), None)
    rows = consolidate(db, current["slug"]).rows if current else []
    if not rows or len(current["years"]) < 2:
        return None
    action_id = schede.create_from_clusters(db, admin, current["slug"], [rows[0].cluster_id])
    schede.update_fields(db, admin, action_id, {"indicatori": DEMO_INDICATORS, "preventivo": DEMO_BUDGET}, 1)
    why = "Passaggio della dimostrazione: la scheda segue ogni passo della revisione."
    for state in ("revisione_up", "ristretta"):
        schede.transition(db, admin, action_id, state, why)
    # The cabine decided at their meetings of the last days (after the labs that
    # proposed it met; the demo's years are the sample plan's, its labs today's).
    _demo_bodies(db, admin)
    today = datetime.now(UTC).astimezone(clock.ROME).date()
    _demo_decision(db, admin, "ristretta", current["slug"], today - timedelta(days=6), action_id, "allargata")
    _demo_decision(db, admin, "allargata", current["slug"], today - timedelta(days=2), action_id, "approvata")
    first, second = current["years"][:2]
    monitoring.record(
        db,
        admin,
        action_id,
        first,
        status="avviata",
        progress="30",
        values={"1": "14", "2": "8"},
        spent={"frna": "15.200,00"},
        entry=(f"{first}-04-02", "Firmato il protocollo tra ospedale e servizi sociali."),
    )
    monitoring.record(
        db,
        admin,
        action_id,
        first,
        status="avviata",
        progress="30",
        entry=(f"{first}-10-15", "Primo gruppo di operatori formati alle dimissioni protette."),
    )
    monitoring.record(
        db,
        admin,
        action_id,
        second,
        status="in_corso",
        progress="65",
        values={"1": "27", "2": "5,5"},
        spent={"frna": "24.100,00", "quota_comuni": "3.900,00"},
        entry=(f"{second}-06-30", "Il servizio copre tutti i Comuni del distretto."),
    )
    return action_id


def demo_meetings(db: Database, bus: CommandBus, created: list[CreatedSession], owner: int) -> CreatedSession:
    """«Dimissioni difficili» over three meetings (issue 14): the closed one three
    weeks ago, the demo session today with the first meeting's second and third
    groups carried forward, and the next one, announced; all at the Polo Sud."""
    first = next(
        m
        for m in created
        if m.lab_title == "Dimissioni difficili" and m.title == "Laboratorio (sessione conclusa)"
    )  # not the rehearsal
    second = next(m for m in created if m.lab_title == "Dimissioni difficili" and m.title == DEMO_TITLE)
    polo = "polo-polo-sud"
    if polo not in territories.names(db):
        polo = territories.add(db, "polo", "Polo Sud")
    today = datetime.now(UTC).astimezone(clock.ROME).date()

    def place(day: date) -> meetings.Place:
        return meetings.Place(
            day, time(17, 30), time(19, 30), "Via Roma 1, Reggio Emilia", "Sala del Polo", polo
        )

    meetings.set_meeting(db, first.id, place(today - timedelta(days=21)))
    meetings.set_meeting(db, second.id, place(today))
    with db.reader() as s:
        groups = s.exec(select(Cluster.id).where(Cluster.session_id == first.id).order_by(Cluster.id)).all()
    bus.execute(
        bus.staff_bind(owner, "facilitator", second.id),
        c.CarryClusters(
            cid=secrets.token_hex(8),
            session_id=second.id,
            from_session_id=first.id,
            cluster_ids=list(groups[1:3]),
        ),
    )
    third = create_session(
        db,
        "dimissioni-difficili",
        "Terzo incontro",
        "Chi fa che cosa nei primi sette giorni a casa?",
        owner_id=owner,
    )
    meetings.set_meeting(db, third.id, place(today + timedelta(days=14)))
    return third
