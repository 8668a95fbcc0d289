"""The trail: hash chain, tampering caught, simultaneous decisions, returns, delegation, overdue."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from intranet import sop
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Case
from intranet.models import OutboxMessage
from intranet.models import TrailEntry
from intranet.services import trail


def put_case_at(app, case_id, step):
    """Test set-up: move a case to a step directly (the screens for steps 3–9 come later)."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.step, case.attempt = step, 1
        db.session.commit()
        return case.version


def verify(app):
    with app.app_context():
        return trail.verify_all()


def test_chain_verifies_and_a_raw_sql_edit_is_caught(app, scenario, runner):
    assert verify(app) == (1, [])
    with app.app_context():
        first = db.session.execute(db.select(TrailEntry).where(TrailEntry.seq == 1)).scalar_one()
        db.session.execute(
            text("UPDATE trail_entries SET note = 'diubah diam-diam' WHERE id = :i"),
            {"i": first.id},
        )
        db.session.commit()
    count, problems = verify(app)
    assert count == 1 and len(problems) == 1
    assert "entry #1" in problems[0] and "altered" in problems[0]
    r = runner.invoke(args=["trail", "verify"])
    assert r.exit_code != 0 and "BROKEN case" in r.output and "entry #1" in r.output


@pytest.mark.parametrize(
    "sql,what",
    [
        ("DELETE FROM trail_entries WHERE seq = 2", "entries missing"),
        ("UPDATE trail_entries SET seq = 3 WHERE seq = 2", "sequence gap"),
        ("UPDATE trail_entries SET role = 'admin' WHERE seq = 2", "altered"),
        ("UPDATE trail_entries SET prev_hash = entry_hash WHERE seq = 2", "previous hash"),
        ("UPDATE cases SET trail_head = 'x'", "chain head"),
        ("UPDATE cases SET step = 10, status = 'published'", "trail leaves it at step 3"),
        ("UPDATE cases SET attempt = 5", "attempt 5"),
        (
            "UPDATE cases SET redaktur_id = (SELECT id FROM users WHERE username = 'penulis')",
            "redaktur changed",
        ),
    ],
)
def test_every_kind_of_tampering_is_named(app, scenario, sql, what):
    with app.app_context():
        db.session.execute(text(sql))
        db.session.commit()
    _, problems = verify(app)
    assert problems and what in problems[0]


def test_twenty_simultaneous_approvals_one_wins(app, login, scenario):
    case_id = scenario["case_id"]
    version = put_case_at(app, case_id, 4)
    clients = [login("koordinator") for _ in range(20)]
    barrier = threading.Barrier(20)
    codes = []

    def approve(c):
        barrier.wait()
        r = c.post(
            f"/intranet/naskah/{case_id}/putuskan", data={"action": "approve", "version": version}
        )
        codes.append(r.status_code)
        if r.status_code not in (302, 409):  # say what refused it, should it ever happen
            said.append(re.findall(r'role="alert"[^>]*>(.*?)<', r.get_data(as_text=True), re.S))

    said = []
    threads = [threading.Thread(target=approve, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [302] + [409] * 19, said
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.step, case.trail_seq) == (5, 3)
        seqs = (
            db.session.execute(db.select(TrailEntry.seq).where(TrailEntry.case_id == case_id))
            .scalars()
            .all()
        )
        assert sorted(seqs) == [1, 2, 3]
    assert verify(app) == (1, [])


def test_twenty_simultaneous_mixed_decisions_one_wins(app, login, scenario):
    """Approvals and returns racing on one step: still exactly one decision lands."""
    case_id = scenario["case_id"]
    version = put_case_at(app, case_id, 4)
    clients = [login("koordinator") for _ in range(20)]
    barrier = threading.Barrier(20)
    codes = []

    def decide(i, c):
        data = (
            {"action": "approve", "version": version}
            if i % 2
            else {
                "action": "return",
                "to_step": "3",
                "reason": f"alasan {i}",
                "version": version,
                "confirm": "1",
            }
        )
        barrier.wait()
        codes.append(c.post(f"/intranet/naskah/{case_id}/putuskan", data=data).status_code)

    threads = [threading.Thread(target=decide, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes.count(302) == 1 and codes.count(409) == 19
    with app.app_context():
        assert db.session.get(Case, case_id).trail_seq == 3
    assert verify(app) == (1, [])


def test_return_goes_back_with_reason_and_tells_those_redoing(app, login, scenario):
    case_id = scenario["case_id"]
    version = put_case_at(app, case_id, 4)
    k = login("koordinator")
    r = k.post(
        f"/intranet/naskah/{case_id}/putuskan",
        data={"action": "return", "to_step": "2", "reason": "", "version": version},
    )
    assert r.status_code == 400 and "Alasan pengembalian wajib diisi." in r.get_data(as_text=True)
    r = k.post(
        f"/intranet/naskah/{case_id}/putuskan",
        data={"action": "return", "to_step": "5", "reason": "x", "version": version},
    )
    assert r.status_code == 400 and "hanya dapat dikembalikan ke langkah 1, 2, 3" in r.get_data(
        as_text=True
    )
    r = k.post(
        f"/intranet/naskah/{case_id}/putuskan",
        data={
            "action": "return",
            "to_step": "2",
            "reason": "Bahan kurang lengkap: lampirkan foto kegiatan.",
            "version": version,
            "confirm": "1",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.step, case.attempt) == (2, 2)
        last = case.trail[-1]
        assert (last.step, last.action, last.extra, last.note) == (
            4,
            "return",
            {"returned_to": 2, "to": 2},
            "Bahan kurang lengkap: lampirkan foto kegiatan.",
        )
        told = {
            m.to_user.username
            for m in db.session.execute(
                db.select(OutboxMessage).where(OutboxMessage.kind == "return")
            ).scalars()
        }
        assert told == {"kontributor", "redaktur"}
    page = login("kontributor").get(f"/intranet/naskah/{case_id}").get_data(as_text=True)
    assert (
        "dikembalikan" in page and "percobaan ke-2" not in page
    )  # attempt 2 of step 2 not done yet
    # the kontributor completes step 2 again: its second attempt
    r = login("kontributor").post(
        f"/intranet/naskah/{case_id}/putuskan",
        data={"action": "complete", "reason": "Foto ditambahkan."},
    )
    assert r.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.step, case.attempt) == (3, 2)
        assert (case.trail[-1].step, case.trail[-1].attempt) == (2, 2)
    assert verify(app) == (1, [])


def test_forged_actions_are_refused_and_change_nothing(app, login, scenario):
    case_id = scenario["case_id"]
    with app.app_context():
        before = db.session.get(Case, case_id).version
    for who, data, message in [
        ("penulis", {"action": "complete"}, "hanya dapat dikerjakan oleh"),
        ("redaktur", {"action": "complete"}, "Kelengkapan langkah 3 belum terpenuhi"),
        ("redaktur", {"action": "approve"}, "tidak tersedia pada langkah 3"),
        ("redaktur", {"action": "publish"}, "tidak tersedia pada langkah 3"),
        ("redaktur", {"action": "hapus"}, "Tindakan tidak dikenal"),
        ("redaktur", {"action": "complete", "role": "penanggungjawab"}, "tidak memegang peran"),
        ("redaktur", {"action": "complete", "version": "0"}, "sudah diubah orang lain"),
    ]:
        r = login(who).post(f"/intranet/naskah/{case_id}/putuskan", data=data)
        assert r.status_code in (400, 409), (who, data)
        assert message in r.get_data(as_text=True), (who, data)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.version == before and case.trail_seq == 2


def test_acting_substitute_is_named_with_the_holder(app, login):
    """The koordinator acts as Plh penanggung jawab: the trail names both people."""
    from intranet.clock import today

    pj = login("penanggungjawab")
    with app.app_context():
        from intranet.models import User

        ids = {u.username: u.id for u in db.session.execute(db.select(User)).scalars()}
    r = pj.post(
        "/intranet/tim/plh",
        data={
            "role": "penanggungjawab",
            "absent_id": ids["penanggungjawab"],
            "substitute_id": ids["koordinator"],
            "valid_from": today().isoformat(),
            "valid_until": (today() + timedelta(days=2)).isoformat(),
            "reason": "Penanggung jawab dinas luar kota",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    plh = login("koordinator")
    assert "pelaksana harian Penanggung Jawab" in plh.get("/intranet/").get_data(as_text=True)
    r = plh.post(
        "/intranet/penugasan",
        data={
            "instruction": "Liput kunjungan kerja.",
            "recipients": [ids["kontributor"]],
            "due_date": today().isoformat(),
        },
    )
    assert r.status_code == 302
    from intranet.services import intake
    from tests.fixtures.files import pdf_bytes
    from tests.fixtures.scenarios import material_data
    from tests.fixtures.scenarios import upload

    with app.test_request_context(method="POST"):
        from intranet.models import Assignment
        from intranet.models import User

        a = db.session.execute(db.select(Assignment)).scalar_one()
        assert (a.given_by.username, a.on_behalf_of.username, a.given_role) == (
            "koordinator",
            "penanggungjawab",
            "penanggungjawab",
        )
        k = db.session.get(User, ids["kontributor"])
        m = intake.register_material(material_data(), [upload(pdf_bytes(), "a.pdf")], k)
        case = intake.hand_over(
            {
                "assignment_id": a.id,
                "material_ids": [m.id],
                "title": "Kunker",
                "category_id": 1,
                "redaktur_id": ids["redaktur"],
            },
            k,
        )
        first = case.trail[0]
        assert (first.actor.username, first.on_behalf_of.username, first.role) == (
            "koordinator",
            "penanggungjawab",
            "penanggungjawab",
        )
        assert first.delegation_id is not None and first.decree_id is not None
        case_id = case.id
    page = login("redaktur").get(f"/intranet/naskah/{case_id}").get_data(as_text=True)
    assert "Plh. untuk Demo Penanggung Jawab" in page
    # revoked: the role is gone at once
    with app.app_context():
        from intranet.models import Delegation

        did = db.session.execute(db.select(Delegation.id)).scalar_one()
    assert pj.post(f"/intranet/tim/plh/{did}/cabut").status_code == 302
    assert (
        plh.post(
            "/intranet/penugasan",
            data={
                "instruction": "x",
                "recipients": [ids["kontributor"]],
                "due_date": today().isoformat(),
            },
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"role": "admin"}, "Pilihan tidak valid"),
        ({"absent_id": "__penulis__"}, "tidak memegang peran itu"),
        ({"substitute_id": "__penanggungjawab__"}, "tidak dapat menunjuk dirinya sendiri"),
        (
            {
                "role": "koordinator",
                "absent_id": "__koordinator__",
                "substitute_id": "__koordinator__",
            },
            "harus orang lain",
        ),
        ({"valid_until": "2020-01-01"}, "Tanggal akhir tidak boleh sebelum tanggal mulai."),
        ({"reason": ""}, "Wajib diisi."),
        ({"valid_from": "31-12-2026"}, "Tanggal tidak valid"),
    ],
)
def test_delegation_bad_input(app, login, overrides, message):
    from intranet.clock import today
    from intranet.models import User
    from tests.app.test_csrf import snapshot

    with app.app_context():
        ids = {u.username: str(u.id) for u in db.session.execute(db.select(User)).scalars()}
    data = {
        "role": "penanggungjawab",
        "absent_id": ids["penanggungjawab"],
        "substitute_id": ids["koordinator"],
        "valid_from": today().isoformat(),
        "valid_until": today().isoformat(),
        "reason": "Cuti",
    }
    data.update({k: ids[v.strip("_")] if v.startswith("__") else v for k, v in overrides.items()})
    c = login("penanggungjawab")
    before = snapshot(app)
    r = c.post("/intranet/tim/plh", data=data)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_overdue_steps_are_marked(app, login, scenario):
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        case.step_started_at = utcnow() - timedelta(days=7)
        db.session.commit()
    assert "terlambat" in login("redaktur").get("/intranet/").get_data(as_text=True)
    assert "terlambat" in login("arsiparis").get("/intranet/naskah/").get_data(as_text=True)


def test_a_case_keeps_the_definition_it_started_under(app, login, scenario, tmp_path, monkeypatch):
    base = (sop.FOLDER / "sop-3-2022-v3.toml").read_text()
    (tmp_path / "v3.toml").write_text(base)
    (tmp_path / "v4.toml").write_text(
        base.replace("version = 3", "version = 4").replace("standard_days = 1", "standard_days = 3")
    )
    monkeypatch.setattr(sop, "FOLDER", tmp_path)
    sop.definitions.cache_clear()
    try:
        with app.app_context():
            old = db.session.get(Case, scenario["case_id"])
            assert (old.definition_version, old.definition().step(3).standard_days) == (3, 1)
            assert sop.current().version == 4
        page = (
            login("redaktur").get(f"/intranet/naskah/{scenario['case_id']}").get_data(as_text=True)
        )
        assert "v3" in page
    finally:
        sop.definitions.cache_clear()


def test_an_edited_definition_in_use_is_detected(app, scenario):
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        case.definition_sha256 = "0" * 64
        with pytest.raises(sop.DefinitionError, match="changed after case"):
            case.definition()


def test_a_saved_revision_or_concept_edited_by_sql_is_caught(app, scenario):
    from tests.fixtures.scenarios import build_preview

    build_preview(app, scenario["case_id"])
    with app.app_context():
        from intranet.clock import utcnow

        case = db.session.get(Case, scenario["case_id"])
        case.step, case.step_started_at = 7, utcnow()
        db.session.commit()
    # the set-up moved the case without trail entries; bring the trail's view in line first
    with app.app_context():
        db.session.execute(text("UPDATE cases SET step = 3"))
        db.session.commit()
    assert verify(app) == (1, [])
    with app.app_context():
        db.session.execute(text("UPDATE revisions SET body_html = '<p>diganti diam-diam</p>'"))
        db.session.commit()
    _, problems = verify(app)
    assert problems and "revision 1 altered after it was saved" in problems[0]
