"""The review workflow, disclosure control and drafting, pure."""

import pytest

from workshop.domain import review
from workshop.domain.drafting import SourceCluster, SourceNote, draft
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, ALLARGATA, FACILITATOR, RISTRETTA, UFFICIO_PIANO

WHY = "Motivazione pubblica sufficiente"


def code(fn, *args):
    with pytest.raises(Rejected) as e:
        fn(*args)
    return e.value.code


class TestWorkflow:
    def test_the_happy_path_needs_each_body_in_turn(self):
        path = [
            (UFFICIO_PIANO, "bozza", "revisione_up"),
            (UFFICIO_PIANO, "revisione_up", "ristretta"),
            (RISTRETTA, "ristretta", "allargata"),
            (ALLARGATA, "allargata", "approvata"),
        ]
        for role, here, there in path:
            if (here, there) in review.BODY_STEPS:  # the body's: at its meeting (domain/cabine.py)
                assert review.decided_by(here, there) == role
                assert code(review.check_transition, role, here, there, WHY) == "decided_at_meeting"
            else:
                assert review.check_transition(role, here, there, WHY) == WHY
                for other in {UFFICIO_PIANO, RISTRETTA, ALLARGATA, FACILITATOR} - {role}:
                    assert code(review.check_transition, other, here, there, WHY) == "forbidden"

    def test_sent_back_goes_to_the_ufficio_di_piano_again(self):
        assert review.decided_by("allargata", "rinviata") == ALLARGATA
        review.check_transition(UFFICIO_PIANO, "rinviata", "revisione_up", WHY)
        assert review.decided_by("ristretta", "revisione_up") == RISTRETTA

    def test_no_skipping_and_nothing_after_a_final_decision(self):
        for here, there in (
            ("bozza", "approvata"),
            ("approvata", "rinviata"),
            ("non_accolta", "revisione_up"),
        ):
            assert code(review.check_transition, ADMIN, here, there, WHY) == "review_transition_invalid"

    def test_every_step_needs_a_written_motivation(self):
        assert code(review.check_transition, UFFICIO_PIANO, "bozza", "revisione_up", "  ok ") == (
            "motivation_invalid"
        )

    def test_who_edits_what_where(self):
        review.check_edit(UFFICIO_PIANO, "bozza", {"titolo", "razionale", "capofila"})
        assert code(review.check_edit, RISTRETTA, "bozza", {"capofila"}) == "field_not_editable"
        review.check_edit(RISTRETTA, "ristretta", {"capofila", "preventivo", "indicatori", "referenti"})
        assert code(review.check_edit, RISTRETTA, "ristretta", {"rif_regionale"}) == "field_not_editable"
        assert code(review.check_edit, RISTRETTA, "ristretta", {"titolo"}) == "field_not_editable"
        assert code(review.check_edit, UFFICIO_PIANO, "ristretta", {"titolo"}) == "field_not_editable"
        assert code(review.check_edit, ADMIN, "approvata", {"titolo"}) == "scheda_frozen"

    def test_observations_come_from_the_allargata_while_it_reviews(self):
        assert review.check_observation(ALLARGATA, "allargata", " Serve il trasporto ") == (
            "Serve il trasporto"
        )
        assert code(review.check_observation, ALLARGATA, "ristretta", "x") == "wrong_review_state"
        assert code(review.check_observation, RISTRETTA, "allargata", "x") == "forbidden"

    def test_next_steps_offered_to_a_role(self):
        # The allargata's outcomes are decided at its meetings, not offered as buttons.
        assert review.next_steps(ALLARGATA, "allargata") == []
        assert review.next_steps(RISTRETTA, "allargata") == []
        assert review.next_steps(UFFICIO_PIANO, "rinviata") == ["revisione_up"]


def sample_cluster():
    return SourceCluster(
        lab_slug="dimissioni-difficili",
        lab_title="Dimissioni difficili",
        session_id=4,
        session_title="Laboratorio",
        cluster_id=11,
        title="Punto unico distrettuale",
        areas=("A", "E"),
        dots=19,
        dots_available=60,
        rank_in_session=1,
        clusters_in_session=4,
        by_category={"cittadino": 9, "ausl": 10},
        scores={"impatto": 5, "fattibilita": 4, "urgenza": 5},
        priority_index=69.58,
        snapshot_hash="ab" * 32,
        notes=(
            SourceNote(1, "problema", "Dimessa il venerdì: nessuno sapeva a chi rivolgersi.", "cittadino"),
            SourceNote(2, "proposta", "Un punto unico con orario esteso.", "comune"),
            SourceNote(3, "risorsa", "Volontari per accompagnare a casa.", "associazione"),
            SourceNote(4, "caso", "Senza dimora dimesso senza convalescenza.", "asp"),
            SourceNote(5, "proposta", "Lettera di dimissione al medico lo stesso giorno.", "ausl"),
        ),
    )


def test_a_draft_takes_each_kind_of_note_to_its_place():
    labels = {
        "cittadino": "Cittadini",
        "ausl": "AUSL",
        "comune": "Comune",
        "associazione": "Associazioni",
        "asp": "ASP",
    }
    scheda = draft([sample_cluster()], labels)
    assert scheda["titolo"] == "Punto unico distrettuale"
    assert (scheda["area_prevalente"], scheda["altre_aree"]) == ("A", ["E"])
    assert "ha raccolto 19 punti su 60 (il più votato della sessione)" in scheda["razionale"]
    assert "impatto 5/5, fattibilità 4/5, urgenza 5/5" in scheda["razionale"]
    assert "- Dimessa il venerdì" in scheda["razionale"] and "- Senza dimora" in scheda["razionale"]
    assert scheda["azioni"] == [
        {"testo": "Un punto unico con orario esteso.", "periodo": ""},
        {"testo": "Lettera di dimissione al medico lo stesso giorno.", "periodo": ""},
    ]
    assert scheda["risorse"] == "- Volontari per accompagnare a casa."
    # The categories of who took part are not implementing bodies (and could point at
    # someone of a small category): attori are left to the Ufficio di Piano.
    assert scheda["attori"] == ""
    assert scheda["capofila"] == {"tipo": "", "specifica": ""} and scheda["indicatori"] == []
    # From the labs, so part of the Community Lab programme; the rest is for the reviewers.
    assert scheda["community_lab"] == "si" and scheda["tracciabilita"]["origine"] == "laboratori"
    assert scheda["preventivo"] == {"importi": {}, "note": ""} and scheda["rif_regionale"] == []
    trace = scheda["tracciabilita"]["clusters"][0]
    assert trace["note_ids"] == [1, 2, 3, 4, 5] and trace["snapshot_hash"] == "ab" * 32
    assert trace["by_category"] == {"ausl": 10, "cittadino": 9}


def test_merged_clusters_share_one_draft():
    other = SourceCluster(
        lab_slug="lavoro",
        lab_title="Lavoro",
        session_id=5,
        session_title="L",
        cluster_id=12,
        title="Reti",
        areas=("E",),
        notes=(),
        dots=5,
        dots_available=60,
        rank_in_session=3,
        clusters_in_session=4,
    )
    scheda = draft([sample_cluster(), other], {})
    assert scheda["titolo"] == "Punto unico distrettuale / Reti"
    assert scheda["area_prevalente"] == "E" and scheda["altre_aree"] == ["A"]
    assert "3° su 4 gruppi per punti" in scheda["razionale"]
    assert len(scheda["tracciabilita"]["clusters"]) == 2


def test_a_group_voted_in_several_meetings_is_described_as_such():
    from dataclasses import replace

    line = replace(sample_cluster(), dots=27, dots_available=72, meetings=2)
    text = draft([line], {})["razionale"]
    assert "ha raccolto 27 punti su 72 in 2 incontri del laboratorio" in text
    assert "della sessione" not in text


def test_a_draft_proposes_the_ambito_from_where_its_priorities_came_from():
    from dataclasses import replace

    from workshop.domain.territory import Place

    nord = replace(sample_cluster(), places=(Place("polo", "Polo Nord"),))
    albinea = replace(sample_cluster(), cluster_id=12, places=(Place("comune", "Albinea"),))
    one = draft([nord], {})
    assert one["ambito"] == {"tipo": "sub_distrettuale", "comuni": ["Reggio nell'Emilia"]}
    assert one["tracciabilita"]["ambito_da"] == ["Polo Nord"]
    both = draft([nord, albinea], {})
    assert both["ambito"] == {"tipo": "distrettuale", "comuni": []}  # the Distretto di Reggio Emilia
    assert both["tracciabilita"]["ambito_da"] == ["Polo Nord", "Albinea"]
    unknown = draft([sample_cluster()], {})
    assert unknown["ambito"] == {"tipo": "", "comuni": []} and unknown["tracciabilita"]["ambito_da"] == []
