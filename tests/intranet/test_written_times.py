"""Times and labels as the case page writes them: each reader's language and time zone.

The page keeps what it has written (a time per value, language and time zone across
requests; a label once a render), so these pin that a kept answer never reaches a reader
of another language or another office time zone, and that a label is written as before
(a lazy translation, unescaped like any page text; an unknown value escaped).
"""

import re
from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import render_template_string
from markupsafe import Markup
from markupsafe import escape

from intranet.extensions import db
from intranet.models import TrailEntry


def _entry_times(app, case_id):
    with app.app_context():
        return [
            t
            for t in db.session.execute(
                db.select(TrailEntry.occurred_at).where(TrailEntry.case_id == case_id)
            ).scalars()
        ]


def _written(moment, locale, zone):
    moment = moment.replace(tzinfo=UTC)  # stored as naive UTC
    return format_datetime(moment, "medium", tzinfo=ZoneInfo(zone), locale=locale)


def _switch(client, locale, case_id):
    r = client.post("/bahasa", data={"locale": locale, "next": f"/intranet/naskah/{case_id}"})
    assert r.status_code == 302


def test_a_trail_time_is_written_in_each_readers_language(app, login, scenario):
    case_id = scenario["case_id"]
    times = _entry_times(app, case_id)
    assert times
    client = login("koordinator")
    for locale in ("id", "en", "id", "en"):  # each kept answer asked again in the other language
        _switch(client, locale, case_id)
        page = client.get(f"/intranet/naskah/{case_id}").get_data(as_text=True)
        for moment in times:
            assert _written(moment, locale, "Asia/Jakarta") in page, locale
        # the trail names the kontributor's role in the reader's language
        assert ("Kontributor" if locale == "id" else "Contributor") in page, locale
    # the two languages really write the same time differently (the test can fail)
    assert _written(times[0], "id", "Asia/Jakarta") != _written(times[0], "en", "Asia/Jakarta")


def test_a_time_is_written_in_each_offices_time_zone(app_factory):
    """The same moment in two offices' time zones, asked in turn: 23:05 UTC on the last
    day of November is the next morning in both, at different hours."""
    moment = datetime(2026, 11, 30, 23, 5, 7)
    for zone in ("Asia/Jakarta", "Asia/Jayapura", "Asia/Jakarta", "Asia/Jayapura"):
        app = app_factory(BABEL_DEFAULT_TIMEZONE=zone)
        with app.test_request_context("/"):
            written = render_template_string("{{ m|datetime }}|{{ m|datetime('short') }}", m=moment)
        expected = [
            format_datetime(moment.replace(tzinfo=UTC), fmt, tzinfo=ZoneInfo(zone), locale="id")
            for fmt in ("medium", "short")
        ]
        assert written == "|".join(expected), zone
        assert ("06.05" if zone == "Asia/Jakarta" else "08.05") in written, written


def test_labels_are_written_as_before(app):
    with app.test_request_context("/intranet/"):
        env = app.jinja_env
        source = (
            "{{ 'redaktur'|role_label }}|{{ '<b>x</b>'|role_label }}|{{ 'comment'|action_label }}"
        )
        written = render_template_string(source)
        assert written == "Redaktur|&lt;b&gt;x&lt;/b&gt;|komentar"
        # outside a page's render (a macro imported without context) the lazy label as it was
        assert str(env.filters["role_label"](env.from_string("").new_context(), "redaktur")) == (
            "Redaktur"
        )
        assert escape("<b>") == Markup("&lt;b&gt;")


def test_a_page_writes_every_comment_with_its_time(app, login, scenario):
    """Many entries on one page: each with its own time, none with another's."""
    case_id = scenario["case_id"]
    client = login("koordinator")
    for n in range(30):
        r = client.post(f"/intranet/naskah/{case_id}/komentar", data={"text": f"Catatan {n}"})
        assert r.status_code == 302
    page = client.get(f"/intranet/naskah/{case_id}").get_data(as_text=True)
    for moment in _entry_times(app, case_id):
        assert _written(moment, "id", "Asia/Jakarta") in page
    assert len(re.findall(r"Catatan \d+", page)) == 30
