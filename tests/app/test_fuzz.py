"""Fuzzed form submissions: whatever arrives, the answer is never a 5xx."""

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from intranet.extensions import db
from intranet.models import TeamDecree
from intranet.models import User

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

#: Values that have broken a route before: days the calendar cannot hold or convert, numbers
#: past any column, NUL, and (percent-encoded in ``RAW``) bytes that are no UTF-8.
EXTREMES = [
    "0001-01-01",
    "9999-12-31",
    "0000-01-01",
    "10000-01-01",
    "-0001-01-01",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "0000-00-00T00:00",
    "0001-01",
    "9999-12",
    "tanggal:9999-12-31",
    "tanggal:[0001-01-01 TO *]",
    "tanggal:>=9999-12-31",
    "tahun:99999999999999999999",
    str(10**30),
    str(-(10**30)),
    "-1",
    "\x00",
]
#: The same in a query string or a form body as sent: invalid UTF-8 and NUL, percent-encoded.
RAW = ["%FF%FE", "%00", "%C0%AF", "%ED%A0%80", "2026-01-01%00", "%FF%FE0001-01-01"]

text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(EXTREMES),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "𝕎𝕒𝕣𝕥𝕒",
            "9" * 400,
            "2026-02-30",
            "-1",
            "1e309",
            "../../etc/passwd",
            "%00",
            "\u202e",
        ]
    ),
)
form = st.dictionaries(
    st.sampled_from(
        [
            "username",
            "password",
            "full_name",
            "nip",
            "email",
            "new_password",
            "confirm_password",
            "current_password",
            "number",
            "decree_date",
            "title",
            "valid_from",
            "valid_until",
            "signed_by",
            "notes",
            "user_id",
            "role",
            "position",
            "version",
            "locale",
            "next",
            "is_system_admin",
            "instruction",
            "recipients",
            "due_date",
            "received_on",
            "channel",
            "letter_number",
            "letter_date",
            "sender_institution",
            "sender_contact",
            "sender_email",
            "perihal",
            "sifat",
            "security_class",
            "category_id",
            "assignment_id",
            "disposition_to_id",
            "material_ids",
            "redaktur_id",
            "action",
            "to_step",
            "reason",
            "absent_id",
            "substitute_id",
            "status",
            "room",
            "cabinet",
            "box",
            "folder",
            "note",
            "uraian",
            "date_from",
            "date_to",
            "tingkat",
            "access_class",
            "jumlah",
            "hardcopy_status",
            "classification_id",
            "code",
            "name",
            "retention_id",
            "active",
            "active_years",
            "inactive_years",
            "disposition",
            "new-code",
            "new-name",
            "newrule-name",
            "newrule-active_years",
            "newrule-disposition",
            "c1-code",
            "c1-version",
            "r1-active_years",
            "scheduled",
            "taken_on",
            "start",
            "end",
            "q",
            "dari",
            "sampai",
            "ids",
        ]
    ),
    text,
    max_size=12,
)


@pytest.fixture
def ids(app, scenario):
    """The admin is given every role, so every form is reachable; ids for the URLs."""
    from intranet.models import Membership
    from intranet.roles import ROLES

    with app.app_context():
        decree = db.session.execute(db.select(TeamDecree).order_by(TeamDecree.id)).scalars().first()
        admin = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
        for role in ROLES:
            if role != "admin":
                db.session.add(Membership(user=admin, decree=decree, role=role))
        db.session.commit()
        return {
            "decree": decree.id,
            "user": db.session.execute(
                db.select(User.id).where(User.username == "penulis")
            ).scalar_one(),
            "case": scenario["case_id"],
            "assignment": scenario["assignment_id"],
            "record": _published_record(app),
        }


def _published_record(app):
    from archive.models import ArchiveRecord
    from tests.fixtures.scenarios import build_published
    from tests.fixtures.scenarios import build_scenario

    build_published(app, build_scenario(app)["case_id"])
    return db.session.execute(db.select(ArchiveRecord.id)).scalar_one()


@pytest.mark.parametrize(
    "path",
    [
        "/intranet/login",
        "/bahasa",
        "/arsip/baru",
        "/arsip/{record}/fisik",
        "/arsip/tabel",
        "/arsip/tabel/retensi",
        "/arsip/tabel/klasifikasi/1",
        "/arsip/tabel/retensi/1",
        "/intranet/akun",
        "/intranet/admin/pengguna",
        "/intranet/admin/sk",
        "/intranet/admin/sk/{decree}/anggota",
        "/intranet/admin/pengguna/{user}/sandi",
        "/intranet/admin/pengguna/{user}/status",
        "/intranet/penugasan",
        "/intranet/penugasan/{assignment}/tutup",
        "/intranet/agenda/baru",
        "/intranet/naskah/serahkan",
        "/intranet/naskah/{case}/putuskan",
        "/intranet/tim/plh",
        "/intranet/naskah/{case}/terbitkan",
        "/arsip/ekspor",
    ],
)
def test_forms_never_answer_5xx(app, login, ids, path):
    client = login("admin")
    url = path.format(**ids)

    @FUZZ
    @given(data=form)
    def run(data):
        r = client.post(url, data=data)
        assert r.status_code < 500, (url, data)
        if r.status_code == 302 and "/intranet/login" in r.location:
            client.post("/intranet/login", data={"username": "admin", "password": "warta-demo"})

    run()


def test_url_parameters_never_answer_5xx(login, ids):
    """Every id and query parameter, fuzzed, as a person holding every role (logged in once)."""
    from urllib.parse import quote

    client = login("admin")
    templates = (
        "/intranet/admin/pengguna/{}",
        "/intranet/admin/sk/{}",
        "/intranet/tim/sk/{}",
        "/intranet/tim/sk/{}/pindaian",
        "/intranet/penugasan/{}",
        "/intranet/agenda/{}",
        "/intranet/agenda/{}/berkas/1",
        "/intranet/naskah/{}",
        "/intranet/naskah/{}/tulis",
        "/intranet/naskah/{}/foto",
        "/intranet/naskah/{}/pratinjau",
        "/intranet/naskah/1/foto/{}",
        "/intranet/naskah/1/revisi?a={}&b=1",
        "/intranet/agenda?q={}",
        "/intranet/agenda?tahun={}",
        "/intranet/agenda/cetak?start={}&end=2026-01-01",
        "/pratinjau/{}",
        "/media/foto/{}/penuh",
        "/berita/{}",
        "/kategori/{}",
        "/kategori/{}/feed.json",
        "/cari?q={}",
        "/?halaman={}",
        "/static/{}",
        "/arsip/{}",
        "/arsip/1/versi/{}/berkas.pdf",
        "/arsip/1/berkas/{}",
        "/arsip/?tahun={}&q={}",
        "/arsip/?halaman={}&status={}&boks={}",
        "/arsip/lokasi/label.pdf?boks={}&ruang={}",
        "/arsip/lokasi/isi.pdf?boks={}",
        "/arsip/fiksitas/{}",
        "/arsip/cari?q={}",
        "/arsip/cari?dari={}&sampai={}",
        "/arsip/daftar.csv?dari={}&q={}",
        "/arsip/daftar.xlsx?sampai={}",
        "/intranet/naskah/laporan?bulan={}&format=csv",
        "/intranet/agenda/cetak?start=2026-01-01&end={}",
    )

    @FUZZ
    @given(
        segment=st.one_of(st.text(min_size=1, max_size=60), st.sampled_from(EXTREMES)).filter(
            lambda s: "/" not in s and s not in (".", "..")
        )
    )
    def run(segment):
        for template in templates:
            value = quote(segment, safe="")
            r = client.get(template.format(*[value] * template.count("{}")))
            assert r.status_code < 500, template
            r.close()

    run()


#: Every form field a route reads a date, a number or a search from, for the extremes below:
#: dates and searches, then numbers (an invalid number must not hide a date's error).
BOUNDED_FIELDS = [
    "scheduled",
    "due_date",
    "received_on",
    "letter_date",
    "decree_date",
    "valid_from",
    "valid_until",
    "taken_on",
    "date_from",
    "date_to",
    "start",
    "end",
    "q",
    "dari",
    "sampai",
]
NUMBER_FIELDS = [
    "tahun",
    "ids",
    "version",
    "user_id",
    "category_id",
    "classification_id",
    "retention_id",
    "active_years",
    "inactive_years",
    "c1-version",
    "r1-active_years",
]
#: Routes a person sends a form to (POST), and pages that read query parameters (GET).
FORM_ROUTES = [
    "/intranet/naskah/{case}/terbitkan",
    "/intranet/naskah/{case}/putuskan",
    "/intranet/naskah/{case}/foto",
    "/intranet/agenda/baru",
    "/intranet/agenda/impor-eml",
    "/intranet/penugasan",
    "/intranet/penugasan/{assignment}/tutup",
    "/intranet/tim/plh",
    "/intranet/admin/sk",
    "/intranet/admin/sk/{decree}/anggota",
    "/arsip/baru",
    "/arsip/{record}/fisik",
    "/arsip/ekspor",
    "/arsip/tabel",
    "/arsip/tabel/retensi",
    "/arsip/tabel/klasifikasi/1",
    "/arsip/tabel/retensi/1",
]
QUERY_ROUTES = [
    "/arsip/cari?q={v}",
    "/arsip/cari?dari={v}&sampai={v}&tahun={v}&halaman={v}",
    "/arsip/daftar.csv?dari={v}&sampai={v}&q={v}",
    "/arsip/daftar.xlsx?dari={v}&sampai={v}",
    "/arsip/?halaman={v}&tahun={v}",
    "/arsip/{v}",
    "/intranet/naskah/laporan?bulan={v}&format=csv",
    "/intranet/naskah/{v}",
    "/intranet/naskah/{case}/revisi?a={v}&b={v}",
    "/intranet/agenda?tahun={v}&q={v}",
    "/intranet/agenda/{v}",
    "/intranet/agenda/cetak?start={v}&end={v}",
    "/intranet/penugasan/{v}",
    "/intranet/admin/pengguna/{v}",
    "/?halaman={v}",
    "/cari?q={v}&halaman={v}",
    "/kategori/{v}",
    "/berita/{v}",
    "/media/foto/{v}/penuh",
]


def test_extreme_values_never_answer_5xx(login, ids):
    """Each extreme value in every bounded field of every form at once, bodies that are no
    UTF-8, and the same in every id and query parameter of the pages, as a person holding
    every role (deterministic, unlike the fuzzing above; one set-up for all the routes)."""
    from urllib.parse import quote

    client = login("admin")
    for path in FORM_ROUTES:
        url = path.format(**ids)
        for value in EXTREMES:
            for fields in (BOUNDED_FIELDS, NUMBER_FIELDS):
                r = client.post(url, data=dict.fromkeys(fields, value))
                assert r.status_code < 500, (url, value)
        for value in RAW:
            body = "&".join(f"{name}={value}" for name in BOUNDED_FIELDS + NUMBER_FIELDS)
            r = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
            assert r.status_code < 500, (url, value)
    for template in QUERY_ROUTES:
        for value in [quote(v, safe="") for v in EXTREMES] + RAW:
            r = client.get(template.format(v=value, **ids))
            assert r.status_code < 500, (template, value)
            r.close()
