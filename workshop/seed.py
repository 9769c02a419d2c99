"""Reference data (labs, areas, categories) and demo sessions.

Reference data is upserted, so running the seed again is harmless. Demo
sessions are created through the command bus like any live activity, so their
event logs match their boards exactly.
"""

from __future__ import annotations

import json
from importlib import resources

from sqlmodel import select

from workshop.domain import commands as c
from workshop.domain.rules import DEFAULT_CAP_PER_ITEM, DEFAULT_DOTS_PER_PARTICIPANT
from workshop.services import sessions
from workshop.services.bus import CommandBus
from workshop.services.sessions import CreatedSession, SessionSettings
from workshop.storage.database import Database
from workshop.storage.models import Area, Category, Lab, LiveSession, Process

PROCESS_SLUG = "pdz-2018-2020"
PROCESS_TITLE = "Piano di Zona per la salute e il benessere sociale 2018-2020"
DEMO_TITLE = "Sessione dimostrativa"


def sample_data() -> dict:
    return json.loads(resources.files("workshop").joinpath("data/sample_labs.json").read_text())


def seed_reference(db: Database) -> None:
    data = sample_data()
    with db.transaction() as s:
        process = s.exec(select(Process).where(Process.slug == PROCESS_SLUG)).first()
        if process is None:
            process = Process(slug=PROCESS_SLUG, title=PROCESS_TITLE)
            s.add(process)
            s.flush()
        for area in data["areas"]:
            s.merge(Area(code=area["code"], label=area["label"]))
        for position, cat in enumerate(data["categories"]):
            s.merge(Category(key=cat["key"], code=cat["code"], label=cat["label"],
                             position=position))
        existing = {lab.slug: lab for lab in s.exec(select(Lab))}
        for lab in data["labs"]:
            row = existing.get(lab["slug"]) or Lab(slug=lab["slug"], process_id=process.id,
                                                    title=lab["title"])
            row.title = lab["title"]
            s.add(row)


def create_session(db: Database, lab_slug: str, title: str, guiding_question: str = "",
                   dots: int = DEFAULT_DOTS_PER_PARTICIPANT, cap: int = DEFAULT_CAP_PER_ITEM,
                   owner_id: int | None = None, **settings) -> CreatedSession:
    """Shorthand for scripts and tests."""
    return sessions.create_session(db, lab_slug, SessionSettings(
        title=title, guiding_question=guiding_question, dots=dots, cap=cap, **settings),
        owner_id=owner_id)


def seed_demo(db: Database, bus: CommandBus) -> list[CreatedSession]:
    """Demo sessions with the sample notes already posted, plus one empty room."""
    with db.reader() as s:
        if s.exec(select(LiveSession.id).where(LiveSession.title == DEMO_TITLE)).first():
            return []
    data = sample_data()
    categories = {cat["key"]: cat["code"] for cat in data["categories"]}
    created = []
    for sample in data["sessions"]:
        made = create_session(db, sample["lab"], DEMO_TITLE, sample["guiding_question"],
                              dots=sample["dots_per_participant"])
        actors = {}
        for n, note in enumerate(sample["notes"]):
            key = note["category"]
            if key not in actors:
                joined = bus.join(c.JoinSession(code=made.code, pseudonym=f"Esempio {categories[key]}",
                                                category=key), client="seed")
                actors[key] = joined.actor
            bus.execute(actors[key], c.CreateNote(cid=f"seed-{made.id}-{n:04d}",
                                                  session_id=made.id, kind=note["kind"],
                                                  text=note["text"]))
        created.append(made)
    created.append(create_session(db, "dopo-di-noi", DEMO_TITLE,
                                  "Quali progetti di vita per le persone con disabilità "
                                  "quando i genitori non potranno più occuparsene?"))
    return created
