"""Meetings on the district's clock (domain/meetings.py)."""

from datetime import UTC, date, datetime, time

import pytest

from workshop.domain import meetings
from workshop.domain.errors import Rejected


def test_a_meeting_at_17_30_stays_at_17_30_across_summer_time():
    winter, _ = meetings.schedule(date(2027, 1, 12), time(17, 30))
    summer, end = meetings.schedule(date(2027, 6, 15), time(17, 30), time(19, 0))
    assert winter == datetime(2027, 1, 12, 16, 30, tzinfo=UTC)
    assert summer == datetime(2027, 6, 15, 15, 30, tzinfo=UTC)
    assert end == datetime(2027, 6, 15, 17, 0, tzinfo=UTC)
    assert meetings.local(summer).strftime("%H:%M") == "17:30"


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2027, 1, 12), None, None),  # a day needs a start
        (None, time(17, 0), None),  # a time needs a day
        (date(2027, 1, 12), time(17, 0), time(17, 0)),  # the end after the start
        (date(2027, 1, 12), time(17, 0), time(9, 0)),
    ],
)
def test_impossible_times_are_refused(day, start, end):
    with pytest.raises(Rejected) as caught:
        meetings.schedule(day, start, end)
    assert caught.value.code == "meeting_time_invalid"


def test_no_date_is_no_date():
    assert meetings.schedule(None, None) == (None, None)


def test_the_day_of_a_meeting_without_a_date_is_the_day_it_closed_in_rome():
    closed = datetime(2027, 3, 27, 23, 30, tzinfo=UTC)  # already the 28th in Rome
    assert meetings.day_of(None, closed, closed) == date(2027, 3, 28)
    starts = datetime(2027, 3, 20, 16, 0, tzinfo=UTC)
    assert meetings.day_of(starts, closed, closed) == date(2027, 3, 20)


def test_upcoming_until_its_end_then_past_closed_is_past():
    starts, ends = meetings.schedule(date(2027, 1, 12), time(17, 30), time(19, 0))
    during = datetime(2027, 1, 12, 17, 45, tzinfo=UTC)  # 18:45 in Rome
    after = datetime(2027, 1, 12, 18, 5, tzinfo=UTC)
    assert meetings.standing(starts, ends, False, during) == meetings.UPCOMING
    assert meetings.standing(starts, ends, False, after) == meetings.PAST
    assert meetings.standing(starts, None, False, during) == meetings.UPCOMING  # two hours by default
    assert meetings.standing(starts, ends, True, during) == meetings.PAST
    assert meetings.standing(None, None, False, during) is None
