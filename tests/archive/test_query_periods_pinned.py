"""The periods a date filter names, pinned day by day: ``_period`` turns a day, a month or a
year into the index's day numbers of its first day and of the day after it, up to the last
year a date can have."""

from datetime import date
from datetime import datetime

import pytest

from archive.query import QueryError
from archive.query import _period

#: One past the last day a date can have: the open end of the last month and the last year.
END = date.max.toordinal() + 1


def days(first, after):
    return first.toordinal(), (after.toordinal() if after else END)


@pytest.mark.parametrize(
    "value, first, after",
    [
        # days
        ("2024-02-29", date(2024, 2, 29), date(2024, 3, 1)),
        ("2024-12-31", date(2024, 12, 31), date(2025, 1, 1)),
        (" 2024-01-01 ", date(2024, 1, 1), date(2024, 1, 2)),
        ("0001-01-01", date(1, 1, 1), date(1, 1, 2)),
        (date(2024, 7, 17), date(2024, 7, 17), date(2024, 7, 18)),
        (datetime(2024, 7, 17, 23, 59), date(2024, 7, 17), date(2024, 7, 18)),
        # months: from the first to the first of the next, across the year's end
        ("2024-01", date(2024, 1, 1), date(2024, 2, 1)),
        ("2024-02", date(2024, 2, 1), date(2024, 3, 1)),
        ("2024-11", date(2024, 11, 1), date(2024, 12, 1)),
        ("2024-12", date(2024, 12, 1), date(2025, 1, 1)),
        ("9999-11", date(9999, 11, 1), date(9999, 12, 1)),
        ("9999-12", date(9999, 12, 1), None),
        # years
        ("2024", date(2024, 1, 1), date(2025, 1, 1)),
        ("0001", date(1, 1, 1), date(2, 1, 1)),
        ("9998", date(9998, 1, 1), date(9999, 1, 1)),
        ("9999", date(9999, 1, 1), None),
    ],
)
def test_a_period_runs_from_its_first_day_to_the_day_after_it(value, first, after):
    assert _period(value) == days(first, after)


@pytest.mark.parametrize(
    "value",
    [
        "2024-13",
        "2024-00",
        "2024-02-30",
        "2023-02-29",
        "0000",
        "0000-01",
        "24-01-01",
        "2024/01",
        "2024-1",
        "kemarin",
        "",
        "20240",
    ],
)
def test_what_is_no_day_month_or_year_is_refused_by_name(value):
    with pytest.raises(QueryError, match="bukan tanggal"):
        _period(value)
