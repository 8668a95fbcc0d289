"""The one access policy: every path to a source material's words or files asks it.

A file refused at its agenda entry is refused on every other path (the archive's original,
the berkas that embeds it), and a case page shows a restricted perihal and sender only to
those the policy lets read the material.
"""

import pytest

from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from intranet import permissions
from intranet.extensions import db
from intranet.models import SourceMaterial
from intranet.models import User
from tests.conftest import ROLES
from tests.fixtures.scenarios import build_published

#: Who reads content of each class (besides the person who registered a material and the one
#: it was disposed to); at the agenda the area keeps the admin out as well.
CLASS_READERS = {
    "biasa": {
        "admin",
        "penanggungjawab",
        "koordinator",
        "kontributor",
        "redaktur",
        "editor",
        "penulis",
        "arsiparis",
    },
    "terbatas": {"penanggungjawab", "koordinator", "kontributor", "redaktur", "arsiparis"},
    "rahasia": {"penanggungjawab", "koordinator"},
}


def _classify(app, material_id, security_class):
    with app.app_context():
        db.session.get(SourceMaterial, material_id).security_class = security_class
        db.session.commit()


def _archived(app):
    """The record, its first version's berkas and the ids of its files by kind."""
    with app.app_context():
        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        version = db.session.execute(
            db.select(ArchiveVersion).where(ArchiveVersion.record_id == record.id)
        ).scalar_one()
        files = {}
        for f in version.files:
            files.setdefault(f.kind, f.id)
        return record.id, record.access_class, files


@pytest.mark.parametrize("security_class", ["biasa", "terbatas", "rahasia"])
def test_a_record_keeps_the_strictest_class_of_its_materials(app, scenario, security_class):
    _classify(app, scenario["material_id"], security_class)
    build_published(app, scenario["case_id"])
    _, access_class, _ = _archived(app)
    assert access_class == security_class
    with app.app_context():
        sumber = db.session.execute(
            db.select(ArchiveFile).where(ArchiveFile.kind == "sumber")
        ).scalar_one()
        assert sumber.access_class == security_class


def test_a_rahasia_source_file_is_refused_on_the_archive_path_as_at_the_agenda(
    app, login, scenario
):
    """The arsiparis and the admin are refused the file at its agenda entry: so everywhere."""
    _classify(app, scenario["material_id"], "rahasia")
    build_published(app, scenario["case_id"])
    rid, _, files = _archived(app)
    mid, fid = scenario["material_id"], scenario["file_id"]
    for who in ("arsiparis", "admin"):
        c = login(who)
        assert c.get(f"/intranet/agenda/{mid}/berkas/{fid}").status_code == 403, who
        assert c.get(f"/arsip/{rid}/berkas/{files['sumber']}").status_code == 403, who
        assert c.get(f"/arsip/{rid}/versi/1/berkas.pdf").status_code == 403, who
    for who in ("penanggungjawab", "koordinator"):
        c = login(who)
        agenda = c.get(f"/intranet/agenda/{mid}/berkas/{fid}")
        archived = c.get(f"/arsip/{rid}/berkas/{files['sumber']}")
        assert (agenda.status_code, archived.status_code) == (200, 200), who
        assert agenda.data == archived.data
        agenda.close()
        archived.close()


@pytest.mark.parametrize("security_class", ["terbatas", "rahasia"])
def test_the_case_page_shows_a_restricted_perihal_only_to_its_readers(
    app, login, scenario, security_class
):
    _classify(app, scenario["material_id"], security_class)
    with app.app_context():
        m = db.session.get(SourceMaterial, scenario["material_id"])
        perihal, sender, nomor = m.perihal, m.sender_institution, m.nomor_agenda
    for who in ("penulis", "editor"):
        page = login(who).get(f"/intranet/naskah/{scenario['case_id']}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert perihal not in text and sender not in text, who
        assert nomor in text and "Bahan ini dibatasi" in text, who
    for who in CLASS_READERS[security_class] - {"admin"}:
        text = login(who).get(f"/intranet/naskah/{scenario['case_id']}").get_data(as_text=True)
        assert perihal in text and sender in text, who


def _download_routes(app, scenario, rid, files):
    """Every route that hands out a file of the case's material, directly or embedded."""
    mid, fid = scenario["material_id"], scenario["file_id"]
    return {
        "agenda file": f"/intranet/agenda/{mid}/berkas/{fid}",
        "archive original": f"/arsip/{rid}/berkas/{files['sumber']}",
        "archive record JSON": f"/arsip/{rid}/berkas/{files['json']}",
        "berkas PDF": f"/arsip/{rid}/versi/1/berkas.pdf",
    }


@pytest.mark.parametrize("security_class", ["biasa", "terbatas", "rahasia"])
def test_every_download_route_answers_as_the_one_policy_decides(
    app, login, scenario, security_class
):
    _classify(app, scenario["material_id"], security_class)
    build_published(app, scenario["case_id"])
    rid, _, files = _archived(app)
    routes = _download_routes(app, scenario, rid, files)
    for who in ROLES:
        with app.app_context():
            user = db.session.execute(db.select(User).where(User.username == who)).scalar_one()
            material = db.session.get(SourceMaterial, scenario["material_id"])
            record = db.session.get(ArchiveRecord, rid)
            may_material = permissions.can_read_material(user, material) and who != "admin"
            may_record = permissions.can_read_record(user, record)
            may_file = may_record and permissions.can_read_class(user, security_class)
        expected = {
            "agenda file": may_material,
            "archive original": may_file,
            "archive record JSON": may_file,
            "berkas PDF": may_file,
        }
        c = login(who)
        for name, url in routes.items():
            r = c.get(url)
            assert r.status_code == (200 if expected[name] else 403), (who, name)
            r.close()
        # the policy itself: a file reaches exactly the readers of its class
        assert may_file == (who in CLASS_READERS[security_class] and may_record), who


def test_restricted_classes_are_ordered_and_the_strictest_wins():
    assert permissions.strictest([]) == "biasa"
    assert permissions.strictest(["biasa", "biasa"]) == "biasa"
    assert permissions.strictest(["biasa", "terbatas"]) == "terbatas"
    assert permissions.strictest(["rahasia", "terbatas", "biasa"]) == "rahasia"
    assert permissions.strictest(["terbatas", "biasa"]) == "terbatas"
