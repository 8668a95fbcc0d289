"""OCR of scans (Tesseract's Indonesian model; ocrmypdf for PDFs that are not plain scans):
derived searchable PDF/A beside the untouched original, confidences and flags, the queue,
the berkas, search and the CLI.

The scans are generated (tests/fixtures/scans.py): Indonesian letters rendered at 300 dpi,
one noisy and slightly skewed as an image-only PDF, one fax-like 1-bit page at 200 dpi.
"""

import hashlib
import io
import shutil
from datetime import timedelta

import pikepdf
import pytest
from pypdf import PdfReader

from archive import ocr
from archive import ocr_work
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.ocr_models import OcrResult
from archive.store import archive_store
from intranet import queue
from intranet.clock import today
from intranet.extensions import db
from intranet.models import SourceMaterial
from intranet.models import User
from intranet.storage import file_store
from tests.fixtures.eml import letter_eml
from tests.fixtures.files import encrypted_pdf
from tests.fixtures.files import image_bytes
from tests.fixtures.files import pdf_bytes
from tests.fixtures.scans import char_error_rate
from tests.fixtures.scans import clean_page
from tests.fixtures.scans import corpus
from tests.fixtures.scans import fax_page
from tests.fixtures.scans import noisy_page
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import manual_record_form
from tests.fixtures.scenarios import material_data
from tests.fixtures.scenarios import upload

pytestmark = pytest.mark.skipif(not ocr.available(), reason="tesseract is not installed")

#: Character error rate each generated scan must stay within (the clean page's is the bar).
CER_BARS = {"bersih-300dpi": 0.03, "berderau-miring": 0.05, "faks-1bit": 0.05}


def sha(data):
    return hashlib.sha256(data).hexdigest()


def stored_bytes(sha256):
    """A file of the working store, read whole."""
    with file_store().open(sha256) as f:
        return f.read()


def pdfa_part(data):
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return pdf.open_metadata().get("pdfaid:part")


def assert_pdfa_2b(data):
    """What PDF/A-2B asks of a derived file, checked structurally (no validator here): XMP
    naming part 2 conformance B in an unfiltered stream and agreeing with the document info,
    one sRGB output intent with its ICC profile, a document ID, no encryption, nothing
    active, every font embedded, nothing transparent, no LZW, no interpolation."""
    assert data.startswith(b"%PDF-1.") and data[9:10] == b"%"  # and a binary comment
    assert all(b > 127 for b in data[10:14])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert "/Filter" not in pdf.Root.Metadata
        assert str(pdf.docinfo.get("/Producer")) == meta["pdf:Producer"]
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3
        assert len(intent.DestOutputProfile.read_bytes()) > 1000
        assert len(pdf.trailer.ID) == 2 and "/Encrypt" not in pdf.trailer
        assert not {"/OpenAction", "/AA"} & set(pdf.Root.keys())
        assert "/JavaScript" not in pdf.Root.get("/Names", {})
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                continue
            assert obj.get("/S") not in ("/JavaScript", "/Transparency"), obj.get("/S")
            if obj.get("/Type") == "/FontDescriptor":
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(obj.keys())
            if obj.get("/Subtype") == "/Image":
                assert "/SMask" not in obj and not obj.get("/Interpolate", False)
                assert obj.get("/Filter") != "/LZWDecode"
                assert obj.get("/ColorSpace") != "/DeviceCMYK"


@pytest.fixture(scope="session")
def readings():
    """Each generated scan recognised once by the engine: ``{name: (scan, outcome)}``."""
    return {s.name: (s, ocr.recognise(s.data, s.mimetype)) for s in corpus()}


# --- the engine ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CER_BARS))
def test_generated_scans_become_searchable_pdfa_with_their_text(readings, name):
    scan, out = readings[name]
    assert out.status == "selesai", out.note
    assert out.pages == 1 and out.language == "ind"
    assert_pdfa_2b(out.pdf)
    # the derived PDF carries a text layer a reader finds words in
    layer = PdfReader(io.BytesIO(out.pdf)).pages[0].extract_text()
    assert scan.text.split("\n")[0].split()[-1] in layer
    assert char_error_rate(scan.text, out.text) <= CER_BARS[name], out.text
    assert out.confidence is not None and out.confidence >= ocr.LOW_CONFIDENCE
    assert [p for p, _ in out.page_confidences] == [1] and out.low_pages == []
    assert out.duration > 0


def test_a_pdf_that_has_text_is_not_recognised_again(readings):
    assert ocr.recognise(pdf_bytes("Surat undangan rapat"), "application/pdf").status == (
        "dilewati"
    )
    # nor is a derived PDF/A: its text layer is there
    _, out = readings["bersih-300dpi"]
    again = ocr.recognise(out.pdf, "application/pdf")
    assert (again.status, again.note, again.pdf) == ("dilewati", "PDF sudah memiliki teks", None)


def _image_pdf(pages):
    """An image-only PDF: each ``(image, MediaBox)`` drawn over a page of that size (the
    first as a JPEG, the others Flate, as scanners write them)."""
    pdf = pikepdf.new()
    for i, (image, box) in enumerate(pages):
        page = pdf.add_blank_page(page_size=(box[2], box[3]))
        if i == 0:
            out = io.BytesIO()
            image.save(out, "JPEG", quality=90)
            stream = pikepdf.Stream(pdf, out.getvalue(), Filter=pikepdf.Name.DCTDecode)
        else:
            stream = pikepdf.Stream(pdf, image.tobytes())
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        stream.Width, stream.Height = image.size
        stream.ColorSpace, stream.BitsPerComponent = pikepdf.Name.DeviceGray, 8
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=stream))
        page.Contents = pdf.make_stream(f"q {box[2]} 0 0 {box[3]} 0 0 cm /Im0 Do Q".encode())
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_an_image_only_pdf_keeps_its_pages_sizes_turn_and_jpeg_bytes():
    from tests.fixtures.scans import LETTERS
    from tests.fixtures.scans import render

    first = render(LETTERS[0])
    second = render(LETTERS[2], dpi=200).resize((1240, 1754))  # on A4: 150.1 dpi, not round
    data = _image_pdf([(first, (0, 0, 419.52, 453.6)), (second, (0, 0, 595, 842))])
    with pikepdf.open(io.BytesIO(data)) as original:
        original.pages[1].obj.Rotate = 90  # a sheet scanned sideways, turned by the viewer
        out = io.BytesIO()
        original.save(out)
        data = out.getvalue()
        jpeg = original.pages[0].Resources.XObject.Im0.read_raw_bytes()
    before = sha(data)
    result = ocr.recognise(data, "application/pdf")
    assert sha(data) == before
    assert result.status == "selesai" and result.pages == 2, result.note
    assert [p for p, _ in result.page_confidences] == [1, 2] and result.low_pages == []
    assert "pemutakhiran" in result.text and "kependudukan" in result.text
    assert_pdfa_2b(result.pdf)
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        assert [[float(v) for v in p.mediabox] for p in pdf.pages] == [
            [0, 0, 419.52, 453.6],
            [0, 0, 595, 842],
        ]
        assert pdf.pages[1].obj.Rotate == 90 and "/Rotate" not in pdf.pages[0].obj
        [image] = pdf.pages[0].Resources.XObject.values()
        assert image.read_raw_bytes() == jpeg  # the scan's own JPEG, not re-encoded
    reader = PdfReader(io.BytesIO(result.pdf))
    assert "kependudukan" in reader.pages[1].extract_text()


def test_images_that_tesseract_does_not_take_as_they_are_are_flattened_first():
    from PIL import Image

    from tests.fixtures.scans import LETTERS
    from tests.fixtures.scans import render

    page = render(LETTERS[1])
    transparent = io.BytesIO()
    page.convert("RGBA").save(transparent, "PNG")  # no resolution said: 300 dpi assumed
    tiff = io.BytesIO()  # two pages, 1-bit group 4, as a fax machine writes them
    page.convert("1").save(
        tiff,
        "TIFF",
        compression="group4",
        dpi=(300, 300),
        save_all=True,
        append_images=[Image.new("1", page.size, 1)],
    )
    result = ocr.recognise(transparent.getvalue(), "image/png")
    assert result.status == "selesai" and "pelanggaran" in result.text
    assert_pdfa_2b(result.pdf)
    result = ocr.recognise(tiff.getvalue(), "image/tiff")
    assert result.status == "selesai" and result.pages == 2 and "pelanggaran" in result.text
    assert result.low_pages == [2]  # the blank second page: no word found, to be checked
    assert_pdfa_2b(result.pdf)
    tiff = io.BytesIO()  # a TIFF of palette pages: each page flattened, none lost
    blank = Image.new("P", page.size, 0)
    blank.putpalette([255, 255, 255])
    blank.save(tiff, "TIFF", save_all=True, append_images=[page.convert("P")])
    result = ocr.recognise(tiff.getvalue(), "image/tiff")
    assert result.status == "selesai" and result.pages == 2 and "pelanggaran" in result.text
    assert [p for p, _ in result.page_confidences] == [2] and result.low_pages == [1]
    assert_pdfa_2b(result.pdf)


@pytest.mark.skipif(not shutil.which("ocrmypdf"), reason="ocrmypdf is not installed")
def test_a_pdf_mixing_text_and_scanned_pages_has_only_the_scans_read():
    clean = clean_page()
    with pikepdf.open(io.BytesIO(pdf_bytes("Surat pengantar berteks"))) as pdf:
        with pikepdf.open(io.BytesIO(_image_pdf([(clean_image(), (0, 0, 419.52, 453.6))]))) as s:
            pdf.pages.extend(s.pages)
            out = io.BytesIO()
            pdf.save(out)
    result = ocr.recognise(out.getvalue(), "application/pdf")
    assert result.status == "selesai" and result.pages == 2, result.note
    assert [p for p, _ in result.page_confidences] == [2] and result.low_pages == []
    assert clean.text.split("\n")[0] in result.text
    assert "Surat pengantar berteks" in PdfReader(io.BytesIO(result.pdf)).pages[0].extract_text()
    assert pdfa_part(result.pdf) == "2"


def clean_image():
    from tests.fixtures.scans import LETTERS
    from tests.fixtures.scans import render

    return render(LETTERS[0])


@pytest.mark.parametrize(
    "data, mimetype, reason",
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog", "application/pdf", "PDF rusak"),
        (encrypted_pdf(), "application/pdf", "PDF terenkripsi"),
        (image_bytes("PNG")[:40], "image/png", "gambar tidak dapat dibaca"),
        (b"bukan gambar sama sekali", "image/jpeg", "gambar tidak dapat dibaca"),
    ],
    ids=["truncated-pdf", "encrypted-pdf", "truncated-png", "not-an-image"],
)
def test_a_file_that_cannot_be_recognised_fails_with_its_reason(data, mimetype, reason):
    out = ocr.recognise(data, mimetype)
    assert out.status == "gagal" and out.pdf is None
    assert out.note.startswith(reason), out.note


def test_only_scans_and_images_are_candidates():
    assert ocr.is_candidate("image/png") and ocr.is_candidate("application/pdf")
    assert not ocr.is_candidate("message/rfc822") and not ocr.is_candidate("text/html")
    assert ocr.recognise(b"<p>halo</p>", "text/html").status == "dilewati"


def test_pages_below_the_threshold_or_without_words_are_flagged():
    per_page = [(1, 96.0, 120), (2, 61.5, 80), (3, 74.9, 3)]
    assert ocr.flag_pages(per_page, [1, 2, 3, 4], 75.0) == [2, 3, 4]
    assert ocr.flag_pages(per_page, [1, 2, 3], 60.0) == []
    assert ocr.flag_pages([], [], 75.0) == []


# --- uploads, the queue, the berkas and search ---------------------------------------------


def _users():
    return {u.username: u for u in db.session.execute(db.select(User)).scalars()}


def _publish_with_sources(app, files):
    """Steps 1–2 with ``files`` as the agenda entry's uploads; the material's id and the
    case's id (not yet published)."""
    from intranet.services import cases as case_service
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        users = _users()
        a = intake.give_assignment(
            {"instruction": "Liput surat masuk.", "due_date": today() + timedelta(days=7)},
            users["penanggungjawab"],
            [users["kontributor"]],
        )
        m = intake.register_material(
            material_data(assignment_id=a.id, perihal="Surat masuk"),
            [upload(data, name) for name, data in files],
            users["kontributor"],
        )
        case = intake.hand_over(
            {
                "assignment_id": a.id,
                "material_ids": [m.id],
                "title": "Surat masuk bulan ini",
                "category_id": 1,
                "redaktur_id": users["redaktur"].id,
                "note": "",
            },
            users["kontributor"],
        )
        case.step = 5
        case_service.add_photo(
            case,
            users["penulis"],
            upload(image_bytes("JPEG"), "foto.jpg"),
            {"caption": "Rapat", "credit": "Humas", "alt": "Rapat", "taken_on": None},
        )
        case.step = 3
        db.session.commit()
        return m.id, case.id


def _hits(client, query):
    r = client.get("/arsip/cari", query_string={"q": query})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    return page[page.find('<ol class="hits"') :]


@pytest.fixture
def app(app):
    """The demo app with its background tasks left to the worker (``queue.run_burst``)."""
    app.config["QUEUE_EAGER"] = False
    return app


def test_uploaded_scans_are_read_by_the_worker_embedded_in_the_berkas_and_found(app, login):
    clean, noisy = clean_page(), noisy_page()
    text_pdf = pdf_bytes("Lampiran berteks")
    uploads = [(clean.filename, clean.data), (noisy.filename, noisy.data), ("teks.pdf", text_pdf)]
    material_id, case_id = _publish_with_sources(app, uploads)
    with app.app_context():
        # the originals as stored (an upload's metadata is cleaned before it is stored)
        stored = {f.filename: f.sha256 for f in db.session.get(SourceMaterial, material_id).files}
        before = {name: sha(stored_bytes(h)) for name, h in stored.items()}
        assert before == stored
        # a stored file whose bytes no recogniser can read, queued with the others
        broken_sha, _, _ = file_store().put(io.BytesIO(b"%PDF-1.7\nrusak tanpa akhir"))
        ocr_work.queue_upload(broken_sha, "application/pdf")
        db.session.commit()
        queued = db.session.execute(
            db.select(db.func.count())
            .select_from(queue.BackgroundTask)
            .where(queue.BackgroundTask.name == ocr_work.FILE_TASK)
        ).scalar()
        assert queued == 4  # two scans, the text PDF, the broken file; not the photo
    counts = queue.run_burst(app)
    assert counts["gagal"] == 0 and counts["menunggu"] == 0
    with app.app_context():
        rows = {r.sha256: r for r in db.session.execute(db.select(OcrResult)).scalars()}
        assert rows[broken_sha].status == "gagal"
        assert rows[broken_sha].note.startswith("PDF rusak")
        text = rows[stored["teks.pdf"]]
        assert text.status == "dilewati" and text.derived_sha256 is None
        for scan in (clean, noisy):
            r = rows[stored[scan.filename]]
            assert r.done and r.pages == 1 and r.confidence >= ocr.LOW_CONFIDENCE
            assert r.duration_ms > 0 and r.language == "ind" and not r.archived
            # the derived PDF/A sits beside the original, named by its hash
            derived = stored_bytes(r.derived_sha256)
            assert sha(derived) == r.derived_sha256 and pdfa_part(derived) == "2"
        # the originals' bytes are unchanged
        assert {name: sha(stored_bytes(h)) for name, h in stored.items()} == before
    build_published(app, case_id)
    queue.run_burst(app)  # the index drain
    with app.app_context():
        record = db.session.execute(
            db.select(ArchiveRecord).where(ArchiveRecord.case_id == case_id)
        ).scalar_one()
        record_id = record.id
        berkas = archive_store().read(record.current.berkas_sha256)
        originals = {f.filename: f.sha256 for f in record.current.files}
        rows = {r.sha256: r for r in db.session.execute(db.select(OcrResult)).scalars()}
        derived = {scan.filename: rows[stored[scan.filename]] for scan in (clean, noisy)}
        assert all(r.archived for r in derived.values())
        for name, h in stored.items():  # archived originals: the stored bytes, unchanged
            assert originals[name] == h and sha(archive_store().read(h)) == h
    with pikepdf.open(io.BytesIO(berkas)) as pdf:
        assert pdf.open_metadata()["pdfaid:part"] == "3"
        embedded = {
            name: (spec.get_file().read_bytes(), str(spec.obj.AFRelationship))
            for name, spec in pdf.attachments.items()
        }
    for name, row in (
        ("undangan.ocr.pdf", derived["undangan.png"]),
        ("laporan.ocr.pdf", derived["laporan.pdf"]),
    ):
        data, relationship = embedded[name]
        assert relationship == "/Supplement" and sha(data) == row.derived_sha256
        assert pdfa_part(data) == "2"
    assert embedded["undangan.png"][1] == "/Source"
    listed = "".join(p.extract_text() for p in PdfReader(io.BytesIO(berkas)).pages)
    assert all(r.derived_sha256 in listed.replace("\n", "") for r in derived.values())
    # search: words only the scans say, found by other forms of the same root
    arsip = login("arsiparis")
    page = _hits(arsip, "melanggar")  # the noisy scan says "pelanggaran"
    assert record.nomor_arsip in page and "Teks dari OCR" in page
    assert "<mark>pelanggaran</mark>" in page
    page = _hits(arsip, "memilih")  # the clean scan says "pemilihan" and "pemilih"
    assert record.nomor_arsip in page and "<mark>pemilihan</mark>" in page
    assert "OCR perlu diperiksa" not in page
    body = arsip.get(f"/arsip/{record_id}").get_data(as_text=True)
    assert "Teks dari OCR" in body and "pelanggaran" in body
    assert derived["laporan.pdf"].derived_sha256 in body
    # the derived PDF/A downloads beside its original, to be checked; a file without none
    file_ids = _current_files(app, record_id)
    url = f"/arsip/{record_id}/berkas/{file_ids['laporan.pdf']}/ocr.pdf"
    assert url in body
    with arsip.get(url) as r:
        assert r.status_code == 200 and r.mimetype == "application/pdf"
        assert sha(r.data) == derived["laporan.pdf"].derived_sha256
    assert arsip.get(f"/arsip/{record_id}/berkas/{file_ids['teks.pdf']}/ocr.pdf").status_code == 404
    assert arsip.get(f"/arsip/{record_id}/berkas/999999/ocr.pdf").status_code == 404


def _current_files(app, record_id):
    """``{file name: id}`` of the record's current files."""
    with app.app_context():
        record = db.session.get(ArchiveRecord, record_id)
        return {f.filename: f.id for f in record.current.files}


def test_a_paper_records_scan_is_read_flagged_and_found_and_archive_ocr_runs_what_is_missing(
    app, login, runner
):
    app.config["OCR_LOW_CONFIDENCE"] = 99.9  # every page of the fax is then below it
    fax = fax_page()
    arsip = login("arsiparis")
    form = manual_record_form(scans=[(io.BytesIO(fax.data), fax.filename)])
    r = arsip.post("/arsip/baru", data=form, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    with app.app_context():
        assert db.session.execute(db.select(OcrResult)).first() is None  # queued, not yet read
        record = db.session.execute(db.select(ArchiveRecord)).scalar_one()
        nomor, record_id = record.nomor_arsip, record.id
        [scan_sha] = [f.sha256 for f in record.current.files if f.kind == "pindaian"]
        original = archive_store().read(scan_sha)
    assert nomor not in _hits(arsip, "memilih")
    # bad input: both options at once
    result = runner.invoke(args=["archive", "ocr", "--all", "--missing"])
    assert result.exit_code == 2 and "--all atau --missing" in result.output
    result = runner.invoke(args=["archive", "ocr"])
    assert result.exit_code == 0, result.output
    assert "1 dibaca OCR, 0 sudah berteks, 0 gagal" in result.output
    assert f"PERIKSA {scan_sha}  halaman 1 (keyakinan rendah)" in result.output
    with app.app_context():
        row = db.session.execute(db.select(OcrResult)).scalar_one()
        assert row.done and row.archived and row.low_page_numbers == [1]
        assert row.sha256 == scan_sha and archive_store().read(scan_sha) == original  # untouched
        derived = archive_store().read(row.derived_sha256)
        assert pdfa_part(derived) == "2" and sha(derived) == row.derived_sha256
        made_at = row.made_at
    # the queued task finds the scan read and only refreshes the index
    assert queue.run_burst(app)["gagal"] == 0
    with app.app_context():
        assert db.session.execute(db.select(OcrResult)).scalar_one().made_at == made_at
    page = _hits(arsip, "memilih")  # the fax says "daftar pemilih"
    assert nomor in page and "Teks dari OCR" in page and "<mark>pemilih</mark>" in page
    assert "OCR perlu diperiksa" in page
    body = arsip.get(f"/arsip/{record_id}").get_data(as_text=True)
    assert "perlu diperiksa: halaman 1" in body and "kependudukan" in body
    # nothing is left to read; --all reads it again, its earlier derived file removed
    result = runner.invoke(args=["archive", "ocr", "--missing"])
    assert result.exit_code == 0 and "0 dibaca OCR" in result.output
    result = runner.invoke(args=["archive", "ocr", "--all", "--quiet"])
    assert result.exit_code == 0 and "1 dibaca OCR" in result.output, result.output
    with app.app_context():
        again = db.session.execute(db.select(OcrResult)).scalar_one()
        assert again.made_at >= made_at and again.done and again.archived
        if again.derived_sha256 != row.derived_sha256:
            assert not archive_store().exists(row.derived_sha256)
        assert archive_store().exists(again.derived_sha256)
        row = again
    # the derived file is registered, never a stray
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "liar 0" in result.output
    with app.app_context():
        files = db.session.execute(db.select(ArchiveFile.sha256)).scalars().all()
        assert scan_sha in files and row.derived_sha256 not in files


def _queued(app, task):
    """The ``sha256`` of every queued task ``task``."""
    with app.app_context():
        rows = db.session.execute(
            db.select(queue.BackgroundTask).where(queue.BackgroundTask.name == task)
        ).scalars()
        return sorted(r.arguments["sha256"] for r in rows)


def test_email_attachments_and_sk_scans_are_queued_for_ocr_but_not_the_rest(app, login):
    from datetime import date

    from intranet.services import team

    r = login("kontributor").post(
        "/intranet/agenda/impor-eml",
        data={
            "eml": (io.BytesIO(letter_eml()), "undangan.eml"),
            "category_id": "1",
            "sifat": "biasa",
            "security_class": "biasa",
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    with app.app_context():
        m = db.session.execute(db.select(SourceMaterial)).scalar_one()
        kinds = {f.filename: (f.sha256, f.mimetype) for f in m.files}
    # the PDF and the photo of the message may be scans; the message itself is not
    assert set(kinds) >= {"undangan.eml", "undangan.pdf", "lokasi.jpg"}
    assert _queued(app, ocr_work.FILE_TASK) == sorted(
        kinds[name][0] for name in ("undangan.pdf", "lokasi.jpg")
    )
    scan = fax_page()
    with app.test_request_context(method="POST"):
        admin = _users()["admin"]
        decree = team.record_decree(
            {
                "number": "7/HM.02-Kpt/3301/2026",
                "decree_date": date(2026, 1, 5),
                "title": "Tim Pengelola Website",
                "valid_from": date(2026, 1, 1),
                "valid_until": date(2099, 12, 31),
                "signed_by": "Ketua KPU Kabupaten Cilacap",
            },
            upload(scan.data, "sk-tim.png"),
            admin,
        )
        decree_scan = decree.scan_sha256
    assert decree_scan in _queued(app, ocr_work.FILE_TASK)
    # the worker reads it; the SK's own scan is left as it was
    assert queue.run_burst(app)["gagal"] == 0
    with app.app_context():
        row = ocr.result_for(decree_scan)
        assert row.done and "kependudukan" in row.text
        assert sha(stored_bytes(decree_scan)) == decree_scan


def test_an_export_carries_the_ocr_and_an_import_restores_it(
    app, app_factory, migrated_db, runner, tmp_path, login
):
    import json
    import zipfile

    from archive import indexing

    fax = fax_page()
    arsip = login("arsiparis")
    form = manual_record_form(scans=[(io.BytesIO(fax.data), fax.filename)])
    assert (
        arsip.post("/arsip/baru", data=form, content_type="multipart/form-data").status_code == 302
    )
    assert runner.invoke(args=["archive", "ocr", "--quiet"]).exit_code == 0
    with app.app_context():
        row = db.session.execute(db.select(OcrResult)).scalar_one()
        derived, original = row.derived_sha256, row.sha256
        nomor = db.session.execute(db.select(ArchiveRecord.nomor_arsip)).scalar_one()
    out = tmp_path / "ekspor.zip"
    result = runner.invoke(args=["archive", "export", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        [record_json] = [n for n in z.namelist() if n.endswith("/arsip.json")]
        data = json.loads(z.read(record_json))
        [item] = data["ocr"]
        assert (item["original_sha256"], item["sha256"], item["pages"]) == (original, derived, 1)
        [path] = [n for n in z.namelist() if n.endswith(item["path"])]
        assert "/ocr/" in path and sha(z.read(path)) == derived
    other = imported_elsewhere(app, app_factory, migrated_db, tmp_path, out)
    result = other.test_cli_runner().invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 0, result.output
    with other.app_context():
        row = db.session.execute(db.select(OcrResult)).scalar_one()
        assert (row.sha256, row.derived_sha256, row.archived) == (original, derived, True)
        assert "kependudukan" in row.text and sha(archive_store().read(derived)) == derived
        imported = db.session.execute(
            db.select(ArchiveRecord.id).where(ArchiveRecord.nomor_arsip == nomor)
        ).scalar_one()
        indexing.drain()
        assert imported in indexing.search_index().matching_ids("memilih", ["biasa"])


def imported_elsewhere(app, app_factory, migrated_db, tmp_path, bag):
    """Another instance, empty (on one server database, without the archive's OCR rows),
    into which the export ``bag`` of one record is imported; that instance's app."""
    from tests.archive.test_archive_search import _empty_instance
    from tests.conftest import TEST_DATABASE_URL

    other = _empty_instance(app, app_factory, migrated_db, tmp_path)
    if TEST_DATABASE_URL:  # one server database: the archive's OCR rows go with its tables
        with app.app_context():
            db.session.execute(db.delete(OcrResult))
            db.session.commit()
    result = other.test_cli_runner().invoke(args=["archive", "import", str(bag)])
    assert result.exit_code == 0 and "1 arsip diimpor" in result.output, result.output
    return other
