"""The text rule behind «simili» and «Suggerisci gruppi», on hand-made examples."""

from __future__ import annotations

from workshop.domain import similarity as sim

# A small lab's board: every note speaks of dimissioni, as a lab's notes do.
BOARD = {
    1: "Le famiglie non sanno a chi rivolgersi dopo la dimissione dall'ospedale.",
    2: "Mancano posti letto di sollievo in struttura dopo le dimissioni.",
    3: "Servono più posti nei corsi di italiano per adulti stranieri.",
    4: "Un'assistente sociale in reparto che prepari le dimissioni con la famiglia.",
    5: "Il trasporto in ambulanza per il rientro a casa costa troppo.",
    6: "Gli ausili (letto, carrozzina) arrivano settimane dopo il rientro a casa.",
}


def test_accents_typed_or_not_are_the_same_word():
    assert sim.terms("Difficoltà, perché la città") == sim.terms("difficolta' perche' la citta")
    assert sim.terms("DIFFICOLTÀ") == sim.terms("difficoltà")
    # A typographic apostrophe is an apostrophe.
    assert sim.terms("perche\u2019") == sim.terms("perché")


def test_elisions_are_split_and_their_articles_dropped():
    assert sim.words("dell'ospedale, l'assistente e un'infermiera nell’ambulatorio") == [
        "ospedale",
        "assistente",
        "infermiera",
        "ambulatorio",
    ]


def test_stop_words_numbers_and_single_letters_are_dropped():
    assert sim.words("Non ci sono i servizi di cui abbiamo bisogno in 3 giorni") == [
        "servizi",
        "bisogno",
        "giorni",
    ]


def test_word_forms_share_one_stem():
    assert sim.terms("dimissione dimissioni") == ("dimission", "dimission")
    assert sim.terms("servizio servizi")[0] == sim.terms("servizio servizi")[1]
    assert sim.terms("famiglia famiglie")[0] == sim.terms("famiglia famiglie")[1]


def test_a_duplicate_in_different_words_is_found_first():
    draft = "Dopo le dimissioni ospedaliere le famiglie non sanno più a chi rivolgersi"
    found = sim.similar(draft, BOARD)
    assert found and found[0][0] == 1
    assert found[0][1] >= sim.SIMILAR_MIN


def test_two_unrelated_notes_that_share_a_common_word_do_not_match():
    # 2 and 3 both ask for «posti»: one for respite beds, one for language classes.
    assert 2 not in [i for i, _ in sim.similar(BOARD[3], {k: v for k, v in BOARD.items() if k != 3})]
    assert 3 not in [i for i, _ in sim.similar(BOARD[2], {k: v for k, v in BOARD.items() if k != 2})]


def test_a_word_every_note_uses_weighs_little():
    # «dimissioni» is in half the board: it alone does not make a match.
    assert sim.similar("le dimissioni", BOARD) == [] or all(
        s < sim.DUPLICATE_MIN for _, s in sim.similar("le dimissioni", BOARD)
    )


def test_at_most_three_best_first_and_the_note_being_edited_left_out():
    board = {i: f"Orari dello sportello sociale troppo brevi {word}" for i, word in enumerate(SOMEWHERE, 1)}
    found = sim.similar("orari dello sportello sociale brevi", board)
    assert [i for i, _ in found] == [1, 2, 3]
    assert 1 not in [i for i, _ in sim.similar(board[1], board, exclude=1)]


SOMEWHERE = ("ad Albinea", "a Quattro Castella", "a Vezzano", "a Casina", "a Carpineti")


def test_one_note_per_identical_text_the_best_placed():
    # A demo note and its copy carried from an earlier meeting, one typed again in capitals:
    # one slot for the three, the oldest; the other slots for notes that say something else.
    said = "Mancano posti di sollievo in struttura."
    board = {
        1: said,
        2: "Posti di sollievo in struttura per l'estate",
        3: said,
        4: "  MANCANO posti di sollievo  in struttura!",
    }
    found = [i for i, _ in sim.similar("mancano posti di sollievo in struttura", board)]
    assert found == [1, 2]
    assert [i for i, _ in sim.similar(said, board, exclude=1)] == [3, 2]
    # «Non» is a word of the text: not the same text.
    assert sim.same_text(said, "mancano  posti di sollievo in struttura")
    assert not sim.same_text(said, "Non mancano posti di sollievo in struttura.")


def test_notes_in_other_languages_do_no_harm():
    assert sim.similar("The hospital sends people home too early", BOARD) == []
    assert sim.similar("医院太早让病人回家", BOARD) == []
    assert sim.similar("المستشفى يرسل المرضى إلى المنزل مبكرا", BOARD) == []
    # Two notes in the same other language still find each other.
    other = {**BOARD, 7: "The hospital sends people home too early"}
    assert [i for i, _ in sim.similar("hospital sends people home early", other)] == [7]


def test_a_draft_of_stop_words_only_finds_nothing():
    assert sim.similar("e poi, di nuovo, per il", BOARD) == []
    assert sim.similar("", BOARD) == []


def test_suggested_groups_with_titles_from_their_distinctive_words():
    notes = {
        10: "Il rientro a casa senza ausili: il letto arriva dopo una settimana.",
        11: "Ausili e letto a casa prima del rientro dall'ospedale.",
        12: "Gli ausili per il rientro a casa vanno ordinati durante il ricovero.",
        13: "Tirocini che non diventano mai un'assunzione.",
        14: "Dopo il tirocinio nessuna assunzione: serve un passaggio concreto.",
        15: "Il bando per i contributi alle associazioni sportive esce tardi.",
    }
    suggestion = sim.suggest(notes, {i: None for i in notes}, {})
    assert [g.note_ids for g in suggestion.groups] == [(10, 11, 12), (13, 14)]
    assert all(g.cluster_id is None for g in suggestion.groups)
    first, second = (g.title.lower() for g in suggestion.groups)
    assert "ausili" in first and "rientro" in first
    assert "assunzione" in second and ("tirocini" in second or "tirocinio" in second)


def test_a_loose_note_is_suggested_into_the_existing_group_it_fits():
    notes = {
        1: "Sportello unico per le famiglie dopo la dimissione.",
        2: "Un numero unico distrettuale per le famiglie.",
        3: "Un numero di telefono unico per sapere a chi rivolgersi.",
        4: "Corsi di italiano serali per chi lavora.",
    }
    suggestion = sim.suggest(notes, {1: 7, 2: 7, 3: None, 4: None}, {7: "Punto unico per le famiglie"})
    assert suggestion.groups[0].cluster_id == 7 and suggestion.groups[0].note_ids == (3,)
    # The note that fits nothing is left alone: no group of one.
    assert all(4 not in g.note_ids for g in suggestion.groups)


def test_near_copies_are_flagged_for_merging_into_the_oldest():
    notes = {
        21: "Mancano posti di sollievo in struttura.",
        22: "Orari dello sportello troppo brevi.",
        23: "mancano i posti di sollievo nelle strutture!",
        24: "Posti di sollievo in struttura: mancano.",
    }
    suggestion = sim.suggest(notes, {i: None for i in notes}, {})
    assert [(d.into_id, d.note_ids) for d in suggestion.duplicates] == [(21, (23, 24))]
    # Only the notes a merge may take now.
    assert sim.suggest(notes, {i: None for i in notes}, {}, mergeable=[21, 22]).duplicates == ()


def test_a_copy_already_in_a_group_is_the_one_kept():
    # A merge keeps the note it goes into where it is: into the loose one, the
    # idea would leave its group.
    notes = {
        21: "Mancano posti di sollievo in struttura.",
        22: "Orari dello sportello troppo brevi.",
        23: "mancano i posti di sollievo nelle strutture!",
        24: "Posti di sollievo in struttura: mancano.",
    }
    suggestion = sim.suggest(notes, {21: None, 22: None, 23: 7, 24: 8}, {7: "Sollievo", 8: "Strutture"})
    assert [(d.into_id, d.note_ids) for d in suggestion.duplicates] == [(23, (21, 24))]


def test_nothing_to_suggest_on_an_empty_board_or_a_single_note():
    assert sim.suggest({}, {}, {}) == sim.Suggestion(groups=(), duplicates=())
    assert sim.suggest({1: "Una nota"}, {1: None}, {}).groups == ()


def test_a_suggested_title_always_fits_a_group_title():
    word = "sovra" + "a" * 300
    notes = {1: f"{word} casa rientro", 2: f"{word} casa rientro subito"}
    group = sim.suggest(notes, {1: None, 2: None}, {}).groups[0]
    assert len(group.title) == 200 and "sovraa" in group.title.lower()


def test_short_notes_of_one_theme_are_grouped_at_the_boards_own_level():
    # Short notes share a word or two at most: their similarities are small (about
    # 0.1 here), under any fixed level that still keeps unrelated notes apart.
    # The level is the board's: pairs clearly closer than its usual pair.
    notes = {
        1: "Il pulmino dei volontari per le visite in ospedale.",
        2: "Senza macchina non arrivo alle visite mediche.",
        3: "La badante costa troppo per una pensione minima.",
        4: "Un albo comunale delle badanti formate.",
        5: "Il condominio senza ascensore per chi cammina male.",
        6: "Il centro sociale chiuso la domenica.",
    }
    sims = sim._pairwise(sim.Index(notes), sorted(notes))
    level = sim.group_level(sims)
    assert sim.GROUP_FLOOR <= level < 0.2
    groups = [g.note_ids for g in sim.suggest(notes, dict.fromkeys(notes), {}).groups]
    assert (1, 2) in groups and (3, 4) in groups
    assert all(5 not in g and 6 not in g for g in groups)


def test_notes_that_share_no_word_are_never_grouped():
    notes = {
        1: "Il pulmino dei volontari.",
        2: "Badanti formate dal Comune.",
        3: "Ascensore nel condominio.",
        4: "Doposcuola gratuito.",
    }
    assert sim.suggest(notes, dict.fromkeys(notes), {}).groups == ()


def test_a_note_said_twice_does_not_raise_the_bar_for_the_other_groups():
    notes = {
        1: "Il rientro a casa senza ausili: il letto arriva dopo una settimana",
        2: "Ausili e letto a casa prima del rientro dall'ospedale",
        3: "Gli ausili per il rientro a casa vanno ordinati durante il ricovero",
        4: "Mancano posti di sollievo in struttura",
        5: "mancano posti di sollievo in struttura!",
        6: "Il bando per le associazioni sportive esce tardi",
    }
    suggestion = sim.suggest(notes, dict.fromkeys(notes), {})
    assert [g.note_ids for g in suggestion.groups] == [(1, 2, 3), (4, 5)]
    assert [(d.into_id, d.note_ids) for d in suggestion.duplicates] == [(4, (5,))]
