"""SQL statements per page: each page runs as many with a few cases and records as with
several times more (no query per row: the lists are paged and loaded in a fixed number of
statements, N+1 would show as a count that grows with the data)."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import event

from archive.models import ArchiveRecord
from archive.models import Classification
from archive.search import SearchIndex
from bench._corpus import records as corpus
from intranet import sop
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Case
from intranet.models import Photo
from intranet.models import Revision
from intranet.models import SourceMaterial
from intranet.models import TrailEntry
from intranet.models import User
from intranet.models.intake import case_materials

#: Cases at each of the ten steps in the first round; the second round adds four times more.
PER_STEP = 30
RECORD_OFFSET = 1000


def _users():
    return {u.username: u.id for u in db.session.execute(db.select(User)).scalars()}


def add_cases(app, per_step, start):
    """``per_step`` cases at each step 1..10 (numbered from ``start``): an agenda entry each,
    the trail of the steps passed, article revisions from step 5 and photos from step 6."""
    with app.app_context():
        d = sop.current()
        users = _users()
        roles = {s.number: s.roles[0] for s in d.steps}
        now = utcnow()
        first_case = (db.session.execute(db.select(db.func.max(Case.id))).scalar() or 0) + 1
        first_material = (
            db.session.execute(db.select(db.func.max(SourceMaterial.id))).scalar() or 0
        ) + 1
        rows = {"cases": [], "materials": [], "links": [], "revisions": [], "photos": []}
        trail = []
        for k in range(per_step * 10):
            i, case_id, material_id = start + k, first_case + k, first_material + k
            step = 1 + k % 10
            opened = now - timedelta(days=3 + k % 20)
            body = f"<p>Isi naskah {i}.</p>"
            digest = hashlib.sha256(body.encode()).hexdigest()
            rows["cases"].append(
                {
                    "id": case_id,
                    "title": f"Naskah hitung nomor {i}",
                    "category_id": 1 + i % 3,
                    "redaktur_id": users["redaktur"],
                    "definition_code": d.code,
                    "definition_version": d.version,
                    "definition_sha256": d.sha256,
                    "step": step,
                    "attempt": 1,
                    "status": "published" if step == 10 else "open",
                    "step_started_at": opened,
                    "revision_hash": digest if step >= 5 else None,
                    "slug": f"naskah-hitung-{i}" if step == 10 else None,
                    "trail_seq": step - 1,
                    "opened_by_id": users["kontributor"],
                    "opened_at": opened,
                    "version": 1,
                }
            )
            rows["materials"].append(
                {
                    "id": material_id,
                    "year": 2090,
                    "seq": i + 1,
                    "nomor_agenda": f"{i + 1:05d}/HITUNG",
                    "received_on": opened.date(),
                    "channel": "surat",
                    "sender_institution": f"Instansi {i % 7}",
                    "perihal": f"Undangan nomor {i}",
                    "sifat": "biasa",
                    "security_class": "biasa",
                    "category_id": 1 + i % 3,
                    "registered_by_id": users["kontributor"],
                    "registered_at": opened,
                    "version": 1,
                }
            )
            rows["links"].append({"case_id": case_id, "material_id": material_id})
            prev = "0" * 64
            for seq in range(1, step):
                h = hashlib.sha256(f"{case_id}:{seq}".encode()).hexdigest()
                trail.append(
                    {
                        "case_id": case_id,
                        "seq": seq,
                        "step": seq,
                        "attempt": 1,
                        "action": "complete",
                        "actor_id": users[roles[seq]],
                        "role": roles[seq],
                        "data": f'{{"to": {seq + 1}}}',
                        "occurred_at": opened,
                        "recorded_at": opened,
                        "prev_hash": prev,
                        "entry_hash": h,
                    }
                )
                prev = h
            for n in range(1, 3 if step >= 5 else 1):
                rows["revisions"].append(
                    {
                        "case_id": case_id,
                        "number": n,
                        "title": f"Berita hitung nomor {i} versi {n}",
                        "slug": f"berita-hitung-{i}",
                        "summary": "Ringkasan.",
                        "body_html": body,
                        "ppid": "serta_merta",
                        "category_id": 1 + i % 3,
                        "credits": "Humas",
                        "kind": "edit",
                        "author_id": users["penulis"],
                        "step": 5,
                        "created_at": opened,
                        "content_hash": digest,
                    }
                )
            for n in range(2 if step >= 6 else 0):
                rows["photos"].append(
                    {
                        "case_id": case_id,
                        "original_sha256": "a" * 64,
                        "sha256": "b" * 64,
                        "thumb_sha256": "c" * 64,
                        "mimetype": "image/jpeg",
                        "filename": f"foto-{i}-{n}.jpg",
                        "width": 800,
                        "height": 600,
                        "caption": "Kegiatan",
                        "credit": "Humas",
                        "alt": "Foto kegiatan",
                        "position": n,
                        "is_cover": n == 0,
                        "had_location": False,
                        "rotation": 0,
                        "uploaded_by_id": users["penulis"],
                        "created_at": opened,
                        "version": 1,
                    }
                )
        db.session.execute(Case.__table__.insert(), rows["cases"])
        db.session.execute(SourceMaterial.__table__.insert(), rows["materials"])
        db.session.execute(case_materials.insert(), rows["links"])
        db.session.execute(Revision.__table__.insert(), rows["revisions"])
        db.session.execute(Photo.__table__.insert(), rows["photos"])
        db.session.execute(TrailEntry.__table__.insert(), trail)
        db.session.commit()


def add_records(app, count, start):
    """``count`` archive records from the search corpus (numbered from ``start``), in the
    database and in the search index."""
    with app.app_context():
        users = _users()
        classes = [c.id for c in db.session.execute(db.select(Classification)).scalars()]
        docs, rows = [], []
        for doc in list(corpus(start + count))[start:]:
            doc["id"] += RECORD_OFFSET
            docs.append(doc)
            rows.append(
                {
                    "id": doc["id"],
                    "nomor_arsip": doc["nomor_arsip"] + "/H",
                    "year": doc["year"],
                    "seq": doc["id"],
                    "origin": doc["origin"],
                    "classification_id": classes[doc["id"] % len(classes)],
                    "title": doc["title"][:300],
                    "uraian": doc["summary"],
                    "date_from": doc["date_from"].date(),
                    "date_to": doc["date"].date(),
                    "media_electronic": True,
                    "media_paper": True,
                    "access_class": doc["access"],
                    "jumlah": "1 berkas",
                    "retention_active_years": 2,
                    "retention_inactive_years": 3,
                    "retention_disposition": "musnah",
                    "active_end_year": doc["date"].year + 2,
                    "disposal_end_year": doc["date"].year + 5,
                    "hardcopy_status": doc["hardcopy"],
                    "stage": "aktif",
                    "created_by_id": users["arsiparis"],
                    "created_at": doc["date"],
                    "current_number": 1,
                    "version": 1,
                }
            )
        index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
        if not index.exists():
            index.create()
        index.update(docs)
        db.session.execute(ArchiveRecord.__table__.insert(), rows)
        db.session.commit()


def pages(app):
    """(person, url) of every page counted."""
    with app.app_context():
        redaktur = _users()["redaktur"]
        case_id = db.session.execute(
            db.select(db.func.min(Case.id)).where(Case.step == 9)
        ).scalar_one()
        record_id = db.session.execute(
            db.select(db.func.min(ArchiveRecord.id)).where(ArchiveRecord.id > RECORD_OFFSET)
        ).scalar_one()
    return [
        ("koordinator", "/intranet/"),
        ("redaktur", "/intranet/"),
        ("penanggungjawab", "/intranet/"),
        ("arsiparis", "/intranet/"),
        ("koordinator", "/intranet/naskah/"),
        ("koordinator", "/intranet/naskah/?langkah=5"),
        ("koordinator", f"/intranet/naskah/?pemegang={redaktur}"),
        ("koordinator", "/intranet/naskah/?q=hitung"),
        ("koordinator", "/intranet/naskah/?terlambat=1&urut=sejak"),
        ("koordinator", f"/intranet/naskah/{case_id}"),
        ("kontributor", "/intranet/agenda"),
        ("arsiparis", "/arsip/cari?q=pemilih"),
        ("arsiparis", f"/arsip/{record_id}"),
    ]


def statements(app, client, url):
    """The SQL statements one GET of ``url`` runs (after one GET that warms the caches)."""
    return len(statements_of(app, client, url))


def statements_of(app, client, url):
    """The text of each SQL statement one GET of ``url`` runs, after a warming GET."""
    assert client.get(url).status_code == 200, url
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 200, url
    return seen


@pytest.fixture
def counted(app, login):
    """Each page's statements with PER_STEP cases at every step (and ten records per case
    step), then with four times more."""
    add_cases(app, PER_STEP, 0)
    add_records(app, PER_STEP * 10, 0)
    clients = {}
    listed = pages(app)

    def measure():
        found = {}
        for person, url in listed:
            client = clients.get(person) or clients.setdefault(person, login(person))
            found[(person, url)] = statements(app, client, url)
        return found

    few = measure()
    add_cases(app, PER_STEP * 4, PER_STEP * 10)
    add_records(app, PER_STEP * 40, PER_STEP * 10)
    return few, measure()


def test_no_page_runs_more_statements_with_more_data(counted):
    few, many = counted
    grown = {page: (few[page], many[page]) for page in few if many[page] != few[page]}
    assert not grown, grown


def test_each_page_runs_a_bounded_number_of_statements(counted):
    """A page that grew a query per row would pass the first test only by luck of paging;
    this names the budget: a list page runs at most 40 statements, a dashboard at most 100
    (its one page of 25 tasks still asks the workflow's questions case by case)."""
    _few, many = counted
    budget = {"/intranet/": 100}
    over = {page: n for page, n in many.items() if n > budget.get(page[1], 60)}
    assert not over, over


def test_the_agenda_book_and_the_dashboard_show_one_page(app, login):
    """Fifty agenda entries a page with a link to the next; a dashboard lists 25 tasks and
    links to the case list filtered to the person for the rest."""
    add_cases(app, 6, 0)  # 60 agenda entries, 6 cases at each of steps 4 and 8
    kontributor = login("kontributor")
    first = kontributor.get("/intranet/agenda").get_data(as_text=True)
    assert first.count("/HITUNG</a>") == 50 and "halaman=2" in first
    second = kontributor.get("/intranet/agenda?halaman=2").get_data(as_text=True)
    assert "/HITUNG</a>" in second and "halaman=1" in second
    assert kontributor.get("/intranet/agenda?halaman=abc").status_code == 200

    koordinator = login("koordinator")
    assert "Lihat semua" not in koordinator.get("/intranet/").get_data(as_text=True)
    add_cases(app, 3, 60)  # 30 more: 18 cases wait on the koordinator
    with app.app_context():
        me = db.session.execute(db.select(User.id).where(User.username == "koordinator"))
        me = me.scalar_one()
    page = koordinator.get("/intranet/").get_data(as_text=True)
    assert page.count('class="work-link"') == 18
    add_cases(app, 5, 90)  # 28 wait now
    page = koordinator.get("/intranet/").get_data(as_text=True)
    assert page.count('class="work-link"') == 25
    assert "Lihat semua 28 naskah" in page and f"pemegang={me}" in page


def test_a_signed_in_request_finds_its_person_through_the_session_in_one_statement(app, login):
    """Every intranet request loads its person: the user joined to their open session in one
    statement, no second look-up of the session."""
    seen = statements_of(app, login("redaktur"), "/intranet/akun")
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert "FROM users" in selects[0] and "JOIN user_sessions" in selects[0]
    assert sum("FROM users" in s for s in selects) == 1
    # the account page lists the open sessions once; the loader does not read them again
    assert sum("FROM user_sessions" in s for s in selects) == 1


def test_a_persons_roles_are_read_with_their_decrees_in_one_statement(app, login):
    """Every page asks the person's roles: their memberships come with the decree that gives
    each one (whose dates decide whether it is in force), not in a second look-up."""
    seen = statements_of(app, login("redaktur"), "/intranet/akun")
    selects = [" ".join(s.split()) for s in seen if s.lstrip().upper().startswith("SELECT")]
    memberships = [s for s in selects if "FROM memberships" in s]
    assert len(memberships) == 1 and "JOIN team_decrees" in memberships[0]
    assert not [s for s in selects if "FROM team_decrees" in s]
