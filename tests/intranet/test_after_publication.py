"""The published phase is part of the SOP definition: correct, approve a correction, withdraw
and record social posts are actions the pure state machine allows or refuses.
"""

import re
from dataclasses import replace

import pytest

from intranet import sop
from intranet.extensions import db
from intranet.models import Case
from intranet.models import Revision
from intranet.models import TrailEntry
from intranet.services.articles import latest_revision
from intranet.sop import DefinitionError
from intranet.workflow import PUBLISHED
from intranet.workflow import Action
from intranet.workflow import Actor
from intranet.workflow import CaseState
from intranet.workflow import Option
from intranet.workflow import Transition
from intranet.workflow import WorkflowError
from intranet.workflow import allowed_actions
from intranet.workflow import check_edit
from intranet.workflow import correctable
from intranet.workflow import editable
from intranet.workflow import next_state
from tests.fixtures.scenarios import ARTICLE_DATA
from tests.fixtures.scenarios import build_published

D = sop.current()
REDAKTUR = Actor(1, frozenset({"redaktur"}))
PJ = Actor(2, frozenset({"penanggungjawab"}))
BOTH = Actor(3, frozenset({"redaktur", "penanggungjawab"}))
PENULIS = Actor(4, frozenset({"penulis"}))


def published(on_site=True, pending_by=None):
    """A published case; ``pending_by`` is the author of a correction waiting for approval."""
    return CaseState(
        definition=D,
        step=10,
        status=PUBLISHED,
        facts={"on_site": on_site, "correction_pending": pending_by is not None},
        revision_hash="c" * 64 if pending_by else None,
        revision_authors=frozenset({pending_by}) if pending_by else frozenset(),
    )


def test_the_current_definition_states_the_published_phase():
    assert (D.code, D.version) == ("sop-3-2022", 3)
    assert [(r.action, r.roles, r.when) for r in D.after] == [
        ("correct", ("redaktur",), ("on_site",)),
        ("approve_correction", ("penanggungjawab",), ("on_site", "correction_pending")),
        ("withdraw", ("redaktur", "penanggungjawab"), ("on_site",)),
        ("social_post", ("redaktur",), ("on_site",)),
    ]
    assert [r.action for r in D.after if r.reason] == ["withdraw"]
    assert [r.action for r in D.after if r.separate_from_author] == ["approve_correction"]
    assert [(r.action, r.edits) for r in D.after if r.edits] == [("correct", ("article",))]
    # version 1 stays as it was: its cases keep it
    assert sop.get("sop-3-2022", 1).after == ()
    assert sop.get("sop-3-2022", 1).steps == sop.get("sop-3-2022", 2).steps
    # version 3 names each step's outcome and hand-on; its rules are version 2's
    unnamed = tuple(replace(s, label=None, hand_on=None, handed=None) for s in D.steps)
    assert unnamed == sop.get("sop-3-2022", 2).steps
    assert D.after == sop.get("sop-3-2022", 2).after


@pytest.mark.parametrize(
    "state, actor, expected",
    [
        (
            published(),
            REDAKTUR,
            [
                Option("correct", "redaktur"),
                Option("withdraw", "redaktur"),
                Option("social_post", "redaktur"),
            ],
        ),
        (published(), PJ, [Option("withdraw", "penanggungjawab")]),
        (
            published(pending_by=1),
            PJ,
            [
                Option("approve_correction", "penanggungjawab"),
                Option("withdraw", "penanggungjawab"),
            ],
        ),
        (
            published(pending_by=3),
            BOTH,
            [
                Option("correct", "redaktur"),
                Option("withdraw", "redaktur"),
                Option("social_post", "redaktur"),
            ],
        ),
        (
            published(pending_by=1),
            BOTH,
            [
                Option("correct", "redaktur"),
                Option("approve_correction", "penanggungjawab"),
                Option("withdraw", "redaktur"),
                Option("social_post", "redaktur"),
            ],
        ),
        (published(on_site=False), REDAKTUR, []),
        (published(on_site=False, pending_by=1), PJ, []),
        (published(), PENULIS, []),
    ],
    ids=[
        "redaktur",
        "pj",
        "pj-pending",
        "author-holding-both",
        "both-pending",
        "withdrawn-redaktur",
        "withdrawn-pj",
        "penulis",
    ],
)
def test_allowed_actions_after_publication(state, actor, expected):
    assert allowed_actions(state, actor) == expected


def test_an_allowed_action_changes_nothing_in_the_sop_state():
    t = next_state(published(pending_by=1), Action("approve_correction"), PJ)
    assert t == Transition("approve_correction", 10, "penanggungjawab", 10, PUBLISHED, False)
    t = next_state(published(), Action("withdraw", reason="Salah data"), BOTH)
    assert t == Transition("withdraw", 10, "redaktur", 10, PUBLISHED, False)
    t = next_state(published(), Action("withdraw", reason="x", role="penanggungjawab"), BOTH)
    assert t.role == "penanggungjawab"


@pytest.mark.parametrize(
    "state, action, actor, message",
    [
        (
            published(),
            Action("correct"),
            PJ,
            "Mengoreksi berita terbit hanya dapat dilakukan oleh: redaktur.",
        ),
        (
            published(pending_by=1),
            Action("approve_correction"),
            REDAKTUR,
            "Menyetujui koreksi berita terbit hanya dapat dilakukan oleh: penanggungjawab.",
        ),
        (
            published(),
            Action("withdraw", reason="x"),
            PENULIS,
            "Menarik berita dari situs hanya dapat dilakukan oleh: redaktur, penanggungjawab.",
        ),
        (
            published(),
            Action("social_post"),
            PJ,
            "Mencatat tautan media sosial resmi hanya dapat dilakukan oleh: redaktur.",
        ),
        (published(on_site=False), Action("correct"), REDAKTUR, "Berita ini tidak sedang terbit."),
        (
            published(on_site=False),
            Action("withdraw", reason="x"),
            PJ,
            "Berita ini tidak sedang terbit.",
        ),
        (
            published(on_site=False),
            Action("social_post"),
            REDAKTUR,
            "Berita ini tidak sedang terbit.",
        ),
        (
            published(),
            Action("approve_correction"),
            PJ,
            "Tidak ada koreksi yang menunggu persetujuan.",
        ),
        (published(), Action("withdraw"), REDAKTUR, "Alasan wajib diisi."),
        (published(), Action("withdraw", reason="   "), REDAKTUR, "Alasan wajib diisi."),
        (
            published(pending_by=3),
            Action("approve_correction"),
            BOTH,
            "Anda tidak boleh menyetujui revisi yang Anda tulis sendiri.",
        ),
        (
            published(),
            Action("withdraw", reason="x", role="koordinator"),
            BOTH,
            "Anda tidak memegang peran koordinator untuk tindakan ini.",
        ),
        (
            published(),
            Action("complete"),
            REDAKTUR,
            "Naskah ini sudah selesai; tidak ada langkah yang terbuka.",
        ),
        (
            published(),
            Action("publish"),
            REDAKTUR,
            "Naskah ini sudah selesai; tidak ada langkah yang terbuka.",
        ),
        (published(), Action("hapus"), REDAKTUR, "Tindakan tidak dikenal."),
    ],
)
def test_refusals_after_publication(state, action, actor, message):
    with pytest.raises(WorkflowError, match=f"^{re.escape(message)}$"):
        next_state(state, action, actor)


def test_only_whoever_may_correct_edits_a_published_article():
    """The step editor is closed; a correction is the one way to change the article."""
    assert correctable(published(), REDAKTUR) == {"article"}
    assert correctable(published(), PJ) == set()
    assert correctable(published(on_site=False), REDAKTUR) == set()
    for actor in (REDAKTUR, PJ, BOTH):
        assert editable(published(), actor) == set()
    for what in ("concept", "article", "photos", "preview"):
        with pytest.raises(WorkflowError, match="^Naskah ini sudah selesai"):
            check_edit(published(), REDAKTUR, what)


def test_a_definition_without_rules_after_publication_allows_nothing_after_it():
    v1 = published()
    v1 = CaseState(**{**v1.__dict__, "definition": sop.get("sop-3-2022", 1)})
    assert allowed_actions(v1, BOTH) == []
    assert editable(v1, BOTH) == set() and correctable(v1, BOTH) == set()
    with pytest.raises(WorkflowError, match="^Naskah ini sudah selesai"):
        next_state(v1, Action("withdraw", reason="x"), BOTH)


BASE = (sop.FOLDER / "sop-3-2022-v2.toml").read_text()


@pytest.mark.parametrize(
    "change, message",
    [
        (('action = "withdraw"', 'action = "hapus"'), "unknown action 'hapus'"),
        (
            ('roles = ["redaktur", "penanggungjawab"]\nwhen', 'roles = ["lurah"]\nwhen'),
            "unknown role 'lurah'",
        ),
        (
            ('when = ["on_site", "correction_pending"]', 'when = ["besok"]'),
            "'when' must list some of on_site, correction_pending",
        ),
        (("reason = true", 'reason = "ya"'), "'reason' must be true or false"),
        (
            ('when = ["on_site"]\nedits = ["article"]', 'when = ["on_site"]\nedits = ["photos"]'),
            "'edits' may only list article",
        ),
        (('label = "Menarik berita dari situs"\n', ""), "'label' is missing or not a str"),
        (("separate_from_author = true", "separate = true"), "unknown keys ['separate']"),
        (
            ('action = "social_post"', 'action = "withdraw"'),
            "an after-publication action is defined twice",
        ),
    ],
)
def test_invalid_rules_after_publication_are_refused_with_where(change, message):
    old, new = change
    assert old in BASE
    with pytest.raises(DefinitionError, match=re.escape(message)):
        sop.parse(BASE.replace(old, new, 1), source="v2.toml")


# --- through the pages ----------------------------------------------------------------------


def test_the_correction_page_shows_its_editor_to_whoever_may_correct(app, login, scenario):
    cid = scenario["case_id"]
    build_published(app, cid)
    # the step editor stays closed: a published article changes only by a correction
    case_page = login("redaktur").get(f"/intranet/naskah/{cid}").get_data(as_text=True)
    assert "Tulis / koreksi berita" not in case_page and "Baca berita" in case_page
    write_page = login("redaktur").get(f"/intranet/naskah/{cid}/tulis").get_data(as_text=True)
    assert 'name="body_html"' not in write_page
    r = login("redaktur").post(
        f"/intranet/naskah/{cid}/tulis", data={**ARTICLE_DATA, "base": 1, "title": "Diam-diam"}
    )
    assert r.status_code == 400 and "Naskah ini sudah selesai" in r.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.execute(db.select(db.func.count()).select_from(Revision)).scalar_one() == 1
        )
    page = login("redaktur").get(f"/intranet/naskah/{cid}/koreksi-terbit").get_data(as_text=True)
    assert 'name="body_html"' in page and "Simpan revisi" in page
    for who in ("penanggungjawab", "penulis", "koordinator"):
        page = login(who).get(f"/intranet/naskah/{cid}/koreksi-terbit").get_data(as_text=True)
        assert 'name="body_html"' not in page, who


def test_the_case_page_offers_exactly_the_allowed_actions(app, login, scenario):
    from intranet.models import User
    from intranet.services import publishing

    cid = scenario["case_id"]
    build_published(app, cid)
    marks = {
        "correct": "Koreksi berita terbit",
        "approve_correction": "Setujui dan terbitkan koreksi",
        "withdraw": "Tarik berita dari situs",
        "social_post": "Catat tautan",
    }

    def shown(who):
        text = login(who).get(f"/intranet/naskah/{cid}").get_data(as_text=True)
        return {k for k, mark in marks.items() if mark in text}

    assert shown("redaktur") == {"correct", "withdraw", "social_post"}
    assert shown("penanggungjawab") == {"withdraw"}
    assert shown("penulis") == set()
    with app.test_request_context(method="POST"):
        red = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
        case = db.session.get(Case, cid)
        base = latest_revision(case).number
        article = publishing.article_for_case(case)
        publishing.save_published_correction(
            article, red, {**ARTICLE_DATA, "title": "Koreksi judul"}, base
        )
    assert shown("penanggungjawab") == {"approve_correction", "withdraw"}
    with app.test_request_context(method="POST"):
        red = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
        article = publishing.article_for_case(db.session.get(Case, cid))
        publishing.withdraw(article, red, "Data keliru")
    assert shown("redaktur") == set() and shown("penanggungjawab") == set()


def test_the_author_of_a_correction_may_not_approve_it(app, scenario):
    """Someone holding both roles corrects, then tries to approve: refused, nothing written."""
    from intranet.models import Membership
    from intranet.models import User
    from intranet.services import publishing
    from intranet.transactions import ServiceError

    cid = scenario["case_id"]
    build_published(app, cid)
    with app.test_request_context(method="POST"):
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        pj = users["penanggungjawab"]
        held = (
            db.session.execute(db.select(Membership).where(Membership.user_id == pj.id))
            .scalars()
            .first()
        )
        db.session.add(Membership(user_id=pj.id, decree_id=held.decree_id, role="redaktur"))
        db.session.commit()
        case = db.session.get(Case, cid)
        article = publishing.article_for_case(case)
        base = latest_revision(case).number
        publishing.save_published_correction(
            article, pj, {**ARTICLE_DATA, "title": "Koreksi sendiri"}, base
        )
        entries = db.session.execute(db.select(db.func.count()).select_from(TrailEntry)).scalar()
        with pytest.raises(
            ServiceError, match="^Anda tidak boleh menyetujui revisi yang Anda tulis sendiri.$"
        ):
            publishing.approve_published_correction(article, pj, base + 1)
        assert (
            db.session.execute(db.select(db.func.count()).select_from(TrailEntry)).scalar()
            == entries
        )
        assert article.current_number == 1


def test_a_social_post_is_noted_on_the_archive_record(app, login, scenario):
    """The archive never reads the intranet's tables: the post reaches it as a noted event."""
    from archive.models import ArchiveEvent
    from archive.models import ArchiveRecord

    cid = scenario["case_id"]
    build_published(app, cid)
    r = login("redaktur").post(
        f"/intranet/naskah/{cid}/sosial",
        data={"platform": "instagram", "url": "https://instagram.example/p/abc"},
    )
    assert r.status_code == 302
    with app.app_context():
        rid = db.session.execute(db.select(ArchiveRecord.id)).scalar_one()
        kinds = (
            db.session.execute(db.select(ArchiveEvent.kind).order_by(ArchiveEvent.id))
            .scalars()
            .all()
        )
        assert kinds == ["dibuat", "sosial"]
    page = login("arsiparis").get(f"/arsip/{rid}").get_data(as_text=True)
    assert 'Instagram: <a href="https://instagram.example/p/abc"' in page
    assert "unggahan media sosial resmi dicatat: Instagram" in page
