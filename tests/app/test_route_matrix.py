"""Every route × method × role (and anonymous) against one table of exact answers.

The table below is the single statement of who may use what and what each one gets back:
the status code, and for a redirect where it leads. A route added to the app without a row
here fails ``test_every_route_is_listed``; a row for a route that no longer exists fails too.

Each route is called with the ids of a real scenario (a direction, an agenda entry, a case
with a revision, a photo and a preview link, a published and archived article filed in a
box, a fixity run, a finished export), so an allowed role reaches the resource itself: a 404
is never what an allowed role gets unless a row says so, with the reason. POSTs send an
empty form, so an allowed POST answers what the view answers to an empty form (400, or a
redirect where the view flashes the errors). Refused roles get 403; anonymous callers are
sent to the login page with ``next`` set to where they were going.
"""

import io
import time
from datetime import date
from urllib.parse import quote

import pytest
from flask import url_for
from werkzeug.datastructures import FileStorage

from archive import indexing
from archive.models import ArchiveFile
from archive.models import ArchiveRecord
from archive.models import ArchiveVersion
from archive.models import ExportJob
from intranet import queue
from intranet.clock import today
from intranet.extensions import db
from intranet.models import Case
from intranet.models import Membership
from intranet.models import Photo
from intranet.models import TeamDecree
from intranet.models import User
from intranet.services.photos import rendition_widths
from tests.conftest import ROLES
from tests.fixtures.attachments import attach
from tests.fixtures.files import pdf_bytes
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario

PUBLIC = "public"
LOGIN = "login"  # any logged-in person


def only(*roles):
    return frozenset(roles)


TEAM = frozenset(ROLES)
WORK = frozenset(r for r in ROLES if r != "admin")
#: The records officers: the arsiparis, and the admin who keeps the system.
KEEPERS = only("arsiparis", "admin")
#: Who sees the penyusutan lists: the keepers and the Penanggung Jawab who decides.
DISPOSAL = KEEPERS | only("penanggungjawab")


def to(location, status=302):
    """A redirect to ``location`` (``{name}`` filled from the scenario; a trailing ``*``:
    any location starting with what comes before it)."""
    return (status, location)


def row(who, answer, **others):
    """Who may use a route, what they get (a status or ``to(...)``), and per-principal
    exceptions (``anonymous=`` for the anonymous caller of a public route)."""
    return who, answer, others


DASHBOARD = to("/intranet/")

#: (endpoint, method) → who may use it and the exact answer.
ACCESS = {
    ("static", "GET"): row(PUBLIC, 200),
    ("public.home", "GET"): row(PUBLIC, 200),
    ("public.healthz", "GET"): row(PUBLIC, 200),
    # an empty form changes nothing and goes back to the home page
    ("public.set_language", "POST"): row(PUBLIC, to("/")),
    # a logged-in person is sent on to the dashboard
    ("auth.login", "GET"): row(PUBLIC, DASHBOARD, anonymous=200),
    ("auth.login", "POST"): row(PUBLIC, DASHBOARD, anonymous=400),
    ("auth.logout", "POST"): row(LOGIN, to("/intranet/login")),
    ("auth.account", "GET"): row(LOGIN, 200),
    ("auth.account", "POST"): row(LOGIN, 400),
    ("dashboard.index", "GET"): row(LOGIN, 200),
    ("team.index", "GET"): row(TEAM, 200),
    ("team.decree", "GET"): row(TEAM, 200),
    ("team.decree_scan", "GET"): row(TEAM, 200),
    ("admin.users", "GET"): row(only("admin"), 200),
    ("admin.users", "POST"): row(only("admin"), 400),
    ("admin.user", "GET"): row(only("admin"), 200),
    # the state and password forms flash their outcome and go back to the account page
    ("admin.user_state", "POST"): row(only("admin"), to("/intranet/admin/pengguna/{user_id}")),
    ("admin.user_password", "POST"): row(only("admin"), to("/intranet/admin/pengguna/{user_id}")),
    ("admin.decrees", "GET"): row(only("admin"), 200),
    ("admin.decrees", "POST"): row(only("admin"), 400),
    ("admin.decree", "GET"): row(only("admin"), 200),
    ("admin.add_member", "POST"): row(only("admin"), 400),
    ("admin.remove_member", "POST"): row(only("admin"), to("/intranet/admin/sk/{decree_id}")),
    ("admin.outbox", "GET"): row(only("admin"), 200),
    ("admin.tasks", "GET"): row(only("admin"), 200),
    # a task that has not failed is not queued again: refused, flashed on the task list
    ("admin.retry_task", "POST"): row(only("admin"), to("/intranet/admin/tugas")),
    # the audit log: the admin whose acts it records and the PJ who oversees them
    ("admin.audit_log", "GET"): row(only("admin", "penanggungjawab"), 200),
    ("admin.categories", "GET"): row(only("admin"), 200),
    # the working-day calendar: an empty holiday or import form is refused on the page, an
    # empty removal flashed on it
    ("calendar.holidays_page", "GET"): row(only("admin"), 200),
    ("calendar.holidays_page", "POST"): row(only("admin"), 400),
    ("calendar.import_year", "POST"): row(only("admin"), 400),
    ("calendar.delete", "POST"): row(only("admin"), to("/intranet/admin/libur/")),
    ("admin.categories", "POST"): row(only("admin"), 400),
    ("admin.category", "POST"): row(only("admin"), to("/intranet/admin/kategori")),
    # the PJ confirms or refuses an admin's appointment of themself; with nothing waiting
    # the refusal is flashed on the decree's page
    ("team.confirm_member", "POST"): row(
        only("penanggungjawab"), to("/intranet/tim/sk/{decree_id}")
    ),
    ("team.refuse_member", "POST"): row(
        only("penanggungjawab"), to("/intranet/tim/sk/{decree_id}")
    ),
    ("team.acting", "GET"): row(TEAM, 200),
    ("team.acting", "POST"): row(only("penanggungjawab"), 400),
    ("team.revoke_acting", "POST"): row(only("penanggungjawab"), to("/intranet/tim/plh")),
    ("intake.assignments", "GET"): row(WORK, 200),
    ("intake.assignments", "POST"): row(only("penanggungjawab"), 400),
    ("intake.assignment", "GET"): row(WORK, 200),
    # a receipt goes back to the direction, a refusal (not a recipient) flashed on it
    ("intake.acknowledge", "POST"): row(WORK, to("/intranet/penugasan/{assignment_id}")),
    ("intake.close", "POST"): row(
        only("penanggungjawab"), to("/intranet/penugasan/{assignment_id}")
    ),
    ("intake.agenda", "GET"): row(WORK, 200),
    ("intake.new_material", "GET"): row(only("kontributor"), 200),
    ("intake.new_material", "POST"): row(only("kontributor"), 400),
    ("intake.import_eml", "GET"): row(only("kontributor"), 200),
    ("intake.import_eml", "POST"): row(only("kontributor"), 400),
    ("intake.material", "GET"): row(WORK, 200),
    ("intake.material_file", "GET"): row(WORK, 200),
    ("intake.print_agenda", "GET"): row(WORK, 200),
    ("intake.handover", "GET"): row(only("kontributor"), 200),
    ("intake.handover", "POST"): row(only("kontributor"), 400),
    ("cases.index", "GET"): row(WORK, 200),
    ("cases.detail", "GET"): row(WORK, 200),
    ("cases.decide", "POST"): row(WORK, 400),
    ("cases.save_concept", "POST"): row(WORK, 400),
    ("cases.write", "GET"): row(WORK, 200),
    ("cases.save_article", "POST"): row(WORK, 400),
    # an autosave is JSON: an empty form is no draft (400); a discarded draft (even none)
    # goes back to the editor
    ("cases.save_draft", "POST"): row(WORK, 400),
    ("cases.discard_draft", "POST"): row(WORK, to("/intranet/naskah/{case_id}/tulis")),
    # attachments change only while the article may be written: the scenario's case is at
    # step 7, so an upload or a removal is refused for everyone, flashed on the editor
    ("cases.add_attachment", "POST"): row(WORK, to("/intranet/naskah/{case_id}/tulis")),
    ("cases.remove_attachment", "POST"): row(WORK, to("/intranet/naskah/{case_id}/tulis")),
    ("cases.attachment_file", "GET"): row(WORK, 200),
    ("cases.revisions", "GET"): row(WORK, 200),
    ("cases.photos", "GET"): row(WORK, 200),
    ("cases.photos", "POST"): row(WORK, 400),
    ("cases.update_photo", "POST"): row(WORK, 400),
    ("cases.caption_photos", "POST"): row(WORK, 400),
    ("cases.arrange_photo", "POST"): row(WORK, 400),
    ("cases.photo_file", "GET"): row(WORK, 200),
    ("cases.preview", "GET"): row(WORK, 200),
    # an invalid layout form flashes its errors and goes back to the preview
    ("cases.preview", "POST"): row(WORK, to("/intranet/naskah/{case_id}/pratinjau")),
    ("cases.add_comment", "POST"): row(WORK, 400),
    # the scenario's link is the penanggung jawab's: anyone else signed in is refused
    ("public.preview", "GET"): row(only("penanggungjawab"), 200, anonymous=200),
    ("public.category", "GET"): row(PUBLIC, 200),
    ("public.search", "GET"): row(PUBLIC, 200),
    ("public.article", "GET"): row(PUBLIC, 200),
    ("public.media", "GET"): row(PUBLIC, 200),
    ("public.attachment", "GET"): row(PUBLIC, 200),
    ("public.media_rendition", "GET"): row(PUBLIC, 200),
    ("public.feed_xml", "GET"): row(PUBLIC, 200),
    ("public.feed_atom", "GET"): row(PUBLIC, 200),
    ("public.feed_json", "GET"): row(PUBLIC, 200),
    ("public.category_feed_xml", "GET"): row(PUBLIC, 200),
    ("public.category_feed_atom", "GET"): row(PUBLIC, 200),
    ("public.category_feed_json", "GET"): row(PUBLIC, 200),
    ("public.sitemap", "GET"): row(PUBLIC, 200),
    ("cases.publish", "POST"): row(WORK, 400),
    ("cases.withdraw", "POST"): row(WORK, 400),
    ("cases.social", "POST"): row(WORK, 400),
    ("cases.report", "GET"): row(WORK, 200),
    ("cases.correct_published", "GET"): row(WORK, 200),
    ("cases.correct_published", "POST"): row(WORK, 400),
    # the empty form is valid (its version is optional); with no correction waiting the
    # service refuses everyone alike
    ("cases.approve_published_correction", "POST"): row(WORK, 400),
    ("cases.published_version", "GET"): row(WORK, 200),
    ("public.preview_photo", "GET"): row(only("penanggungjawab"), 200, anonymous=200),
    ("archive.index", "GET"): row(TEAM, 200),
    ("archive.record", "GET"): row(TEAM, 200),
    ("archive.berkas", "GET"): row(TEAM, 200),
    ("archive.original", "GET"): row(TEAM, 200),
    # the demo record's file has no OCR result: nothing to download
    ("archive.ocr_pdf", "GET"): row(TEAM, 404),
    ("archive.locations", "GET"): row(TEAM, 200),
    # a place added without its ruang is refused on the page
    ("archive.add_location", "POST"): row(KEEPERS, 400),
    # an invalid hardcopy form flashes its errors and goes back to the record
    ("archive.hardcopy", "POST"): row(KEEPERS, to("/arsip/{record_id}")),
    ("archive.new_manual", "GET"): row(KEEPERS, 200),
    ("archive.new_manual", "POST"): row(KEEPERS, 400),
    ("archive.box_label", "GET"): row(KEEPERS, 200),
    ("archive.box_list", "GET"): row(KEEPERS, 200),
    ("archive.fixity_log", "GET"): row(KEEPERS, 200),
    ("archive.fixity_run", "GET"): row(KEEPERS, 200),
    # "Periksa sekarang": the check is queued (once) and the page shows it
    ("archive.fixity_check", "POST"): row(KEEPERS, to("/arsip/fiksitas")),
    ("archive.tables", "GET"): row(KEEPERS, 200),
    ("archive.tables", "POST"): row(KEEPERS, 400),
    ("archive.new_retention", "POST"): row(KEEPERS, 400),
    # a row of a table edited with an invalid form: errors flashed, back to the tables
    ("archive.classification", "POST"): row(KEEPERS, to("/arsip/tabel")),
    ("archive.retention", "POST"): row(KEEPERS, to("/arsip/tabel")),
    # table import: a preview without a file is refused on its page; a confirmation without
    # a token flashed on the tables; the file of an applied import downloads
    ("table_views.preview", "POST"): row(KEEPERS, 400),
    ("table_views.confirm", "POST"): row(KEEPERS, to("/arsip/tabel")),
    ("table_views.version_file", "GET"): row(KEEPERS, 200),
    ("archive.search", "GET"): row(TEAM, 200),
    ("archive.listing", "GET"): row(TEAM, 200),
    # an empty search exports every record the keeper may read: on to the new job's page
    ("archive.start_export", "POST"): row(KEEPERS, to("/arsip/ekspor/*")),
    # The export was asked for by the arsiparis. An export is shown to whoever asked for it
    # and to any arsiparis (archive.jobs.job_for): the admin, a keeper by role, gets 404
    # because the job is not his, not because of his role.
    ("archive.export_status", "GET"): row(KEEPERS, 200, admin=404),
    ("archive.export_download", "GET"): row(KEEPERS, 200, admin=404),
    # Penyusutan: the keepers assemble and carry out the lists, the PJ decides a
    # destruction; all three see the lists and place or lift legal holds. The list used is
    # a carried-out handover, so an empty (or valid) form flashes why and goes back to it.
    ("retention.index", "GET"): row(DISPOSAL, 200),
    ("retention.new_list", "POST"): row(KEEPERS, to("/arsip/penyusutan/")),
    ("retention.detail", "GET"): row(DISPOSAL, 200),
    ("retention.add", "POST"): row(KEEPERS, to("/arsip/penyusutan/daftar/{disposal_id}")),
    ("retention.remove", "POST"): row(KEEPERS, to("/arsip/penyusutan/daftar/{disposal_id}")),
    ("retention.submit", "POST"): row(KEEPERS, to("/arsip/penyusutan/daftar/{disposal_id}")),
    ("retention.decide", "POST"): row(
        only("penanggungjawab"), to("/arsip/penyusutan/daftar/{disposal_id}")
    ),
    ("retention.execute", "POST"): row(KEEPERS, to("/arsip/penyusutan/daftar/{disposal_id}")),
    ("retention.document", "GET"): row(DISPOSAL, 200),
    ("retention.bag", "GET"): row(KEEPERS, 200),
    ("retention.hold", "POST"): row(DISPOSAL, to("/arsip/{record_id}")),
    ("retention.lift", "POST"): row(DISPOSAL, to("/arsip/{held_record_id}")),
}

PRINCIPALS = [None, *ROLES]

#: The query strings some routes need to reach their resource (``{name}`` from the scenario).
QUERY = {
    "intake.print_agenda": {"start": "{today}", "end": "{today}"},
    "archive.box_label": {"ruang": "R1", "lemari": "L2", "boks": "B3"},
    "archive.box_list": {"ruang": "R1", "lemari": "L2", "boks": "B3"},
}

#: The routes about the published (and archived) case rather than the case being worked on.
ON_PUBLISHED = {
    "cases.withdraw",
    "cases.social",
    "cases.correct_published",
    "cases.approve_published_correction",
    "cases.published_version",
    "public.media",
    "public.media_rendition",
}

#: The routes about the archive as a whole, which need a record in it (filed, searchable).
ON_ARCHIVE = {
    "archive.box_label",
    "archive.box_list",
    "archive.start_export",
    "archive.export_status",
    "archive.export_download",
}


def routes(app):
    """Every (endpoint, method, rule) the app serves, HEAD and OPTIONS aside."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule


def test_every_route_is_listed(app):
    served = {(endpoint, method) for endpoint, method, _ in routes(app)}
    assert served - ACCESS.keys() == set(), "routes missing from ACCESS"
    assert ACCESS.keys() - served == set(), "ACCESS lists routes the app does not serve"


def _one(statement):
    return db.session.execute(statement).scalar_one()


def _user(username):
    return _one(db.select(User).where(User.username == username))


def published_args(app, login):
    """A second case published and archived, its hardcopy filed in box R1/L2/B3 through
    the route; the ids of the article, its photo and its archive record."""
    slug = build_published(app, build_scenario(app)["case_id"])
    with app.app_context():
        case = _one(db.select(Case).where(Case.slug == slug))
        photo = db.session.execute(db.select(Photo).where(Photo.case_id == case.id)).scalar()
        record = _one(db.select(ArchiveRecord).where(ArchiveRecord.case_id == case.id))
        first = _one(
            db.select(ArchiveFile)
            .join(ArchiveVersion, ArchiveFile.version_id == ArchiveVersion.id)
            .where(ArchiveVersion.record_id == record.id)
            .order_by(ArchiveFile.id)
            .limit(1)
        )
        args = {
            "slug": slug,
            "published_case_id": case.id,
            "published_photo_id": photo.id,
            "rendition_key": photo.sha256[:16],
            "rendition_width": rendition_widths(photo)[0],
            "record_id": record.id,
            "archive_file_id": first.id,
            "number": 1,
        }
    args["published_attachment_id"] = attach(app, args["published_case_id"])
    r = login("arsiparis").post(
        f"/arsip/{args['record_id']}/fisik",
        data={"status": "disimpan", "room": "R1", "cabinet": "L2", "box": "B3"},
    )
    assert r.status_code == 302, r.status_code
    with app.app_context():
        assert db.session.get(ArchiveRecord, args["record_id"]).box == "B3"
    return args


def export_token(app, login):
    """An export of every record, asked for by the arsiparis and built to the end."""
    r = login("arsiparis").post("/arsip/ekspor", data={})
    assert r.status_code == 302 and r.location.startswith("/arsip/ekspor/"), r.location
    token = r.location.rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    while True:  # the export is built by a background thread
        with app.app_context():
            status = _one(db.select(ExportJob.status).where(ExportJob.token == token))
        if status in ("selesai", "gagal") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status == "selesai", status
    return token


def scenario_args(app, login, scanned_decree, needed):
    """Real ids for the URL parameters in ``needed`` (the routes' parameter names and
    endpoints); the costly parts (a published article, an export) only when asked for."""
    scenario = build_scenario(app)
    token = build_preview(app, scenario["case_id"])  # the case, now at step 7
    with app.app_context():
        demo = _one(db.select(TeamDecree).where(TeamDecree.id != scanned_decree))
        membership = (
            db.session.execute(db.select(Membership).where(Membership.decree_id == demo.id))
            .scalars()
            .first()
        )
        args = {
            **scenario,
            "token": token,
            "today": today().isoformat(),
            "filename": "css/warta.css",
            "user_id": _user("penulis").id,
            "decree_id": scanned_decree,
            "demo_decree_id": demo.id,
            "membership_id": membership.id,
            "category_id": 1,
            "classification_id": 1,
            "rule_id": 1,
            "fmt": "csv",
            "kind": "artikel",
        }
    if needed & {"attachment_id"}:
        args["attachment_id"] = attach(app, scenario["case_id"])
    if needed & {"slug", "record_id", "number", *ON_PUBLISHED, *ON_ARCHIVE}:
        args.update(published_args(app, login))
    if needed & {"run_id"}:
        from archive import fixity

        with app.app_context():
            args["run_id"] = fixity.verify().id
    if needed & {"archive.export_status", "archive.export_download"}:
        args["export_token"] = export_token(app, login)
    if needed & {"version_id"}:  # an import of the JRA, applied from the command line
        from archive import tables

        data = (
            b"kode_retensi,jenis_arsip,retensi_aktif,retensi_inaktif,keterangan\n"
            b"HM.02,Publikasi,2,3,musnah\n"
        )
        with app.test_request_context(method="POST"):
            args["version_id"] = tables.import_file(data, "jra.csv")[0].id
    if needed & {"disposal_id", "hold_id"}:
        args.update(penyusutan_args(app))
    if needed & {"task_id"}:  # a background task, run to its end
        with app.app_context():
            args["task_id"] = queue.enqueue(indexing.DRAIN_TASK).id
            db.session.commit()
    return args


def penyusutan_args(app):
    """A handover carried out (berita acara and bag written) of an old permanent paper
    record, and a legal hold on another: their ids."""
    from archive import disposals
    from archive import recording
    from archive.models import Classification

    with app.test_request_context(method="POST"):
        arsiparis = _user("arsiparis")
        code = _one(db.select(Classification.id).where(Classification.code == "HM.02.03"))
        made = []
        for title in ("Dokumentasi lama", "Sengketa lama"):
            scan = FileStorage(io.BytesIO(pdf_bytes(title)), filename="pindaian.pdf")
            record = recording.register_manual(
                {
                    "classification_id": code,
                    "title": title,
                    "uraian": f"{title} dari masa lampau.",
                    "date_from": date(2015, 1, 5),
                    "date_to": date(2015, 2, 5),
                    "tingkat": "asli",
                    "access_class": "biasa",
                    "jumlah": "1 berkas",
                    "hardcopy_status": "belum_dicetak",
                },
                [scan],
                arsiparis,
            )
            made.append(record.id)
        handover = disposals.create_list("serah", arsiparis, [made[0]])
        disposals.execute(handover, arsiparis)
        held = db.session.get(ArchiveRecord, made[1])
        hold = disposals.place_hold(held, arsiparis, "sengketa")
        return {"disposal_id": handover.id, "hold_id": hold.id, "held_record_id": made[1]}


def url_values(endpoint, rule, args):
    """The URL parameters of ``rule`` for ``endpoint``, from the scenario."""
    if endpoint == "public.media_rendition":  # a web size of the published photo
        return {
            "photo_id": args["published_photo_id"],
            "key": args["rendition_key"],
            "width": args["rendition_width"],
            "fmt": "webp",
        }
    values = {k: args[k] for k in rule.arguments - set(rule.defaults or ())}
    if endpoint in ON_PUBLISHED and "case_id" in values:
        values["case_id"] = args["published_case_id"]
    if endpoint in ON_PUBLISHED and "photo_id" in values:
        values["photo_id"] = args["published_photo_id"]
    if endpoint == "public.attachment":
        values["attachment_id"] = args["published_attachment_id"]
    if endpoint.startswith("public.category"):
        values["slug"] = "berita-terkini"
    if endpoint in ("archive.original", "archive.ocr_pdf"):
        values["file_id"] = args["archive_file_id"]
    if endpoint.startswith("archive.export_"):
        values["token"] = args["export_token"]
    if endpoint == "admin.remove_member":  # a membership of the decree it is removed from
        values["decree_id"] = args["demo_decree_id"]
    values.update({k: v.format(**args) for k, v in QUERY.get(endpoint, {}).items()})
    return values


def expected(key, principal, url, args):
    """(status, location or None) that ``principal`` (None: anonymous) must get."""
    who, answer, others = ACCESS[key]
    name = principal or "anonymous"
    if name in others:
        answer = others[name]
    elif principal is None and who != PUBLIC:
        answer = to("/intranet/login?next=" + quote(url, safe=""))
    elif principal is not None and who not in (PUBLIC, LOGIN) and principal not in who:
        answer = 403
    if isinstance(answer, int):
        return answer, None
    status, location = answer
    if key == ("admin.remove_member", "POST"):
        args = {**args, "decree_id": args["demo_decree_id"]}
    return status, location.format(**args)


def answered(response, want):
    status, location = want
    got = (
        response.status_code,
        response.location if response.status_code in (301, 302, 303) else None,
    )
    if location and location.endswith("*") and got[1]:
        got = (got[0], location if got[1].startswith(location[:-1]) else got[1])
    return got


@pytest.mark.parametrize("key", sorted(ACCESS), ids=lambda k: f"{k[1]} {k[0]}")
def test_route_access(app, login, scanned_decree, key):
    endpoint, method = key
    rules = [r for e, m, r in routes(app) if (e, m) == key]
    needed = {a for r in rules for a in r.arguments} | {endpoint}
    args = scenario_args(app, login, scanned_decree, needed)
    for rule in rules:
        with app.test_request_context():
            url = url_for(endpoint, **url_values(endpoint, rule, args))
        mismatches = []
        for principal in PRINCIPALS:
            client = app.test_client() if principal is None else login(principal)
            response = client.open(url, method=method, data={})
            want = expected(key, principal, url, args)
            got = answered(response, want)
            response.close()
            if want != got:
                mismatches.append((principal or "anonymous", want, got))
        assert mismatches == [], f"{method} {url}"


#: An agenda entry of class rahasia, registered by the kontributor and disposed to the
#: redaktur: who reads it is decided by its class, not by the role's area (all but the admin
#: may enter the agenda).
RAHASIA_MATERIAL = {
    "penanggungjawab": 200,  # a rahasia reader
    "koordinator": 200,  # a rahasia reader
    "kontributor": 200,  # not a rahasia reader, but registered it
    "redaktur": 200,  # not a rahasia reader, but it was disposed to them
    "editor": 403,  # refused by the entry's class, not by role
    "penulis": 403,  # refused by the entry's class, not by role
    "arsiparis": 403,  # refused by the entry's class, not by role
    "admin": 403,  # refused by role: the agenda is no area of the admin's
}


@pytest.mark.parametrize("endpoint", ["intake.material", "intake.material_file"])
def test_security_class_refusals(app, login, endpoint):
    from intranet.models import SourceMaterial
    from intranet.services import intake
    from tests.fixtures.files import pdf_bytes
    from tests.fixtures.scenarios import material_data
    from tests.fixtures.scenarios import upload

    with app.test_request_context(method="POST"):
        m = intake.register_material(
            material_data(security_class="rahasia", disposition_to_id=_user("redaktur").id),
            [upload(pdf_bytes(), "rahasia.pdf")],
            _user("kontributor"),
        )
        material_id, file_id = m.id, m.files[0].id
    with app.app_context():
        assert db.session.get(SourceMaterial, material_id).security_class == "rahasia"
    with app.test_request_context():
        url = url_for(endpoint, material_id=material_id, file_id=file_id)
    got = {}
    for role in ROLES:
        with login(role).get(url) as r:
            got[role] = r.status_code
    assert got == RAHASIA_MATERIAL
    r = app.test_client().get(url)
    assert (r.status_code, r.location) == (302, "/intranet/login?next=" + quote(url, safe=""))
