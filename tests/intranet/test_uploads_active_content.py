"""Active content in uploaded PDFs, Word and OpenDocument files is refused on every path.

The hostile files are built here with pikepdf (compressed into object streams, so no byte
scan could see them) and sent through the four upload paths: the agenda book, an imported
.eml's attachments, an older paper record's scans and the SK Tim scan. A refused file leaves
no row and no stored file; benign files of the same shape are still accepted.
"""

import email
import io
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array
from pikepdf import Dictionary
from pikepdf import Name
from pikepdf import String

from archive.models import ArchiveRecord
from archive.store import archive_store
from intranet import uploads
from intranet.extensions import db
from intranet.models import SourceFile
from intranet.models import TeamDecree
from intranet.uploads import PDF
from intranet.uploads import SOURCE_TYPES
from intranet.uploads import UploadError
from intranet.uploads import check_bytes_stream
from tests.app.test_csrf import snapshot
from tests.intranet.test_admin import decree_form
from tests.intranet.test_intake import form_material

MB = 2**20


# building PDFs


def _save(pdf):
    buf = io.BytesIO()
    pdf.save(
        buf,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return buf.getvalue()


def _pdf(change=None):
    """A one-page PDF, changed by ``change(pdf, page)``, with objects in compressed streams."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    if change is not None:
        change(pdf, pdf.pages[0].obj)
    return _save(pdf)


def _script():
    return Dictionary(S=Name.JavaScript, JS=String("app.alert('Warta');"))


def _annotate(page, annotation):
    annotation = Dictionary(Type=Name.Annot, Rect=Array([72, 72, 200, 100]), **annotation)
    page.Annots = Array([*page.get("/Annots", Array()), annotation])


def _link(page, action):
    _annotate(page, {"Subtype": Name.Link, "A": action})


def _file_spec(pdf):
    stream = pikepdf.Stream(pdf, b"MZ\x90\x00" + b"\0" * 60, Type=Name.EmbeddedFile)
    return Dictionary(
        Type=Name.Filespec, F=String("setup.exe"), EF=Dictionary(F=pdf.make_indirect(stream))
    )


def _open_script(pdf, page):
    pdf.Root.OpenAction = _script()


def _launch(pdf, page):
    _link(page, Dictionary(S=Name.Launch, F=String("C:\\Windows\\System32\\calc.exe")))


def _script_name_tree(pdf, page):
    pdf.Root.Names = Dictionary(
        JavaScript=Dictionary(Names=Array([String("buka"), pdf.make_indirect(_script())]))
    )


def _script_link(pdf, page):
    _link(page, _script())


def _embedded_exe(pdf, page):
    pdf.attachments["setup.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00" + b"\0" * 60)


def _embedded_file_stream(pdf, page):
    # a bare embedded-file stream hung where no names tree points: still refused
    stream = pikepdf.Stream(pdf, b"MZ\x90\x00" + b"\0" * 60, Type=Name.EmbeddedFile)
    pdf.Root.Lampiran = Array([pdf.make_indirect(stream)])


def _file_attachment(pdf, page):
    spec = _file_spec(pdf)
    del spec["/EF"]  # the annotation type alone is refused
    _annotate(page, {"Subtype": Name.FileAttachment, "FS": spec})


def _goto_unc(pdf, page):
    _link(
        page,
        Dictionary(S=Name.GoToR, F=String("\\\\evil\\share\\x.pdf"), D=Array([0, Name.Fit])),
    )


def _uri_unc(pdf, page):
    _link(page, Dictionary(S=Name.URI, URI=String("\\\\evil\\share\\x.pdf")))


def _uri_file(pdf, page):
    _link(page, Dictionary(S=Name.URI, URI=String("file:///C:/Windows/System32/calc.exe")))


def _page_additional_actions(pdf, page):
    page.AA = Dictionary(O=Dictionary(S=Name.GoTo, D=Array([page, Name.Fit])))


def _opens_a_web_page(pdf, page):
    pdf.Root.OpenAction = Dictionary(S=Name.URI, URI=String("https://contoh.example/lacak"))


def _submit_form(pdf, page):
    field = Dictionary(
        FT=Name.Btn,
        T=String("kirim"),
        A=Dictionary(S=Name.SubmitForm, F=String("https://x.example")),
    )
    pdf.Root.AcroForm = Dictionary(Fields=Array([pdf.make_indirect(field)]))


def _xfa(pdf, page):
    xfa = pikepdf.Stream(pdf, b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>")
    pdf.Root.AcroForm = Dictionary(Fields=Array(), XFA=pdf.make_indirect(xfa))


def _rich_media(pdf, page):
    _annotate(page, {"Subtype": Name.RichMedia, "Contents": String("video")})


def _script_deep_in_arrays(pdf, page):
    nested = _script()
    for _ in range(200):
        nested = Array([nested])
    page.Lain = nested


def _script_behind_a_cycle(pdf, page):
    a = pdf.make_indirect(Dictionary(Nama=String("a")))
    b = pdf.make_indirect(Dictionary(Nama=String("b"), Balik=a))
    a.Lanjut = b
    b.Skrip = Array([_script()])
    page.Siklus = a


def _script_in_next_action(pdf, page):
    _link(page, Dictionary(S=Name.GoTo, D=Array([page, Name.Fit]), Next=_script()))


#: (id, how the PDF is made hostile, the message)
HOSTILE_PDFS = [
    ("OpenAction script", _open_script, "berisi JavaScript (/OpenAction)"),
    ("Launch action", _launch, "berisi perintah menjalankan program (/Launch)"),
    ("JavaScript name tree", _script_name_tree, "berisi JavaScript (/Names)"),
    ("JavaScript link", _script_link, "berisi JavaScript (/Annots)"),
    ("embedded exe", _embedded_exe, "berisi berkas sisipan (/EF)"),
    ("embedded file stream", _embedded_file_stream, "berisi berkas sisipan (/EmbeddedFile)"),
    ("FileAttachment", _file_attachment, "berisi berkas sisipan (/FileAttachment)"),
    ("GoToR to UNC", _goto_unc, "berisi tautan ke berkas lain (/GoToR)"),
    ("URI to UNC", _uri_unc, "berisi tautan ke berkas lokal atau jaringan (/URI)"),
    ("URI to file", _uri_file, "berisi tautan ke berkas lokal atau jaringan (/URI)"),
    ("page AA", _page_additional_actions, "berisi tindakan otomatis (/AA)"),
    ("OpenAction URI", _opens_a_web_page, "berisi tindakan otomatis (/OpenAction)"),
    (
        "SubmitForm",
        _submit_form,
        "berisi formulir yang mengirim atau memuat data (/SubmitForm)",
    ),
    ("XFA", _xfa, "berisi formulir XFA (/XFA)"),
    ("RichMedia", _rich_media, "berisi media aktif (/RichMedia)"),
    ("script deep in arrays", _script_deep_in_arrays, "berisi JavaScript (/Lain)"),
    ("script behind a cycle", _script_behind_a_cycle, "berisi JavaScript (/Skrip)"),
    ("script in Next", _script_in_next_action, "berisi JavaScript (/Annots)"),
]
IDS = [h[0] for h in HOSTILE_PDFS]


def _https_link(pdf, page):
    _link(page, Dictionary(S=Name.URI, URI=String("https://kpu-cilacapkab.go.id/")))
    _link(page, Dictionary(S=Name.URI, URI=String("mailto:humas@kpu-cilacapkab.go.id")))


def _open_at_destination(pdf, page):
    pdf.Root.OpenAction = Array([page, Name.Fit])


def _open_with_goto(pdf, page):
    pdf.Root.OpenAction = Dictionary(S=Name.GoTo, D=Array([page, Name.XYZ, 0, 842, 1]))


def _outline(pdf, page):
    with pdf.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Halaman 1", 0))


def _benign_cycle(pdf, page):
    a = pdf.make_indirect(Dictionary(Nama=String("a")))
    a.Diri = a
    page.Siklus = a


BENIGN_PDFS = [
    ("plain", None),
    ("https and mailto links", _https_link),
    ("OpenAction destination", _open_at_destination),
    ("OpenAction GoTo", _open_with_goto),
    ("outline", _outline),
    ("reference cycle", _benign_cycle),
]


def refusal(data, name="surat.pdf"):
    with pytest.raises(UploadError) as e:
        check_bytes_stream(io.BytesIO(data), name, SOURCE_TYPES, 10 * MB)
    return str(e.value), e.value.status


def accepted(data, name="surat.pdf"):
    return check_bytes_stream(io.BytesIO(data), name, SOURCE_TYPES, 10 * MB).mimetype


def test_the_hostile_pdfs_hide_their_names_from_a_byte_scan():
    for _, change, _ in HOSTILE_PDFS:
        data = _pdf(change)
        assert b"/JavaScript" not in data and b"/Launch" not in data and b"/AA" not in data


@pytest.mark.parametrize("change, reason", [h[1:] for h in HOSTILE_PDFS], ids=IDS)
def test_active_pdf_content_is_refused_naming_it(app, change, reason):
    with app.test_request_context():
        assert refusal(_pdf(change)) == (f"Berkas PDF ditolak: {reason}.", 400)


@pytest.mark.parametrize("change", [b[1] for b in BENIGN_PDFS], ids=[b[0] for b in BENIGN_PDFS])
def test_benign_pdfs_are_accepted(app, change):
    with app.test_request_context():
        assert accepted(_pdf(change)) == PDF


def test_the_node_budget_refuses_an_oversized_pdf(app, monkeypatch):
    data = _pdf(_https_link)
    with app.test_request_context():
        assert accepted(data) == PDF
        monkeypatch.setattr(uploads, "PDF_MAX_NODES", 5)
        assert refusal(data) == ("Berkas PDF terlalu rumit.", 400)


# the four paths


def _stored(app):
    return [p for p in Path(app.config["FILES_DIR"]).rglob("*") if p.is_file()]


def _archived(app):
    with app.app_context():
        return list(archive_store().walk())


@pytest.mark.parametrize("change, reason", [h[1:] for h in HOSTILE_PDFS], ids=IDS)
def test_agenda_upload_refuses_active_pdfs(app, login, change, reason):
    c = login("kontributor")
    before = snapshot(app)
    files = [(io.BytesIO(_pdf()), "baik.pdf"), (io.BytesIO(_pdf(change)), "undangan.pdf")]
    r = c.post(
        "/intranet/agenda/baru", data=form_material(files=files), content_type="multipart/form-data"
    )
    assert r.status_code == 400
    assert f"undangan.pdf: Berkas PDF ditolak: {reason}." in r.get_data(as_text=True)
    assert snapshot(app) == before
    assert _stored(app) == []


@pytest.mark.parametrize("change", [b[1] for b in BENIGN_PDFS], ids=[b[0] for b in BENIGN_PDFS])
def test_agenda_upload_accepts_benign_pdfs(app, login, change):
    data = _pdf(change)
    files = [(io.BytesIO(data), "undangan.pdf")]
    r = login("kontributor").post(
        "/intranet/agenda/baru", data=form_material(files=files), content_type="multipart/form-data"
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    assert [p.read_bytes() for p in _stored(app)] == [data]


def _eml_with(attachment):
    msg = EmailMessage()
    msg["From"] = "Humas Dinas Kominfo Cilacap <humas@kominfo-cilacap.example>"
    msg["Subject"] = "Undangan rapat koordinasi"
    msg["Date"] = "Fri, 20 Nov 2026 09:30:00 +0700"
    msg.set_content("Dengan hormat, terlampir undangan rapat.")
    msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="undangan.pdf")
    return msg.as_bytes()


@pytest.mark.parametrize("change, reason", [h[1:] for h in HOSTILE_PDFS], ids=IDS)
def test_eml_import_drops_active_pdf_attachments(app, login, change, reason):
    hostile = _pdf(change)
    r = login("kontributor").post(
        "/intranet/agenda/impor-eml",
        data={
            "eml": (io.BytesIO(_eml_with(hostile)), "undangan.eml"),
            "category_id": "1",
            "sifat": "biasa",
            "security_class": "biasa",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert r.status_code == 200
    note = f"undangan.pdf: Berkas PDF ditolak: {reason}."
    assert f"Lampiran dilewati: {note}" in r.get_data(as_text=True)
    with app.app_context():
        files = db.session.execute(db.select(SourceFile)).scalars().all()
        assert [(f.origin, f.mimetype) for f in files] == [("eml", "message/rfc822")]
    [stored] = _stored(app)
    kept = email.message_from_bytes(stored.read_bytes(), policy=policy.default)
    parts = [p for p in kept.walk() if not p.is_multipart()]
    assert f"Lampiran ini dihapus oleh Warta: {note}\n" in [p.get_content() for p in parts]
    assert all(p.get_content_type() == "text/plain" for p in parts)
    assert hostile not in stored.read_bytes()


def test_eml_import_keeps_a_benign_pdf_attachment(app, login):
    data = _pdf(_https_link)
    r = login("kontributor").post(
        "/intranet/agenda/impor-eml",
        data={
            "eml": (io.BytesIO(_eml_with(data)), "undangan.eml"),
            "category_id": "1",
            "sifat": "biasa",
            "security_class": "biasa",
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert data in [p.read_bytes() for p in _stored(app)]


def _manual(scan):
    return {
        "title": "Berita acara rapat pleno 2019",
        "classification_id": "4",
        "uraian": "Berita acara rapat pleno terbuka rekapitulasi hasil Pemilu 2019.",
        "date_from": "2019-05-01",
        "date_to": "2019-05-03",
        "tingkat": "asli",
        "access_class": "biasa",
        "jumlah": "1 berkas",
        "notes": "",
        "hardcopy_status": "disimpan",
        "room": "Gudang",
        "cabinet": "Rak 1",
        "box": "2019-01",
        "folder": "3",
        "scans": [scan],
    }


@pytest.mark.parametrize("change, reason", [h[1:] for h in HOSTILE_PDFS], ids=IDS)
def test_manual_archive_record_refuses_active_scans(app, login, change, reason):
    c = login("arsiparis")
    before = snapshot(app)
    r = c.post(
        "/arsip/baru",
        data=_manual((io.BytesIO(_pdf(change)), "pindaian.pdf")),
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    assert f"pindaian.pdf: Berkas PDF ditolak: {reason}." in r.get_data(as_text=True)
    assert snapshot(app) == before
    assert _archived(app) == []


def test_manual_archive_record_accepts_a_benign_scan(app, login):
    r = login("arsiparis").post(
        "/arsip/baru",
        data=_manual((io.BytesIO(_pdf(_open_at_destination)), "pindaian.pdf")),
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    with app.app_context():
        assert db.session.execute(db.select(ArchiveRecord)).scalar_one()


@pytest.mark.parametrize("change, reason", [h[1:] for h in HOSTILE_PDFS], ids=IDS)
def test_sk_scan_refuses_active_pdfs(app, login, change, reason):
    c = login("admin")
    before = snapshot(app)
    r = c.post(
        "/intranet/admin/sk",
        data=decree_form(scan=(io.BytesIO(_pdf(change)), "SK Tim.pdf")),
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    assert f"Berkas PDF ditolak: {reason}." in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_sk_scan_accepts_a_benign_pdf(app, login):
    r = login("admin").post(
        "/intranet/admin/sk",
        data=decree_form(scan=(io.BytesIO(_pdf(_outline)), "SK Tim.pdf")),
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    with app.app_context():
        numbers = db.session.execute(db.select(TeamDecree.number)).scalars().all()
        assert "12/HM.02-Kpt/3301/2026" in numbers
