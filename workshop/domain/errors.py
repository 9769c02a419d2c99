"""Why a command was refused: a stable code for programs, Italian for people.

Messages are written in Italian (the source language of the UI) and marked with
`_` so Babel extracts them; the adapter that answers the client translates them
with the request's locale. The domain only raises `Rejected(code, **params)`.
"""

from __future__ import annotations


def _(message: str) -> str:
    """Marker for message extraction; translation happens at the edge."""
    return message


MESSAGES: dict[str, str] = {
    # Transport and shape
    "invalid_payload": _("I dati inviati non sono validi."),
    "payload_too_large": _("Il messaggio è troppo grande (massimo %(limit)s byte)."),
    "unknown_event": _("Comando sconosciuto: «%(event)s»."),
    "internal_error": _("Si è verificato un errore interno. Riprova tra poco."),
    "session_busy": _("La sessione è molto occupata in questo momento. Riprova tra poco."),
    "command_id_reused": _("Questo identificativo di comando è già stato usato per un comando diverso."),
    # Joining
    "invalid_code": _("Codice non valido: controlla le cifre e riprova."),
    "rate_limited": _("Troppi tentativi. Riprova tra %(retry_after)s secondi."),
    "invalid_token": _("Accesso non più valido: entra di nuovo con il codice della sessione."),
    "unknown_category": _("Scegli una categoria dall'elenco."),
    "pseudonym_taken": _("Lo pseudonimo «%(pseudonym)s» è già in uso in questa sessione: scegline un altro."),
    "pseudonym_invalid": _("Lo pseudonimo deve avere da %(min)s a %(max)s caratteri."),
    "not_joined": _("Non partecipi a questa sessione: entra prima con il codice."),
    "forbidden": _("Non hai i permessi per questa operazione."),
    "session_closed": _("La sessione è chiusa: non si possono più fare modifiche."),
    # Notes
    "note_kind_invalid": _("Tipo di contributo non previsto in questa sessione."),
    "note_empty": _("Il testo del contributo è vuoto."),
    "note_too_long": _("Il contributo è troppo lungo: massimo %(limit)s caratteri."),
    "note_not_found": _("Il contributo non esiste o è stato eliminato."),
    "not_note_author": _("Puoi modificare o eliminare solo i tuoi contributi."),
    "note_hidden": _("Questo contributo è stato nascosto dal facilitatore e non si può modificare."),
    # Votes
    "vote_budget_exhausted": _("Hai già usato tutti i tuoi %(budget)s punti."),
    "vote_cap_reached": _("Hai già dato il massimo di %(cap)s punti a questo contributo."),
    "no_vote_to_withdraw": _("Non hai punti da ritirare su questo contributo."),
    "vote_target_invalid": _("In questa fase si vota il gruppo, non il singolo contributo che ne fa parte."),
    # Facilitation
    "wrong_phase": _("Questa operazione non è possibile nella fase «%(phase)s»."),
    "phase_unknown": _("Fase sconosciuta."),
    "phase_transition_invalid": _("Dalla fase «%(current)s» non si può passare a «%(target)s»."),
    "phase_back_after_votes": _("Non si può tornare al raggruppamento: sono già stati assegnati dei punti."),
    "cluster_not_found": _("Il gruppo non esiste o è stato sciolto."),
    # Meetings and continuity (domain/meetings.py, services/continuity.py)
    "meeting_time_invalid": _(
        "Indica il giorno e l’ora di inizio dell’incontro; l’ora di fine, se c’è, "
        "viene dopo quella di inizio."
    ),
    "meeting_place_invalid": _("L’indirizzo può avere al massimo %(address)s caratteri, la sala %(room)s."),
    "carry_source_invalid": _(
        "Si possono riprendere solo i gruppi di un incontro concluso dello stesso laboratorio."
    ),
    "cluster_already_carried": _("Il gruppo «%(title)s» è già stato ripreso in questo incontro."),
    "territory_invalid": _(
        "Indica il tipo di territorio (Comune, Polo di servizio sociale, quartiere) e "
        "un nome di al massimo %(max)s caratteri."
    ),
    "territory_taken": _("Nell’elenco c’è già «%(name)s»."),
    "territory_unknown": _("Questo territorio non è nell’elenco."),
    "title_invalid": _("Il titolo deve avere da 1 a %(max)s caratteri."),
    "reason_invalid": _("Indica il motivo, in al massimo %(max)s caratteri."),
    "merge_invalid": _("Per unire servono almeno due contributi diversi e visibili."),
    "area_unknown": _("Area del piano sconosciuta: %(area)s."),
    "timer_invalid": _("Impostazione del timer non valida."),
    "offline_participant_unknown": _(
        "Si può agire solo per conto di un partecipante senza telefono di questa sessione."
    ),
    "session_not_assigned": _("Questa sessione non è tra quelle che gestisci."),
    "login_required": _("Accedi con il tuo account per gestire la sessione."),
    # Staff accounts and sign-in (domain/staff.py, services/accounts.py)
    "password_wrong": _("La password attuale non è corretta."),
    "password_too_short": _("La password deve avere almeno %(min)s caratteri."),
    "passwords_differ": _("Le due password nuove non coincidono."),
    "code_wrong": _(
        "Codice non valido o già usato: inserisci il codice che l'app mostra ora, "
        "oppure un codice di recupero."
    ),
    "account_not_found": _("L'account non esiste."),
    "own_account": _("Per il tuo account usa la pagina «Il mio account»."),
    "second_factor_always_required": _("Per questo ruolo la verifica in due passaggi è sempre obbligatoria."),
    # Review of the schede intervento
    "review_transition_invalid": _("Dallo stato «%(current)s» non si può passare a «%(target)s»."),
    "motivation_invalid": _("Scrivi una motivazione pubblica, da %(min)s a %(max)s caratteri."),
    "scheda_frozen": _("La scheda è chiusa: non si può più modificare."),
    "decided_at_meeting": _(
        "Questo passaggio è una decisione della cabina di regia: si registra nella riunione "
        "che la prende, con le presenze e il numero legale."
    ),
    # The cabine as bodies (domain/cabine.py)
    "body_not_found": _("Organo sconosciuto."),
    "member_invalid": _(
        "Un componente ha un nome (fino a %(name)s caratteri), un ruolo (fino a %(role)s) "
        "e, se serve, un ente (fino a %(organisation)s)."
    ),
    "member_not_found": _("Il componente non fa parte di questo organo."),
    "member_account_invalid": _(
        "Scegli un account dello staff attivo, non già collegato a un altro componente."
    ),
    "quorum_rule_invalid": _(
        "Scegli la regola del numero legale; per un numero fisso, indica quanti componenti (da 1 a 60)."
    ),
    "quorum_number_over_members": _(
        "Il numero legale (%(number)s) non può superare i componenti in carica (%(members)s)."
    ),
    "body_meeting_invalid": _("Indica il giorno della riunione e il luogo (fino a %(max)s caratteri)."),
    "body_meeting_day_invalid": _("Il giorno della riunione deve cadere tra il %(min)s e il %(max)s."),
    "body_meeting_not_found": _("La riunione non esiste."),
    "meeting_frozen": _("Il verbale di questa riunione è approvato: la riunione non si può più modificare."),
    "meeting_not_held": _(
        "La riunione non si è ancora tenuta: le decisioni si registrano dal giorno della riunione."
    ),
    "not_on_agenda": _("La scheda non è all'ordine del giorno di questa riunione."),
    "agenda_invalid": _(
        "All'ordine del giorno vanno le schede che sono davanti a questo organo (al massimo %(max)s)."
    ),
    "agenda_item_decided": _(
        "Su questa scheda la riunione ha già deciso: non si toglie dall'ordine del giorno."
    ),
    "attendance_after_decisions": _(
        "La riunione ha già preso decisioni con queste presenze: non si possono più cambiare."
    ),
    "no_quorum": _(
        "Manca il numero legale: presenti %(present)s su %(members)s, ne servono almeno %(required)s. "
        "La riunione non può decidere."
    ),
    "votes_invalid": _(
        "Favorevoli, contrari e astenuti sono numeri non negativi e insieme "
        "non superano i presenti (%(present)s)."
    ),
    "already_decided": _("Su questa scheda la riunione ha già deciso."),
    "remarks_invalid": _("Il testo del verbale può avere al massimo %(max)s caratteri."),
    "adoption_invalid": _(
        "Per l'adozione indica l'atto, l'organo che lo ha adottato, la data e il numero dell'atto."
    ),
    "adoption_in_future": _(
        "L'atto di adozione ha una data futura: indica il giorno in cui è stato adottato."
    ),
    "adoption_url_invalid": _("Il collegamento all'atto deve essere un indirizzo web completo (https://…)."),
    "field_not_editable": _("In questo stato non puoi modificare: %(fields)s."),
    "wrong_review_state": _("In questo stato della scheda l'operazione non è prevista."),
    "observation_invalid": _("L'osservazione deve avere da 1 a %(max)s caratteri."),
    "scheda_not_found": _("La scheda non esiste."),
    "version_conflict": _(
        "Qualcun altro ha modificato la scheda nel frattempo: ricarica e riapplica le modifiche."
    ),
    "clusters_invalid": _("Scegli uno o più gruppi di sessioni concluse."),
    "field_invalid": _("%(field)s: %(problem)s"),
    "amount_invalid": _(
        "%(field)s: «%(value)s» non è un importo in euro (scrivi per esempio 95.000 o 95.000,50)."
    ),
    "regional_unknown": _("La scheda regionale %(number)s non è nell'elenco."),
    "linked_scheda_invalid": _("Si possono collegare solo altre schede dello stesso piano."),
    "origin_invalid": _(
        "Indica da dove nasce la scheda: scheda regionale, continuità o proposta dell'Ufficio di Piano."
    ),
    "regional_invalid": _(
        "Una scheda regionale ha un numero (fino a %(number_max)s caratteri) e un "
        "titolo (fino a %(title_max)s caratteri)."
    ),
    "regional_exists": _("Nell'elenco c'è già una scheda regionale con il numero %(number)s."),
    "states_invalid": _("Scegli almeno uno stato delle schede da includere."),
    "process_not_found": _("Percorso di programmazione sconosciuto."),
    # Programming periods (domain/periods.py)
    "process_invalid": _(
        "Percorso: controlla il campo «%(field)s» (identificativo di lettere minuscole, "
        "cifre e trattini; titolo fino a 200 caratteri; anni dal primo all'ultimo, "
        "al massimo 10)."
    ),
    "process_exists": _("C'è già un percorso con l'identificativo «%(slug)s»."),
    "programme_year_invalid": _(
        "Il programma attuativo è per un anno del percorso, dal %(first)s al %(last)s."
    ),
    "programme_exists": _("Il programma attuativo del %(year)s c'è già."),
    "programme_not_found": _("Programma attuativo sconosciuto."),
    "programme_approved": _("Il programma attuativo è approvato: non si cambia più."),
    "continuity_budget_missing": _(
        "Per confermare la scheda in continuità indica il preventivo dell'anno (almeno un importo)."
    ),
    "entry_not_found": _("Questa scheda non è proposta nel programma attuativo."),
    "lab_not_in_process": _(
        "Il laboratorio non partecipa al percorso corrente: aggiungilo al percorso "
        "nelle impostazioni del piano."
    ),
    # Monitoring of approved schede (domain/monitoring.py, services/monitoring.py)
    "monitoring_not_approved": _("Si monitorano solo le schede approvate."),
    "monitoring_year_invalid": _("Il monitoraggio è per un anno del percorso, dal %(first)s al %(last)s."),
    "monitoring_status_invalid": _(
        "Stato «%(value)s» non previsto: da_avviare, avviata, in_corso, conclusa o sospesa."
    ),
    "monitoring_progress_invalid": _("Avanzamento «%(value)s» non valido: un numero intero da 0 a 100."),
    "monitoring_status_progress": _(
        "Lo stato «%(status)s» non va con un avanzamento del %(progress)s%%: un'azione conclusa "
        "è al 100%%, al 100%% è conclusa, e da avviare è allo 0%%."
    ),
    "monitoring_value_invalid": _(
        "Valore «%(value)s» non valido: scrivi un numero, per esempio 12 o 12,5 (senza unità di misura)."
    ),
    "monitoring_date_invalid": _("Indica una data dell'anno %(year)s (per esempio %(year)s-03-15)."),
    "monitoring_entry_invalid": _("Il testo della voce deve avere da 1 a %(max)s caratteri."),
    "monitoring_indicator_unknown": _(
        "Indicatore «%(value)s» sconosciuto: la scheda ne ha %(count)s, numerati da 1."
    ),
    "monitoring_source_unknown": _("Fonte di finanziamento «%(value)s» sconosciuta."),
    "monitoring_row_kind_unknown": _(
        "Tipo di riga «%(value)s» sconosciuto: usa stato, cronologia, indicatore o spesa."
    ),
    "monitoring_reporter_invalid": _("Scegli un account dello staff attivo."),
    "csv_invalid": _(
        "Il file non è stato importato: correggi le righe indicate e caricalo di nuovo "
        "(nessun dato è stato modificato)."
    ),
    # A file that cannot be read as the template's CSV, one code for each reason.
    "csv_no_file": _("Il file non si legge come CSV: scegli un file."),
    "csv_too_large": _("Il file non si legge come CSV: supera %(max)s MB."),
    "csv_not_utf8": _("Il file non si legge come CSV: salvalo con la codifica UTF-8."),
    "csv_row_unreadable": _(
        "Il file non si legge come CSV: la riga %(line)s non si legge "
        "(un testo troppo lungo o virgolette non chiuse)."
    ),
    "csv_columns_missing": _("Il file non si legge come CSV: mancano le colonne %(columns)s."),
    "csv_columns_repeated": _(
        "Il file non si legge come CSV: le colonne %(columns)s compaiono più di una volta."
    ),
    "csv_too_many_rows": _("Il file non si legge come CSV: ha più di %(max)s righe."),
    "csv_no_rows": _("Il file non si legge come CSV: non ci sono righe di dati."),
    # Publication of notes and people's rights (domain/publication.py, services/privacy.py)
    "publication_invalid": _("Scegli se il contributo è pubblicabile, da rivedere o solo per uso interno."),
    "public_text_invalid": _("Il testo da pubblicare deve avere da 1 a %(max)s caratteri."),
    "review_not_allowed": _("Puoi rivedere solo i contributi delle sessioni che gestisci."),
    "participant_not_found": _("Nessun partecipante con questo pseudonimo in questa sessione."),
    "already_erased": _("I dati di questo partecipante sono già stati cancellati."),
    "erasure_unconfirmed": _("Per cancellare i dati conferma di aver capito che non si può annullare."),
    "reference_invalid": _(
        "Indica da dove arriva la richiesta (canale e riferimento), fino a %(max)s caratteri."
    ),
}


# Params that name a phase or a review state: `params` keeps the stable value, the
# message shows its label in the reader's language.
LABELLED = ("phase", "current", "target")


def _shown(key: str, value, translate):
    if key not in LABELLED or not isinstance(value, str):
        return value
    from workshop.domain.phases import LABELS  # here: phases raises Rejected

    return translate(LABELS.get(value, value))


class Rejected(Exception):
    """A command that breaks a rule. Nothing has changed when this is raised."""

    def __init__(self, code: str, details: list[dict] | None = None, **params):
        if code not in MESSAGES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(code)
        self.code = code
        self.params = params
        self.details = details or []

    def message(self, translate=lambda s: s) -> str:
        text = translate(MESSAGES[self.code])
        if not self.params:
            return text
        return text % {key: _shown(key, value, translate) for key, value in self.params.items()}

    def __repr__(self) -> str:
        return f"Rejected({self.code!r}, {self.params!r})"
