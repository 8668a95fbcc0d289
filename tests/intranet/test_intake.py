"""Steps 1–2 through the browser's requests: direction, agenda book, .eml, handover."""

import io
import re
import threading
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from intranet.clock import today
from intranet.extensions import db
from intranet.models import Assignment
from intranet.models import Case
from intranet.models import OutboxMessage
from intranet.models import SourceFile
from intranet.models import SourceMaterial
from intranet.models import TrailEntry
from intranet.models import User
from tests.app.test_csrf import snapshot
from tests.fixtures.eml import letter_eml
from tests.fixtures.files import HOSTILE_SOURCES
from tests.fixtures.files import docx_bytes
from tests.fixtures.files import image_bytes
from tests.fixtures.files import odt_bytes
from tests.fixtures.files import pdf_bytes
from tests.fixtures.files import traversal_docx
from tests.fixtures.files import zip_bomb_docx
from tests.fixtures.scenarios import material_data
from tests.fixtures.scenarios import upload


def uid(app, username):
    with app.app_context():
        return db.session.execute(db.select(User.id).where(User.username == username)).scalar_one()


def form_material(**overrides):
    data = {
        "received_on": today().isoformat(),
        "channel": "surat",
        "letter_number": "045/UND/BAWASLU/XI/2026",
        "letter_date": today().isoformat(),
        "sender_institution": "Bawaslu Kabupaten Cilacap",
        "sender_contact": "Budi Santoso",
        "sender_email": "humas@bawaslu-cilacap.example",
        "perihal": "Undangan rapat koordinasi pengawasan pemutakhiran data pemilih",
        "sifat": "segera",
        "security_class": "biasa",
        "category_id": "1",
        "files": [
            (io.BytesIO(pdf_bytes("Undangan")), "undangan rakor.pdf"),
            (io.BytesIO(image_bytes("PNG")), "foto.png"),
        ],
    }
    data.update(overrides)
    return data


def test_steps_one_and_two_as_the_demo_users(app, login):
    pj, kontributor, redaktur = login("penanggungjawab"), login("kontributor"), login("redaktur")
    # step 1: the direction
    r = pj.post(
        "/intranet/penugasan",
        data={
            "instruction": "Liput sosialisasi pemilih pemula dan kegiatan mitra pekan ini.",
            "recipients": [uid(app, "kontributor")],
            "due_date": (today() + timedelta(days=3)).isoformat(),
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    assignment_id = int(r.location.rsplit("/", 1)[1])
    page = kontributor.get("/intranet/").get_data(as_text=True)
    assert "Penugasan baru dari Demo Penanggung Jawab" in page
    assert kontributor.post(f"/intranet/penugasan/{assignment_id}/terima").status_code == 302
    # step 2: a letter and an emailed .eml into the agenda book
    r = kontributor.post(
        "/intranet/agenda/baru",
        data=form_material(
            assignment_id=str(assignment_id), disposition_to_id=str(uid(app, "redaktur"))
        ),
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    letter_page = kontributor.get(r.location).get_data(as_text=True)
    number = re.search(r"<strong>([^<]+/AGD-WEB/3301/\d{4})</strong>", letter_page).group(1)
    assert number == f"0001/AGD-WEB/3301/{today().year}"
    r = kontributor.post(
        "/intranet/agenda/impor-eml",
        data={
            "eml": (io.BytesIO(letter_eml()), "undangan.eml"),
            "category_id": "2",
            "sifat": "biasa",
            "security_class": "biasa",
            "assignment_id": str(assignment_id),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    eml_page = kontributor.get(r.location).get_data(as_text=True)
    assert "Undangan Sosialisasi Pemilih Pemula" in eml_page and "Lampiran dilewati" in eml_page
    with app.app_context():
        ids = (
            db.session.execute(db.select(SourceMaterial.id).order_by(SourceMaterial.id))
            .scalars()
            .all()
        )
    # handover opens the case at step 3
    r = kontributor.post(
        "/intranet/naskah/serahkan",
        data={
            "assignment_id": assignment_id,
            "material_ids": ids,
            "title": "KPU sosialisasikan pemilu ke pemilih pemula",
            "category_id": "2",
            "redaktur_id": uid(app, "redaktur"),
            "note": "Dua bahan: surat Bawaslu dan surel Kominfo.",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    case_page = redaktur.get(r.location).get_data(as_text=True)
    for text in (
        "Demo Penanggung Jawab",
        "Demo Kontributor",
        "Penanggung Jawab",
        "Kontributor",
        "DEMO/HM.02-Kpt/3301/",
        "selesai",
        "sedang berjalan",
        number,
    ):
        assert text in case_page, text
    assert "KPU sosialisasikan pemilu ke pemilih pemula" in redaktur.get("/intranet/").get_data(
        as_text=True
    )
    with app.app_context():
        case = db.session.execute(db.select(Case)).scalar_one()
        assert (case.step, case.attempt, case.status, case.trail_seq) == (3, 1, "open", 2)
        entries = db.session.execute(db.select(TrailEntry).order_by(TrailEntry.seq)).scalars().all()
        assert [(e.step, e.action, e.role) for e in entries] == [
            (1, "complete", "penanggungjawab"),
            (2, "complete", "kontributor"),
        ]
        assert all(e.decree_id is not None for e in entries)
        outbox = (
            db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        )
        kinds = [(m.kind, m.to_user.username) for m in outbox]
        assert ("assignment", "kontributor") in kinds and ("handover", "redaktur") in kinds
        assert all(m.sent_at is None for m in outbox)  # no SMTP configured: they wait in the outbox
    assert "Bahan informasi diserahkan kepada Anda" in login("admin").get(
        "/intranet/admin/kotak-keluar"
    ).get_data(as_text=True)
    r = app.test_cli_runner().invoke(args=["trail", "verify"])
    assert r.exit_code == 0 and "1 case trails verify" in r.output


def test_eml_import_fills_the_entry(app, login):
    c = login("kontributor")
    raw = letter_eml()
    r = c.post(
        "/intranet/agenda/impor-eml",
        data={
            "eml": (io.BytesIO(raw), "undangan.eml"),
            "category_id": "1",
            "sifat": "biasa",
            "security_class": "terbatas",
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    with app.app_context():
        m = db.session.execute(db.select(SourceMaterial)).scalar_one()
        assert m.channel == "email"
        assert m.sender_institution == "Humas Dinas Kominfo Cilacap"
        assert m.sender_email == "humas@kominfo-cilacap.example"
        assert m.perihal == "Undangan Sosialisasi Pemilih Pemula di SMA Negeri 1 Cilacap"
        assert m.letter_date == date(2026, 11, 20)
        assert m.security_class == "terbatas"
        assert "sosialisasi pemilih pemula pada hari Kamis" in m.body_text
        files = [(f.filename, f.mimetype, f.origin) for f in m.files]
        assert files == [
            ("undangan.eml", "message/rfc822", "eml"),
            ("undangan.pdf", "application/pdf", "eml-part"),
            ("lokasi.jpg", "image/jpeg", "eml-part"),
            (
                "rundown_acara.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "eml-part",
            ),
        ]
        stored = (
            Path(app.config["FILES_DIR"]) / m.files[0].sha256[:2] / m.files[0].sha256
        ).read_bytes()
        # the refused .exe is replaced by a note in the stored message; the rest is as sent
        assert b"MZ\x90" not in stored and b"TVqQ" not in stored
        assert "Lampiran ini dihapus oleh Warta: setup.exe" in stored.decode()
        assert stored.split(b"\n\n")[0] == raw.split(b"\n\n")[0]  # headers untouched


def test_an_email_without_refused_parts_is_stored_as_sent(app, login):
    raw = letter_eml(with_bad_attachment=False)
    r = login("kontributor").post(
        "/intranet/agenda/impor-eml",
        data={
            "eml": (io.BytesIO(raw), "undangan.eml"),
            "category_id": "1",
            "sifat": "biasa",
            "security_class": "biasa",
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    with app.app_context():
        f = db.session.execute(db.select(SourceFile).where(SourceFile.origin == "eml")).scalar_one()
        assert (Path(app.config["FILES_DIR"]) / f.sha256[:2] / f.sha256).read_bytes() == raw


@pytest.mark.parametrize(
    "name,data,status,why", HOSTILE_SOURCES, ids=[h[3] for h in HOSTILE_SOURCES]
)
def test_hostile_files_are_refused_and_leave_nothing(app, login, name, data, status, why):
    if data is None:
        data = zip_bomb_docx() if "bom" in name else traversal_docx()
    elif isinstance(data, str):
        from tests.fixtures import files

        data = letter_eml() if data == "eml_with_exe" else getattr(files, data)()
    c = login("kontributor")
    before = snapshot(app)
    files = [(io.BytesIO(pdf_bytes()), "baik.pdf"), (io.BytesIO(data), name)]
    r = c.post(
        "/intranet/agenda/baru", data=form_material(files=files), content_type="multipart/form-data"
    )
    if status is None:  # the browser sends an empty part when no file is chosen: ignored
        assert r.status_code == 302
        return
    assert r.status_code == status, why
    body = r.get_data(as_text=True)
    assert any(
        m in body
        for m in (
            "tidak diizinkan",
            "kosong",
            "rusak",
            "kode aktif",
            "bom zip",
            "tidak aman",
            "tidak valid",
            "tidak sesuai",
            "piksel",
            "skrip",
            "terenkripsi",
            "makro",
            "ditolak",
        )
    ), why
    assert snapshot(app) == before
    assert [p for p in Path(app.config["FILES_DIR"]).rglob("*") if p.is_file()] == []


def test_oversize_file_gets_413(app_factory, login):
    from intranet.cli import load_demo
    from tests.conftest import PASSWORD
    from tests.conftest import Auth

    app = app_factory(MAX_UPLOAD_BYTES=50_000)
    with app.app_context():
        load_demo(PASSWORD)
    c = app.test_client()
    Auth(c).login("kontributor")
    big = pdf_bytes() + b"%" + b"0" * 60_000 + b"\n%%EOF\n"
    r = c.post(
        "/intranet/agenda/baru",
        data=form_material(files=[(io.BytesIO(big), "besar.pdf")]),
        content_type="multipart/form-data",
    )
    assert r.status_code == 413 and "terlalu besar" in r.get_data(as_text=True)


def test_accepted_types_and_reencoded_images(app, login):
    c = login("kontributor")
    jpeg = image_bytes("JPEG")
    files = [
        (io.BytesIO(docx_bytes()), "naskah.docx"),
        (io.BytesIO(odt_bytes()), "naskah.odt"),
        (io.BytesIO(image_bytes("WEBP")), "foto.webp"),
        (io.BytesIO(jpeg + b"<script>x</script>"), "foto.jpg"),
    ]
    r = c.post(
        "/intranet/agenda/baru", data=form_material(files=files), content_type="multipart/form-data"
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        rows = db.session.execute(db.select(SourceFile).order_by(SourceFile.id)).scalars().all()
        assert [f.mimetype for f in rows] == [
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.oasis.opendocument.text",
            "image/webp",
            "image/jpeg",
        ]
        stored = (Path(app.config["FILES_DIR"]) / rows[3].sha256[:2] / rows[3].sha256).read_bytes()
        assert b"<script>" not in stored and stored.startswith(b"\xff\xd8\xff")
        material_id, file_id = rows[3].material_id, rows[3].id
    r = c.get(f"/intranet/agenda/{material_id}/berkas/{file_id}")
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r.close()


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"received_on": ""}, "Wajib diisi."),
        ({"received_on": "2026-02-30"}, "Tanggal tidak valid"),
        ({"channel": "merpati"}, "Pilihan tidak valid."),
        ({"sender_institution": ""}, "Wajib diisi."),
        ({"sender_institution": "x" * 201}, "Maksimal 200 karakter."),
        ({"perihal": "a\x00b"}, "tidak diizinkan"),
        ({"sender_email": "bukan surel"}, "Alamat surel tidak valid."),
        ({"sifat": "kilat"}, "Pilihan tidak valid."),
        ({"security_class": "sangat rahasia"}, "Pilihan tidak valid."),
        ({"category_id": "999"}, "Pilihan tidak valid."),
        ({"category_id": "abc"}, "Pilihan tidak valid."),
        (
            {"letter_date": (today() + timedelta(days=1)).isoformat()},
            "tidak boleh setelah tanggal terima",
        ),
        ({"files": []}, "Lampirkan minimal satu berkas"),
        ({"disposition_to_id": "99999"}, "Pilihan tidak valid."),
    ],
)
def test_material_bad_input(app, login, overrides, message):
    c = login("kontributor")
    before = snapshot(app)
    r = c.post(
        "/intranet/agenda/baru", data=form_material(**overrides), content_type="multipart/form-data"
    )
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_agenda_numbers_restart_each_year(app):
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        k = db.session.execute(db.select(User).where(User.username == "kontributor")).scalar_one()
        numbers = [
            intake.register_material(
                material_data(received_on=d), [upload(pdf_bytes(str(d)), "a.pdf")], k
            ).nomor_agenda
            for d in (
                date(2026, 12, 30),
                date(2026, 12, 31),
                date(2027, 1, 1),
                date(2026, 12, 31),
                date(2027, 1, 2),
            )
        ]
    assert numbers == [
        "0001/AGD-WEB/3301/2026",
        "0002/AGD-WEB/3301/2026",
        "0001/AGD-WEB/3301/2027",
        "0003/AGD-WEB/3301/2026",
        "0002/AGD-WEB/3301/2027",
    ]


def test_agenda_number_format_is_configurable(app_factory):
    from intranet.cli import load_demo
    from intranet.services import intake
    from tests.conftest import PASSWORD

    app = app_factory(AGENDA_NUMBER_FORMAT="{year}/BA/{seq:05d}")
    with app.app_context():
        load_demo(PASSWORD)
    with app.test_request_context(method="POST"):
        k = db.session.execute(db.select(User).where(User.username == "kontributor")).scalar_one()
        m = intake.register_material(
            material_data(received_on=date(2026, 5, 1)), [upload(pdf_bytes(), "a.pdf")], k
        )
        assert m.nomor_agenda == "2026/BA/00001"


def test_concurrent_registration_never_duplicates_a_number(app, login):
    codes, clients = [], [login("kontributor") for _ in range(6)]
    barrier = threading.Barrier(len(clients))

    def register(c, i):
        barrier.wait()  # the first entries of the year, all at once
        for j in range(4):
            r = c.post(
                "/intranet/agenda/baru",
                data=form_material(
                    perihal=f"Bahan {i}-{j}", files=[(io.BytesIO(pdf_bytes(f"{i}-{j}")), "a.pdf")]
                ),
                content_type="multipart/form-data",
            )
            codes.append(r.status_code)

    threads = [threading.Thread(target=register, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [302] * 24
    with app.app_context():
        seqs = sorted(db.session.execute(db.select(SourceMaterial.seq)).scalars())
        assert seqs == list(range(1, 25))


def test_agenda_book_prints_as_pdf(app, login):
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        k = db.session.execute(db.select(User).where(User.username == "kontributor")).scalar_one()
        for i in range(3):
            intake.register_material(
                material_data(perihal=f"Surat undangan nomor {i}"),
                [upload(pdf_bytes(str(i)), "a.pdf")],
                k,
            )
    c = login("arsiparis")
    start, end = today().replace(day=1).isoformat(), today().isoformat()
    r = c.get(f"/intranet/agenda/cetak?start={start}&end={end}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(r.data))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "BUKU AGENDA BAHAN INFORMASI WEBSITE" in text
    assert f"0003/AGD-WEB/3301/{today().year}" in text.replace(" ", "")
    assert "Surat undangan nomor 2" in text
    # bad periods: a clear message, no PDF
    for query, message in [
        (
            "start=2026-12-01&end=2026-01-01",
            "Sampai tanggal: Tanggal akhir tidak boleh sebelum tanggal mulai.",
        ),
        ("start=kemarin&end=2026-01-01", "Dari tanggal: Tanggal tidak valid"),
        ("", "Dari tanggal: Wajib diisi."),
        ("start=2000-01-01&end=2026-01-01", "Periode paling lama lima tahun."),
    ]:
        r = c.get(f"/intranet/agenda/cetak?{query}")
        assert r.status_code == 302
        assert message in c.get(r.location).get_data(as_text=True)


def test_agenda_search_and_filters(app, login):
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        k = db.session.execute(db.select(User).where(User.username == "kontributor")).scalar_one()
        intake.register_material(
            material_data(perihal="Rapat pleno DPT", channel="email"),
            [upload(pdf_bytes("1"), "a.pdf")],
            k,
        )
        intake.register_material(
            material_data(
                perihal="Sosialisasi disabilitas", sender_institution="SLB Negeri Cilacap"
            ),
            [upload(pdf_bytes("2"), "a.pdf")],
            k,
        )
    c = login("koordinator")
    assert "Rapat pleno DPT" in c.get("/intranet/agenda?q=pleno").get_data(as_text=True)
    assert "Sosialisasi disabilitas" not in c.get("/intranet/agenda?q=pleno").get_data(as_text=True)
    assert "Sosialisasi disabilitas" in c.get("/intranet/agenda?q=slb").get_data(as_text=True)
    page = c.get("/intranet/agenda?saluran=email").get_data(as_text=True)
    assert "Rapat pleno DPT" in page and "Sosialisasi disabilitas" not in page
    for query in ("tahun=abc", "saluran=<script>", "kategori=-1", "q=" + "x" * 5000, "q=%00"):
        assert c.get(f"/intranet/agenda?{query}").status_code == 200


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"material_ids": []}, "Wajib dipilih."),
        ({"material_ids": ["99999"]}, "Pilihan tidak valid"),
        ({"title": ""}, "Wajib diisi."),
        ({"redaktur_id": "__penulis__"}, "Pilihan tidak valid"),
        ({"assignment_id": "99999"}, "Pilihan tidak valid"),
    ],
)
def test_handover_refusals(app, login, overrides, message):
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        a = intake.give_assignment(
            {"instruction": "Cari bahan.", "due_date": today()},
            users["penanggungjawab"],
            [users["kontributor"]],
        )
        m = intake.register_material(
            material_data(), [upload(pdf_bytes(), "a.pdf")], users["kontributor"]
        )
        data = {
            "assignment_id": a.id,
            "material_ids": [m.id],
            "title": "Judul",
            "category_id": 1,
            "redaktur_id": users["redaktur"].id,
        }
        penulis_id = users["penulis"].id
    data.update({k: (penulis_id if v == "__penulis__" else v) for k, v in overrides.items()})
    c = login("kontributor")
    before = snapshot(app)
    r = c.post("/intranet/naskah/serahkan", data=data)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_handover_needs_a_direction_to_this_person(app, login):
    """Step 2 begins with receiving a direction: without one there is nothing to choose."""
    from intranet.services import intake
    from intranet.transactions import ServiceError

    with app.test_request_context(method="POST"):
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        a = intake.give_assignment(
            {"instruction": "Untuk redaktur saja.", "due_date": today()},
            users["penanggungjawab"],
            [users["redaktur"]],
        )
        m = intake.register_material(
            material_data(), [upload(pdf_bytes(), "a.pdf")], users["kontributor"]
        )
        with pytest.raises(ServiceError, match="ditujukan kepada Anda"):
            intake.hand_over(
                {
                    "assignment_id": a.id,
                    "material_ids": [m.id],
                    "title": "x",
                    "category_id": 1,
                    "redaktur_id": users["redaktur"].id,
                },
                users["kontributor"],
            )


@pytest.mark.parametrize(
    "data,message",
    [
        ({"instruction": "", "recipients": ["__k__"], "due_date": "__today__"}, "Wajib diisi."),
        ({"instruction": "x", "recipients": [], "due_date": "__today__"}, "Wajib dipilih."),
        (
            {"instruction": "x", "recipients": ["99999"], "due_date": "__today__"},
            "Pilihan tidak valid",
        ),
        (
            {"instruction": "x", "recipients": ["__k__"], "due_date": "2020-01-01"},
            "Tenggat tidak boleh sebelum hari ini.",
        ),
        (
            {"instruction": "x" * 4001, "recipients": ["__k__"], "due_date": "__today__"},
            "Maksimal 4000 karakter.",
        ),
        ({"instruction": "x", "recipients": ["__k__"], "due_date": "besok"}, "Tanggal tidak valid"),
    ],
)
def test_assignment_bad_input(app, login, data, message):
    k = str(uid(app, "kontributor"))
    data = {
        key: (
            [k if v == "__k__" else v for v in val]
            if isinstance(val, list)
            else (today().isoformat() if val == "__today__" else val)
        )
        for key, val in data.items()
    }
    c = login("penanggungjawab")
    before = snapshot(app)
    r = c.post("/intranet/penugasan", data=data)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_only_recipients_acknowledge_and_only_pj_closes(app, login, scenario):
    aid = scenario["assignment_id"]
    r = login("penulis").post(f"/intranet/penugasan/{aid}/terima")
    assert (
        "tidak ditujukan kepada Anda" in login("penulis").get(r.location).get_data(as_text=True)
        or r.status_code == 302
    )
    with app.app_context():
        a = db.session.get(Assignment, aid)
        assert all(r.user.username == "kontributor" for r in a.recipients)
        version = a.version
    assert (
        login("penanggungjawab")
        .post(f"/intranet/penugasan/{aid}/tutup", data={"version": version})
        .status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Assignment, aid).closed_at is not None


@pytest.mark.parametrize(
    "security,readers",
    [
        (
            "biasa",
            {
                "penanggungjawab",
                "koordinator",
                "kontributor",
                "redaktur",
                "editor",
                "penulis",
                "arsiparis",
            },
        ),
        ("terbatas", {"penanggungjawab", "koordinator", "kontributor", "redaktur", "arsiparis"}),
        ("rahasia", {"penanggungjawab", "koordinator", "kontributor"}),  # kontributor registered it
    ],
)
def test_security_class_decides_who_reads_material(app, login, security, readers):
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        k = db.session.execute(db.select(User).where(User.username == "kontributor")).scalar_one()
        m = intake.register_material(
            material_data(security_class=security, perihal=f"Bahan {security}"),
            [upload(pdf_bytes(security), "a.pdf")],
            k,
        )
        mid, fid = m.id, m.files[0].id
    for role in (
        "penanggungjawab",
        "koordinator",
        "kontributor",
        "redaktur",
        "editor",
        "penulis",
        "arsiparis",
    ):
        c = login(role)
        page = c.get(f"/intranet/agenda/{mid}")
        f = c.get(f"/intranet/agenda/{mid}/berkas/{fid}")
        listed = f"Bahan {security}" in c.get("/intranet/agenda").get_data(as_text=True)
        allowed = role in readers
        assert (page.status_code, f.status_code, listed) == (
            (200, 200, True) if allowed else (403, 403, False)
        ), role
        f.close()
    r = login("editor").get(
        f"/intranet/agenda/cetak?start={today().isoformat()}&end={today().isoformat()}"
    )
    text = " ".join(PdfReader(io.BytesIO(r.data)).pages[0].extract_text().split())
    assert (f"Bahan {security}" in text) == ("editor" in readers)


def test_material_goes_into_one_case_only(app, login, scenario):
    from intranet.services import intake
    from intranet.transactions import ServiceError

    with app.test_request_context(method="POST"):
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        with pytest.raises(ServiceError, match="Sudah diserahkan"):
            intake.hand_over(
                {
                    "assignment_id": scenario["assignment_id"],
                    "material_ids": [scenario["material_id"]],
                    "title": "Lagi",
                    "category_id": 1,
                    "redaktur_id": users["redaktur"].id,
                },
                users["kontributor"],
            )
