"""A signed preview link is its addressee's alone: the outbox never shows a working one, and
nobody signed in as someone else can open it or be recorded as its addressee."""

import re

import pytest

from intranet.extensions import db
from intranet.models import OutboxMessage
from intranet.models import PreviewOpening
from tests.fixtures.scenarios import build_preview
from tests.intranet.test_preview import links


@pytest.fixture
def sent(app, login, scenario):
    """The case at step 8 with each reviewer's link in the outbox; {username: path}."""
    cid = scenario["case_id"]
    build_preview(app, cid)
    editor = login("editor")
    r = editor.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"})
    assert r.status_code == 302
    return links(app)


def openings(app):
    with app.app_context():
        rows = db.session.execute(db.select(PreviewOpening).order_by(PreviewOpening.id))
        return [o.user.username for o in rows.scalars()]


def test_the_outbox_shows_no_working_token(app, login, sent):
    page = login("admin").get("/intranet/admin/kotak-keluar").get_data(as_text=True)
    for path in sent.values():
        assert path not in page
    shown = re.findall(r"/pratinjau/[^\s<\"']*", page)
    assert len(shown) == 2 and set(shown) == {"/pratinjau/\u2026"}
    anonymous = app.test_client()
    for path in shown:
        assert anonymous.get(path).status_code != 200
    assert openings(app) == []
    # what is sent keeps the working link
    with app.app_context():
        bodies = [
            m.body
            for m in db.session.execute(
                db.select(OutboxMessage).where(OutboxMessage.kind == "preview")
            ).scalars()
        ]
    assert all(any(path in body for body in bodies) for path in sent.values())
    assert anonymous.get(sent["koordinator"]).status_code == 200


def test_the_admin_signed_in_cannot_open_a_reviewers_link(app, login, sent):
    admin = login("admin")
    r = admin.get(sent["koordinator"])
    assert r.status_code == 403
    page = r.get_data(as_text=True)
    assert "Tautan preview ini dikirim untuk orang lain, bukan untuk Demo Admin" in page
    assert "PREVIEW — belum terbit" not in page
    photo = re.search(
        r'src="(/pratinjau/[^"]+/foto/\d+/(?:kecil|penuh))"',
        app.test_client().get(sent["koordinator"]).get_data(as_text=True),
    ).group(1)
    assert admin.get(photo).status_code == 403
    assert openings(app) == ["koordinator"]  # the anonymous opening: the addressee, as before


def test_only_the_addressee_signed_in_opens_and_is_recorded(app, login, sent):
    koordinator = login("koordinator")
    r = koordinator.get(sent["koordinator"])
    assert r.status_code == 200
    assert "Dibuka oleh Demo Koordinator" in r.get_data(as_text=True)
    assert koordinator.get(sent["penanggungjawab"]).status_code == 403
    assert openings(app) == ["koordinator"]


@pytest.mark.parametrize("username", ["penulis", "redaktur", "penanggungjawab"])
def test_another_staff_member_signed_in_is_refused(app, login, sent, username):
    r = login(username).get(sent["koordinator"])
    assert r.status_code == 403
    assert "Buka tautan yang dikirim kepada Anda sendiri" in r.get_data(as_text=True)
    assert openings(app) == []
