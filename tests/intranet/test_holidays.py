"""The office's working-day calendar: holidays kept by the admin and imported a year at a time;
every count of working days skips them (overdue marks, due dates, the report's step times)."""

import io
from datetime import date
from datetime import datetime
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from intranet.audit import AuditEntry
from intranet.extensions import db
from intranet.models import Case
from intranet.models import Holiday
from intranet.models import TeamDecree
from intranet.models import User
from intranet.services import cases
from intranet.services import holidays
from intranet.services import reports
from intranet.services import trail
from intranet.workflow import add_working_days
from intranet.workflow import is_overdue
from intranet.workflow import working_days_between

EXAMPLE = Path(__file__).resolve().parents[2] / "intranet" / "examples" / "libur-2026.csv"

#: Ascension Day (Thursday 14 May 2026) and the cuti bersama after it (Friday 15 May).
ASCENSION = frozenset({date(2026, 5, 14), date(2026, 5, 15)})


def test_working_days_skip_holidays():
    wednesday, monday = date(2026, 5, 13), date(2026, 5, 18)
    assert working_days_between(wednesday, monday) == 3
    assert working_days_between(wednesday, monday, ASCENSION) == 1
    # a holiday on the start day itself is not counted either way
    assert working_days_between(date(2026, 5, 14), monday, ASCENSION) == 1
    assert add_working_days(wednesday, 1) == date(2026, 5, 14)
    assert add_working_days(wednesday, 1, ASCENSION) == monday
    assert add_working_days(wednesday, 2, ASCENSION) == date(2026, 5, 19)
    # due across the long weekend: not overdue on Monday, overdue on Tuesday
    assert is_overdue(wednesday, monday, 1)
    assert not is_overdue(wednesday, monday, 1, ASCENSION)
    assert is_overdue(wednesday, date(2026, 5, 19), 1, ASCENSION)


def _add_ascension(app):
    with app.test_request_context():
        holidays.add_holiday(
            {"day": date(2026, 5, 14), "name": "Kenaikan", "kind": "libur_nasional"}
        )
        holidays.add_holiday(
            {"day": date(2026, 5, 15), "name": "Cuti bersama", "kind": "cuti_bersama"}
        )


def test_holidays_change_overdue_marks_and_due_dates(app, scenario):
    wednesday_10 = datetime(2026, 5, 13, 3, 0)  # 10:00 in the office
    monday_10 = datetime(2026, 5, 18, 3, 0)
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        case.step_started_at = wednesday_10
        db.session.commit()
    with app.test_request_context():
        case = db.session.get(Case, scenario["case_id"])
        assert case.definition().step(case.step).standard_days == 1
        assert cases.overdue(case, monday_10)
        assert cases.step_due(case) == date(2026, 5, 14)
    _add_ascension(app)
    with app.test_request_context():
        case = db.session.get(Case, scenario["case_id"])
        assert not cases.overdue(case, monday_10)
        assert cases.overdue(case, datetime(2026, 5, 19, 3, 0))
        assert cases.step_due(case) == date(2026, 5, 18)


def test_the_case_page_shows_the_due_date_past_the_holidays(app, login, scenario):
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        case.step_started_at = datetime(2026, 5, 13, 3, 0)
        db.session.commit()
    _add_ascension(app)
    page = login("penanggungjawab").get(f"/intranet/naskah/{scenario['case_id']}")
    assert page.status_code == 200
    assert "tenggat 18 Mei 2026" in page.get_data(as_text=True)


def test_holidays_change_the_reports_step_days(app, scenario):
    with app.app_context():
        case = db.session.get(Case, scenario["case_id"])
        koordinator = db.session.execute(
            db.select(User).where(User.username == "koordinator")
        ).scalar_one()
        decree = db.session.execute(db.select(TeamDecree)).scalars().first()
        # step 4 entered on Wednesday 13 May, approved on Monday 18 May (office time)
        trail.append(
            case,
            step=3,
            action="complete",
            actor=koordinator,
            role="koordinator",
            data={"to": 4},
            occurred_at=datetime(2026, 5, 13, 3, 0),
            source=(decree, None),
        )
        trail.append(
            case,
            step=4,
            action="approve",
            actor=koordinator,
            role="koordinator",
            data={"to": 5},
            occurred_at=datetime(2026, 5, 18, 3, 0),
            source=(decree, None),
        )
        db.session.commit()
    with app.test_request_context():
        case = db.session.get(Case, scenario["case_id"])
        assert reports.step_days(case)[3] == 3
    _add_ascension(app)
    with app.test_request_context():
        case = db.session.get(Case, scenario["case_id"])
        assert reports.step_days(case)[3] == 1


def post_file(client, url, data, name):
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _all():
    return [(h.day, h.name, h.kind) for h in db.session.execute(db.select(Holiday)).scalars()]


def test_the_admin_imports_a_year_adds_and_removes(app, login):
    admin = login("admin")
    r = post_file(admin, "/intranet/admin/libur/impor", EXAMPLE.read_bytes(), "libur-2026.csv")
    assert r.status_code == 302 and r.location == "/intranet/admin/libur/?tahun=2026"
    with app.app_context():
        rows = holidays.holidays_of(2026)
        assert len(rows) == 25
        assert sum(h.kind == "cuti_bersama" for h in rows) == 8
        assert (rows[0].day, rows[0].name) == (date(2026, 1, 1), "Tahun Baru 2026 Masehi")
        assert db.session.execute(
            db.select(AuditEntry).where(AuditEntry.action == "holidays.import")
        ).scalar_one()
    page = admin.get("/intranet/admin/libur/?tahun=2026").get_data(as_text=True)
    assert "Idulfitri 1447 H" in page and "cuti bersama" in page
    # one more by hand, then a clash refused
    r = admin.post(
        "/intranet/admin/libur/?tahun=2026",
        data={"day": "2026-11-27", "name": "Pilkada serentak", "kind": "libur_nasional"},
    )
    assert r.status_code == 302
    r = admin.post(
        "/intranet/admin/libur/?tahun=2026",
        data={"day": "2026-11-27", "name": "Lagi", "kind": "cuti_bersama"},
    )
    assert r.status_code == 400
    assert "Tanggal 2026-11-27 sudah tercatat sebagai hari libur." in r.get_data(as_text=True)
    with app.app_context():
        added = db.session.execute(
            db.select(Holiday).where(Holiday.day == date(2026, 11, 27))
        ).scalar_one()
        added_id = added.id
    r = admin.post("/intranet/admin/libur/hapus", data={"holiday_id": str(added_id)})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Holiday, added_id) is None
    # re-importing the year replaces it, never doubles it
    r = post_file(admin, "/intranet/admin/libur/impor", EXAMPLE.read_bytes(), "libur-2026.csv")
    with app.app_context():
        assert len(holidays.holidays_of(2026)) == 25


BAD = (
    "# hari libur dengan baris salah\n"
    "tanggal;nama;jenis\n"
    "2026-01-01;Tahun Baru;libur nasional\n"
    "2026-02-30;Tanggal mustahil;libur nasional\n"  # line 4
    "2026-01-01;Ganda;libur nasional\n"  # line 5
    "2027-01-01;Tahun lain;libur nasional\n"  # line 6
    "2026-03-19;;libur nasional\n"  # line 7
    "2026-03-20;Cuti;cuti panjang\n"  # line 8
    ";Tanpa tanggal;cuti bersama\n"  # line 9
    '2026-04-03;=HYPERLINK("x");libur nasional\n'  # line 10
)


def test_a_holiday_file_with_bad_rows_names_each_and_changes_nothing(app, login, runner):
    admin = login("admin")
    with app.test_request_context():
        holidays.add_holiday({"day": date(2026, 8, 17), "name": "HUT RI", "kind": "libur_nasional"})
        before = _all()
    r = post_file(admin, "/intranet/admin/libur/impor", BAD.encode(), "libur.csv")
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    for message in (
        "Baris 4: tanggal \u201c2026-02-30\u201d tidak sah (TTTT-BB-HH).",
        "Baris 5: tanggal 2026-01-01 ganda (sudah ada di baris 3).",
        "Baris 6: tanggal 2027-01-01 bukan tahun 2026 (satu berkas memuat satu tahun).",
        "Baris 7: nama kosong.",
        "Baris 8: jenis \u201ccuti panjang\u201d tidak dikenal (libur nasional atau cuti bersama).",
        "Baris 9: tanggal kosong.",
        "Baris 10, kolom B: berisi rumus; tulis nilainya saja.",
    ):
        assert message in page, message
    assert "Baris 3" not in page
    with app.app_context():
        assert _all() == before
    path = Path(app.config["INSTANCE_PATH"]) / "libur.csv"
    path.write_text(BAD, encoding="utf-8")
    result = runner.invoke(args=["holidays", "import", str(path)])
    assert result.exit_code == 1 and "GALAT   Baris 7: nama kosong." in result.output
    for data, name, message in (
        (b"", "kosong.csv", "Berkas kosong."),
        (b"tanggal,nama\n2026-01-01,Tahun Baru\n", "x.csv", "Kolom wajib tidak ada: jenis"),
        (b"%PDF-1.7", "libur.pdf", "Jenis berkas tidak dikenal"),
    ):
        r = post_file(admin, "/intranet/admin/libur/impor", data, name)
        assert r.status_code == 400 and message in r.get_data(as_text=True), name
    with app.app_context():
        assert _all() == before


def test_the_command_line_imports_and_lists(app, runner):
    result = runner.invoke(args=["holidays", "import", str(EXAMPLE), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "UJI COBA (tidak disimpan): tahun 2026, 25 hari libur (sebelumnya 0)." in result.output
    with app.app_context():
        assert _all() == []
    result = runner.invoke(args=["holidays", "import", str(EXAMPLE)])
    assert "OK: tahun 2026, 25 hari libur (sebelumnya 0)." in result.output
    result = runner.invoke(args=["holidays", "list", "--year", "2026"])
    assert "2026-12-24  cuti_bersama    Cuti bersama Kelahiran Yesus Kristus" in result.output
    assert "25 hari libur pada 2026." in result.output


@pytest.mark.parametrize("role", ["arsiparis", "penanggungjawab", "penulis"])
def test_only_the_admin_keeps_the_calendar(login, role):
    client = login(role)
    assert client.get("/intranet/admin/libur/").status_code == 403
    r = client.post("/intranet/admin/libur/", data={"day": "2026-01-02", "name": "x"})
    assert r.status_code == 403
