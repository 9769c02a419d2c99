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
from importlib import resources

import pytest

from workshop.domain.priority import ClusterFacts, Scores, breadth, priority, rank

SAMPLE = json.loads(resources.files("workshop").joinpath("data/sample_labs.json").read_text())


def facts_of(session_index, session_id, by_category=None):
    sample = SAMPLE["sessions"][session_index]
    out = []
    for n, cluster in enumerate(sample["clusters"], start=1):
        out.append(ClusterFacts(
            session_id=session_id, cluster_id=session_id * 100 + n, dots=cluster["dots"],
            voters=sample["participants"], budget=sample["dots_per_participant"], cap=2,
            by_category=(by_category or {}).get(cluster["id"], {}), categories_voting=4,
            scores=Scores(**cluster["scores"])))
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
    spread = {"A4": {"cittadino": 5, "associazione": 5},
              "B4": {"cittadino": 3, "ausl": 3, "comune": 2, "cooperativa_sociale": 2}}
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
        -(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / math.log(2))
    assert breadth({}, 4) == 0.0
