"""The priority formula against the sample labs, with expected ranks worked out by hand.

Sample sessions: 20 participants, 3 dots each (60 available), cap 2 per item, so
Sn = dots / 60 / (2/3) = dots / 40, and Q = (mean score − 1) / 4.

Dimissioni difficili                      Sn      Q        index
  A1 14 dots, scores 4-3-4 (mean 3.667)   0.350   0.6667   50.83
  A2 19 dots, scores 5-4-5 (mean 4.667)   0.475   0.9167   69.58
  A3 17 dots, scores 5-2-5 (mean 4.000)   0.425   0.7500   58.75
  A4 10 dots, scores 3-4-3 (mean 3.333)   0.250   0.5833   41.67
Lavoro e svantaggio sociale
  B1 13 dots, 4-3-4                       0.325   0.6667   49.58
  B2 21 dots, 5-3-4 (mean 4.000)          0.525   0.7500   63.75
  B3 16 dots, 4-5-4 (mean 4.333)          0.400   0.8333   61.67
  B4 10 dots, 3-4-3                       0.250   0.5833   41.67

Together: A2, B2, B3, A3, A1, B1, then A4 and B4 tie at 41.67 with equal
support, urgenza and impatto: the earlier session comes first, whatever the
breadth (the rank is published; breadth comes from the split by category).
"""

import json
import math
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources

import pytest

from workshop.domain.priority import ClusterFacts, Scores, breadth, priority, rank

SAMPLE = json.loads(resources.files("workshop").joinpath("data/sample_labs.json").read_text())


def facts_of(session_index, session_id, by_category=None):
    sample = SAMPLE["sessions"][session_index]
    out = []
    for n, cluster in enumerate(sample["clusters"], start=1):
        out.append(
            ClusterFacts(
                session_id=session_id,
                cluster_id=session_id * 100 + n,
                dots=cluster["dots"],
                voters=sample["participants"],
                budget=sample["dots_per_participant"],
                cap=2,
                by_category=(by_category or {}).get(cluster["id"], {}),
                categories_voting=4,
                scores=Scores(**cluster["scores"]),
            )
        )
    return out


def test_single_lab_by_hand():
    ranked = rank(facts_of(0, 1))
    assert [p.facts.cluster_id for p in ranked] == [102, 103, 101, 104]  # A2, A3, A1, A4
    assert [round(p.index, 2) for p in ranked] == [69.58, 58.75, 50.83, 41.67]
    a2 = ranked[0]
    assert a2.support == pytest.approx(19 / 60)
    assert a2.support_normalized == pytest.approx(0.475)
    assert a2.scores_component == pytest.approx(11 / 12)


def test_both_labs_together_and_a_tie_never_decided_by_the_split():
    # A4's dots come from two categories, B4's from four, evenly: B4 is broader,
    # and yet the earlier session's A4 comes first (the published order must not
    # tell how the dots were spread across categories).
    spread = {
        "A4": {"cittadino": 5, "associazione": 5},
        "B4": {"cittadino": 3, "ausl": 3, "comune": 2, "cooperativa_sociale": 2},
    }
    names = {101: "A1", 102: "A2", 103: "A3", 104: "A4", 201: "B1", 202: "B2", 203: "B3", 204: "B4"}
    for split in (spread, {"A4": spread["B4"], "B4": spread["A4"]}):
        ranked = rank(facts_of(0, 1, split) + facts_of(1, 2, split))
        assert [names[p.facts.cluster_id] for p in ranked] == ["A2", "B2", "B3", "A3", "A1", "B1", "A4", "B4"]
    assert ranked[-1].index == pytest.approx(ranked[-2].index)


def test_a_big_lab_does_not_outweigh_a_small_one():
    """The same share of its own room gives the same support, whatever the room's size."""
    big = priority(ClusterFacts(1, 1, dots=48, voters=80, budget=3, cap=2))
    small = priority(ClusterFacts(2, 2, dots=7, voters=12, budget=3, cap=2))
    assert big.support == pytest.approx(0.2) and small.support == pytest.approx(7 / 36)
    assert big.index == pytest.approx(15.0) and small.index == pytest.approx(100 * 0.5 * 7 / 24)


def test_unscored_clusters_rank_on_support_and_are_flagged():
    p = priority(ClusterFacts(1, 1, dots=20, voters=20, budget=3, cap=2))
    assert not p.scored and p.scores_component == 0 and p.index == pytest.approx(25.0)


def test_breadth_is_evenness_over_the_categories_that_voted():
    assert breadth({"a": 5}, categories_voting=4) == 0.0
    assert breadth({"a": 2, "b": 2, "c": 2, "d": 2}, categories_voting=4) == pytest.approx(1.0)
    assert breadth({"a": 3, "b": 1}, 2) == pytest.approx(
        -(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / math.log(2)
    )
    assert breadth({}, 4) == 0.0


# -- a priority across meetings (groups carried forward, one line) ----------------


def meeting(
    session_id, cluster_id, dots, voters, lineage=None, scores=None, by_category=None, categories_voting=0
):
    return ClusterFacts(
        session_id=session_id,
        cluster_id=cluster_id,
        dots=dots,
        voters=voters,
        budget=3,
        cap=2,
        by_category=by_category or {},
        categories_voting=categories_voting,
        scores=scores,
        lineage=lineage,
    )


def test_two_meetings_combine_by_hand():
    """The docstring's example: each room normalised first, then the mean.

    meeting 1: 19 of 60 dots, S = 0.31667, Sn = 0.475; meeting 2: 6 of 30, S = 0.2,
    Sn = 0.3; Q from meeting 2's scores 4-4-5: (13/3 − 1)/4 = 0.8333.
    Sn = 0.3875, index = 100 × (0.19375 + 0.41667) = 61.04."""
    p = priority(
        meeting(1, 11, 19, 20, scores=Scores(5, 4, 5)),
        meeting(2, 21, 6, 10, lineage=11, scores=Scores(4, 4, 5)),
    )
    assert p.support == pytest.approx((19 / 60 + 6 / 30) / 2)
    assert p.support_normalized == pytest.approx(0.3875)
    assert p.scores_component == pytest.approx(10 / 12)
    assert p.index == pytest.approx(61.0417, abs=1e-4)
    assert (p.dots, p.voters, p.available) == (25, 30, 90)
    assert p.facts.session_id == 2 and p.scores == Scores(4, 4, 5)  # shown as it stands now


def test_the_docstring_example():
    """domain/priority.py: Sn = 0.3875, scores 3-4-5 at meeting 2 (Q = 0.75): 56.875.
    Meeting 1's scores, older, do not count once meeting 2 has scored the group."""
    p = priority(
        meeting(1, 11, 19, 20, scores=Scores(1, 1, 1)),
        meeting(2, 21, 6, 10, lineage=11, scores=Scores(3, 4, 5)),
    )
    assert p.scores_component == pytest.approx(0.75) and p.index == pytest.approx(56.875)


def test_a_big_meeting_weighs_what_a_small_one_weighs():
    """Sums would let the 80-person meeting decide; the mean of shares does not."""
    a = priority(meeting(1, 11, 48, 80), meeting(2, 21, 18, 12, lineage=11))
    b = priority(meeting(1, 11, 18, 12), meeting(2, 21, 48, 80, lineage=11))
    assert a.support_normalized == pytest.approx(b.support_normalized)
    assert a.support_normalized == pytest.approx((0.3 + 0.75) / 2)


def test_a_meeting_where_nobody_voted_is_left_out_one_with_no_dots_for_it_counts_zero():
    alone = priority(meeting(1, 11, 20, 20))
    with_empty_room = priority(meeting(1, 11, 20, 20), meeting(2, 21, 0, 0, lineage=11))
    assert with_empty_room.index == pytest.approx(alone.index) == pytest.approx(25.0)
    ignored_by_a_room = priority(meeting(1, 11, 20, 20), meeting(2, 21, 0, 15, lineage=11))
    assert ignored_by_a_room.index == pytest.approx(12.5)


def test_meeting_again_does_not_make_a_priority_grow_by_itself():
    once = priority(meeting(1, 11, 30, 30))
    thrice = priority(
        meeting(1, 11, 30, 30), meeting(2, 21, 30, 30, lineage=11), meeting(3, 31, 30, 30, lineage=11)
    )
    assert thrice.index == pytest.approx(once.index)


def test_breadth_pools_the_meetings_dots():
    p = priority(
        meeting(1, 11, 4, 10, by_category={"a": 4}, categories_voting=2),
        meeting(2, 21, 4, 10, lineage=11, by_category={"b": 4}, categories_voting=2),
    )
    assert p.breadth == pytest.approx(1.0)  # each meeting alone: 0


def test_the_second_dimissioni_meeting_is_the_same_priority_not_a_ninth():
    """The issue's report: a second «Dimissioni difficili» meeting on the same theme
    (A2 carried forward, nobody had voted yet when it closed) came out as a ninth,
    unlinked priority with index 0.0. One line, one priority: still eight, and A2
    keeps its rank and its index."""
    second = ClusterFacts(session_id=3, cluster_id=301, dots=0, voters=0, budget=3, cap=2, lineage=102)
    ranked = rank(facts_of(0, 1) + facts_of(1, 2) + [second])
    assert len(ranked) == 8
    assert all(p.index > 0 for p in ranked)
    a2 = ranked[0]
    assert [m.cluster_id for m in a2.meetings] == [102, 301]
    assert a2.index == pytest.approx(69.58, abs=0.01) and a2.facts.cluster_id == 301


def test_a_carried_priority_ranks_on_its_combined_support():
    """A1 (50.83 alone) carried into a meeting of 10 where it won 12 of 30 dots
    (Sn = 0.6) and the table scored it 5-4-5 (Q = 0.9167):
    Sn = (0.35 + 0.6)/2 = 0.475, index = 100 × (0.2375 + 0.45833) = 69.58 — level
    with A2, and level on support too (19/60 and (14/60 + 12/30)/2 are both 0.3167),
    urgenza and impatto: both began in meeting 1, and A1's line (101) is the earlier
    group, so A1 now comes first, ahead of A2 (102)."""
    carried = meeting(3, 301, 12, 10, lineage=101, scores=Scores(5, 4, 5))
    ranked = rank(facts_of(0, 1) + [carried])
    assert [p.facts.line for p in ranked][:2] == [101, 102]
    assert ranked[1].index == pytest.approx(ranked[0].index)
    assert ranked[1].support == pytest.approx(ranked[0].support)


def test_the_latest_meeting_is_the_latest_by_date_not_by_session_id():
    """Meetings can be created out of order: session 7, made first, meets on 20 March;
    session 5 ... no: session 9, made later, is the earlier meeting (10 March). The
    priority stands as it did at the meeting held last (20 March): its group, its
    title, its scores; and its meetings are listed in the order they were held."""
    march_20 = datetime(2026, 3, 20, 16, 30, tzinfo=UTC)
    march_10 = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)
    later = replace(meeting(7, 71, 6, 10, lineage=91, scores=Scores(3, 4, 5)), held_at=march_20)
    earlier = replace(meeting(9, 91, 19, 20, scores=Scores(1, 1, 1)), held_at=march_10)
    p = priority(later, earlier)
    assert [m.session_id for m in p.meetings] == [9, 7]
    assert p.facts.session_id == 7 and p.scores == Scores(3, 4, 5)
    assert p.scores_component == pytest.approx(0.75)


def test_same_day_meetings_go_by_start_time_then_by_id():
    morning = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    evening = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
    p = priority(
        replace(meeting(2, 21, 1, 5, scores=Scores(2, 2, 2)), held_at=morning),
        replace(meeting(1, 11, 1, 5, lineage=21, scores=Scores(5, 5, 5)), held_at=evening),
    )
    assert p.facts.session_id == 1 and p.scores == Scores(5, 5, 5)
    tie = priority(
        replace(meeting(4, 41, 1, 5), held_at=morning),
        replace(meeting(3, 31, 1, 5, lineage=41), held_at=morning),
    )
    assert [m.session_id for m in tie.meetings] == [3, 4]
