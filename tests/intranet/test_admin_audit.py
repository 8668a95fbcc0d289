"""Admin powers checked and logged: an admin's appointment of themself waits for the
Penanggung Jawab, removals end memberships with a date, and every admin action writes one
entry of the hash-chained audit log that ``audit verify`` and the audit page check."""

import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from intranet import audit
from intranet.clock import today
from intranet.extensions import db
from intranet.models import Delegation
from intranet.models import Holiday
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from tests.app.test_csrf import snapshot
from tests.intranet.test_admin import GOOD_USER
from tests.intranet.test_admin import decree_form


def _user(username):
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def _ids(app, username):
    """The demo decree's id and version, and the id of ``username``."""
    with app.app_context():
        d = db.session.execute(db.select(TeamDecree)).scalar_one()
        return d.id, d.version, _user(username).id


def _entries(app):
    with app.app_context():
        rows = db.session.execute(db.select(audit.AuditEntry).order_by(audit.AuditEntry.seq))
        return [
            {
                "seq": e.seq,
                "action": e.action,
                "actor": e.actor_username,
                "actor_id": e.actor_id,
                "actor_name": e.actor_name,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "changes": e.changes,
                "remote_addr": e.remote_addr,
            }
            for e in rows.scalars()
        ]


def _appoint_self(app, admin, role="penanggungjawab"):
    """The admin appoints themself under the demo decree; the new membership's id."""
    decree_id, version, me = _ids(app, "admin")
    r = admin.post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": me, "role": role, "version": version},
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        m = db.session.execute(
            db.select(Membership).where(Membership.user_id == me, Membership.role == role)
        ).scalar_one()
        return decree_id, m.id


def _roles(app, username):
    with app.app_context():
        return _user(username).roles()


# --- the self-appointment --------------------------------------------------------------------


def test_self_appointment_gives_no_role_until_the_pj_confirms(app, login):
    """The evidence: the admin appointed themself Penanggung Jawab and opened every case."""
    admin = login("admin")
    decree_id, mid = _appoint_self(app, admin)
    assert "penanggungjawab" not in _roles(app, "admin")
    assert admin.get("/intranet/naskah/").status_code == 403
    page = login("penanggungjawab").get(f"/intranet/tim/sk/{decree_id}").get_data(as_text=True)
    assert "menunggu konfirmasi penanggung jawab" in page
    assert f"/intranet/tim/sk/{decree_id}/anggota/{mid}/konfirmasi" in page
    dashboard = login("penanggungjawab").get("/intranet/").get_data(as_text=True)
    assert "Demo Admin menunjuk dirinya sendiri sebagai Penanggung Jawab" in dashboard
    team_page = login("koordinator").get("/intranet/tim/").get_data(as_text=True)
    assert team_page.count("Demo Admin") == 1  # as admin only, not yet as PJ

    r = login("penanggungjawab").post(f"/intranet/tim/sk/{decree_id}/anggota/{mid}/konfirmasi")
    assert (r.status_code, r.location) == (302, f"/intranet/tim/sk/{decree_id}")
    assert "penanggungjawab" in _roles(app, "admin")
    assert admin.get("/intranet/naskah/").status_code == 200
    with app.app_context():
        m = db.session.get(Membership, mid)
        assert (m.state, m.decided_by.username) == ("confirmed", "penanggungjawab")
    assert [(e["action"], e["actor"], e["object_id"]) for e in _entries(app)] == [
        ("membership.request", "admin", mid),
        ("membership.confirm", "penanggungjawab", mid),
    ]


def test_the_pj_refuses_and_the_row_stays_granting_nothing(app, login):
    admin = login("admin")
    decree_id, mid = _appoint_self(app, admin, role="redaktur")
    r = login("penanggungjawab").post(f"/intranet/tim/sk/{decree_id}/anggota/{mid}/tolak")
    assert r.status_code == 302
    assert "redaktur" not in _roles(app, "admin")
    with app.app_context():
        assert db.session.get(Membership, mid).state == "refused"
    page = admin.get(f"/intranet/admin/sk/{decree_id}").get_data(as_text=True)
    assert "ditolak Demo Penanggung Jawab" in page
    # decided once: neither a second refusal nor a confirmation changes it
    pj = login("penanggungjawab")
    r = pj.post(f"/intranet/tim/sk/{decree_id}/anggota/{mid}/konfirmasi")
    assert "tidak sedang menunggu konfirmasi" in pj.get(r.location).get_data(as_text=True)
    assert "redaktur" not in _roles(app, "admin")
    assert [e["action"] for e in _entries(app)] == ["membership.request", "membership.refuse"]


def test_a_pj_cannot_confirm_their_own_appointment(app, login):
    """A PJ who is also admin appoints themself: only another PJ could confirm it."""
    admin = login("admin")
    decree_id, version, pj = _ids(app, "penanggungjawab")
    r = admin.post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": pj, "role": "admin", "version": version},
    )
    assert r.status_code == 302
    assert "admin" in _roles(app, "penanggungjawab")  # someone else's appointment: at once
    pj_client = login("penanggungjawab")
    decree_id, version, _ = _ids(app, "penanggungjawab")
    r = pj_client.post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": pj, "role": "redaktur", "version": version},
    )
    assert r.status_code == 302
    with app.app_context():
        mid = db.session.execute(
            db.select(Membership.id).where(Membership.user_id == pj, Membership.role == "redaktur")
        ).scalar_one()
    before = _entries(app)
    r = pj_client.post(f"/intranet/tim/sk/{decree_id}/anggota/{mid}/konfirmasi")
    assert r.status_code == 302
    assert "harus dikonfirmasi penanggung jawab yang lain" in pj_client.get(r.location).get_data(
        as_text=True
    )
    assert "redaktur" not in _roles(app, "penanggungjawab")
    assert _entries(app) == before
    # nor may the admin, who is no PJ, confirm it: the route is the PJ's
    assert admin.post(f"/intranet/tim/sk/{decree_id}/anggota/{mid}/konfirmasi").status_code == 403
    with app.app_context():
        assert db.session.get(Membership, mid).is_pending


def test_an_acting_pj_cannot_confirm(app, login):
    """The PJ's Plh holds the role while the PJ is away, but confirming is for the PJ in person."""
    from intranet.services import delegations

    admin = login("admin")
    decree_id, mid = _appoint_self(app, admin, role="editor")
    with app.test_request_context(method="POST"):
        pj = _user("penanggungjawab")
        delegations.delegate(
            {
                "role": "penanggungjawab",
                "valid_from": today(),
                "valid_until": today(),
                "reason": "Dinas luar",
            },
            pj,
            pj,
            _user("koordinator"),
        )
    assert "penanggungjawab" in _roles(app, "koordinator")
    acting = login("koordinator")
    page = acting.get(f"/intranet/tim/sk/{decree_id}").get_data(as_text=True)
    assert f"/anggota/{mid}/konfirmasi" not in page  # no button for a right they lack
    r = acting.post(f"/intranet/tim/sk/{decree_id}/anggota/{mid}/konfirmasi")
    assert r.status_code == 403
    assert "editor" not in _roles(app, "admin")
    with app.app_context():
        assert db.session.get(Membership, mid).is_pending
    # the Plh's own dashboard does not list appointments for them to confirm
    assert "Penunjukan menunggu konfirmasi Anda" not in acting.get("/intranet/").get_data(
        as_text=True
    )
    # nor may the Plh revoke a delegation or name another substitute (the page offers neither)
    with app.app_context():
        from intranet.models import Delegation

        did = db.session.execute(db.select(Delegation.id)).scalar_one()
    page = acting.get("/intranet/tim/plh").get_data(as_text=True)
    assert f"/intranet/tim/plh/{did}/cabut" not in page and 'name="substitute_id"' not in page
    assert acting.post(f"/intranet/tim/plh/{did}/cabut").status_code == 403
    with app.app_context():
        assert db.session.get(Delegation, did).revoked_at is None


# --- ending a membership ---------------------------------------------------------------------


def test_removal_ends_the_membership_with_a_date_and_keeps_it_as_history(app, login):
    admin = login("admin")
    decree_id, version, penulis = _ids(app, "penulis")
    with app.app_context():
        mid = db.session.execute(
            db.select(Membership.id).where(Membership.user_id == penulis)
        ).scalar_one()
    r = admin.post(f"/intranet/admin/sk/{decree_id}/anggota/{mid}/hapus", data={"version": version})
    assert r.status_code == 302
    with app.app_context():
        m = db.session.get(Membership, mid)
        assert (m.ended_on, m.ended_by.username, m.role) == (today(), "admin", "penulis")
        assert _user("penulis").roles() == set()
    assert login("penulis").get("/intranet/naskah/").status_code == 403
    page = login("koordinator").get(f"/intranet/tim/sk/{decree_id}").get_data(as_text=True)
    assert "Demo Penulis" in page and "berakhir" in page
    # ending it again changes nothing; appointing again makes a new row beside the old
    _, version, _ = _ids(app, "penulis")
    r = admin.post(f"/intranet/admin/sk/{decree_id}/anggota/{mid}/hapus", data={"version": version})
    assert "sudah berakhir" in admin.get(r.location).get_data(as_text=True)
    r = admin.post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": penulis, "role": "penulis", "version": version},
    )
    assert r.status_code == 302
    assert _roles(app, "penulis") == {"penulis"}
    with app.app_context():
        rows = db.session.execute(
            db.select(Membership).where(Membership.user_id == penulis)
        ).scalars()
        assert sorted((m.ended_on is None) for m in rows) == [False, True]
    entries = _entries(app)
    assert [e["action"] for e in entries] == ["membership.end", "membership.add"]
    end = entries[0]["changes"]
    assert end["before"]["ended_on"] is None and end["after"]["ended_on"] == today().isoformat()


# --- one entry per admin action --------------------------------------------------------------


def _create_user(app, login):
    r = login("admin").post("/intranet/admin/pengguna", data=GOOD_USER)
    assert r.status_code == 302
    with app.app_context():
        return _user("siti.aminah").id


def _deactivate(app, login):
    with app.app_context():
        u = _user("penulis")
        uid, version = u.id, u.version
    r = login("admin").post(f"/intranet/admin/pengguna/{uid}/status", data={"version": version})
    assert r.status_code == 302
    return uid


def _reactivate(app, login):
    uid = _deactivate(app, login)
    with app.app_context():
        version = db.session.get(User, uid).version
        db.session.execute(audit.AuditEntry.__table__.delete())
        db.session.execute(audit.AuditHead.__table__.update().values(seq=0, entry_hash="0" * 64))
        db.session.commit()
    r = login("admin").post(f"/intranet/admin/pengguna/{uid}/status", data={"version": version})
    assert r.status_code == 302
    return uid


def _reset_password(app, login):
    with app.app_context():
        u = _user("penulis")
        uid, version = u.id, u.version
    r = login("admin").post(
        f"/intranet/admin/pengguna/{uid}/sandi",
        data={
            "new_password": "sandi-baru-2026",
            "confirm_password": "sandi-baru-2026",
            "version": version,
        },
    )
    assert r.status_code == 302
    return uid


def _record_decree(app, login):
    r = login("admin").post(
        "/intranet/admin/sk", data=decree_form(), content_type="multipart/form-data"
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(
            db.select(TeamDecree.id).where(TeamDecree.number.like("12/%"))
        ).scalar_one()


def _add_member(app, login):
    decree_id, version, uid = _ids(app, "penulis")
    r = login("admin").post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": uid, "role": "kontributor", "version": version},
    )
    assert r.status_code == 302
    with app.app_context():
        return db.session.execute(
            db.select(Membership.id).where(
                Membership.role == "kontributor", Membership.user_id == uid
            )
        ).scalar_one()


def _end_member(app, login):
    decree_id, version, uid = _ids(app, "editor")
    with app.app_context():
        mid = db.session.execute(db.select(Membership.id).where(Membership.user_id == uid)).scalar()
    r = login("admin").post(
        f"/intranet/admin/sk/{decree_id}/anggota/{mid}/hapus", data={"version": version}
    )
    assert r.status_code == 302
    return mid


def _create_category(app, login):
    r = login("admin").post("/intranet/admin/kategori", data={"name": "Siaran Pers", "active": "y"})
    assert r.status_code == 302
    with app.app_context():
        return db.session.execute(
            text("SELECT id FROM categories WHERE slug = 'siaran-pers'")
        ).scalar()


def _update_category(app, login):
    r = login("admin").post(
        "/intranet/admin/kategori/1", data={"name": "Berita Utama", "position": 0}
    )
    assert r.status_code == 302
    return 1


def _create_classification(app, login):
    r = login("arsiparis").post(
        "/arsip/tabel", data={"new-code": "HM.99", "new-name": "Uji", "new-active": "y"}
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(
            text("SELECT id FROM archive_classifications WHERE code = 'HM.99'")
        ).scalar()


def _update_classification(app, login):
    with app.app_context():
        row = db.session.execute(
            text("SELECT code, version FROM archive_classifications WHERE id = 1")
        ).one()
    r = login("admin").post(
        "/arsip/tabel/klasifikasi/1",
        data={"c1-code": row.code, "c1-name": "Nama baru", "c1-version": row.version},
    )
    assert r.status_code == 302
    return 1


def _create_retention(app, login):
    r = login("admin").post(
        "/arsip/tabel/retensi",
        data={
            "newrule-name": "Uji",
            "newrule-active_years": 2,
            "newrule-inactive_years": 3,
            "newrule-disposition": "musnah",
            "newrule-active": "y",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(
            text("SELECT id FROM archive_retention_rules WHERE name = 'Uji'")
        ).scalar()


def _update_retention(app, login):
    with app.app_context():
        row = db.session.execute(text("SELECT * FROM archive_retention_rules WHERE id = 1")).one()
    r = login("arsiparis").post(
        "/arsip/tabel/retensi/1",
        data={
            "r1-name": row.name,
            "r1-active_years": row.active_years + 1,
            "r1-inactive_years": row.inactive_years,
            "r1-disposition": row.disposition,
            "r1-version": row.version,
        },
    )
    assert r.status_code == 302
    return 1


def _delegate(app, login):
    with app.app_context():
        koordinator, penulis = _user("koordinator").id, _user("penulis").id
    r = login("penanggungjawab").post(
        "/intranet/tim/plh",
        data={
            "role": "koordinator",
            "absent_id": koordinator,
            "substitute_id": penulis,
            "valid_from": today().isoformat(),
            "valid_until": today().isoformat(),
            "reason": "Cuti",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(db.select(Delegation.id)).scalar_one()


def _revoke(app, login):
    did = _delegate(app, login)
    with app.app_context():
        db.session.execute(audit.AuditEntry.__table__.delete())
        db.session.execute(audit.AuditHead.__table__.update().values(seq=0, entry_hash="0" * 64))
        db.session.commit()
    r = login("penanggungjawab").post(f"/intranet/tim/plh/{did}/cabut")
    assert r.status_code == 302
    return did


def _add_holiday(app, login):
    r = login("admin").post(
        "/intranet/admin/libur/?tahun=2026",
        data={"day": "2026-11-27", "name": "Pilkada serentak", "kind": "libur_nasional"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(
            text("SELECT id FROM holidays WHERE name = 'Pilkada serentak'")
        ).scalar()


def _delete_holiday(app, login):
    with app.app_context():
        holiday = Holiday(day=date(2026, 11, 27), name="Pilkada serentak", kind="libur_nasional")
        db.session.add(holiday)
        db.session.commit()
        holiday_id = holiday.id
    r = login("admin").post("/intranet/admin/libur/hapus", data={"holiday_id": str(holiday_id)})
    assert r.status_code == 302, r.get_data(as_text=True)
    return holiday_id


def _post_file(client, url, data, name):
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _import_holidays(app, login):
    csv = b"tanggal,nama,jenis\n2026-01-01,Tahun Baru 2026 Masehi,libur_nasional\n"
    r = _post_file(login("admin"), "/intranet/admin/libur/impor", csv, "libur-2026.csv")
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(text("SELECT id FROM holidays")).scalar()


def _import_tables(app, login):
    arsip = login("arsiparis")
    jra = (
        b"kode_retensi,jenis_arsip,retensi_aktif,retensi_inaktif,keterangan,dasar\n"
        b"HM.02,Publikasi berita dan artikel,2,3,permanen,JRA uji\n"
    )
    r = _post_file(arsip, "/arsip/tabel/impor", jra, "jra.csv")
    assert r.status_code == 200, r.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', r.get_data(True)).group(1)
    r = arsip.post("/arsip/tabel/impor/konfirmasi", data={"token": token})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(text("SELECT id FROM archive_table_versions")).scalar()


#: action → (what does it, who, object type, before/after keys that must be there)
ACTIONS = {
    "user.create": (_create_user, "admin", "users", ["after"]),
    "user.deactivate": (_deactivate, "admin", "users", ["after", "before"]),
    "user.activate": (_reactivate, "admin", "users", ["after", "before"]),
    "user.password_reset": (_reset_password, "admin", "users", ["after"]),
    "decree.create": (_record_decree, "admin", "team_decrees", ["after"]),
    "membership.add": (_add_member, "admin", "memberships", ["after"]),
    "membership.end": (_end_member, "admin", "memberships", ["after", "before"]),
    "category.create": (_create_category, "admin", "categories", ["after"]),
    "category.update": (_update_category, "admin", "categories", ["after", "before"]),
    "classification.create": (
        _create_classification,
        "arsiparis",
        "archive_classifications",
        ["after"],
    ),
    "classification.update": (
        _update_classification,
        "admin",
        "archive_classifications",
        ["after", "before"],
    ),
    "retention.create": (_create_retention, "admin", "archive_retention_rules", ["after"]),
    "retention.update": (
        _update_retention,
        "arsiparis",
        "archive_retention_rules",
        ["after", "before"],
    ),
    "delegation.create": (_delegate, "penanggungjawab", "delegations", ["after"]),
    "delegation.revoke": (_revoke, "penanggungjawab", "delegations", ["after", "before"]),
    "holiday.create": (_add_holiday, "admin", "holidays", ["after"]),
    "holiday.delete": (_delete_holiday, "admin", "holidays", ["before"]),
    "holidays.import": (_import_holidays, "admin", "holidays", ["after", "before"]),
    "tables.import": (_import_tables, "arsiparis", "archive_table_versions", ["after"]),
}


def test_every_action_kind_is_exercised():
    assert set(ACTIONS) | {"membership.request", "membership.confirm", "membership.refuse"} == set(
        audit.ACTIONS
    )


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_admin_action_writes_exactly_one_entry(app, login, action):
    do, who, object_type, keys = ACTIONS[action]
    object_id = do(app, login)
    entries = _entries(app)
    assert len(entries) == 1, entries
    e = entries[0]
    with app.app_context():
        actor = _user(who)
        assert (e["actor_id"], e["actor_name"]) == (actor.id, actor.full_name)
    assert (e["seq"], e["action"], e["actor"]) == (1, action, who)
    assert (e["object_type"], e["object_id"]) == (object_type, object_id)
    assert e["remote_addr"] == "127.0.0.1"
    assert sorted(e["changes"]) == keys
    if keys == ["after", "before"]:
        assert e["changes"]["before"] != e["changes"]["after"]
    dumped = json.dumps(e["changes"])
    assert "password_hash" not in dumped and "argon2" not in dumped and "sandi-" not in dumped
    assert _verify(app) == []


def test_a_refused_action_writes_no_entry(app, login):
    admin = login("admin")
    before = snapshot(app)
    r = admin.post("/intranet/admin/pengguna", data={**GOOD_USER, "username": "admin"})
    assert r.status_code == 400
    assert snapshot(app) == before and _entries(app) == []


def test_the_command_line_is_recorded_as_no_one(app, runner):
    r = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--username",
            "pemilik",
            "--full-name",
            "Pemilik",
            "--password",
            "sandi-kuat-sekali",
        ]
    )
    assert r.exit_code == 0, r.output
    [e] = _entries(app)
    assert (e["action"], e["actor_id"], e["actor_name"], e["remote_addr"]) == (
        "user.create",
        None,
        None,
        None,
    )
    assert e["changes"]["after"]["is_system_admin"] is True


# --- the chain: verify and tampering ---------------------------------------------------------


def _three_entries(app, login):
    _create_category(app, login)
    _update_category(app, login)
    _reset_password(app, login)
    assert [e["seq"] for e in _entries(app)] == [1, 2, 3]


def _verify(app):
    with app.app_context():
        return audit.verify()


def test_verify_passes_on_an_intact_chain(app, login, runner):
    r = runner.invoke(args=["audit", "verify"])
    assert (r.exit_code, r.output) == (0, "0 audit entries verify.\n")
    _three_entries(app, login)
    r = runner.invoke(args=["audit", "verify"])
    assert (r.exit_code, r.output) == (0, "3 audit entries verify.\n")
    page = login("penanggungjawab").get("/intranet/admin/audit").get_data(as_text=True)
    assert "Rantai utuh" in page and "kata sandi disetel ulang" in page


TAMPERING = {
    "altered summary": (
        'UPDATE audit_entries SET summary = \'{"after": {"name": "Lain"}}\' WHERE seq = 2',
        "entri #2 (id {id2}): isinya tidak cocok dengan hash-nya (diubah)",
    ),
    "altered actor": (
        "UPDATE audit_entries SET actor_name = 'Orang Lain' WHERE seq = 1",
        "entri #1 (id {id1}): isinya tidak cocok dengan hash-nya (diubah)",
    ),
    "middle row deleted": (
        "DELETE FROM audit_entries WHERE seq = 2",
        "entri #3 (id {id3}): urutan terputus, seharusnya #2",
    ),
    "last row deleted": (
        "DELETE FROM audit_entries WHERE seq = 3",
        "log berakhir pada entri #2, kepala rantai mencatat #3 (entri hilang)",
    ),
    "rows reordered": (
        "UPDATE audit_entries SET seq = seq + 10 WHERE seq IN (1, 2);"
        "UPDATE audit_entries SET seq = 1 WHERE seq = 12;"
        "UPDATE audit_entries SET seq = 2 WHERE seq = 11",
        "entri #1 (id {id2}): tidak tersambung ke hash entri sebelumnya",
    ),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampering_makes_verify_fail_naming_the_entry(app, login, runner, how):
    _three_entries(app, login)
    statements, named = TAMPERING[how]
    with app.app_context():  # ids are not reset between tests on a server database
        ids = dict(db.session.execute(text("SELECT seq, id FROM audit_entries")).all())
        named = named.format(**{f"id{seq}": id_ for seq, id_ in ids.items()})
        for statement in statements.split(";"):
            db.session.execute(text(statement))
        db.session.commit()
    r = runner.invoke(args=["audit", "verify"])
    assert r.exit_code == 1
    assert f"BROKEN {named}\n" in r.output
    page = login("admin").get("/intranet/admin/audit")
    assert page.status_code == 200
    assert "Rantai log audit TIDAK utuh" in page.get_data(as_text=True)


def test_entries_cannot_be_changed_or_removed_through_the_application(app, login):
    _create_category(app, login)
    with app.app_context():
        e = db.session.execute(db.select(audit.AuditEntry)).scalar_one()
        e.summary = "{}"
        with pytest.raises(audit.AuditLogError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.execute(db.select(audit.AuditEntry)).scalar_one())
        with pytest.raises(audit.AuditLogError):
            db.session.flush()
        db.session.rollback()
    assert _verify(app) == []


# --- the page --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("admin", 200),
        ("penanggungjawab", 200),
        ("arsiparis", 403),
        ("koordinator", 403),
        ("penulis", 403),
    ],
)
def test_the_audit_page_is_for_the_admin_and_the_pj(app, login, role, status):
    client = login(role)
    assert client.get("/intranet/admin/audit").status_code == status
    nav = client.get("/intranet/").get_data(as_text=True)
    assert ('href="/intranet/admin/audit"' in nav) == (status == 200)


def test_the_audit_page_is_paginated_newest_first(app, login):
    from intranet.models import Category

    with app.app_context():
        admin, c = _user("admin"), db.session.get(Category, 1)
        for n in range(55):
            audit.record("category.update", c, admin, after={"n": n})
        db.session.commit()
    client = login("admin")
    first = client.get("/intranet/admin/audit").get_data(as_text=True)
    assert first.index('"n": 54') < first.index('"n": 53')
    assert "Halaman 1 dari 2" in first and '"n": 4\n' not in first
    second = client.get("/intranet/admin/audit?halaman=2").get_data(as_text=True)
    assert '"n": 4\n' in second and '"n": 54' not in second
    assert client.get("/intranet/admin/audit?halaman=-1").status_code == 200
    assert client.get("/intranet/admin/audit?halaman=99999999999").status_code == 200


def test_a_new_pj_made_by_the_admin_waits_for_the_pj_in_office(app, login):
    """The sock puppet: the admin makes an account and appoints it PJ, to act as it."""
    admin = login("admin")
    r = admin.post(
        "/intranet/admin/pengguna",
        data={
            "username": "boneka",
            "full_name": "Akun Boneka",
            "email": "boneka@example.go.id",
            "new_password": "boneka-rahasia-123",
            "confirm_password": "boneka-rahasia-123",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    decree_id, version, puppet = _ids(app, "boneka")
    r = admin.post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": puppet, "role": "penanggungjawab", "version": version},
    )
    assert r.status_code == 302
    assert "penanggung jawab yang sedang menjabat" in admin.get(r.location).get_data(as_text=True)
    assert "penanggungjawab" not in _roles(app, "boneka")
    dashboard = login("penanggungjawab").get("/intranet/").get_data(as_text=True)
    assert "Demo Admin menunjuk Akun Boneka sebagai Penanggung Jawab" in dashboard
    with app.app_context():
        mid = db.session.execute(
            db.select(Membership.id).where(Membership.user_id == puppet)
        ).scalar_one()
    r = login("penanggungjawab").post(f"/intranet/tim/sk/{decree_id}/anggota/{mid}/konfirmasi")
    assert r.status_code == 302
    assert "penanggungjawab" in _roles(app, "boneka")
    # another role for a person the admin did not create is recorded at once
    decree_id, version, penulis = _ids(app, "penulis")
    r = admin.post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": penulis, "role": "editor", "version": version},
    )
    assert r.status_code == 302 and "editor" in _roles(app, "penulis")


# --- the four-eyes rule against the admin's own puppets and the PJ's account -----------------


def _make_puppet(app, admin, username="boneka"):
    r = admin.post(
        "/intranet/admin/pengguna",
        data={
            "username": username,
            "full_name": "Akun Boneka",
            "email": f"{username}@example.go.id",
            "new_password": "boneka-rahasia-123",
            "confirm_password": "boneka-rahasia-123",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    return _ids(app, username)


def _pj_membership(app):
    with app.app_context():
        return db.session.execute(
            db.select(Membership.id).where(
                Membership.user_id == _user("penanggungjawab").id,
                Membership.role == "penanggungjawab",
            )
        ).scalar_one()


def test_an_account_the_admin_made_waits_for_the_pj_in_any_role(app, login):
    """(a) The admin makes an account, knowing its password, and appoints it koordinator."""
    admin = login("admin")
    decree_id, version, puppet = _make_puppet(app, admin)
    r = admin.post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": puppet, "role": "koordinator", "version": version},
    )
    assert r.status_code == 302
    assert "akun yang Anda buat sendiri" in admin.get(r.location).get_data(as_text=True)
    assert _roles(app, "boneka") == set()
    with app.app_context():
        m = db.session.execute(
            db.select(Membership).where(Membership.user_id == puppet)
        ).scalar_one()
        mid, state = m.id, m.state
    assert state == "pending"
    assert _entries(app)[-1]["action"] == "membership.request"
    r = login("penanggungjawab").post(f"/intranet/tim/sk/{decree_id}/anggota/{mid}/konfirmasi")
    assert r.status_code == 302
    assert _roles(app, "boneka") == {"koordinator"}


def test_an_existing_person_is_appointed_at_once(app, login):
    """The legitimate path: another person, not the admin's own account, in any role."""
    admin = login("admin")
    decree_id, version, penulis = _ids(app, "penulis")
    r = admin.post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": penulis, "role": "koordinator", "version": version},
    )
    assert r.status_code == 302
    assert _roles(app, "penulis") == {"penulis", "koordinator"}
    assert _entries(app)[-1]["action"] == "membership.add"


def test_the_admin_cannot_end_the_pj_membership(app, login):
    """(b) Ending the sitting PJ would leave nobody to confirm a puppet PJ."""
    admin = login("admin")
    decree_id, version, _ = _ids(app, "penanggungjawab")
    mid = _pj_membership(app)
    r = admin.post(f"/intranet/admin/sk/{decree_id}/anggota/{mid}/hapus", data={"version": version})
    assert r.status_code == 302
    page = admin.get(r.location).get_data(as_text=True)
    assert "hanya dapat diakhiri oleh penanggung jawab itu sendiri" in page
    with app.app_context():
        assert db.session.get(Membership, mid).ended_on is None
    assert "penanggungjawab" in _roles(app, "penanggungjawab")
    assert _entries(app) == []


def test_no_new_pj_through_the_web_while_none_is_in_office(app, login):
    """(b) With no PJ in office, a PJ appointed on the web would confirm itself."""
    with app.app_context():
        db.session.get(Membership, _pj_membership(app)).ended_on = today()
        db.session.commit()
    admin = login("admin")
    decree_id, version, penulis = _ids(app, "penulis")
    r = admin.post(
        f"/intranet/admin/sk/{decree_id}/anggota",
        data={"user_id": penulis, "role": "penanggungjawab", "version": version},
    )
    assert r.status_code == 400
    assert "Belum ada penanggung jawab yang menjabat" in r.get_data(as_text=True)
    assert "penanggungjawab" not in _roles(app, "penulis")
    assert _entries(app) == []


def test_the_pj_ends_their_own_membership(app, login):
    """The legitimate path: a PJ who also administers ends their own appointment."""
    with app.app_context():
        pj = _user("penanggungjawab")
        decree = db.session.execute(db.select(TeamDecree)).scalar_one()
        db.session.add(Membership(user=pj, decree=decree, role="admin"))
        db.session.commit()
    decree_id, version, _ = _ids(app, "penanggungjawab")
    mid = _pj_membership(app)
    r = login("penanggungjawab").post(
        f"/intranet/admin/sk/{decree_id}/anggota/{mid}/hapus", data={"version": version}
    )
    assert r.status_code == 302
    assert _roles(app, "penanggungjawab") == {"admin"}
    assert [(e["action"], e["actor"]) for e in _entries(app)] == [
        ("membership.end", "penanggungjawab")
    ]


def test_the_command_line_appoints_and_ends_a_pj(app, runner):
    """With no PJ in office the first one is recorded on the command line."""
    with app.app_context():
        db.session.get(Membership, _pj_membership(app)).ended_on = today()
        db.session.commit()
        number = db.session.execute(db.select(TeamDecree.number)).scalar_one()
    r = runner.invoke(args=["users", "appoint-pj", "penulis", "--decree", number])
    assert r.exit_code == 0, r.output
    assert "penanggungjawab" in _roles(app, "penulis")
    r = runner.invoke(args=["users", "end-pj", "penulis", "--decree", number])
    assert r.exit_code == 0, r.output
    assert "penanggungjawab" not in _roles(app, "penulis")
    assert [(e["action"], e["actor_id"]) for e in _entries(app)] == [
        ("membership.add", None),
        ("membership.end", None),
    ]


@pytest.mark.parametrize("what", ["sandi", "status"])
def test_the_admin_cannot_take_over_the_pj_account(app, login, what):
    """(c) A reset password (or a deactivation) would let the admin log in as the PJ."""
    with app.app_context():
        u = _user("penanggungjawab")
        uid, version, password_hash = u.id, u.version, u.password_hash
    admin = login("admin")
    r = admin.post(
        f"/intranet/admin/pengguna/{uid}/{what}",
        data={
            "new_password": "sandi-baru-2026",
            "confirm_password": "sandi-baru-2026",
            "version": version,
        },
    )
    assert r.status_code == 302
    page = admin.get(r.location).get_data(as_text=True)
    assert "memegang peran penanggung jawab" in page
    assert what == "status" or "users reset-password" in page
    with app.app_context():
        u = _user("penanggungjawab")
        assert (u.active, u.password_hash) == (True, password_hash)
    assert _entries(app) == []
    login("penanggungjawab")


def test_the_command_line_resets_a_pj_password(app, runner, login):
    r = runner.invoke(
        args=["users", "reset-password", "penanggungjawab", "--password", "sandi-baru-2026"]
    )
    assert r.exit_code == 0, r.output
    c = app.test_client()
    r = c.post(
        "/intranet/login", data={"username": "penanggungjawab", "password": "sandi-baru-2026"}
    )
    assert r.status_code == 302
    [e] = _entries(app)
    assert (e["action"], e["actor_id"]) == ("user.password_reset", None)
