"""Reference data (labs, areas, categories) and demo sessions.

Reference data is upserted, so running the seed again is harmless. Demo
sessions are created through the command bus like any live activity, so their
event logs match their boards exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from sqlmodel import select

from workshop.domain import commands as c
from workshop.domain import joincode
from workshop.domain.rules import DEFAULT_CAP_PER_ITEM, DEFAULT_DOTS_PER_PARTICIPANT
from workshop.services.bus import CommandBus
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


@dataclass
class CreatedSession:
    id: int
    code: str
    lab_title: str
    title: str


def create_session(db: Database, lab_slug: str, title: str, guiding_question: str = "",
                   dots: int = DEFAULT_DOTS_PER_PARTICIPANT,
                   cap: int = DEFAULT_CAP_PER_ITEM) -> CreatedSession:
    from workshop.domain.rules import VotingRules

    VotingRules(budget=dots, cap=cap)  # refuse impossible settings before writing
    with db.transaction() as s:
        lab = s.exec(select(Lab).where(Lab.slug == lab_slug)).first()
        if lab is None:
            raise LookupError(lab_slug)
        taken = set(s.exec(select(LiveSession.join_code)))
        code = joincode.generate()
        while code in taken:
            code = joincode.generate()
        live = LiveSession(lab_id=lab.id, title=title, guiding_question=guiding_question,
                           join_code=code, dots_per_participant=dots, cap_per_item=cap)
        s.add(live)
        s.flush()
        return CreatedSession(live.id, code, lab.title, title)


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
