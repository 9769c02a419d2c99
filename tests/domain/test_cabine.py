"""The cabine as bodies, as pure rules: quorum, who keeps what, the decision at a
meeting, the adoption act; and which review steps and states they touch."""

from __future__ import annotations

from datetime import date

import pytest

from workshop.domain import cabine, review
from workshop.domain.errors import Rejected

TODAY = date(2026, 12, 5)


def code(fn, *args, **kwargs) -> str:
    with pytest.raises(Rejected) as e:
        fn(*args, **kwargs)
    return e.value.code


@pytest.mark.parametrize(
    ("rule", "members", "number", "required"),
    [
        ("maggioranza", 5, None, 3),
        ("maggioranza", 4, None, 3),  # half is not a majority
        ("maggioranza", 19, None, 10),
        ("maggioranza", 1, None, 1),
        ("due_terzi", 19, None, 13),
        ("due_terzi", 6, None, 4),
        ("due_terzi", 5, None, 4),
        ("numero", 19, 7, 7),
        ("numero", 5, 9, 5),  # never more than the members in office
    ],
)
def test_the_quorum_each_rule_asks_for(rule, members, number, required):
    assert cabine.required_present(rule, members, number) == required
    assert cabine.has_quorum(rule, members, required, number)
    assert not cabine.has_quorum(rule, members, required - 1, number)


def test_a_body_without_members_never_has_its_quorum():
    assert not cabine.has_quorum("maggioranza", 0, 0)
    assert not cabine.has_quorum("numero", 0, 0, 1)


def test_only_known_quorum_rules_are_adopted():
    assert cabine.check_quorum_rule("maggioranza", 7, 19) == ("maggioranza", None)  # no number for a share
    assert cabine.check_quorum_rule("numero", 7, 19) == ("numero", 7)
    for rule, number in (("metà", None), ("numero", None), ("numero", 0), ("numero", 61)):
        assert code(cabine.check_quorum_rule, rule, number, 60) == "quorum_rule_invalid"


def test_a_fixed_quorum_cannot_exceed_the_members_in_office():
    # 7 of a body of 5 was accepted: the staff page read «servono 5 su 5», the public
    # page «Numero legale: 7», and neither was what the rule said.
    assert cabine.check_quorum_rule("numero", 5, 5) == ("numero", 5)
    assert code(cabine.check_quorum_rule, "numero", 7, 5) == "quorum_number_over_members"


def test_members_have_a_name_and_a_role():
    member = cabine.clean_member("  Elena   Bartoli ", "Assessora\x00 al welfare", "")
    assert member == cabine.Member("Elena Bartoli", "Assessora al welfare", "")
    assert code(cabine.clean_member, "", "Assessora", "Comune") == "member_invalid"
    assert code(cabine.clean_member, "Elena", " ", "Comune") == "member_invalid"
    assert code(cabine.clean_member, "x" * 121, "Assessora", "") == "member_invalid"


def test_who_keeps_members_and_meetings():
    for role in ("ufficio_piano", "admin"):
        cabine.check_member_editor(role)
        cabine.check_meeting_keeper(role, "ristretta")
        cabine.check_meeting_keeper(role, "allargata")
    for role in ("ristretta", "allargata", "facilitator", "participant"):
        assert code(cabine.check_member_editor, role) == "forbidden"
    cabine.check_meeting_keeper("ristretta", "ristretta")  # a body keeps its own meetings
    assert code(cabine.check_meeting_keeper, "ristretta", "allargata") == "forbidden"
    assert code(cabine.check_meeting_keeper, "facilitator", "ristretta") == "forbidden"
    assert code(cabine.check_meeting_keeper, "admin", "comitato") == "body_not_found"


def test_each_body_decides_its_own_steps_of_the_review():
    assert cabine.outcomes("ristretta") == ["revisione_up", "allargata"]
    assert cabine.outcomes("allargata") == ["approvata", "rinviata", "non_accolta"]
    assert review.BODY_STEPS == {
        ("ristretta", "revisione_up"),
        ("ristretta", "allargata"),
        ("allargata", "approvata"),
        ("allargata", "rinviata"),
        ("allargata", "non_accolta"),
    }


def test_a_body_step_is_never_one_accounts_click_and_the_office_keeps_its_own():
    why = "Motivazione pubblica sufficiente"
    for role in ("ristretta", "admin", "ufficio_piano"):
        assert code(review.check_transition, role, "ristretta", "allargata", why) == "decided_at_meeting"
    assert code(review.check_transition, "allargata", "allargata", "approvata", why) == "decided_at_meeting"
    assert review.check_transition("ufficio_piano", "revisione_up", "ristretta", why) == why
    assert review.next_steps("ristretta", "ristretta") == []
    assert review.next_steps("admin", "allargata") == []
    assert review.next_steps("ufficio_piano", "revisione_up") == ["bozza", "ristretta"]


def test_a_scheda_is_public_once_sent_to_the_cabina():
    assert not review.is_public("bozza") and not review.is_public("revisione_up")
    assert all(
        review.is_public(s) for s in ("ristretta", "allargata", "approvata", "rinviata", "non_accolta")
    )


def facts(**over) -> cabine.MeetingFacts:
    values = {
        "body": "ristretta",
        "rule": "maggioranza",
        "number": None,
        "members": 5,
        "present": 3,
        "held_on": TODAY,
        "frozen": False,
        "on_agenda": True,
    }
    return cabine.MeetingFacts(**(values | over))


def decide(
    f, current="ristretta", target="allargata", motivation="Capofila e indicatori definiti", votes=None
):
    return cabine.check_decision(f, current, target, motivation, votes or cabine.Votes(), TODAY)


def test_a_meeting_with_its_quorum_decides_with_a_motivation():
    assert decide(facts()) == "Capofila e indicatori definiti"
    assert decide(facts(body="allargata", members=19, present=10), "allargata", "non_accolta")
    assert decide(facts(), votes=cabine.Votes(2, 0, 1))  # favorevoli + contrari + astenuti ≤ presenti


def test_what_a_meeting_cannot_decide():
    assert code(decide, facts(present=2)) == "no_quorum"
    assert code(decide, facts(members=0, present=0)) == "no_quorum"
    assert code(decide, facts(frozen=True)) == "meeting_frozen"
    assert code(decide, facts(on_agenda=False)) == "not_on_agenda"
    assert code(decide, facts(held_on=date(2026, 12, 6))) == "meeting_not_held"
    # Only the body's own steps, from the state the scheda is in before it.
    assert code(decide, facts(), "ristretta", "approvata") == "review_transition_invalid"
    assert code(decide, facts(), "allargata", "approvata") == "review_transition_invalid"
    assert code(decide, facts(body="allargata"), "ristretta", "allargata") == "review_transition_invalid"
    assert code(decide, facts(), "ristretta", "allargata", "troppo") == "motivation_invalid"
    assert code(decide, facts(), votes=cabine.Votes(3, 1, None)) == "votes_invalid"  # 4 > 3 present
    assert code(decide, facts(), votes=cabine.Votes(-1, None, None)) == "votes_invalid"


def test_the_quorum_is_checked_before_anything_else_of_the_decision():
    # A meeting without quorum is refused as such, whatever the votes say.
    assert code(decide, facts(present=1), votes=cabine.Votes(9, 9, 9)) == "no_quorum"


def test_the_adoption_act_has_body_day_and_number():
    found = cabine.clean_adoption(
        "Accordo di Programma",
        "Comitato di Distretto",
        date(2019, 4, 10),
        "12",
        "https://example.org/atto",
        300,
    )
    assert found.number == "12" and found.url == "https://example.org/atto"
    assert cabine.clean_adoption("Accordo", "Comitato", date(2019, 4, 10), "12", "", 300).url == ""
    assert code(cabine.clean_adoption, "Accordo", "Comitato", None, "12", "", 300) == "adoption_invalid"
    assert code(cabine.clean_adoption, "", "Comitato", date(2019, 4, 10), "12", "", 300) == "adoption_invalid"
    for url in ("javascript:alert(1)", "ftp://example.org/x", "example.org/atto", "https://"):
        assert (
            code(cabine.clean_adoption, "Accordo", "Comitato", date(2019, 4, 10), "12", url, 300)
            == "adoption_url_invalid"
        )


def test_a_meeting_day_is_within_the_years_a_plan_can_have():
    """Year 1 or 9999 is a slip of the keyboard (and a meeting «held» in year 1
    could decide at once): refused with the bounds."""
    assert cabine.clean_meeting(date(2026, 12, 5), " Sala ") == (date(2026, 12, 5), "Sala")
    for day in (date(1, 1, 1), date(1999, 12, 31), date(2101, 1, 1), date(9999, 12, 31)):
        with pytest.raises(Rejected) as refused:
            cabine.clean_meeting(day, "Sala")
        assert refused.value.code == "body_meeting_day_invalid"
        assert refused.value.params == {"min": cabine.YEAR_MIN, "max": cabine.YEAR_MAX}
