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
    """A column of the open data, as its data dictionary describes it."""

    name: str
    description: str
    kind: str = "string"  # a key of KINDS
    unit: str = ""
    values: tuple[str, ...] = ()  # the values it may hold, when they are a closed list
    values_from: str = ""  # or the file and column they come from
    suppression: str = ""  # when a value is left out to protect people

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


# What a column holds, in the data dictionary's words (machine types in datapackage.json).
KINDS = {
    "string": _("testo"),
    "integer": _("numero intero"),
    "number": _("numero decimale (punto come separatore nel CSV, virgola nella copia per Excel)"),
    "datetime": _("data e ora ISO 8601, UTC"),
    "date": _("data ISO 8601"),
    "boolean": _("«sì» o «no»"),
    "list": _("elenco di valori separati da |"),
}
AREAS = ("A", "B", "C", "D", "E")
SCORES = ("1", "2", "3", "4", "5")
REVIEW_STATES = ("bozza", "revisione_up", "ristretta", "allargata", "approvata", "rinviata", "non_accolta")
AUTHOR_RULE = _(
    "vuoto se nella sessione c'erano meno di 5 persone di quella categoria (o del suo raggruppamento)"
)
SPLIT_RULE = _(
    "riservato (vuoto, riservato «sì») se è da 1 a 4, o se servirebbe a ricavare un numero "
    "riservato dal totale del gruppo"
)


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
    Dataset(
        "laboratori",
        _("I laboratori del percorso."),
        (Column("slug", _("identificativo del laboratorio")), Column("titolo", _("nome del laboratorio"))),
    ),
    Dataset(
        "sessioni",
        _("Le sessioni concluse e l'impronta dei loro risultati."),
        (
            Column("id", _("numero della sessione"), kind="integer"),
            Column("laboratorio", _("laboratorio (slug)"), values_from="laboratori.csv, slug"),
            Column("titolo", _("titolo della sessione")),
            Column("domanda_guida", _("domanda posta ai partecipanti")),
            Column(
                "punti_per_partecipante",
                _("punti a disposizione di ogni persona"),
                kind="integer",
                unit="punti",
            ),
            Column(
                "massimo_per_elemento",
                _("punti massimi di una persona su un elemento"),
                kind="integer",
                unit="punti",
            ),
            Column(
                "partecipanti_votanti",
                _("persone che hanno assegnato almeno un punto"),
                kind="integer",
                unit="persone",
            ),
            Column("punti_assegnati", _("punti assegnati in tutto"), kind="integer", unit="punti"),
            Column("chiusa_il", _("data e ora di chiusura (UTC)"), kind="datetime"),
            Column(
                "hash_risultati",
                _("impronta SHA-256 dei risultati congelati alla chiusura, mostrata in sala"),
            ),
            Column(
                "file_risultati", _("il documento dei risultati nella cartella risultati/, se verificabile")
            ),
            Column(
                "giorno", _("il giorno dell'incontro (ora di Roma), vuoto se non aveva una data"), kind="date"
            ),
            Column("ora_inizio", _("l'ora di inizio, HH:MM (ora di Roma), vuota se non aveva una data")),
            Column("indirizzo", _("l'indirizzo dell'incontro, se indicato")),
            Column("sala", _("la sala, se indicata")),
            Column("territorio", _("identificativo del territorio dove si è tenuto, se indicato")),
            Column("territorio_nome", _("il nome di quel territorio")),
            Column(
                "programma_attuativo",
                _("l'anno del programma attuativo per cui si è tenuto, vuoto se nessuno"),
                kind="integer",
            ),
        ),
    ),
    Dataset(
        "contributi",
        _("I contributi (post-it) rivisti e pubblicabili, senza pseudonimi."),
        (
            Column("id", _("numero del contributo"), kind="integer"),
            Column("sessione", _("numero della sessione"), kind="integer", values_from="sessioni.csv, id"),
            Column("laboratorio", _("laboratorio (slug)"), values_from="laboratori.csv, slug"),
            Column(
                "tipo",
                _("problema, proposta, risorsa o caso"),
                values=("problema", "proposta", "risorsa", "caso"),
            ),
            Column("testo", _("il testo, come rivisto per la pubblicazione")),
            Column(
                "modificato",
                _("«sì» se il testo è stato modificato nella revisione (per togliere dati personali)"),
                kind="boolean",
            ),
            Column(
                "gruppo",
                _("il gruppo in cui è stato raccolto (numero), se c'è"),
                kind="integer",
                values_from="gruppi.csv, id",
            ),
            Column(
                "ripreso_da",
                _(
                    "se è stato ripreso con il suo gruppo da un incontro precedente del "
                    "laboratorio: il contributo di quell'incontro (numero)"
                ),
                kind="integer",
                values_from="contributi.csv, id",
            ),
            Column(
                "categoria_autore",
                _(
                    "la categoria di chi l'ha scritto, solo se nella sessione "
                    "c'erano almeno 5 persone di quella categoria"
                ),
                values_from="categorie.csv, chiave",
                suppression=AUTHOR_RULE,
            ),
            Column(
                "raggruppamento_autore",
                _(
                    "il raggruppamento di categorie di chi l'ha scritto, solo se "
                    "nella sessione c'erano almeno 5 persone di quel "
                    "raggruppamento"
                ),
                values_from="categorie.csv, raggruppamento",
                suppression=AUTHOR_RULE,
            ),
        ),
    ),
    Dataset(
        "gruppi",
        _("I gruppi votati, con punti, valutazioni del tavolo e indice di priorità."),
        (
            Column("id", _("numero del gruppo"), kind="integer"),
            Column("sessione", _("numero della sessione"), kind="integer", values_from="sessioni.csv, id"),
            Column("laboratorio", _("laboratorio (slug)"), values_from="laboratori.csv, slug"),
            Column("titolo", _("titolo del gruppo")),
            Column(
                "riprende",
                _("se riprende un gruppo di un incontro precedente del laboratorio: quel gruppo (numero)"),
                kind="integer",
                values_from="gruppi.csv, id",
            ),
            Column(
                "priorita",
                _(
                    "la priorità a cui appartiene: il primo gruppo della sua linea (numero). "
                    "I gruppi con lo stesso numero, votati in incontri diversi, sono una sola "
                    "priorità, con un solo indice e un solo rango"
                ),
                kind="integer",
                values_from="gruppi.csv, id",
            ),
            Column("aree", _("aree del piano (A-E), separate da |"), kind="list", values=AREAS),
            Column("punti", _("punti ricevuti in questo incontro"), kind="integer", unit="punti"),
            Column("impatto", _("valutazione del tavolo, da 1 a 5"), kind="integer", values=SCORES),
            Column("fattibilita", _("valutazione del tavolo, da 1 a 5"), kind="integer", values=SCORES),
            Column("urgenza", _("valutazione del tavolo, da 1 a 5"), kind="integer", values=SCORES),
            Column(
                "indice_priorita",
                _(
                    "indice di priorità, da 0 a 100 (della priorità: lo stesso per i "
                    "gruppi della stessa linea)"
                ),
                kind="number",
                unit="punti su 100",
            ),
            Column(
                "sostegno",
                _(
                    "quota dei punti disponibili nella sessione; per una priorità votata in "
                    "più incontri, la media delle quote di ciascun incontro"
                ),
                kind="number",
                unit="quota da 0 a 1",
            ),
            Column(
                "componente_valutazioni",
                _("parte dell'indice dovuta alle valutazioni, da 0 a 1"),
                kind="number",
                unit="quota da 0 a 1",
            ),
            Column("rango", _("posizione nella classifica di tutti i laboratori"), kind="integer"),
        ),
    ),
    Dataset(
        "voti_per_categoria",
        _(
            "Punti di ogni gruppo per raggruppamento di categorie di chi ha votato. Un raggruppamento "
            "con meno di 5 votanti nella sessione è unito agli altri in «Altre categorie» (e, se sono "
            "ancora meno di 5, al raggruppamento più piccolo). Se un gruppo ha anche un solo "
            "conteggio da 1 a 4, tutti i suoi conteggi sono riservati: se ne pubblica solo il totale "
            "(in gruppi.csv)."
        ),
        (
            Column("gruppo", _("numero del gruppo"), kind="integer", values_from="gruppi.csv, id"),
            Column("sessione", _("numero della sessione"), kind="integer", values_from="sessioni.csv, id"),
            Column(
                "categorie",
                _("il raggruppamento di categorie (vedi categorie.csv), o «altre»"),
                values_from="categorie.csv, raggruppamento",
            ),
            Column("categorie_etichetta", _("il suo nome")),
            Column(
                "punti", _("punti, vuoto se riservato"), kind="integer", unit="punti", suppression=SPLIT_RULE
            ),
            Column(
                "riservato", _("«sì» se il numero non è pubblicato"), kind="boolean", suppression=SPLIT_RULE
            ),
        ),
    ),
    Dataset(
        "voti_per_territorio",
        _(
            "Punti di ogni gruppo per territorio in cui chi ha votato ha detto di vivere o lavorare "
            "(facoltativo; «nd» chi non l’ha detto). Un territorio con meno di 5 votanti nella "
            "sessione è unito agli altri in «Altri territori» (e, se sono ancora meno di 5, al "
            "territorio più piccolo). Un gruppo con anche un solo conteggio da 1 a 4 ha tutti i "
            "conteggi riservati, e così uno i cui numeri, messi accanto a quelli per categoria, "
            "mostrerebbero che ha votato qualcuno di una categoria e di un territorio insieme meno "
            "di 5 persone."
        ),
        (
            Column("gruppo", _("numero del gruppo"), kind="integer", values_from="gruppi.csv, id"),
            Column("sessione", _("numero della sessione"), kind="integer", values_from="sessioni.csv, id"),
            Column("territori", _("il territorio, «nd» (non indicato) o «altre» (altri territori)")),
            Column("territori_etichetta", _("il suo nome")),
            Column(
                "punti", _("punti, vuoto se riservato"), kind="integer", unit="punti", suppression=SPLIT_RULE
            ),
            Column(
                "riservato", _("«sì» se il numero non è pubblicato"), kind="boolean", suppression=SPLIT_RULE
            ),
        ),
    ),
    Dataset(
        "categorie",
        _("Le categorie di portatori di interesse e il raggruppamento in cui sono pubblicate."),
        (
            Column("chiave", _("identificativo della categoria")),
            Column("codice", _("sigla")),
            Column("etichetta", _("nome della categoria")),
            Column(
                "raggruppamento",
                _("identificativo del raggruppamento"),
                values_from="categorie.csv, raggruppamento",
            ),
            Column("raggruppamento_etichetta", _("nome del raggruppamento")),
        ),
    ),
    Dataset(
        "schede",
        _("Le schede intervento e il loro stato."),
        (
            Column("id", _("numero della scheda"), kind="integer"),
            Column("titolo", _("titolo")),
            Column("stato", _("stato della revisione"), values=REVIEW_STATES),
            Column("area_prevalente", _("area del piano prevalente"), values=AREAS),
            Column("altre_aree", _("altre aree, separate da |"), kind="list", values=AREAS),
            Column(
                "gruppi", _("i gruppi da cui nasce, separati da |"), kind="list", values_from="gruppi.csv, id"
            ),
            Column("versione", _("numero di versione"), kind="integer"),
            Column("aggiornata_il", _("data e ora dell'ultima modifica (UTC)"), kind="datetime"),
            Column(
                "origine",
                _("da dove nasce la scheda"),
                values=("laboratori", "regionale", "continuita", "ufficio"),
            ),
            Column("rif_regionale", _("numeri delle schede regionali che attua, separati da |"), kind="list"),
            Column("rif_distrettuale", _("codice della scheda nel piano del distretto")),
            Column("ambito", _("ambito territoriale"), values=("distrettuale", "sub_distrettuale")),
            Column(
                "comuni",
                _("Comuni interessati da un intervento sub-distrettuale, separati da |"),
                kind="list",
            ),
            Column(
                "capofila",
                _("tipo di soggetto capofila"),
                values=("comune", "unione", "ausl", "asp", "altro"),
            ),
            Column("capofila_specifica", _("il soggetto capofila, precisamente")),
            Column(
                "continuita",
                _("in continuità con la programmazione precedente"),
                values=("si", "no", "in_parte"),
            ),
            Column("community_lab", _("inserita nel percorso Community Lab"), values=("si", "no")),
            Column("razionale", _("razionale: il bisogno e il perché dell'intervento (testo in Markdown)")),
            Column("descrizione", _("descrizione dell'intervento (testo in Markdown)")),
            Column("destinatari", _("a chi si rivolge (testo in Markdown)")),
            Column(
                "collegate",
                _("numeri delle schede collegate (interventi o politiche integrate), separati da |"),
                kind="list",
                values_from="schede.csv, id",
            ),
            Column(
                "collegate_testo", _("altri interventi o politiche integrate collegate (testo in Markdown)")
            ),
            Column("attori", _("istituzioni e attori sociali coinvolti (testo in Markdown)")),
            Column("risorse_non_finanziarie", _("risorse non finanziarie (testo in Markdown)")),
            Column("preventivo_note", _("note al preventivo di spesa (testo in Markdown)")),
            Column(
                "preventivo_totale",
                _("totale del preventivo di spesa su tutto il periodo"),
                kind="number",
                unit="euro",
            ),
            Column("pagina", _("indirizzo della pagina pubblica della scheda (relativo al sito)")),
        ),
    ),
    Dataset(
        "azioni",
        _("Le azioni previste di ogni scheda, nel loro ordine, ciascuna con il suo periodo."),
        (
            Column("scheda", _("numero della scheda"), kind="integer", values_from="schede.csv, id"),
            Column("numero", _("posizione dell'azione nella scheda"), kind="integer"),
            Column("testo", _("l'azione, come scritta nella scheda")),
            Column("periodo", _("quando si svolge, come scritto nella scheda (vuoto se non indicato)")),
        ),
    ),
    Dataset(
        "preventivi",
        _(
            "Il preventivo di spesa di ogni scheda: un importo per fonte di "
            "finanziamento e anno del periodo di programmazione."
        ),
        (
            Column("scheda", _("numero della scheda"), kind="integer", values_from="schede.csv, id"),
            Column(
                "fonte",
                _("fonte di finanziamento"),
                values=(
                    "fondo_sociale_locale",
                    "quota_comuni",
                    "frna",
                    "fondo_poverta",
                    "ausl",
                    "altri_fondi",
                    "altro",
                ),
            ),
            Column("fonte_etichetta", _("il suo nome")),
            Column("anno", _("anno"), kind="integer"),
            Column("importo", _("importo previsto"), kind="number", unit="euro"),
        ),
    ),
    Dataset(
        "indicatori",
        _("Gli indicatori di ogni scheda, con la situazione di partenza e l'obiettivo di ogni anno."),
        (
            Column("scheda", _("numero della scheda"), kind="integer", values_from="schede.csv, id"),
            Column("numero", _("posizione dell'indicatore nella scheda"), kind="integer"),
            Column("descrizione", _("che cosa si misura")),
            Column("situazione_partenza", _("valore di partenza, come scritto nella scheda")),
            Column("anno", _("anno dell'obiettivo (vuoto se la scheda non ne indica)"), kind="integer"),
            Column("obiettivo", _("obiettivo per quell'anno, come scritto nella scheda")),
            Column("fonte", _("da dove viene il dato")),
            Column("periodicita", _("ogni quanto si rileva")),
        ),
    ),
    Dataset(
        "monitoraggio",
        _(
            "Il monitoraggio delle schede approvate: per ogni scheda e anno rilevato, lo stato "
            "dell'intervento e l'avanzamento."
        ),
        (
            Column("scheda", _("numero della scheda"), kind="integer", values_from="schede.csv, id"),
            Column("anno", _("anno del monitoraggio"), kind="integer"),
            Column(
                "stato",
                _("stato dell'intervento"),
                values=("da_avviare", "avviata", "in_corso", "conclusa", "sospesa"),
            ),
            Column("avanzamento", _("avanzamento, da 0 a 100"), kind="integer", unit="percento"),
            Column("aggiornato_il", _("data e ora dell'ultimo aggiornamento (UTC)"), kind="datetime"),
            Column(
                "aggiornato_da",
                _("chi l'ha aggiornato, come ufficio o ruolo (mai il nome di una persona)"),
                values=("ufficio_piano", "admin", "referente"),
            ),
        ),
    ),
    Dataset(
        "monitoraggio_cronologia",
        _("La cronologia di ogni scheda approvata: che cosa è successo e quando."),
        (
            Column("scheda", _("numero della scheda"), kind="integer", values_from="schede.csv, id"),
            Column("anno", _("anno del monitoraggio"), kind="integer"),
            Column("data", _("giorno dell'evento"), kind="date"),
            Column("testo", _("che cosa è successo")),
            Column(
                "scritto_da",
                _("chi l'ha scritto, come ufficio o ruolo (mai il nome di una persona)"),
                values=("ufficio_piano", "admin", "referente"),
            ),
        ),
    ),
    Dataset(
        "monitoraggio_indicatori",
        _(
            "Il valore misurato di ogni indicatore nell'anno, con la situazione di partenza e "
            "l'obiettivo dell'anno come scritti nella scheda (o nel programma attuativo)."
        ),
        (
            Column("scheda", _("numero della scheda"), kind="integer", values_from="schede.csv, id"),
            Column("anno", _("anno del monitoraggio"), kind="integer"),
            Column(
                "numero",
                _("posizione dell'indicatore nella scheda"),
                kind="integer",
                values_from="indicatori.csv, numero",
            ),
            Column("descrizione", _("che cosa si misura")),
            Column("situazione_partenza", _("valore di partenza, come scritto nella scheda")),
            Column("obiettivo", _("obiettivo dell'anno, come scritto")),
            Column("valore", _("valore misurato nell'anno (vuoto se non rilevato)"), kind="number"),
        ),
    ),
    Dataset(
        "monitoraggio_spese",
        _("Le risorse spese nell'anno per fonte di finanziamento, accanto a quelle previste."),
        (
            Column("scheda", _("numero della scheda"), kind="integer", values_from="schede.csv, id"),
            Column("anno", _("anno del monitoraggio"), kind="integer"),
            Column("fonte", _("fonte di finanziamento"), values_from="preventivi.csv, fonte"),
            Column("fonte_etichetta", _("il suo nome")),
            Column(
                "previsto",
                _("importo previsto nell'anno (vuoto se non previsto)"),
                kind="number",
                unit="euro",
            ),
            Column("speso", _("importo speso nell'anno (vuoto se non rilevato)"), kind="number", unit="euro"),
        ),
    ),
)
