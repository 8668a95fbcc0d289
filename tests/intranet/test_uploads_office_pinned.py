"""The Word and OpenDocument scanning's rules pinned one by one, with no app: the field
commands (``_check_field``), what counts as another machine (``_network_path``), a Word
relationship's kind, fields nested in another field's result, and where an OpenDocument
part may link (``_OdfScan``). Every refusal's exact message."""

import io
import zipfile

import pytest
from werkzeug.datastructures import FileStorage

from intranet import uploads
from intranet.uploads import UploadError
from tests.fixtures.eml import letter_eml

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def refused(call, *args):
    with pytest.raises(UploadError) as e:
        call(*args)
    return str(e.value)


def because(reason, marker):
    return f"Dokumen ditolak: {reason} ({marker})."


EXTERNAL = "berisi tautan eksternal"
DDE = "berisi perintah DDE"
OLE = "berisi objek OLE atau ActiveX"
BUILT = "berisi field yang perintahnya disusun dari field lain"

#: A field's instruction -> the refusal (None: accepted).
FIELDS = [
    ("", None),
    ("   ", None),
    ("PAGE", None),
    ('MERGEFIELD "Nama"', None),
    ('"DDEAUTO" c:\\\\windows\\\\cmd.exe', because(DDE, "DDEAUTO")),
    ("dde c:\\\\x", because(DDE, "DDE")),
    ('LINK Excel.Sheet.12 "C:\\\\a.xlsx"', because(OLE, "LINK")),
    ("INCLUDETEXT https://example.org/a.docx", because(EXTERNAL, "INCLUDETEXT")),
    # a picture pasted from a web page keeps its address: no attack, quoted or not
    ('INCLUDEPICTURE "https://example.org/a.png" \\d', None),
    ("INCLUDEPICTURE http://example.org/a.png", None),
    ('INCLUDEPICTURE "HTTPS://EXAMPLE.ORG/A.PNG"', None),
    ("IMPORT http://example.org/a.png", None),
    ('IMPORT "https://example.org/a.png"', None),
    # a picture read from a file or a share, or with no address at all
    ("INCLUDEPICTURE", because(EXTERNAL, "INCLUDEPICTURE")),
    ('INCLUDEPICTURE "C:\\\\a.png"', because(EXTERNAL, "INCLUDEPICTURE")),
    ("IMPORT \\\\\\\\server\\\\a.png", because(EXTERNAL, "IMPORT")),
    ("IMPORT", because(EXTERNAL, "IMPORT")),
    ("INCLUDETEXT", because(EXTERNAL, "INCLUDETEXT")),
    ("QUOTE 68 68 69", None),
    # the command and the address are read as written: only quotes are taken off
    ("XDDE c:\\\\x", None),
    ("DDEX c:\\\\x", None),
    ('INCLUDEPICTURE "Xhttp://example.org/a.png"', because(EXTERNAL, "INCLUDEPICTURE")),
    ('INCLUDEPICTURE "https://example.org/a.pngX"', None),
]


@pytest.mark.parametrize("instruction, refusal", FIELDS)
def test_check_field(instruction, refusal):
    if refusal is None:
        assert uploads._check_field(instruction) is None
    else:
        assert refused(uploads._check_field, instruction) == refusal


def test_check_field_a_quote_nested_in_an_instruction_is_refused():
    assert refused(uploads._check_field, 'QUOTE "68 68"', True) == because(BUILT, "QUOTE")
    assert refused(uploads._check_field, '"quote" 68', True) == because(BUILT, "QUOTE")
    assert uploads._check_field("PAGE", True) is None


#: A template's or an ODF link's target -> whether it is on another machine.
NETWORK = [
    ("Normal.dotm", False),
    ("templates/Surat.dotx", False),
    ("C:\\Users\\tu\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm", False),
    ("c:/templates/Surat.dotx", False),
    ("  D:\\Surat.dotx  ", False),
    ("\\\\server\\share\\t.dotm", True),
    ("//server/share/t.dotm", True),
    ("https://evil.example/t.dotm", True),
    ("ab:/t.dotm", True),
    ("smb:t.dotm", True),
    ("file:///C:/templates/t.dotx", False),
    ("FILE:///C:/templates/t.dotx", False),
    ("file://server/share/t.dotx", True),
    ("file:t.dotx", False),
]


@pytest.mark.parametrize("target, network", NETWORK)
def test_network_path(target, network):
    assert uploads._network_path(target) is network


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("oleObject", OLE),
        ("oleObject/", OLE),
        ("vbaProject", "berisi makro"),
        ("package/", OLE),
    ],
)
def test_an_active_relationship_is_refused_by_the_last_part_of_its_type(kind, reason):
    scan = uploads._OoxmlScan("word/_rels/document.xml.rels")
    attrs = {"Id": "rId9", "Type": REL + kind, "Target": "embeddings/x.bin"}
    assert refused(scan.start, "Relationship", attrs) == because(reason, kind.rstrip("/"))


def test_a_relationship_ending_in_blanks_is_no_active_kind():
    scan = uploads._OoxmlScan("word/_rels/document.xml.rels")
    attrs = {"Type": REL + "image ", "Target": "media/image1.png"}
    assert scan.start("Relationship", attrs) is None


def _fields(scan, *events):
    """Feed ``scan`` Word's field events: ("begin"|"separate"|"end") or text for an
    instruction."""
    for event in events:
        if event in ("begin", "separate", "end"):
            scan.start("w:fldChar", {"w:fldCharType": event})
        else:
            scan.start("w:instrText", {})
            scan.text(event)
            scan.end("w:instrText")


def test_a_field_in_another_fields_result_is_not_nested_in_its_instruction():
    scan = uploads._OoxmlScan("word/document.xml")
    # a QUOTE in the result of a hyperlink: its result is text, not an instruction
    _fields(scan, "begin", 'HYPERLINK "https://example.org" ', "separate")
    _fields(scan, "begin", 'QUOTE "Undangan"', "separate", "end")
    _fields(scan, "end")
    assert scan.fields == []
    # the same QUOTE inside the hyperlink's instruction builds it
    scan = uploads._OoxmlScan("word/document.xml")
    _fields(scan, "begin", "HYPERLINK ")
    with pytest.raises(UploadError) as e:
        _fields(scan, "begin", 'QUOTE "Undangan"', "separate")
    assert str(e.value) == because(BUILT, "QUOTE")


def test_a_field_in_a_result_inside_an_instruction_is_nested():
    scan = uploads._OoxmlScan("word/document.xml")
    _fields(scan, "begin", "IF 1 = 1 ", "begin", "PAGE ", "separate")
    with pytest.raises(UploadError) as e:
        _fields(scan, "begin", "QUOTE 68", "separate")
    assert str(e.value) == because(BUILT, "QUOTE")


#: (the part, the element, its link) -> refused.
ODF_LINKS = [
    ("content.xml", "a", "https://example.org/", False),
    ("content.xml", "a", "mailto:tu@example.go.id", False),
    ("content.xml", "a", "MAILTO:TU@EXAMPLE.GO.ID", False),
    ("content.xml", "a", "#Bab1", False),
    ("content.xml", "a", "ftp://example.org/a", True),
    ("content.xml", "a", "../a.odt", True),
    ("content.xml", "image", "Pictures/a.png", False),
    ("Object 1/content.xml", "image", "../Pictures/a.png", False),
    ("Object 1/content.xml", "image", "../../a.png", True),
    ("content.xml", "image", "../a.png", True),
    ("content.xml", "image", "Pictures\\..\\..\\a.png", True),
    ("content.xml", "image", "Pictures\\a.png", False),
    ("content.xml", "image", "/etc/passwd", True),
    ("content.xml", "image", "\\\\server\\a.png", True),
    ("content.xml", "image", "https://example.org/a.png", True),
    ("content.xml", "template", "C:\\templates\\Surat.ott", False),
    ("content.xml", "template", "https://example.org/t.ott", True),
    ("content.xml", "image", "", False),
]


@pytest.mark.parametrize("part, element, href, refuse", ODF_LINKS)
def test_odf_links(part, element, href, refuse):
    scan = uploads._OdfScan(part)
    if refuse:
        marker = "meta:template" if element == "template" else "xlink:href"
        assert refused(scan._link, element, href) == because(EXTERNAL, marker)
    else:
        assert scan._link(element, href) is None


def test_an_external_relationship_without_a_type_is_named_relationship():
    scan = uploads._OoxmlScan("word/_rels/document.xml.rels")
    attrs = {"Target": "https://evil.example/x", "TargetMode": "External"}
    assert refused(scan.start, "Relationship", attrs) == because(EXTERNAL, "Relationship")


def test_check_upload_refuses_an_email_with_a_refused_attachment_by_default():
    storage = FileStorage(io.BytesIO(letter_eml()), filename="undangan.eml")
    assert refused(uploads.check_upload, storage, (uploads.EML,), 2**20) == (
        "Surel berisi lampiran yang tidak diizinkan (setup.exe: Jenis berkas tidak diizinkan.)."
        " Gunakan Impor surel."
    )


def test_an_external_relationship_without_a_target_is_refused():
    scan = uploads._OoxmlScan("word/_rels/document.xml.rels")
    attrs = {"Type": REL + "hyperlink", "TargetMode": "External"}
    assert refused(scan.start, "Relationship", attrs) == because(EXTERNAL, "hyperlink")


def test_instruction_text_outside_any_field_is_ignored():
    scan = uploads._OoxmlScan("word/document.xml")
    _fields(scan, "DDEAUTO c:\\\\x")
    assert scan.fields == []


def test_text_before_a_fields_instruction_is_not_part_of_it():
    scan = uploads._OoxmlScan("word/document.xml")
    _fields(scan, "begin")
    scan.text("DDEAUTO c:\\\\x ")  # a run's text, not instruction text
    _fields(scan, "PAGE ", "separate", "end")
    assert scan.fields == []


def test_an_instruction_is_kept_to_its_first_4096_characters():
    scan = uploads._OoxmlScan("word/document.xml")
    _fields(scan, "begin", "   " + "A" * 5000)
    assert scan.fields[-1].instruction == "A" * 4096
    _fields(scan, "B")
    assert scan.fields[-1].instruction == "A" * 4096


@pytest.mark.parametrize("element", ["Default", "Override"])
@pytest.mark.parametrize(
    "content_type, marker",
    [
        ("application/vnd.ms-office.vbaProject", "vbaProject"),
        ("application/vnd.ms-word.document.macroEnabled.main+xml", "macroEnabled"),
        ("application/vnd.ms-office.VBADATA+xml", "VBADATA"),
    ],
)
def test_a_macro_content_type_is_refused_by_default_or_override(element, content_type, marker):
    scan = uploads._OoxmlScan("[Content_Types].xml")
    attrs = {"Extension": "bin", "PartName": "/word/x.bin", "ContentType": content_type}
    assert refused(scan.start, element, attrs) == because("berisi makro", marker)
    assert scan.start(element, {"ContentType": "image/png"}) is None


def test_parts_without_their_attributes_are_read_as_empty():
    scan = uploads._OoxmlScan("[Content_Types].xml")
    assert scan.start("Default", {"Extension": "png"}) is None
    assert scan.start("Override", {"PartName": "/word/document.xml"}) is None
    scan = uploads._OoxmlScan("word/document.xml")
    assert scan.start("w:fldSimple", {}) is None


def test_a_field_char_of_no_known_type_does_not_end_the_instruction():
    scan = uploads._OoxmlScan("word/document.xml")
    _fields(scan, "begin")
    scan.start("w:fldChar", {"w:dirty": "true"})
    with pytest.raises(UploadError) as e:
        _fields(scan, "DDEAUTO c:\\\\x ", "separate")
    assert str(e.value) == because(DDE, "DDEAUTO")


@pytest.mark.parametrize("element", ["w:instrText", "w:delInstrText"])
def test_text_after_an_instruction_element_ends_is_not_instruction(element):
    scan = uploads._OoxmlScan("word/document.xml")
    _fields(scan, "begin")
    scan.start(element, {})
    scan.end(element)
    scan.start("w:t", {})
    scan.text("DDEAUTO c:\\\\x ")  # a run's text after the (empty) instruction element
    scan.end("w:t")
    _fields(scan, "PAGE ", "separate", "end")
    assert scan.fields == []


def test_a_nested_fields_end_leaves_the_outer_instruction_open():
    """A web picture's address may follow a field nested in its instruction."""
    scan = uploads._OoxmlScan("word/document.xml")
    _fields(scan, "begin", "INCLUDEPICTURE ", "begin", "PAGE ", "separate", "end")
    _fields(scan, '"https://example.org/a.png" ', "separate", "end")
    assert scan.fields == []


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(document, **parts):
    """A Word file (stored, not deflated) with ``document`` as its body and extra parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr(
            "word/document.xml", f'<?xml version="1.0"?><w:document {W}>{document}</w:document>'
        )
        for name, data in parts.items():
            z.writestr(name.replace("__", "/").replace("_dot_", "."), data)
    return out.getvalue()


def check_docx(data):
    uploads._check_office(io.BytesIO(data), uploads.DOCX)


def test_a_plain_word_file_passes_the_office_check():
    check_docx(docx("<w:body><w:p><w:r><w:t>Rapat pleno</w:t></w:r></w:p></w:body>"))


@pytest.mark.parametrize("size", [300, 200_000])
def test_a_member_whose_stored_bytes_do_not_match_their_checksum_is_refused(size):
    """Also a picture longer than the first chunk the XML sniffing reads of it."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (size // 256)
    data = bytearray(docx("<w:body/>", word__media__image1_dot_png=png))
    at = data.index(png) + len(png) - 5
    data[at] ^= 0xFF  # one byte of the picture changed after its checksum was written
    assert refused(check_docx, bytes(data)) == "Dokumen rusak."


def test_a_member_named_xml_that_is_not_xml_is_refused_never_skipped():
    data = docx("<w:body/>", word__extra_dot_xml=b"bukan xml sama sekali")
    assert refused(check_docx, data) == (
        "Dokumen ditolak: bagian XML word/extra.xml tidak dapat dibaca."
    )


def test_a_document_type_declaration_is_refused_even_without_entities():
    data = docx("<w:body/>", word__settings_dot_xml=b'<?xml version="1.0"?><!DOCTYPE x><x/>')
    assert refused(check_docx, data) == "Dokumen rusak."


def test_a_runs_text_after_the_instruction_element_is_not_read_into_the_field():
    body = (
        '<w:body><w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        "<w:r><w:instrText>INCLUDEPICTURE</w:instrText></w:r>"
        '<w:r><w:t> "https://example.org/a.png"</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:body>'
    )
    assert refused(check_docx, docx(body)) == because(EXTERNAL, "INCLUDEPICTURE")


@pytest.mark.parametrize(
    "name, local",
    [("object", "object"), ("w:object", "object"), ("w:x:object", "object"), ("", "")],
)
def test_an_elements_local_name_is_what_follows_its_last_colon(name, local):
    assert uploads._local(name) == local
