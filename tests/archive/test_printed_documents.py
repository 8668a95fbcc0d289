"""Printed documents fit for signing and filing: the signature block from the SK Tim,
Indonesian dates, codes never cut, and every character drawn with a real glyph."""

import io
import os
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from intranet.clock import tanggal
from intranet.clock import today as office_today
from intranet.extensions import db
from intranet.models import Membership
from intranet.models import User
from intranet.signatures import signature_block
from tests.fixtures.scenarios import manual_record_form

PJ = ("Drs. Sutrisno Hadi, M.Si.", "197001011995031001", "Sekretaris KPU Kabupaten Cilacap")
ARSIPARIS = ("Rina Puspitasari, A.Md.", "198505052010122002", "Arsiparis Pelaksana")

#: An article in every script an Indonesian office writes.
SCRIPTS = {
    "Latin": "Pemilu di Kecamatan Nusawungu: Dér, Øre, ñ, ş, ā ē ī ō ū, Việt",
    "Jawa": "ꦗꦮ ꦲꦏ꧀ꦱꦫ",
    "Arab": "السلام عليكم",
    "Bali": "ᬅᬓ᭄ᬱᬭ",
    "Sunda": "ᮃᮊ᮪ᮞᮛ",
    "Bugis": "ᨔᨘᨑᨛ",
    "Batak": "ᯘᯮᯒᯖ᯲",
    "emoji": "🇮🇩 🗳️ 😀",
}
#: Characters no font has: one of the private use area, one Unicode has not assigned.
UNCOVERED = "\ue000\u0378"


def _sign_as(app, username, person):
    """Give the demo member ``username`` a name, NIP and the jabatan the SK Tim names."""
    name, nip, position = person
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
        user.full_name, user.nip = name, nip
        for m in db.session.execute(
            db.select(Membership).where(Membership.user_id == user.id)
        ).scalars():
            m.position = position
        db.session.commit()


def _text(data, name=None):
    """The text of each page of a PDF; with ``WARTA_PRINT_DIR`` set, the PDF is also kept
    there as ``name``.pdf, to be rendered to PNG pages and looked at."""
    keep = os.environ.get("WARTA_PRINT_DIR")
    if keep and name:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / f"{name}.pdf").write_bytes(data)
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _filed(client, title, box="B-01", **overrides):
    """Register an older paper record filed in ``box``; its record id."""
    data = manual_record_form(
        title=title,
        hardcopy_status="disimpan",
        room="Ruang Arsip",
        cabinet="Lemari 1",
        box=box,
        folder="F-1",
        **overrides,
    )
    r = client.post("/arsip/baru", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    return int(r.headers["Location"].rstrip("/").split("/")[-1])


# --- the signature block -----------------------------------------------------------------


def test_the_signature_block_names_the_sk_tim_members_and_the_office_city(app):
    _sign_as(app, "penanggungjawab", PJ)
    with app.test_request_context():
        block = signature_block("berkas", date(2026, 11, 29))
    assert (block.place, block.date_text) == ("Cilacap", "29 November 2026")
    assert [(s.caption, s.jabatan, s.name, s.nip) for s in block.signers] == [
        ("Mengetahui,", PJ[2], PJ[0], PJ[1]),
        # the demo arsiparis has no NIP and no jabatan in the SK: the role's name stands in
        ("Yang membuat,", "Arsiparis", "Demo Arsiparis", None),
    ]


def test_nobody_signs_for_a_role_outside_the_decree_or_after_the_membership_ended(app):
    with app.app_context():
        m = db.session.execute(
            db.select(Membership).where(Membership.role == "arsiparis")
        ).scalar_one()
        valid_until = m.decree.valid_until
        m.ended_on = office_today()
        db.session.commit()
    with app.test_request_context():
        ended = signature_block("berkas").signers[1]
        after = signature_block("berkas", date(valid_until.year + 1, 1, 2)).signers[0]
    # the block still prints, with dotted lines for a name written by hand
    assert (ended.jabatan, ended.name, ended.nip) == ("Arsiparis", None, None)
    assert (after.jabatan, after.name) == ("Penanggung Jawab", None)


def test_the_place_is_the_configured_office_city(app_factory):
    app = app_factory(OFFICE_CITY="Purwokerto")
    with app.test_request_context():
        assert signature_block("laporan", date(2026, 1, 1)).place == "Purwokerto"


@pytest.mark.parametrize(
    "day, text",
    [
        (date(2026, 11, 29), "29 November 2026"),
        (date(2026, 1, 1), "1 Januari 2026"),
        (date(2026, 8, 17), "17 Agustus 2026"),
    ],
)
def test_dates_are_written_the_indonesian_way(day, text):
    assert tanggal(day) == text


# --- box label and content list ----------------------------------------------------------


def test_the_box_label_and_content_list_carry_the_signature_block(app, login):
    _sign_as(app, "penanggungjawab", PJ)
    _sign_as(app, "arsiparis", ARSIPARIS)
    arsip = login("arsiparis")
    for i in range(3):
        _filed(arsip, f"Berita acara rapat pleno ke-{i + 1}")
    query = "ruang=Ruang+Arsip&lemari=Lemari+1&boks=B-01"
    label = _text(arsip.get(f"/arsip/lokasi/label.pdf?{query}").data, "label-boks")
    assert len(label) == 1
    assert ARSIPARIS[0] in label[0] and f"NIP. {ARSIPARIS[1]}" in label[0]
    assert f"Cilacap, {tanggal(office_today())}" in label[0]
    assert "HM.02.04/0001/3301/2019" in label[0] and "HM.02.04/0003/3301/2019" in label[0]
    pages = _text(arsip.get(f"/arsip/lokasi/isi.pdf?{query}").data, "isi-boks")
    text = "\n".join(pages)
    for name, nip, position in (PJ, ARSIPARIS):
        assert name in text and f"NIP. {nip}" in text and position in text
    assert "1 Mei 2019 – 3 Mei 2019" in text
    for n in (1, 2, 3):
        assert re.search(rf"^.*HM\.02\.04/000{n}/3301/2019", text, re.M)
