"""Phases, the countdown, merge arithmetic and the hidden-results rule, pure."""

from datetime import UTC, datetime, timedelta

import pytest

from workshop.domain import commands as c
from workshop.domain import merging, phases, results
from workshop.domain.errors import Rejected
from workshop.domain.permissions import (
    ADMIN,
    ALLARGATA,
    FACILITATOR,
    Actor,
    authorize,
    may_run_session,
)
from workshop.domain.timer import Timer

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def refused(fn, *args):
    with pytest.raises(Rejected) as e:
        fn(*args)
    return e.value.code


class TestPhases:
    def test_forward_one_step_at_a_time(self):
        for here, there in zip(phases.ORDER, phases.ORDER[1:], strict=False):
            assert phases.transition(here, there, dots_placed=0) == there
        assert refused(phases.transition, "accoglienza", "votazione", 0) == "phase_transition_invalid"

    def test_documented_steps_back(self):
        assert phases.transition("raccolta", "accoglienza", 0) == "accoglienza"
        assert phases.transition("raggruppamento", "raccolta", 0) == "raccolta"
        assert phases.transition("valutazione", "votazione", 40) == "votazione"
        assert refused(phases.transition, "votazione", "raccolta", 0) == "phase_transition_invalid"

    def test_no_regrouping_once_dots_are_placed(self):
        assert phases.transition("votazione", "raggruppamento", 0) == "raggruppamento"
        assert refused(phases.transition, "votazione", "raggruppamento", 1) == "phase_back_after_votes"

    def test_nothing_leaves_chiusa(self):
        assert refused(phases.transition, "chiusa", "valutazione", 0) == "session_closed"
        assert refused(phases.transition, "raccolta", "boh", 0) == "phase_unknown"

    @pytest.mark.parametrize(
        "command,allowed",
        [
            (c.CreateNote, {"raccolta"}),
            (c.PlaceVote, {"votazione"}),
            (c.WithdrawVote, {"votazione"}),
        ],
    )
    def test_participant_commands_only_in_their_phase(self, command, allowed):
        for phase in phases.ORDER:
            ok = phase in allowed
            try:
                phases.check(phase, phases.PARTICIPANT_PHASES[command])
                assert ok, phase
            except Rejected as e:
                assert not ok
                assert e.code == ("session_closed" if phase == "chiusa" else "wrong_phase")

    def test_scores_only_in_valutazione_and_grouping_only_while_grouping(self):
        assert refused(phases.check, "votazione", phases.STAFF_PHASES[c.RecordScore]) == "wrong_phase"
        phases.check("valutazione", phases.STAFF_PHASES[c.RecordScore])
        assert refused(phases.check, "votazione", phases.STAFF_PHASES[c.CreateCluster]) == "wrong_phase"

    def test_clients_are_told_exactly_what_the_server_checks(self):
        """The session object's `commands` (phases.CLIENT_RULES): a command is
        listed for a phase if and only if check_command lets it through."""
        assert set(phases.CLIENT_RULES["participant"]) == {
            name for name, command in c.EVENTS.items() if command in phases.PARTICIPANT_PHASES
        }
        assert set(phases.CLIENT_RULES["staff"]) == {
            name for name, command in c.EVENTS.items() if command in phases.STAFF_PHASES
        }
        for actor, table in (("participant", phases.PARTICIPANT_PHASES), ("staff", phases.STAFF_PHASES)):
            for name, allowed in phases.CLIENT_RULES[actor].items():
                assert allowed == [p for p in phases.ORDER if p in allowed]  # in phase order
                for phase in phases.ORDER:
                    try:
                        phases.check(phase, table[c.EVENTS[name]])
                        passes = True
                    except Rejected:
                        passes = False
                    assert passes == (phase in allowed), (actor, name, phase)


class TestTimer:
    def test_start_runs_down_on_server_time(self):
        t = Timer().apply("start", 300, T0)
        assert t.running and t.ends_at() == T0 + timedelta(seconds=300)
        assert t.remaining_at(T0 + timedelta(seconds=100)) == 200
        assert t.remaining_at(T0 + timedelta(seconds=900)) == 0

    def test_pause_keeps_what_is_left_and_resume_continues(self):
        t = Timer().apply("start", 300, T0).apply("pause", None, T0 + timedelta(seconds=60))
        assert not t.running and t.remaining_at(T0 + timedelta(hours=1)) == 240
        t = t.apply("resume", None, T0 + timedelta(seconds=600))
        assert t.ends_at() == T0 + timedelta(seconds=840)

    def test_extend_adds_or_removes_time(self):
        t = Timer().apply("start", 300, T0).apply("extend", 120, T0 + timedelta(seconds=100))
        assert t.remaining_at(T0 + timedelta(seconds=100)) == 320 and t.duration_s == 420
        t = t.apply("extend", -1000, T0 + timedelta(seconds=100))
        assert t.remaining_at(T0 + timedelta(seconds=100)) == 0

    def test_invalid_uses(self):
        assert refused(Timer().apply, "start", 0, T0) == "timer_invalid"
        assert refused(Timer().apply, "pause", None, T0) == "timer_invalid"
        assert refused(Timer().apply, "extend", 60, T0) == "timer_invalid"
        assert Timer().apply("start", 60, T0).apply("reset", None, T0) == Timer()


class TestMerge:
    def test_a_person_is_counted_once_on_the_merged_note(self):
        dots = {
            1: {10: 1, 11: 1},  # one dot on each copy → 1 kept, 1 back
            2: {11: 2},  # two on a copy → 2 kept
            3: {10: 1, 11: 2, 12: 1},  # → max 2 kept, 2 back
            4: {99: 3},  # voted elsewhere only → untouched
        }
        kept, refunded = merging.carry_votes(dots, 10, [11, 12])
        assert kept == {1: 1, 2: 2, 3: 2}
        assert refunded == {1: 1, 3: 2}

    def test_merge_needs_another_note(self):
        assert merging.check_merge(10, [10, 12, 11, 12]) == [11, 12]
        assert refused(merging.check_merge, 10, [10]) == "merge_invalid"


class TestResults:
    def test_totals_hidden_from_the_room_from_votazione_until_revealed(self):
        assert results.totals_public("raccolta", revealed=False)
        assert not results.totals_public("votazione", revealed=False)
        assert not results.totals_public("valutazione", revealed=False)
        assert results.totals_public("votazione", revealed=True)
        assert results.totals_public("chiusa", revealed=True)

    def test_hash_is_of_canonical_content(self):
        assert results.content_hash({"b": 1, "a": "è"}) == results.content_hash({"a": "è", "b": 1})
        assert results.content_hash({"a": 1}) != results.content_hash({"a": 2})


class TestStaffPermissions:
    def staff(self, role):
        return Actor(role=role, session_id=5, staff_id=1)

    def test_facilitator_runs_facilitation_but_never_votes_as_themselves(self):
        authorize(self.staff(FACILITATOR), c.SetPhase(cid="abcdefgh", session_id=5, phase="raccolta"))
        vote = c.PlaceVote(cid="abcdefgh", session_id=5, note_id=1)
        assert refused(authorize, self.staff(FACILITATOR), vote) == "forbidden"
        for_someone = c.PlaceVote(cid="abcdefgh", session_id=5, note_id=1, on_behalf_of="ab12")
        assert authorize(self.staff(FACILITATOR), for_someone)

    def test_participants_cannot_act_for_others_or_facilitate(self):
        p = Actor(role="participant", session_id=5, participant_id=3, public_id="x", category="asp")
        assert (
            refused(
                authorize,
                p,
                c.CreateNote(cid="abcdefgh", session_id=5, kind="caso", text="x", on_behalf_of="ab12"),
            )
            == "forbidden"
        )
        assert refused(authorize, p, c.RevealResults(cid="abcdefgh", session_id=5)) == "forbidden"

    def test_cabina_members_do_not_run_sessions(self):
        assert (
            refused(
                authorize, self.staff(ALLARGATA), c.SetPhase(cid="abcdefgh", session_id=5, phase="raccolta")
            )
            == "forbidden"
        )
        assert refused(may_run_session, ALLARGATA, 1, 1, set()) == "session_not_assigned"

    def test_who_may_open_a_session(self):
        may_run_session(FACILITATOR, 1, 1, set())  # owner
        may_run_session(FACILITATOR, 2, 1, {2})  # assigned
        may_run_session(ADMIN, 9, 1, set())  # admin
        assert refused(may_run_session, FACILITATOR, 3, 1, {2}) == "session_not_assigned"
