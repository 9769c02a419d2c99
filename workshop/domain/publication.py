"""What leaves the room: which notes may be published, and what the open data holds.

A note reaches a public page, a scheda intervento or the open data only after
a person has reviewed it (a facilitator of its session, or the Ufficio di
Piano): until then it is *da rivedere*. The reviewer marks it *pubblicabile*
(as written, or edited to take personal data out — the edit is kept in its
history) or keeps it *interno* (used inside the office, never published).
Notes are flagged for personal data before that review (domain/personal_data.py).

`OPEN_DATA` describes every file and column of the open data. The export
writes exactly these columns (services/exports.py) and the privacy page lists
them (templates/privacy.html): one description, so the page cannot say less
than what is published; a test compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass

from workshop.domain.errors import Rejected
from workshop.domain.rules import plain_text


def _(message: str) -> str:
    """Marker for message extraction; translated where shown."""
    return message


DA_RIVEDERE = "da_rivedere"
PUBBLICABILE = "pubblicabile"
INTERNO = "interno"
STATES = (DA_RIVEDERE, PUBBLICABILE, INTERNO)
LABELS = {DA_RIVEDERE: _("Da rivedere"), PUBBLICABILE: _("Pubblicabile"), INTERNO: _("Solo uso interno")}
TEXT_MAX = 500  # as a note (domain/rules.NOTE_MAX_CHARS)


def check_decision(publication: str, public_text: str | None) -> str | None:
    """The edited text to publish (None: as written), if the decision is valid."""
    if publication not in STATES:
        raise Rejected("publication_invalid")
    if public_text is None or publication != PUBBLICABILE:
        return None
    text = plain_text(public_text)
    if not 1 <= len(text) <= TEXT_MAX:
        raise Rejected("public_text_invalid", max=TEXT_MAX)
    return text


def published_text(publication: str, text: str, public_text: str | None) -> str | None:
    """What of a note may be published: its reviewed text, or nothing."""
    if publication != PUBBLICABILE or not text:
        return None
    return public_text or text


@dataclass(frozen=True)
class Column:
    name: str
    description: str


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


OPEN_DATA = (
    Dataset("laboratori", _("I laboratori del percorso."), (
        Column("slug", _("identificativo del laboratorio")),
        Column("titolo", _("nome del laboratorio")))),
    Dataset("sessioni", _("Le sessioni concluse e l'impronta dei loro risultati."), (
        Column("id", _("numero della sessione")),
        Column("laboratorio", _("laboratorio (slug)")),
        Column("titolo", _("titolo della sessione")),
        Column("domanda_guida", _("domanda posta ai partecipanti")),
        Column("punti_per_partecipante", _("punti a disposizione di ogni persona")),
        Column("massimo_per_elemento", _("punti massimi di una persona su un elemento")),
        Column("partecipanti_votanti", _("persone che hanno assegnato almeno un punto")),
        Column("punti_assegnati", _("punti assegnati in tutto")),
        Column("chiusa_il", _("data e ora di chiusura (UTC)")),
        Column("hash_risultati", _("impronta SHA-256 dei risultati congelati alla chiusura, mostrata "
                                   "in sala")),
        Column("file_risultati", _("il documento dei risultati nella cartella risultati/, se "
                                   "verificabile")))),
    Dataset("contributi", _("I contributi (post-it) rivisti e pubblicabili, senza pseudonimi."), (
        Column("id", _("numero del contributo")),
        Column("sessione", _("numero della sessione")),
        Column("laboratorio", _("laboratorio (slug)")),
        Column("tipo", _("problema, proposta, risorsa o caso")),
        Column("testo", _("il testo, come rivisto per la pubblicazione")),
        Column("modificato", _("«sì» se il testo è stato modificato nella revisione (per togliere dati "
                               "personali)")),
        Column("gruppo", _("il gruppo in cui è stato raccolto (numero), se c'è")),
        Column("categoria_autore", _("la categoria di chi l'ha scritto, solo se nella sessione "
                                     "c'erano almeno 5 persone di quella categoria")),
        Column("raggruppamento_autore", _("il raggruppamento di categorie di chi l'ha scritto, solo se "
                                          "nella sessione c'erano almeno 5 persone di quel "
                                          "raggruppamento")))),
    Dataset("gruppi", _("I gruppi votati, con punti, valutazioni del tavolo e indice di priorità."), (
        Column("id", _("numero del gruppo")),
        Column("sessione", _("numero della sessione")),
        Column("laboratorio", _("laboratorio (slug)")),
        Column("titolo", _("titolo del gruppo")),
        Column("aree", _("aree del piano (A-E), separate da |")),
        Column("punti", _("punti ricevuti")),
        Column("impatto", _("valutazione del tavolo, da 1 a 5")),
        Column("fattibilita", _("valutazione del tavolo, da 1 a 5")),
        Column("urgenza", _("valutazione del tavolo, da 1 a 5")),
        Column("indice_priorita", _("indice di priorità, da 0 a 100")),
        Column("sostegno", _("quota dei punti disponibili nella sessione")),
        Column("componente_valutazioni", _("parte dell'indice dovuta alle valutazioni, da 0 a 1")),
        Column("rango", _("posizione nella classifica di tutti i laboratori")))),
    Dataset("voti_per_categoria", _(
        "Punti di ogni gruppo per raggruppamento di categorie di chi ha votato. Un raggruppamento "
        "con meno di 5 votanti nella sessione è unito agli altri in «Altre categorie» (e, se sono "
        "ancora meno di 5, al raggruppamento più piccolo); i conteggi da "
        "1 a 4, e quanto basta perché nessuno si possa ricavare dal totale, sono riservati."), (
        Column("gruppo", _("numero del gruppo")),
        Column("sessione", _("numero della sessione")),
        Column("categorie", _("il raggruppamento di categorie (vedi categorie.csv), o «altre»")),
        Column("categorie_etichetta", _("il suo nome")),
        Column("punti", _("punti, vuoto se riservato")),
        Column("riservato", _("«sì» se il numero non è pubblicato")))),
    Dataset("categorie", _("Le categorie di portatori di interesse e il raggruppamento in cui sono "
                           "pubblicate."), (
        Column("chiave", _("identificativo della categoria")),
        Column("codice", _("sigla")),
        Column("etichetta", _("nome della categoria")),
        Column("raggruppamento", _("identificativo del raggruppamento")),
        Column("raggruppamento_etichetta", _("nome del raggruppamento")))),
    Dataset("schede", _("Le schede intervento e il loro stato."), (
        Column("id", _("numero della scheda")),
        Column("titolo", _("titolo")),
        Column("stato", _("stato della revisione")),
        Column("area_prevalente", _("area del piano prevalente")),
        Column("altre_aree", _("altre aree, separate da |")),
        Column("gruppi", _("i gruppi da cui nasce, separati da |")),
        Column("versione", _("numero di versione")),
        Column("aggiornata_il", _("data e ora dell'ultima modifica (UTC)")))),
)
