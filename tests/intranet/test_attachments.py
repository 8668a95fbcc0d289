"""PDF attachments of the article ("Pengumuman"): checked like every upload, listed on the public
article with a download link (410 once withdrawn), and kept in the archive record."""

import io

import pytest

from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from intranet.extensions import db
from intranet.models import Attachment
from intranet.models import User
from intranet.services import publishing
from intranet.storage import file_store
from tests.app.test_csrf import snapshot
from tests.fixtures.attachments import attach
from tests.fixtures.files import pdf_bytes
from tests.fixtures.files import pdf_with_javascript
from tests.fixtures.scenarios import build_published
from tests.intranet.test_trail import put_case_at


def upload(client, case_id, data, name="pengumuman.pdf", title="Pengumuman hasil seleksi PPK"):
    return client.post(
        f"/intranet/naskah/{case_id}/lampiran",
        data={"lampiran-file": (io.BytesIO(data), name), "lampiran-title": title},
        content_type="multipart/form-data",
    )


def count(app):
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(Attachment)).scalar_one()


def test_penulis_attaches_a_pdf_that_is_published_and_archived(app, login, scenario, client):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    penulis = login("penulis")
    r = upload(penulis, cid, pdf_bytes("Pengumuman hasil seleksi PPK"))
    assert r.status_code == 302 and r.location.endswith("/tulis#lampiran")
    page = penulis.get(f"/intranet/naskah/{cid}/tulis").get_data(as_text=True)
    assert "Pengumuman hasil seleksi PPK" in page and "Tambah lampiran" in page
    with app.app_context():
        row = db.session.execute(db.select(Attachment)).scalar_one()
        aid, sha = row.id, row.sha256
        assert file_store().exists(sha) and row.filename == "pengumuman.pdf"
    with penulis.get(f"/intranet/naskah/{cid}/lampiran/{aid}") as staff:
        assert staff.status_code == 200 and staff.data.startswith(b"%PDF")

    slug = build_published(app, cid)
    article = client.get(f"/berita/{slug}").get_data(as_text=True)
    link = f"/berita/{slug}/lampiran/{aid}"
    assert link in article and "Pengumuman hasil seleksi PPK" in article
    with client.get(link) as r:
        assert r.status_code == 200 and r.mimetype == "application/pdf"
        assert "attachment" in r.headers["Content-Disposition"] and r.data.startswith(b"%PDF")
    # not another article's attachment under this one's address, nor a made-up one
    other = attach(app, build_published_other(app))
    assert client.get(f"/berita/{slug}/lampiran/{other}").status_code == 404
    assert client.get(f"/berita/{slug}/lampiran/99999").status_code == 404

    with app.app_context():
        record = db.session.execute(
            db.select(ArchiveRecord).where(ArchiveRecord.case_id == cid)
        ).scalar_one()
        kinds = {
            (f.kind, f.sha256)
            for f in db.session.execute(
                db.select(ArchiveFile)
                .join(ArchiveVersion, ArchiveFile.version_id == ArchiveVersion.id)
                .where(ArchiveVersion.record_id == record.id)
            ).scalars()
        }
        assert ("lampiran", sha) in kinds
    # frozen once the article is approved: no change after publication
    assert penulis.post(f"/intranet/naskah/{cid}/lampiran/{aid}/hapus").status_code == 302
    assert count(app) == 2

    with app.test_request_context(method="POST"):
        redaktur = db.session.execute(
            db.select(User).where(User.username == "redaktur")
        ).scalar_one()
        publishing.withdraw(publishing.by_slug(slug), redaktur, "Salah data")
    assert client.get(link).status_code == 410


def build_published_other(app):
    from tests.fixtures.scenarios import build_scenario

    return build_scenario(app)["case_id"]


def test_removing_an_attachment(app, login, scenario):
    cid = scenario["case_id"]
    put_case_at(app, cid, 5)
    penulis = login("penulis")
    assert upload(penulis, cid, pdf_bytes("Lampiran")).status_code == 302
    with app.app_context():
        aid = db.session.execute(db.select(Attachment.id)).scalar_one()
    r = penulis.post(f"/intranet/naskah/{cid}/lampiran/{aid}/hapus")
    assert r.status_code == 302 and count(app) == 0


@pytest.mark.parametrize(
    "who,step,data,name,message",
    [
        ("penulis", 5, b"GIF89a not a pdf at all", "gambar.pdf", "Jenis berkas tidak diizinkan"),
        ("penulis", 5, pdf_bytes("x"), "surat.docx", "tidak sesuai dengan isinya"),
        ("penulis", 5, pdf_with_javascript(), "skrip.pdf", "JavaScript"),
        ("penulis", 5, b"", "kosong.pdf", "Berkas kosong."),
        # a case the person cannot change now, or not at this step
        ("redaktur", 5, pdf_bytes("x"), "surat.pdf", "hanya dapat diubah"),
        ("penulis", 7, pdf_bytes("x"), "surat.pdf", "hanya dapat diubah"),
    ],
)
def test_attachment_refusals_change_nothing(app, login, scenario, who, step, data, name, message):
    cid = scenario["case_id"]
    put_case_at(app, cid, step)
    c = login(who)
    before = snapshot(app)
    r = upload(c, cid, data, name)
    assert r.status_code == 302
    assert message in c.get(r.location).get_data(as_text=True)
    assert snapshot(app) == before
