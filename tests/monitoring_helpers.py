"""An approved scheda with indicators and a budget, ready to be monitored (issue 15)."""

from __future__ import annotations

from tests.helpers import PROCESS_SLUG, body_decides

WHY = "Motivazione pubblica per il passaggio di stato"
INDICATORS = [
    {
        "descrizione": "Persone accompagnate",
        "partenza": "12 persone",
        "obiettivi": {"2019": "20", "2020": "30"},
        "fonte": "Servizio sociale",
        "periodicita": "annuale",
    },
    {
        "descrizione": "Famiglie raggiunte",
        "partenza": "nessuna",
        "obiettivi": {"2019": "almeno 5", "2020": "10"},
        "fonte": "",
        "periodicita": "",
    },
]
BUDGET = {
    "importi": {"frna": {"2019": "10.000", "2020": "12.000"}, "quota_comuni": {"2019": "2.500"}},
    "note": "",
}


def approved_scheda(db, team, cluster_id: int, *, approve: bool = True) -> int:
    """A scheda from one priority, with two indicators and a budget for 2019–2020,
    taken through every review step to approvata (the cabine deciding at meetings)."""
    from workshop.services import schede

    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [cluster_id])
    schede.update_fields(db, team["up"], action_id, {"indicatori": INDICATORS, "preventivo": BUDGET}, 1)
    schede.transition(db, team["up"], action_id, "revisione_up", WHY)
    schede.transition(db, team["up"], action_id, "ristretta", WHY)
    body_decides(db, team, action_id, "allargata", WHY)
    if approve:
        body_decides(db, team, action_id, "approvata", WHY)
    return action_id


def csv_bytes(
    *rows: str, header: str = "scheda,anno,tipo,data,stato,avanzamento,indicatore,valore,fonte,importo,testo"
) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()
