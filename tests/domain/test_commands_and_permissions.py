"""Command shapes and the authorization table, pure."""

import pytest

from workshop.domain import commands as c
from workshop.domain.errors import Rejected
from workshop.domain.permissions import PARTICIPANT, Actor, authorize

VALID = {"cid": "cmd-0001-abc", "session_id": 4, "kind": "proposta", "text": "Uno sportello"}


def fields_at_fault(data, command=c.CreateNote):
    with pytest.raises(Rejected) as e:
        c.parse(command, data)
    assert e.value.code == "invalid_payload"
    return {d["field"]: d["type"] for d in e.value.details}


def test_valid_payload_parses():
    cmd = c.parse(c.CreateNote, VALID)
    assert (cmd.session_id, cmd.kind, cmd.text) == (4, "proposta", "Uno sportello")


@pytest.mark.parametrize("payload", [None, "testo", 42, ["a"], True])
def test_non_object_payloads(payload):
    assert fields_at_fault(payload) == {"": "object_expected"}


def test_wrong_types_are_not_coerced():
    assert fields_at_fault({**VALID, "session_id": "4"}) == {"session_id": "int_type"}
    assert fields_at_fault({**VALID, "session_id": True}) == {"session_id": "int_type"}
    assert fields_at_fault({**VALID, "session_id": 4.0}) == {"session_id": "int_type"}
    assert fields_at_fault({**VALID, "text": ["x"]}) == {"text": "string_type"}


def test_missing_unknown_and_out_of_range_fields():
    faults = fields_at_fault({"cid": "short", "session_id": 0, "kind": 3, "extra": 1})
    assert faults == {
        "cid": "string_pattern_mismatch",
        "session_id": "greater_than_equal",
        "kind": "string_type",
        "text": "missing",
        "extra": "extra_forbidden",
    }


def test_an_unknown_kind_is_left_to_the_rule_with_its_own_code():
    assert c.parse(c.CreateNote, {**VALID, "kind": "idea"}).kind == "idea"


def test_uuid_is_a_valid_command_id():
    c.parse(c.PlaceVote, {"cid": "3b241101-e2bb-4255-8caf-4136c566a962", "session_id": 1, "note_id": 2})


def actor(session_id=4, role=PARTICIPANT):
    return Actor(role=role, session_id=session_id, participant_id=9, public_id="abc", category="cittadino")


def test_participant_may_run_note_and_vote_commands_in_own_session():
    for command in (
        c.CreateNote(**VALID),
        c.DeleteNote(cid="cmd-0001-abc", session_id=4, note_id=1),
        c.PlaceVote(cid="cmd-0001-abc", session_id=4, note_id=1),
        c.Sync(session_id=4, since=0),
    ):
        assert authorize(actor(), command).participant_id == 9


def test_command_for_another_session_or_without_join_is_refused():
    with pytest.raises(Rejected) as e:
        authorize(actor(session_id=5), c.CreateNote(**VALID))
    assert e.value.code == "not_joined"
    with pytest.raises(Rejected) as e:
        authorize(None, c.CreateNote(**VALID))
    assert e.value.code == "not_joined"


def test_role_without_permission_is_forbidden():
    with pytest.raises(Rejected) as e:
        authorize(actor(role="spectator"), c.CreateNote(**VALID))
    assert e.value.code == "forbidden"
