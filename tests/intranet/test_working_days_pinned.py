"""The due-date arithmetic pinned: known answers across weekends, holidays and zero days.

2026-11-30 is a Monday. No app: dates in, dates out.
"""

from datetime import date
from datetime import datetime

import pytest

from intranet.workflow import add_working_days
from intranet.workflow import is_overdue
from intranet.workflow import working_days_between

MON = date(2026, 11, 30)
TUE, WED, THU, FRI, SAT, SUN = (date(2026, 12, d) for d in range(1, 7))
NEXT_MON, NEXT_TUE = date(2026, 12, 7), date(2026, 12, 8)

#: (start, days, holidays) -> the due date.
ADDED = [
    (MON, 0, (), MON),
    (SAT, 0, (), SAT),
    (MON, 1, (), TUE),
    (MON, 3, (), THU),
    (MON, 4, (), FRI),
    (MON, 5, (), NEXT_MON),
    (THU, 1, (), FRI),
    (FRI, 1, (), NEXT_MON),
    (SAT, 1, (), NEXT_MON),
    (SUN, 1, (), NEXT_MON),
    (FRI, 2, (), NEXT_TUE),
    (MON, 10, (), date(2026, 12, 14)),
    (WED, 1, (THU,), FRI),
    (THU, 1, (FRI,), NEXT_MON),
    (THU, 1, (FRI, NEXT_MON), NEXT_TUE),
    # a holiday on a weekend is no extra day off
    (FRI, 1, (SAT, SUN), NEXT_MON),
    # a holiday before the start or on it changes nothing
    (TUE, 1, (MON, TUE), WED),
]


@pytest.mark.parametrize("start, days, holidays, due", ADDED)
def test_add_working_days(start, days, holidays, due):
    assert add_working_days(start, days, frozenset(holidays)) == due


def test_add_working_days_takes_a_datetime_and_answers_a_date():
    due = add_working_days(datetime(2026, 12, 4, 16, 30), 1)
    assert due == NEXT_MON
    assert type(due) is date


def test_add_working_days_without_holidays_given():
    assert add_working_days(THU, 2) == NEXT_MON


#: (start, end, holidays) -> working days between them (the start's day not counted).
BETWEEN = [
    (MON, MON, (), 0),
    (TUE, MON, (), 0),
    (MON, TUE, (), 1),
    (MON, FRI, (), 4),
    (FRI, SAT, (), 0),
    (FRI, SUN, (), 0),
    (FRI, NEXT_MON, (), 1),
    (SAT, NEXT_MON, (), 1),
    (MON, NEXT_MON, (), 5),
    (MON, FRI, (WED,), 3),
    (MON, FRI, (MON,), 4),
    (MON, FRI, (FRI,), 3),
    (MON, NEXT_MON, (SAT,), 5),
]


@pytest.mark.parametrize("start, end, holidays, days", BETWEEN)
def test_working_days_between(start, end, holidays, days):
    assert working_days_between(start, end, frozenset(holidays)) == days


def test_working_days_between_datetimes_counts_days_not_hours():
    assert working_days_between(datetime(2026, 11, 30, 23, 59), datetime(2026, 12, 1, 0, 1)) == 1
    assert working_days_between(datetime(2026, 11, 30, 0, 1), datetime(2026, 11, 30, 23, 59)) == 0


@pytest.mark.parametrize(
    "now, standard, holidays, overdue",
    [
        (THU, 3, (), False),
        (FRI, 3, (), True),
        (NEXT_MON, 5, (), False),
        (NEXT_TUE, 5, (), True),
        (FRI, 3, (WED,), False),
        (MON, 0, (), False),
        (TUE, 0, (), True),
    ],
)
def test_is_overdue_is_strictly_past_the_standard(now, standard, holidays, overdue):
    assert is_overdue(MON, now, standard, frozenset(holidays)) is overdue
