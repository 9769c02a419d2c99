"""The minutes (verbale) of a meeting of a cabina di regia as documents (not a test).

A meeting of the allargata: 19 members, 12 present, 10 schede decided with
motivations and votes. Prints the median of 5 renderings per format; the PDF is
what `services/cabine.freeze_minutes` makes once, under the meeting's lock.

    .venv/bin/python bench/minutes.py
"""

from __future__ import annotations

import time
from datetime import date

from workshop.domain.cabine import Votes
from workshop.services import cabine, exports

view = {
    "body": "allargata",
    "body_title": "Cabina di regia allargata",
    "title": "Cabina di regia allargata, riunione del 5 dicembre 2026",
    "process": {"slug": "pdz", "title": "Piano di Zona 2018-2020"},
    "held_on": date(2026, 12, 5),
    "place": "Sala del Tricolore",
    "remarks": "Apre la seduta il **presidente**.\n\n- comunicazioni\n- bilancio",
    "in_office": 19,
    "present_count": 12,
    "required": 10,
    "quorum": True,
    "members": [
        {
            "name": f"Persona {i}",
            "role": "Componente",
            "organisation": "Ente",
            "lab": None,
            "present": i < 12,
            "active": True,
        }
        for i in range(19)
    ],
    "agenda": [
        {
            "id": i,
            "title": f"Scheda {i}",
            "state": "approvata",
            "decision": {
                "from": "allargata",
                "to": "approvata",
                "motivation": "Motivazione " * 30,
                "votes": Votes(10, 1, 1),
                "done": "ha approvato la scheda",
            },
        }
        for i in range(10)
    ],
}
blocks = cabine.minutes_blocks(view)
for fmt in ("pdf", "odt", "docx", "md"):
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        exports.render(blocks, fmt, "Verbale", cabine.minutes_header(view))
        runs.append(time.perf_counter() - t)
    print(fmt, f"median {sorted(runs)[2] * 1000:.0f} ms")
