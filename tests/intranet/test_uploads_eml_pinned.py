"""An email's attachments pinned with no app: how deep multiparts may nest
(``eml_attachments``), every refused attachment listed, a long name cut at 80 characters."""

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from intranet import uploads
from intranet.uploads import UploadError

MB = 2**20
EXE = b"MZ\x90\x00"


def multiparts(inside):
    """A message whose body is ``inside`` multiparts nested in it, a PDF in the innermost."""
    body = (
        'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"'
        "\r\n\r\n%PDF-1.4\r\n"
    )
    for level in range(inside + 1):
        b = f"batas{level}"
        body = (
            f'Content-Type: multipart/mixed; boundary="{b}"\r\n\r\n--{b}\r\n{body}\r\n--{b}--\r\n'
        )
    raw = "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n" + body
    return BytesParser(policy=policy.default).parsebytes(raw.encode())


@pytest.mark.parametrize("inside", [0, 1, 15, 16])
def test_multiparts_nest_sixteen_deep_inside_the_message(inside):
    (part,) = uploads.eml_attachments(multiparts(inside))
    assert (part.get_filename(), part.get_content()) == ("a.pdf", b"%PDF-1.4\r\n")


@pytest.mark.parametrize("inside", [17, 30])
def test_deeper_multiparts_are_refused(inside):
    with pytest.raises(UploadError) as e:
        list(uploads.eml_attachments(multiparts(inside)))
    assert str(e.value) == "Bagian surel bertingkat terlalu dalam."


def message(*attachments):
    msg = EmailMessage()
    msg["From"] = "a@b.example"
    msg["Subject"] = "x"
    msg["Date"] = "Thu, 26 Nov 2026 09:00:00 +0700"
    msg.set_content("isi")
    for data, name in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


def four_deep(name="m.eml", *around):
    """A message carrying an email four attached emails deep (the innermost named
    ``name``), with the attachments ``around`` beside the outermost."""
    data = message((message(), name))
    for _ in range(2):
        data = message((data, "m.eml"))
    return message(*around[:1], (data, "m.eml"), *around[1:])


def test_every_refused_attachment_is_listed_those_in_attached_emails_too():
    raw = four_deep("m.eml", (EXE, "luar.exe"), (EXE, "akhir.exe"))
    assert uploads.eml_refused_parts(raw, MB) == [
        "luar.exe: Jenis berkas tidak diizinkan.",
        "m.eml › m.eml › m.eml › m.eml: surel bersarang terlalu dalam",
        "akhir.exe: Jenis berkas tidak diizinkan.",
    ]


def test_a_too_deep_email_is_named_by_its_first_80_characters():
    (refusal,) = uploads.eml_refused_parts(four_deep("s" * 90 + ".eml"), MB)
    assert refusal == f"m.eml › m.eml › m.eml › {'s' * 80}: surel bersarang terlalu dalam"


def test_a_part_of_another_type_is_an_attachment_even_when_shown_inline():
    raw = (
        "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nisi\r\n"
        "--b\r\nContent-Type: text/html\r\n\r\n<p>isi</p>\r\n"
        "--b\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n"
        '--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="c.txt"'
        "\r\n\r\ncatatan\r\n--b--\r\n"
    )
    msg = BytesParser(policy=policy.default).parsebytes(raw.encode())
    parts = list(uploads.eml_attachments(msg))
    assert [(p.get_content_type(), p.get_filename()) for p in parts] == [
        ("application/pdf", None),
        ("text/plain", "c.txt"),
    ]
