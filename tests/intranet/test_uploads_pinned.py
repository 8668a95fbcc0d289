"""The upload checks pinned without an app: every refusal's exact message and status, every
boundary, what an accepted file becomes. Only bytes in memory; no database, no file store.
"""

import io
import zipfile

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from intranet import uploads
from intranet.storage import TooLarge
from intranet.uploads import DOCX
from intranet.uploads import EML
from intranet.uploads import JPEG
from intranet.uploads import ODT
from intranet.uploads import PDF
from intranet.uploads import PNG
from intranet.uploads import SOURCE_TYPES
from intranet.uploads import WEBP
from intranet.uploads import UploadError
from intranet.uploads import check_bytes_stream
from intranet.uploads import safe_filename
from tests.fixtures.eml import letter_eml
from tests.fixtures.files import docx_bytes
from tests.fixtures.files import docx_with_macro
from tests.fixtures.files import encrypted_pdf
from tests.fixtures.files import image_bytes
from tests.fixtures.files import odt_bytes
from tests.fixtures.files import pdf_bytes
from tests.fixtures.files import pdf_with_attachment
from tests.fixtures.files import pdf_with_javascript
from tests.fixtures.files import pixel_flood_png
from tests.fixtures.files import traversal_docx

MB = 2**20
BROKEN_PDF = "Berkas PDF rusak atau tidak lengkap."


def check(data, name, allowed=SOURCE_TYPES, max_bytes=10 * MB, clean_email=False):
    return check_bytes_stream(io.BytesIO(data), name, allowed, max_bytes, clean_email)


def refusal(data, name, allowed=SOURCE_TYPES, max_bytes=10 * MB):
    with pytest.raises(UploadError) as e:
        check(data, name, allowed, max_bytes)
    return str(e.value), e.value.status


def zip_of(members, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def docx_with(*extra, compression=zipfile.ZIP_DEFLATED):
    return zip_of(
        [("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>"), *extra],
        compression,
    )


# names


@pytest.mark.parametrize(
    "filename, stored",
    [
        ("surat.pdf", "surat.pdf"),
        ("Surat Undangan.PDF", "Surat_Undangan.pdf"),
        ("C:\\Users\\humas\\surat.pdf", "surat.pdf"),
        ("../../etc/surat.pdf", "surat.pdf"),
        ("  surat.pdf  ", "surat.pdf"),
        ("..surat..pdf", "surat.pdf"),
        ("_surat_.pdf", "surat.pdf"),
        ("سند.pdf", "berkas.pdf"),
        ("x" * 200 + ".docx", "x" * 150 + ".docx"),
        ("a.12345678", "a.12345678"),
        ("surat.pdf.exe", "surat.pdf.exe"),
        (".pdf", None),
        ("surat", None),
        ("surat.", None),
        ("surat.123456789", None),
        ("surat.p-f", None),
        ("surat/", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_filename(filename, stored):
    assert safe_filename(filename) == stored


# the first checks, in their order


def test_a_name_without_extension_is_refused_before_anything_else():
    assert refusal(b"", "surat") == ("Nama berkas tidak valid.", 400)
    assert refusal(pdf_bytes(), None) == ("Nama berkas tidak valid.", 400)


def test_an_empty_file_is_refused():
    assert refusal(b"", "surat.pdf") == ("Berkas kosong.", 400)


def test_the_size_limit_is_inclusive_and_names_megabytes():
    data = pdf_bytes()
    assert check(data, "surat.pdf", max_bytes=len(data)).mimetype == PDF
    assert refusal(data, "surat.pdf", max_bytes=len(data) - 1) == (
        "Berkas terlalu besar (maksimal 0 MB).",
        413,
    )
    assert refusal(b"x" * (3 * MB + 1), "surat.pdf", max_bytes=3 * MB) == (
        "Berkas terlalu besar (maksimal 3 MB).",
        413,
    )


def test_a_type_not_allowed_here_is_refused():
    assert refusal(pdf_bytes(), "surat.pdf", allowed=(PNG, JPEG)) == (
        "Jenis berkas tidak diizinkan.",
        400,
    )
    assert refusal(b"MZ\x90\x00" + b"\0" * 200, "setup.pdf") == (
        "Jenis berkas tidak diizinkan.",
        400,
    )


@pytest.mark.parametrize(
    "data, name",
    [
        (pdf_bytes(), "surat.png"),
        (image_bytes("PNG"), "foto.jpg"),
        (image_bytes("JPEG"), "foto.png"),
        (docx_bytes(), "surat.odt"),
        (letter_eml(False), "surat.pdf"),
    ],
)
def test_the_extension_must_agree_with_the_content(data, name):
    assert refusal(data, name) == ("Nama berkas tidak sesuai dengan isinya.", 400)


# sniffing


@pytest.mark.parametrize(
    "data, mimetype",
    [
        (pdf_bytes(), PDF),
        (image_bytes("PNG"), PNG),
        (image_bytes("JPEG"), JPEG),
        (image_bytes("WEBP"), WEBP),
        (docx_bytes(), DOCX),
        (odt_bytes(), ODT),
        (letter_eml(False), EML),
        (b"\r\n\t " + letter_eml(False), None),  # headers must start the message
        (b"RIFF\0\0\0\0WAVEfmt ", None),
        (b"PK\x03\x04" + b"\0" * 100, None),
        (zip_of([("word/document.xml", "x")]), None),
        (zip_of([("[Content_Types].xml", "x")]), None),
        (zip_of([("mimetype", "application/zip")]), None),
        (zip_of([("content.xml", "x")]), None),
        (b"From: a@b.example\nTo: c@d.example\n\nno subject and no date\n", None),
        (b"Subject: rapat\nDate: Thu, 26 Nov 2026 09:00:00 +0700\n\nisi\n", EML),
        (b"From: a@b.example\nReceived: by mx\n\nisi\n", EML),
        (b"Subject: rapat\nDate: Thu, 26 Nov 2026 09:00:00 +0700\n\nisi\x00\n", None),
        (b"Bukan surel sama sekali.\n", None),
        (b"%PDF", None),
    ],
)
def test_sniff(data, mimetype):
    stream = io.BytesIO(data)
    assert uploads.sniff(data[:64], stream) == mimetype
    assert stream.tell() == 0


def test_sniffing_reads_a_zip_whole_and_leaves_the_stream_at_the_start():
    data = odt_bytes()
    stream = io.BytesIO(data)
    stream.seek(5)
    assert uploads.sniff(data[:64], stream) == ODT
    assert stream.tell() == 0


# what an accepted file becomes


@pytest.mark.parametrize(
    "data, name, mimetype, stored",
    [
        (pdf_bytes(), "Surat.PDF", PDF, "Surat.pdf"),
        (docx_bytes(), "rundown.docx", DOCX, "rundown.docx"),
        (odt_bytes(), "rundown.odt", ODT, "rundown.odt"),
        (letter_eml(False), "undangan.eml", EML, "undangan.eml"),
    ],
)
def test_accepted_files_are_kept_as_they_came(data, name, mimetype, stored):
    checked = check(data, name)
    assert (checked.mimetype, checked.filename, checked.notes) == (mimetype, stored, ())
    assert checked.stream.tell() == 0
    assert checked.stream.read() == data


def test_an_accepted_stream_is_returned_at_its_start_even_when_read():
    stream = io.BytesIO(pdf_bytes())
    stream.seek(10)
    checked = check_bytes_stream(stream, "surat.pdf", SOURCE_TYPES, MB)
    assert checked.stream is stream
    assert stream.tell() == 0


@pytest.mark.parametrize("fmt, mimetype", [("PNG", PNG), ("JPEG", JPEG), ("WEBP", WEBP)])
def test_images_are_reencoded_in_their_own_format(fmt, mimetype):
    data = image_bytes(fmt) + b"<?php system($_GET['c']); ?>"
    checked = check(data, "foto." + fmt.lower())
    out = checked.stream.read()
    assert checked.mimetype == mimetype
    assert b"<?php" not in out
    with Image.open(io.BytesIO(out)) as img:
        assert img.format == fmt
        assert img.size == (64, 48)


def test_image_metadata_is_dropped_but_orientation_and_colour_profile_kept():
    from PIL import ExifTags
    from PIL import ImageCms

    img = Image.new("RGB", (40, 20), (20, 90, 160))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # taken sideways
    exif[ExifTags.Base.Make] = "Kamera Humas"
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, icc_profile=profile)
    out = check(buf.getvalue(), "foto.jpg").stream
    with Image.open(out) as clean:
        assert clean.size == (20, 40)
        assert not clean.getexif()
        assert clean.info.get("icc_profile") == profile


@pytest.mark.parametrize("mode, kept", [("L", "L"), ("CMYK", "RGB"), ("RGB", "RGB")])
def test_jpeg_keeps_grey_and_turns_other_modes_into_rgb(mode, kept):
    buf = io.BytesIO()
    Image.new(mode, (16, 16)).save(buf, "JPEG")
    with Image.open(check(buf.getvalue(), "foto.jpg").stream) as img:
        assert img.mode == kept


def test_a_png_with_transparency_stays_a_png_with_transparency():
    buf = io.BytesIO()
    Image.new("RGBA", (16, 16), (1, 2, 3, 4)).save(buf, "PNG")
    with Image.open(check(buf.getvalue(), "logo.png").stream) as img:
        assert img.mode == "RGBA"
        assert img.getpixel((0, 0)) == (1, 2, 3, 4)


def test_jpeg_and_webp_are_saved_at_quality_92():
    # a noisy picture: its size tells the quality it was saved at
    noise = Image.effect_noise((128, 128), 64).convert("RGB")
    for fmt in ("JPEG", "WEBP"):
        buf = io.BytesIO()
        noise.save(buf, fmt, quality=100)
        out = check(buf.getvalue(), "foto." + fmt.lower()).stream.getvalue()
        at_92 = io.BytesIO()
        with Image.open(io.BytesIO(buf.getvalue())) as decoded:
            decoded.save(at_92, fmt, quality=92)
        assert len(out) == len(at_92.getvalue()), fmt


def test_the_pixel_budget_is_inclusive(monkeypatch):
    data = image_bytes("PNG", (64, 48))
    monkeypatch.setattr(uploads, "MAX_PIXELS", 64 * 48)
    assert check(data, "foto.png").mimetype == PNG
    monkeypatch.setattr(uploads, "MAX_PIXELS", 64 * 48 - 1)
    assert refusal(data, "foto.png") == ("Gambar terlalu besar (jumlah piksel berlebihan).", 400)


def test_a_pixel_flood_and_a_broken_image_are_refused():
    assert refusal(pixel_flood_png(), "banjir.png") == (
        "Gambar terlalu besar (jumlah piksel berlebihan).",
        400,
    )
    assert refusal(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "rusak.png") == (
        "Berkas gambar rusak.",
        400,
    )
    assert refusal(image_bytes("JPEG")[:200], "potong.jpg") == ("Berkas gambar rusak.", 400)


# PDF


@pytest.mark.parametrize(
    "marker",
    [
        b"<script",
        b"<SCRIPT",
        b"<html",
        b"<!DOCTYPE html",
        b"<svg",
        b"<?php",
        b"<iframe",
        b"JavaScript:",
    ],
)
def test_a_pdf_with_active_markup_is_refused(marker):
    data = pdf_bytes()[:-6] + marker + b">\n%%EOF\n"
    assert refusal(data, "surat.pdf") == ("Berkas berisi kode aktif (HTML/skrip) dan ditolak.", 400)


@pytest.mark.parametrize("split", range(1, 7))
def test_active_markup_split_across_the_read_chunks_is_found(split):
    head = b"%PDF-1.4\n%"
    data = head + b"a" * (MB - len(head) - split) + b"<script>" + b"\n%%EOF\n"
    assert data[:MB].endswith(b"<script"[:split])
    assert refusal(data, "surat.pdf") == ("Berkas berisi kode aktif (HTML/skrip) dan ditolak.", 400)


def test_markup_that_only_looks_active_across_far_apart_chunks_is_not_found():
    head = b"%PDF-1.4\n%"
    # "<scr" ends the first megabyte and "ipt" starts the third: more than 32 bytes apart
    data = head + b"a" * (MB - len(head) - 4) + b"<scr" + b"b" * MB + b"ipt" + b"\n%%EOF\n"
    assert refusal(data, "surat.pdf") == (BROKEN_PDF, 400)


def test_the_end_marker_must_be_in_the_last_2048_bytes():
    data = pdf_bytes()  # ends with "%%EOF\n"
    assert check(data + b" " * 2042, "surat.pdf").mimetype == PDF
    assert refusal(data + b" " * 2043, "surat.pdf") == (BROKEN_PDF, 400)
    assert refusal(data[:-6], "surat.pdf") == (BROKEN_PDF, 400)


@pytest.mark.parametrize(
    "data, message",
    [
        (pdf_with_javascript(), "Berkas PDF ditolak: berisi JavaScript (/OpenAction)."),
        (pdf_with_attachment(), "Berkas PDF ditolak: berisi berkas sisipan (/EmbeddedFiles)."),
        (encrypted_pdf(), "PDF terenkripsi tidak dapat diterima."),
        (b"%PDF-1.4\n" + b"\xff" * 300 + b"\n%%EOF\n", BROKEN_PDF),
    ],
)
def test_pdf_active_content_encryption_and_breakage(data, message):
    assert refusal(data, "surat.pdf") == (message, 400)


def pdf_with(obj):
    """pdf_bytes() with one more object (a dictionary) in its xref."""
    data = pdf_bytes()
    body, _, _ = data.partition(b"xref\n")
    offsets = [int(line[:10]) for line in data.split(b"xref\n")[1].splitlines()[2:7]]
    new = body + b"6 0 obj\n" + obj + b"\nendobj\n"
    xref = len(new)
    out = new + b"xref\n0 7\n0000000000 65535 f \n"
    for off in [*offsets, len(body)]:
        out += b"%010d 00000 n \n" % off
    return out + b"trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref


@pytest.mark.parametrize(
    "obj, reason",
    [
        (b"<< /Type /Action /S /Launch /F (calc.exe) >>", "perintah menjalankan program (/Launch)"),
        (b"<< /Type /Action /S /GoToE >>", "tautan ke berkas lain (/GoToE)"),
        (
            b"<< /Type /Action /S /SubmitForm /F (http://x.example) >>",
            "formulir yang mengirim atau memuat data (/SubmitForm)",
        ),
        (
            b"<< /Type /Action /S /ImportData >>",
            "formulir yang mengirim atau memuat data (/ImportData)",
        ),
        (b"<< /AA << >> >>", "tindakan otomatis (/AA)"),
        (b"<< /JS (app.alert(1)) >>", "JavaScript (/JS)"),
        (b"<< /JavaScript 1 >>", "JavaScript (/JavaScript)"),
        (b"<< /Launch 1 >>", "perintah menjalankan program (/Launch)"),
        (b"<< /EmbeddedFile 1 >>", "berkas sisipan (/EmbeddedFile)"),
        (b"<< /EmbeddedFiles 1 >>", "berkas sisipan (/EmbeddedFiles)"),
        (b"<< /RichMedia 1 >>", "media aktif (/RichMedia)"),
        (b"<< /XFA 1 >>", "formulir XFA (/XFA)"),
    ],
)
def test_each_pdf_active_key_or_action_is_refused(obj, reason):
    """Even in an object nothing refers to: a repaired file might bring it back."""
    assert check(pdf_with(b"<< /Type /Action /S /GoTo >>"), "surat.pdf").mimetype == PDF
    assert refusal(pdf_with(obj), "surat.pdf") == (f"Berkas PDF ditolak: berisi {reason}.", 400)


def test_the_pdf_object_limit_is_inclusive(monkeypatch):
    data = pdf_bytes()  # five objects
    monkeypatch.setattr(uploads, "PDF_MAX_OBJECTS", 5)
    assert check(data, "surat.pdf").mimetype == PDF
    monkeypatch.setattr(uploads, "PDF_MAX_OBJECTS", 4)
    assert refusal(data, "surat.pdf") == ("Berkas PDF terlalu rumit.", 400)


# office documents


def test_office_documents_that_are_refused():
    assert refusal(traversal_docx(), "naik.docx") == (
        "Dokumen berisi nama berkas yang tidak aman.",
        400,
    )
    assert refusal(docx_with(("/etc/passwd", "x")), "akar.docx") == (
        "Dokumen berisi nama berkas yang tidak aman.",
        400,
    )
    assert refusal(docx_with_macro(), "makro.docx") == (
        "Dokumen berisi makro atau objek sisipan dan ditolak.",
        400,
    )


@pytest.mark.parametrize(
    "member",
    [
        "word/vbaData.xml",
        "word/activeX/activeX1.xml",
        "word/embeddings/oleObject1.bin",
        "Basic/Standard/Module1.xml",
        "Scripts/python/x.py",
        "Macros/x",
        "word/OLEOBJECT1.bin",
    ],
)
def test_each_kind_of_office_active_content_is_refused(member):
    assert refusal(docx_with((member, "x")), "makro.docx") == (
        "Dokumen berisi makro atau objek sisipan dan ditolak.",
        400,
    )


def test_names_that_only_resemble_active_content_or_traversal_pass():
    for member in ("word/media/basic/x.png", "docs/scripts.txt", "a..b/c", "word/x..y.xml"):
        content = "<x/>" if member.endswith(".xml") else "x"  # an XML part must parse
        assert check(docx_with((member, content)), "biasa.docx").mimetype == DOCX, member


def test_the_member_limit_is_inclusive(monkeypatch):
    data = docx_bytes()  # two members
    monkeypatch.setattr(uploads, "ZIP_MAX_ENTRIES", 2)
    assert check(data, "surat.docx").mimetype == DOCX
    monkeypatch.setattr(uploads, "ZIP_MAX_ENTRIES", 1)
    assert refusal(data, "surat.docx") == ("Dokumen berisi terlalu banyak bagian.", 400)


def test_the_total_size_limit_is_inclusive(monkeypatch):
    data = docx_with(("word/media/a.bin", b"\0" * 1000))
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(uploads, "ZIP_MAX_TOTAL", total)
    assert check(data, "surat.docx").mimetype == DOCX
    monkeypatch.setattr(uploads, "ZIP_MAX_TOTAL", total - 1)
    assert refusal(data, "surat.docx") == ("Dokumen mencurigakan (bom zip) dan ditolak.", 400)


def test_the_compression_ratio_counts_only_above_one_megabyte():
    bomb = "Dokumen mencurigakan (bom zip) dan ditolak."
    assert check(docx_with(("word/media/a.bin", b"\0" * MB)), "a.docx").mimetype == DOCX
    assert refusal(docx_with(("word/media/a.bin", b"\0" * (MB + 1))), "a.docx") == (bomb, 400)
    # a large member that is stored, not compressed, is no bomb
    stored = docx_with(("word/media/a.bin", b"\0" * (2 * MB)), compression=zipfile.ZIP_STORED)
    assert check(stored, "a.docx").mimetype == DOCX


def test_the_compression_ratio_limit_is_inclusive(monkeypatch):
    data = docx_with(("word/media/a.bin", b"\0" * (2 * MB)))
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/media/a.bin")
    ratio = info.file_size / info.compress_size
    monkeypatch.setattr(uploads, "ZIP_MAX_RATIO", ratio)
    assert check(data, "a.docx").mimetype == DOCX
    monkeypatch.setattr(uploads, "ZIP_MAX_RATIO", ratio - 0.01)
    assert refusal(data, "a.docx")[0] == "Dokumen mencurigakan (bom zip) dan ditolak."


def _flag_encrypted(data, member):
    """``data`` with ``member``'s central directory entry marked as encrypted."""
    at = data.index(b"PK\x01\x02" + data[data.index(b"PK\x01\x02") + 4 : 0])
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_len = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_len] == member.encode():
            flags = int.from_bytes(data[at + 8 : at + 10], "little") | 1
            return data[: at + 8] + flags.to_bytes(2, "little") + data[at + 10 :]
        at += 4


def test_an_encrypted_member_is_refused():
    data = _flag_encrypted(docx_with(("word/media/a.bin", b"x")), "word/media/a.bin")
    assert refusal(data, "kunci.docx") == ("Dokumen terenkripsi tidak dapat diterima.", 400)


def test_a_member_with_a_wrong_checksum_is_refused():
    data = bytearray(docx_with(("word/media/a.txt", b"isi yang asli"), compression=0))
    at = data.index(b"isi yang asli")
    data[at : at + 3] = b"ISI"
    assert refusal(bytes(data), "rusak.docx") == ("Dokumen rusak.", 400)


def test_an_odt_with_a_macro_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), ODT)
        z.writestr("Basic/Standard/Module1.xml", "<script:module/>")
    assert refusal(buf.getvalue(), "makro.odt") == (
        "Dokumen berisi makro atau objek sisipan dan ditolak.",
        400,
    )


# email


def test_an_email_with_a_refused_attachment_is_refused_naming_it():
    assert refusal(letter_eml(), "undangan.eml") == (
        "Surel berisi lampiran yang tidak diizinkan (setup.exe: Jenis berkas tidak diizinkan.)."
        " Gunakan Impor surel.",
        400,
    )


def test_clean_email_replaces_the_refused_attachment_by_a_note():
    raw = letter_eml()
    checked = check(raw, "undangan.eml", clean_email=True)
    note = "setup.exe: Jenis berkas tidak diizinkan."
    assert (checked.mimetype, checked.filename, checked.notes) == (EML, "undangan.eml", (note,))
    cleaned = checked.stream.read()
    assert b"MZ\x90\x00" not in cleaned
    assert uploads.eml_refused_parts(cleaned, MB) == []
    assert f"Lampiran ini dihapus oleh Warta: {note}".encode() in cleaned.replace(b"=\n", b"")


def test_clean_email_keeps_a_clean_message_byte_for_byte():
    raw = letter_eml(False)
    assert uploads.clean_eml(raw, MB) == (raw, [])
    checked = check(raw, "undangan.eml", clean_email=True)
    assert checked.notes == ()
    assert checked.stream.read() == raw


def nested(depth, inner):
    """An email carrying ``inner`` (bytes of an .eml) wrapped ``depth`` times."""
    from email.message import EmailMessage

    data = inner
    for level in range(depth):
        msg = EmailMessage()
        msg["From"] = "a@b.example"
        msg["Subject"] = f"level {level}"
        msg["Date"] = "Thu, 26 Nov 2026 09:00:00 +0700"
        msg.set_content("isi")
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename="m.eml")
        data = msg.as_bytes()
    return data


def test_attached_emails_are_opened_three_deep():
    refused = "Surel berisi lampiran yang tidak diizinkan"
    assert uploads.eml_refused_parts(nested(1, letter_eml()), MB) == [
        f"m.eml: {refused} (setup.exe: Jenis berkas tidak diizinkan.). Gunakan Impor surel."
    ]
    assert uploads.eml_refused_parts(nested(3, letter_eml(False)), MB) == []
    too_deep = "m.eml › m.eml › m.eml › m.eml: surel bersarang terlalu dalam"
    assert uploads.eml_refused_parts(nested(4, letter_eml(False)), MB) == [too_deep]
    assert uploads.eml_refused_parts(nested(5, letter_eml(False)), MB) == [
        f"m.eml: {refused} ({too_deep}). Gunakan Impor surel."
    ]


def test_clean_email_removes_an_attached_email_that_carries_a_refused_attachment():
    raw = nested(4, letter_eml(False))
    cleaned, notes = uploads.clean_eml(raw, MB)
    assert notes == ["m.eml: surel lampiran berisi lampiran yang tidak diizinkan"]
    assert b"Lampiran ini dihapus oleh Warta: m.eml: surel lampiran" in cleaned.replace(b"=\n", b"")
    clean = nested(3, letter_eml(False))
    assert uploads.clean_eml(clean, MB) == (clean, [])
    cleaned, notes = uploads.clean_eml(nested(1, letter_eml()), MB)
    assert notes == [
        "m.eml: Surel berisi lampiran yang tidak diizinkan (setup.exe: Jenis berkas tidak"
        " diizinkan.). Gunakan Impor surel."
    ]


def test_an_unnamed_attachment_is_called_lampiran_and_long_names_are_cut():
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "a@b.example"
    msg["Subject"] = "x"
    msg["Date"] = "Thu, 26 Nov 2026 09:00:00 +0700"
    msg.set_content("isi")
    msg.add_attachment(b"MZ\x90\x00", maintype="application", subtype="octet-stream")
    msg.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="n" * 100 + ".exe"
    )
    for part in list(msg.iter_attachments())[:1]:
        del part["Content-Disposition"]
        part["Content-Disposition"] = "attachment"
    assert uploads.eml_refused_parts(msg.as_bytes(), MB) == [
        "lampiran: Nama berkas tidak valid.",
        "n" * 80 + ": Jenis berkas tidak diizinkan.",
    ]
    cleaned, notes = uploads.clean_eml(msg.as_bytes(), MB)
    assert notes == [
        "lampiran: Nama berkas tidak valid.",
        "n" * 80 + ": Jenis berkas tidak diizinkan.",
    ]


def test_an_attachment_over_the_size_limit_is_refused_inside_the_email():
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "a@b.example"
    msg["Subject"] = "x"
    msg["Date"] = "Thu, 26 Nov 2026 09:00:00 +0700"
    msg.set_content("isi")
    msg.add_attachment(
        pdf_bytes() + b" " * MB, maintype="application", subtype="pdf", filename="b.pdf"
    )
    assert uploads.eml_refused_parts(msg.as_bytes(), MB) == [
        "b.pdf: Berkas terlalu besar (maksimal 1 MB)."
    ]


# storing


class Store:
    """A file store that keeps what it is given, or refuses it as too large."""

    def __init__(self, too_large=False):
        self.too_large = too_large
        self.put_with = None

    def put(self, stream, max_bytes):
        self.put_with = (stream.read(), max_bytes)
        if self.too_large:
            raise TooLarge("too large")
        return "ab" * 32, 123, True


def test_store_upload_checks_then_stores():
    store = Store()
    storage = FileStorage(io.BytesIO(pdf_bytes()), filename="Surat.PDF")
    assert uploads.store_upload(store, storage, (PDF,), MB) == (
        "ab" * 32,
        123,
        True,
        PDF,
        "Surat.pdf",
    )
    assert store.put_with == (pdf_bytes(), MB)


def test_check_upload_passes_name_types_limit_and_cleaning():
    storage = FileStorage(io.BytesIO(letter_eml()), filename="undangan.eml")
    checked = uploads.check_upload(storage, (EML,), MB, clean_email=True)
    assert checked.notes == ("setup.exe: Jenis berkas tidak diizinkan.",)
    storage = FileStorage(io.BytesIO(pdf_bytes()), filename="surat.pdf")
    with pytest.raises(UploadError) as e:
        uploads.check_upload(storage, (EML,), MB)
    assert str(e.value) == "Jenis berkas tidak diizinkan."
    with pytest.raises(UploadError) as e:
        uploads.check_upload(storage, (PDF,), 10)
    assert e.value.status == 413


def test_a_file_the_store_finds_too_large_is_a_413():
    checked = check(pdf_bytes(), "surat.pdf")
    with pytest.raises(UploadError) as e:
        uploads.store_checked(Store(too_large=True), checked, 7)
    assert (str(e.value), e.value.status) == ("Berkas terlalu besar.", 413)
    assert isinstance(e.value.__cause__, TooLarge)


def test_an_upload_error_is_a_400_unless_told():
    assert UploadError("x").status == 400
    assert UploadError("x", status=413).status == 413
    assert str(UploadError("pesan")) == "pesan"


# survivors of the first mutation run (make mutation), each killed here


def test_an_email_whose_first_header_is_an_x_header_or_that_has_no_subject():
    date = b"Date: Thu, 26 Nov 2026 09:00:00 +0700\n"
    assert (
        check(b"X-Mailer: Thunderbird\nFrom: a@b.example\n" + date + b"\nisi\n", "a.eml").mimetype
        == EML
    )
    assert check(b"From: a@b.example\n" + date + b"\nisi\n", "a.eml").mimetype == EML


def test_a_stem_keeps_its_own_letters_x_included():
    assert safe_filename("Xray_.pdf") == "Xray.pdf"
    assert safe_filename("_laporanX.pdf") == "laporanX.pdf"


def email_with(*attachments):
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "a@b.example"
    msg["Subject"] = "x"
    msg["Date"] = "Thu, 26 Nov 2026 09:00:00 +0700"
    msg.set_content("isi")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


def test_refused_attachments_are_listed_with_semicolons_and_empty_ones_named_empty():
    raw = email_with(("a.exe", b"MZ\x90\x00"), ("kosong.pdf", b""))
    assert refusal(raw, "surat.eml") == (
        "Surel berisi lampiran yang tidak diizinkan (a.exe: Jenis berkas tidak diizinkan.;"
        " kosong.pdf: Berkas kosong.). Gunakan Impor surel.",
        400,
    )
    assert uploads.clean_eml(raw, MB)[1] == [
        "a.exe: Jenis berkas tidak diizinkan.",
        "kosong.pdf: Berkas kosong.",
    ]


def test_the_note_replacing_an_attachment_is_exactly_this():
    cleaned, notes = uploads.clean_eml(email_with(("a.exe", b"MZ\x90\x00")), MB)
    import email
    from email import policy

    parts = list(email.message_from_bytes(cleaned, policy=policy.default).walk())
    texts = [p.get_content() for p in parts if p.get_content_type() == "text/plain"]
    assert texts == [
        "isi\n",
        "Lampiran ini dihapus oleh Warta: a.exe: Jenis berkas tidak diizinkan.\n",
    ]


def test_a_member_compressed_in_a_way_zipfile_cannot_read_is_a_broken_document():
    data = bytearray(docx_with(("word/media/a.bin", b"x" * 10), compression=zipfile.ZIP_STORED))
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = 0
        while (at := data.find(signature, at)) != -1:
            data[at + offset : at + offset + 2] = (97).to_bytes(2, "little")
            at += 4
    assert refusal(bytes(data), "aneh.docx") == ("Dokumen rusak.", 400)
