"""The PDF walk's rules pinned with no app: the node budget's exact bound and the name a
script found by its action type is refused under."""

import io

import pikepdf
import pytest
from pikepdf import Array
from pikepdf import Dictionary
from pikepdf import Name
from pikepdf import String

from intranet import uploads
from intranet.uploads import UploadError


def refused(call, *args):
    with pytest.raises(UploadError) as e:
        call(*args)
    return str(e.value)


def three_nodes():
    """A dictionary holding an array holding a dictionary: three values to visit."""
    return Dictionary(Kids=Array([Dictionary(Type=Name.Page)]))


def test_the_node_budget_is_exact(monkeypatch):
    monkeypatch.setattr(uploads, "PDF_MAX_NODES", 3)
    assert uploads._walk_pdf(pikepdf, [three_nodes()]) is None
    monkeypatch.setattr(uploads, "PDF_MAX_NODES", 2)
    assert refused(uploads._walk_pdf, pikepdf, [three_nodes()]) == "Berkas PDF terlalu rumit."
    monkeypatch.setattr(uploads, "PDF_MAX_NODES", 1)
    assert refused(uploads._walk_pdf, pikepdf, [three_nodes()]) == "Berkas PDF terlalu rumit."


def test_the_node_budget_counts_each_root(monkeypatch):
    monkeypatch.setattr(uploads, "PDF_MAX_NODES", 4)
    assert uploads._walk_pdf(pikepdf, [three_nodes(), Dictionary()]) is None
    assert refused(uploads._walk_pdf, pikepdf, [three_nodes(), Dictionary(), Dictionary()]) == (
        "Berkas PDF terlalu rumit."
    )


@pytest.mark.parametrize(
    "where, marker", [("", "/JavaScript"), ("/Annots", "/Annots"), ("/OpenAction", "/OpenAction")]
)
def test_a_javascript_action_without_its_script_key_is_named_where_it_hangs(where, marker):
    action = {"/S": Name("/JavaScript")}
    assert (
        refused(uploads._check_pdf_dictionary, pikepdf, action, where)
        == f"Berkas PDF ditolak: berisi JavaScript ({marker})."
    )


@pytest.mark.parametrize("where", ["", "/Annots"])
def test_other_actions_are_named_by_their_type_wherever_they_hang(where):
    action = {"/S": Name("/Launch")}
    assert (
        refused(uploads._check_pdf_dictionary, pikepdf, action, where)
        == "Berkas PDF ditolak: berisi perintah menjalankan program (/Launch)."
    )


@pytest.mark.parametrize(
    "action, refusal",
    [
        (Name("/JavaScript"), "berisi JavaScript (/OpenAction)"),
        (Name("/Launch"), "berisi perintah menjalankan program (/Launch)"),
        (Name("/SubmitForm"), "berisi formulir yang mengirim atau memuat data (/SubmitForm)"),
        (Name("/URI"), "berisi tindakan otomatis (/OpenAction)"),
        (None, "berisi tindakan otomatis (/OpenAction)"),
        (Name("/GoTo"), None),
    ],
)
def test_what_runs_when_the_file_is_opened(action, refusal):
    opening = Dictionary(S=action) if action is not None else Dictionary()
    catalog = {"/Type": Name("/Catalog"), "/OpenAction": opening}
    if refusal is None:
        assert uploads._check_pdf_dictionary(pikepdf, catalog, "") is None
    else:
        assert (
            refused(uploads._check_pdf_dictionary, pikepdf, catalog, "")
            == f"Berkas PDF ditolak: {refusal}."
        )


@pytest.mark.parametrize(
    "uri, refuse",
    [
        (String("https://kpu.example/"), False),
        (String("  MAILTO:tu@kpu.example"), False),
        (String("file:///C:/a.exe"), True),
        (Name("/https"), True),  # not a string: no address at all
        (None, True),
    ],
)
def test_a_uri_action_may_open_a_web_page_or_a_mail_only(uri, refuse):
    action = {"/S": Name("/URI")}
    if uri is not None:
        action["/URI"] = uri
    if refuse:
        assert (
            refused(uploads._check_pdf_dictionary, pikepdf, action, "/Annots")
            == "Berkas PDF ditolak: berisi tautan ke berkas lokal atau jaringan (/URI)."
        )
    else:
        assert uploads._check_pdf_dictionary(pikepdf, action, "/Annots") is None


def test_types_that_are_no_names_are_no_types():
    """A reader ignores a /S, /Type or /Subtype written as a string: so does the check."""
    for key, value in (("/S", "/JavaScript"), ("/Type", "/EmbeddedFile"), ("/Subtype", "/3D")):
        assert uploads._check_pdf_dictionary(pikepdf, {key: String(value)}, "") is None
    assert uploads._pdf_name(pikepdf, String("/Launch")) is None
    assert uploads._pdf_name(pikepdf, None) is None
    assert uploads._pdf_name(pikepdf, Name("/Launch")) == "/Launch"


def _check(data):
    stream = io.BytesIO(data)
    with pytest.raises(UploadError) as e:
        uploads._refuse_pdf_active_content(stream)
    return str(e.value), stream.tell()


def test_a_pdf_that_opens_without_a_password_but_is_encrypted_is_refused():
    """An owner password only: pikepdf opens it, and it is still encrypted."""
    buf = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(buf, encryption=pikepdf.Encryption(owner="rahasia", user=""))
    assert _check(buf.getvalue()) == ("PDF terenkripsi tidak dapat diterima.", 0)


def test_a_pdf_with_an_object_that_cannot_be_read_is_damaged():
    """The file opens, but one of its objects does not parse: found while walking."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.Extra = pdf.make_indirect(Dictionary(Marker=Name("/Zzz")))
    buf = io.BytesIO()
    pdf.save(buf, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=False)
    data = buf.getvalue().replace(b"/Marker /Zzz", b"/Marker /Zzz /Q <</R (", 1)
    with pikepdf.open(io.BytesIO(data)):
        pass  # it opens
    assert _check(data) == ("Berkas PDF rusak atau tidak lengkap.", 0)


def test_the_stream_is_rewound_after_every_answer():
    buf = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(buf)
    stream = io.BytesIO(buf.getvalue())
    assert uploads._refuse_pdf_active_content(stream) is None
    assert stream.tell() == 0
    buf = io.BytesIO()
    pdf.save(buf, encryption=pikepdf.Encryption(owner="rahasia", user="sandi"))
    assert _check(buf.getvalue()) == ("PDF terenkripsi tidak dapat diterima.", 0)
    assert _check(b"%PDF-1.4\nbukan pdf\n%%EOF\n") == ("Berkas PDF rusak atau tidak lengkap.", 0)
