"""Step 7: the unpublished preview and its signed, expiring, per-person links."""

import re
from datetime import timedelta

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Case
from intranet.models import OutboxMessage
from intranet.models import Preview
from intranet.models import PreviewOpening
from tests.fixtures.scenarios import ARTICLE_DATA
from tests.fixtures.scenarios import build_preview
from tests.intranet.test_trail import put_case_at


def links(app):
    with app.app_context():
        rows = (
            db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "preview"))
            .scalars()
            .all()
        )
        # the expiry is told in the office's own time
        assert all(
            re.search(r"berlaku sampai \d\d-\d\d-\d{4} \d\d:\d\d WIB\.", m.body) for m in rows
        )
        return {
            m.to_user.username: re.search(r"http://localhost(/pratinjau/\S+)", m.body).group(1)
            for m in rows
        }


def test_editor_lays_out_and_submits_reviewers_open_without_login(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    editor = login("editor")
    page = editor.get(f"/intranet/naskah/{cid}/pratinjau").get_data(as_text=True)
    assert "PREVIEW — belum terbit" in page and ARTICLE_DATA["title"] in page
    assert (
        editor.post(f"/intranet/naskah/{cid}/pratinjau", data={"layout": "galeri"}).status_code
        == 302
    )
    assert (
        editor.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"}).status_code
        == 302
    )
    with app.app_context():
        case = db.session.get(Case, cid)
        assert case.step == 8
        assert (
            case.trail[-1].extra["preview_id"] is not None
            and len(case.trail[-1].extra["sent_to"]) == 2
        )
    sent = links(app)
    assert set(sent) == {"koordinator", "penanggungjawab"}
    anonymous = app.test_client()
    r = anonymous.get(sent["koordinator"])
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "PREVIEW — belum terbit" in body and "Dibuka oleh Demo Koordinator" in body
    assert r.headers["Cache-Control"] == "no-store" and "noindex" in r.headers["X-Robots-Tag"]
    photo = re.search(r'src="(/pratinjau/[^"]+/foto/\d+/penuh)"', body).group(1)
    p = anonymous.get(photo)
    assert p.status_code == 200 and p.mimetype == "image/jpeg"
    p.close()
    anonymous.get(sent["penanggungjawab"])
    with app.app_context():
        who = [o.user.username for o in db.session.execute(db.select(PreviewOpening)).scalars()]
        assert who == ["koordinator", "penanggungjawab"]


def test_tampered_and_expired_links_are_refused(app, login, scenario):
    cid = scenario["case_id"]
    token = build_preview(app, cid)
    c = app.test_client()
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "bukan-token",
        token + "x",
    ):
        r = c.get(f"/pratinjau/{bad}")
        assert r.status_code == 403 and "tidak sah" in r.get_data(as_text=True)
    with app.app_context():
        db.session.execute(db.update(Preview).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    r = c.get(f"/pratinjau/{token}")
    assert r.status_code == 410 and "kedaluwarsa" in r.get_data(as_text=True)
    assert c.get(f"/pratinjau/{token}/foto/1/penuh").status_code == 410
    with app.app_context():
        assert (
            db.session.execute(db.select(db.func.count()).select_from(PreviewOpening)).scalar_one()
            == 0
        )


class SignerClock:
    """The clock of itsdangerous's timestamp signer, which signs and ages the preview links:
    set by the test, so a link's age is what the test says, at any hour and without waiting."""

    def __init__(self, monkeypatch, now=1_767_225_600):  # 2026-01-01 00:00 UTC
        from itsdangerous.timed import TimestampSigner

        self.now = now
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: self.now)


def _preview_row_expires_later(app):
    """Move the preview's own expiry a year on, so only the link's signature age is judged."""
    with app.app_context():
        db.session.execute(db.update(Preview).values(expires_at=utcnow() + timedelta(days=365)))
        db.session.commit()


def test_signature_age_limit_is_a_setting(app_factory, monkeypatch):
    from intranet.cli import load_demo
    from tests.conftest import PASSWORD
    from tests.fixtures.scenarios import build_scenario

    clock = SignerClock(monkeypatch)
    app = app_factory(PREVIEW_LINK_DAYS=0)
    with app.app_context():
        load_demo(PASSWORD)
    token = build_preview(app, build_scenario(app)["case_id"])
    _preview_row_expires_later(app)
    c = app.test_client()
    assert c.get(f"/pratinjau/{token}").status_code == 200  # signed this very second
    clock.now += 1
    r = c.get(f"/pratinjau/{token}")
    assert r.status_code == 410 and "kedaluwarsa" in r.get_data(as_text=True)


def test_a_link_is_good_for_exactly_its_days(app, scenario, monkeypatch):
    clock = SignerClock(monkeypatch)
    token = build_preview(app, scenario["case_id"])
    _preview_row_expires_later(app)
    c = app.test_client()
    clock.now += app.config["PREVIEW_LINK_DAYS"] * 86400
    assert c.get(f"/pratinjau/{token}").status_code == 200  # the last second of its days
    clock.now += 1
    r = c.get(f"/pratinjau/{token}")
    assert r.status_code == 410 and "kedaluwarsa" in r.get_data(as_text=True)
    assert c.get(f"/pratinjau/{token}/foto/1/penuh").status_code == 410


def test_a_preview_of_an_older_revision_does_not_complete_step_7(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    put_case_at(app, cid, 5)
    from intranet.services.articles import latest_revision

    with app.app_context():
        n = latest_revision(db.session.get(Case, cid)).number
    assert (
        login("penulis")
        .post(
            f"/intranet/naskah/{cid}/tulis", data={**ARTICLE_DATA, "title": "Judul baru", "base": n}
        )
        .status_code
        == 302
    )
    put_case_at(app, cid, 7)
    r = login("editor").post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"})
    assert r.status_code == 400 and "preview dari revisi terakhir" in r.get_data(as_text=True)


def test_only_the_editor_lays_out_at_step_7(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    r = login("penulis").post(f"/intranet/naskah/{cid}/pratinjau", data={"layout": "standar"})
    assert r.status_code == 303
    put_case_at(app, cid, 7)
    editor = login("editor")
    r = editor.post(f"/intranet/naskah/{cid}/pratinjau", data={"layout": "miring"})
    assert r.status_code == 302
    assert "Pilihan tidak valid" in editor.get(r.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Preview)).scalar_one() == 1


def test_links_stop_working_when_they_should(app, login, scenario):
    from intranet.models import User

    cid = scenario["case_id"]
    token = build_preview(app, cid)
    c = app.test_client()
    assert c.get(f"/pratinjau/{token}").status_code == 200
    # superseded by a newer preview
    newer = build_preview(app, cid)
    r = c.get(f"/pratinjau/{token}")
    assert r.status_code == 410 and "lebih baru" in r.get_data(as_text=True)
    assert c.get(f"/pratinjau/{newer}").status_code == 200
    # the recipient deactivated
    with app.app_context():
        db.session.execute(
            db.update(User).where(User.username == "penanggungjawab").values(active=False)
        )
        db.session.commit()
    assert c.get(f"/pratinjau/{newer}").status_code == 403
    with app.app_context():
        db.session.execute(
            db.update(User).where(User.username == "penanggungjawab").values(active=True)
        )
        db.session.execute(db.update(Case).where(Case.id == cid).values(status="published"))
        db.session.commit()
    assert c.get(f"/pratinjau/{newer}").status_code == 410


def test_a_recipient_without_a_reviewing_role_cannot_open(app, scenario):
    token = build_preview(app, scenario["case_id"], recipient="penulis")
    assert app.test_client().get(f"/pratinjau/{token}").status_code == 403


def test_preview_photos_stay_within_their_case_and_out_of_shared_caches(app, login, scenario):
    import re

    from tests.fixtures.scenarios import build_scenario

    cid = scenario["case_id"]
    token = build_preview(app, cid)
    c = app.test_client()
    body = c.get(f"/pratinjau/{token}").get_data(as_text=True)
    photo = re.search(r'src="(/pratinjau/[^"]+/foto/\d+/penuh)"', body).group(1)
    r = c.get(photo)
    assert r.headers["Cache-Control"] == "private, no-store"
    r.close()
    other = build_scenario(app)
    assert c.get(f"/pratinjau/{token}/foto/{other['photo_id']}/penuh").status_code == 404


def test_signed_preview_page_has_nothing_executable(app, login, scenario):
    from tests.fixtures.xss import executable
    from tests.fixtures.xss import variants

    cid = scenario["case_id"]
    build_preview(app, cid)
    put_case_at(app, cid, 5)
    payload = "".join(variants()[:60])
    with app.app_context():
        from intranet.services.articles import latest_revision

        n = latest_revision(db.session.get(Case, cid)).number
    assert (
        login("penulis")
        .post(
            f"/intranet/naskah/{cid}/tulis",
            data={
                **ARTICLE_DATA,
                "base": n,
                "body_html": "<p>Isi</p>" + payload,
                "summary": payload[:900],
                "accept_drops": "y",
            },
        )
        .status_code
        == 302
    )
    put_case_at(app, cid, 7)
    editor = login("editor")
    assert (
        editor.post(f"/intranet/naskah/{cid}/pratinjau", data={"layout": "galeri"}).status_code
        == 302
    )
    assert (
        editor.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"}).status_code
        == 302
    )
    for link in links(app).values():
        page = app.test_client().get(link).get_data(as_text=True)
        assert "PREVIEW — belum terbit" in page and executable(page) == []


def test_reaching_step_9_sends_the_approvers_the_corrected_text(app, login, scenario):
    cid = scenario["case_id"]
    build_preview(app, cid)
    editor, k = login("editor"), login("koordinator")
    assert (
        editor.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"}).status_code
        == 302
    )
    with app.app_context():
        from intranet.services.articles import latest_revision

        n = latest_revision(db.session.get(Case, cid)).number
    assert (
        k.post(
            f"/intranet/naskah/{cid}/tulis",
            data={**ARTICLE_DATA, "base": n, "title": "Judul terkoreksi"},
        ).status_code
        == 302
    )
    assert k.post(f"/intranet/naskah/{cid}/putuskan", data={"action": "approve"}).status_code == 302
    with app.app_context():
        case = db.session.get(Case, cid)
        assert case.step == 9
        latest = (
            db.session.execute(db.select(Preview).order_by(Preview.id.desc())).scalars().first()
        )
        assert (
            latest.revision_hash == case.revision_hash
            and case.trail[-1].extra["preview_id"] == latest.id
        )
        sent = (
            db.session.execute(
                db.select(OutboxMessage).where(
                    OutboxMessage.kind == "preview", OutboxMessage.case_id == cid
                )
            )
            .scalars()
            .all()
        )
        to_step_9 = {m.to_user.username: m.body for m in sent if "Judul terkoreksi" in m.subject}
    assert set(to_step_9) == {"penanggungjawab", "redaktur"}
    link = re.search(r"http://localhost(/pratinjau/\S+)", to_step_9["redaktur"]).group(1)
    r = app.test_client().get(link)
    assert "Judul terkoreksi" in r.get_data(as_text=True)
