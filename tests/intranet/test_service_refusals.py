"""Service-level guards called directly: each refusal names its exact reason and writes nothing.

The views put a form and a role check in front of these services; here every guard is called
without them, inside a request context, so a refusal that only a view enforced would show.
Each refusal is checked for its message (the Indonesian text the user reads) and for its
footprint: the number of rows in every table (trail entries, outbox and all) and the files
in the working store, the archive and the export folder are what they were before.

The PDF renderers' URL fetchers refuse with a ``ValueError`` that WeasyPrint logs and skips,
so there the proof is the PDF itself, read back: the refused stylesheet or image is not in
it, a local file's unique marker never appears, and a listening socket saw no connection.
Each of those checks is shown able to fail: the same HTML through WeasyPrint's own fetcher,
or through an allowed address, does bring the marker in.
"""

import io
import os
import re
import socketserver
import threading
import uuid
from datetime import date
from datetime import timedelta
from pathlib import Path

import pikepdf
import pytest
from flask import current_app
from pypdf import PdfReader

from archive.models import ArchiveRecord
from archive.models import ExportJob
from intranet.clock import today
from intranet.extensions import db
from intranet.models import Assignment
from intranet.models import AssignmentRecipient
from intranet.models import Case
from intranet.models import Category
from intranet.models import Delegation
from intranet.models import Membership
from intranet.models import SourceMaterial
from intranet.models import User
from intranet.transactions import ServiceError
from tests.fixtures.files import image_bytes
from tests.fixtures.files import pdf_bytes
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario
from tests.fixtures.scenarios import material_data
from tests.fixtures.scenarios import upload

# --- what a refusal must leave as it was ----------------------------------------------------


def _users():
    return {u.username: u for u in db.session.execute(db.select(User)).scalars()}


def _files_under(folder):
    folder = Path(folder)
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def footprint():
    """Rows per table and the files of the stores and the export folder (app context)."""
    db.session.rollback()  # a fresh read: nothing of a refused operation may linger
    rows = {
        t.name: db.session.execute(db.select(db.func.count()).select_from(t)).scalar_one()
        for t in db.metadata.sorted_tables
    }
    files = {
        name: _files_under(path)
        for name, path in (
            ("files", current_app.config["FILES_DIR"]),
            ("archive", current_app.config["ARCHIVE_DIR"]),
            ("exports", Path(current_app.instance_path) / "exports"),
        )
    }
    return rows, files


def test_the_footprint_sees_a_new_row_and_a_new_file(app):
    """The check every refusal below relies on notices a write, so it can fail."""
    with app.test_request_context(method="POST"):
        before = footprint()
        users = _users()
        from intranet.services import intake

        intake.register_material(
            material_data(), [upload(pdf_bytes(), "surat.pdf")], users["kontributor"]
        )
        after = footprint()
    assert after[0]["source_materials"] == before[0]["source_materials"] + 1
    assert after[0]["source_files"] == before[0]["source_files"] + 1
    assert len(after[1]["files"]) == len(before[1]["files"]) + 1
    assert after != before


# --- 1. the PDF renderers read nothing but what they are allowed ------------------------------


class _Recorder(socketserver.BaseRequestHandler):
    """Answers any connection with a stylesheet carrying the marker; remembers each one."""

    hits = []
    marker = ""

    def handle(self):
        self.hits.append(self.request.recv(4096))
        body = f'body::before {{ content: "{self.marker}" }}'.encode()
        self.request.sendall(
            b"HTTP/1.0 200 OK\r\nContent-Type: text/css\r\nContent-Length: %d\r\n\r\n%s"
            % (len(body), body)
        )


@pytest.fixture
def listener():
    """A socket on localhost that records every connection made to it (http or https)."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    hits = []
    _Recorder.hits = hits
    _Recorder.marker = f"JARINGAN-{uuid.uuid4().hex}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", hits, _Recorder.marker
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret(tmp_path):
    """A folder outside any store with a stylesheet, an SVG and a PNG, all carrying a marker."""
    marker = f"BOCOR-{uuid.uuid4().hex}"
    folder = tmp_path / "rahasia"
    folder.mkdir()
    (folder / "bocor.css").write_text(f'body::before {{ content: "{marker}" }}')
    (folder / "bocor.svg").write_text(_svg(marker))
    (folder / "bocor.png").write_bytes(image_bytes("PNG"))
    return folder, marker


def _svg(text):
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40">'
        f'<text x="0" y="20" font-family="DejaVu Sans">{text}</text></svg>'
    )


def _read_back(data):
    """The PDF's extracted text, its decoded streams and its number of raster images."""
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    streams, images = b"", 0
    with pikepdf.open(io.BytesIO(data)) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    streams += obj.read_bytes()
                except pikepdf.PdfError:
                    streams += obj.read_raw_bytes()
        for page in doc.pages:
            images += len(page.get_images())
    return text, streams, images


def _hostile_html(css, svg, png):
    return (
        f'<link rel="stylesheet" href="{css}"><p>Isi laporan</p><img src="{svg}"><img src="{png}">'
    )


# -- intranet/pdf.py: only warta-static: files inside static/ --------------------------------


@pytest.fixture
def static_root(app, tmp_path, secret):
    """The app's static folder moved to a temporary one: an allowed stylesheet, SVG and PNG,
    and a symlink inside it that points at the secret folder outside."""
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    marker = f"BOLEH-{uuid.uuid4().hex}"
    (root / "css" / "boleh.css").write_text(f'body::after {{ content: "{marker}" }}')
    (root / "boleh.svg").write_text(_svg(marker + "-svg"))
    (root / "boleh.png").write_bytes(image_bytes("PNG"))
    (root / "tautan").symlink_to(secret[0], target_is_directory=True)
    old = app.static_folder
    app.static_folder = str(root)
    yield root, marker
    app.static_folder = old


def _static_urls(static, secret_folder, listen):
    """Addresses of the secret files that the static fetcher must refuse, by kind of trick."""
    up = os.path.relpath(secret_folder, static.resolve())
    return {
        "file": lambda n: f"file://{secret_folder / n}",
        "file-localhost": lambda n: f"file://localhost{secret_folder / n}",
        "http": lambda n: f"http://{listen}/{n}",
        "https": lambda n: f"https://{listen}/{n}",
        "absolute path": lambda n: str(secret_folder / n),
        "relative traversal": lambda n: f"../{up}/{n}",
        "static traversal": lambda n: f"warta-static:/{up}/{n}",
        "static traversal, no slash": lambda n: f"warta-static:{up}/{n}",
        "static traversal, encoded": lambda n: f"warta-static:/{up.replace('..', '%2e%2e')}/{n}",
        "static symlink out": lambda n: f"warta-static:/tautan/{n}",
        "static missing": lambda n: f"warta-static:/tidak-ada/{n}",
        "static folder itself": lambda n: "warta-static:/css",
        "other scheme": lambda n: f"data:text/css,body::before{{content:'{n}'}}",
    }


STATIC_TRICKS = [
    "file",
    "file-localhost",
    "http",
    "https",
    "absolute path",
    "relative traversal",
    "static traversal",
    "static traversal, no slash",
    "static traversal, encoded",
    "static symlink out",
    "static missing",
    "static folder itself",
    "other scheme",
]


@pytest.mark.parametrize("trick", STATIC_TRICKS)
def test_the_static_fetcher_refuses_each_address_outside_static(
    app, static_root, secret, listener, trick
):
    from intranet import pdf

    listen, hits, _ = listener
    urls = _static_urls(static_root[0], secret[0], listen)
    with app.test_request_context(method="POST"):
        before = footprint()
        fetcher = pdf._static_fetcher()
        for name in ("bocor.css", "bocor.svg", "bocor.png"):
            url = urls[trick](name)
            with pytest.raises(ValueError, match=re.escape(f"refused: {url[:80]}")):
                fetcher.fetch(url)
        assert footprint() == before
    assert hits == []


@pytest.mark.parametrize("trick", STATIC_TRICKS)
def test_a_pdf_from_hostile_html_holds_nothing_the_static_fetcher_refused(
    app, static_root, secret, listener, trick
):
    from intranet import pdf

    listen, hits, net_marker = listener
    folder, marker = secret
    url = _static_urls(static_root[0], folder, listen)[trick]
    with app.test_request_context(method="POST"):
        before = footprint()
        data = pdf.render(_hostile_html(url("bocor.css"), url("bocor.svg"), url("bocor.png")))
        assert footprint() == before
    text, streams, images = _read_back(data)
    assert "Isi laporan" in text
    assert marker not in text and marker.encode() not in streams
    assert net_marker not in text and net_marker.encode() not in streams
    assert images == 0
    assert hits == []


def test_the_static_fetcher_serves_what_static_holds(app, static_root):
    """The control: the same HTML pointing inside static/ brings the files into the PDF."""
    from intranet import pdf

    _, marker = static_root
    with app.test_request_context(method="POST"):
        data = pdf.render(
            _hostile_html(
                "warta-static:/css/boleh.css", "warta-static:/boleh.svg", "warta-static:/boleh.png"
            )
        )
    text, _, images = _read_back(data)
    assert marker in text and marker + "-svg" in text
    assert images == 1


def test_weasyprint_unguarded_would_leak_the_local_file_and_call_out(app, secret, listener):
    """The control: WeasyPrint's own fetcher reads the file: and http: addresses refused above."""
    from weasyprint import HTML

    listen, hits, net_marker = listener
    folder, marker = secret
    html = _hostile_html(
        f"http://{listen}/bocor.css", f"file://{folder / 'bocor.svg'}", f"file://{folder}/bocor.png"
    )
    text, _, images = _read_back(HTML(string=html).write_pdf())
    assert net_marker in text and marker in text and images == 1
    assert len(hits) == 1


# -- archive/pdf.py: only warta-archive:<sha256> of the record's own files ---------------------


@pytest.fixture
def archive_files(app, secret):
    """The archive store with two files: one handed to the berkas, one of another record."""
    from archive.store import archive_store

    folder, marker = secret
    allowed_marker = f"BERKAS-{uuid.uuid4().hex}"
    with app.app_context():
        store = archive_store()
        own, _, _ = store.put_bytes(_svg(allowed_marker).encode())
        other, _, _ = store.put_bytes((folder / "bocor.svg").read_bytes())
        other_css, _, _ = store.put_bytes((folder / "bocor.css").read_bytes())
    return {"own": own, "other": other, "other_css": other_css, "marker": allowed_marker}


def _archive_urls(folder, listen, files):
    return {
        "file": lambda n: f"file://{folder / n}",
        "http": lambda n: f"http://{listen}/{n}",
        "https": lambda n: f"https://{listen}/{n}",
        "absolute path": lambda n: str(folder / n),
        "relative": lambda n: n,
        "relative traversal": lambda n: f"../../rahasia/{n}",
        "another record's file": lambda n: (
            "warta-archive:" + (files["other_css"] if n.endswith(".css") else files["other"])
        ),
        "traversal inside the store": lambda n: f"warta-archive:../objects/{files['own'][:2]}",
        "own file with a path after it": lambda n: f"warta-archive:{files['own']}/../{n}",
        "scheme in capitals": lambda n: f"WARTA-ARCHIVE:{files['own']}",
    }


ARCHIVE_TRICKS = [
    "file",
    "http",
    "https",
    "absolute path",
    "relative",
    "relative traversal",
    "another record's file",
    "traversal inside the store",
    "own file with a path after it",
    "scheme in capitals",
]


@pytest.mark.parametrize("trick", ARCHIVE_TRICKS)
def test_the_archive_fetcher_refuses_each_address_but_its_own_files(
    app, secret, listener, archive_files, trick
):
    from archive import pdf
    from archive.store import archive_store

    listen, hits, _ = listener
    url = _archive_urls(secret[0], listen, archive_files)[trick]
    with app.test_request_context(method="POST"):
        before = footprint()
        fetcher = pdf.Fetcher(archive_store(), {archive_files["own"]: "image/svg+xml"})
        wanted = [url("bocor.css"), url("bocor.svg")]
        for u in wanted:
            with pytest.raises(ValueError, match=re.escape(f"refused: {u[:80]}")):
                fetcher.fetch(u)
        assert fetcher.refused == [u[:300] for u in wanted]
        assert footprint() == before
    assert hits == []


@pytest.mark.parametrize("trick", ARCHIVE_TRICKS)
def test_a_berkas_from_hostile_html_holds_only_its_own_files(
    app, secret, listener, archive_files, trick
):
    from archive import pdf
    from archive.store import archive_store

    listen, hits, net_marker = listener
    folder, marker = secret
    url = _archive_urls(folder, listen, archive_files)[trick]
    own = archive_files["own"]
    html = _hostile_html(url("bocor.css"), url("bocor.svg"), url("bocor.png"))
    html += f'<img src="{pdf.src(own)}">'
    files = [
        {
            "sha256": own,
            "filename": "lampiran.svg",
            "mimetype": "image/svg+xml",
            "relationship": "Source",
            "description": "lampiran",
        }
    ]
    with app.test_request_context(method="POST"):
        store = archive_store()
        before = footprint()
        fetcher = pdf.Fetcher(store, {own: "image/svg+xml"})
        data = pdf.render(html, store, files, "uji", fetcher=fetcher)
        assert footprint() == before
    assert set(fetcher.refused) == {url("bocor.css"), url("bocor.svg"), url("bocor.png")}
    text, streams, images = _read_back(data)
    # the control inside the same PDF: its own file is drawn
    assert "Isi laporan" in text and archive_files["marker"] in text
    assert marker not in text and marker.encode() not in streams
    assert net_marker not in text and net_marker.encode() not in streams
    assert images == 0
    assert hits == []


# --- 2. acting substitutes (Plh/Plt) ---------------------------------------------------------


def _outsider(username, active=True):
    """A person with an account but no membership of any SK Tim."""
    u = User(
        username=username,
        full_name=f"Orang Luar {username}",
        email=f"{username}@warta.invalid",
        password_hash="x",
        active=active,
    )
    db.session.add(u)
    db.session.commit()
    return u


def _plh_of_penanggungjawab(u):
    """Set-up: the Penanggung Jawab names the Koordinator as Plh for their own role, today."""
    from intranet.services import delegations

    delegations.delegate(
        {
            "role": "penanggungjawab",
            "valid_from": today(),
            "valid_until": today() + timedelta(days=2),
            "reason": "Cuti",
        },
        u["penanggungjawab"],
        u["penanggungjawab"],
        u["koordinator"],
    )
    assert u["koordinator"].role_source("penanggungjawab")[1] is not None


def _deactivate(u, who):
    u[who].active = False
    db.session.commit()


def _day(n):
    """The office date ``n`` days from today, as the delegation messages write it."""
    return (today() + timedelta(days=n)).strftime("%d-%m-%Y")


def _editor_acts_as_koordinator(start, end, revoked=False):
    """Set-up: the Editor already acts as Koordinator from ``start`` to ``end`` (days from today)."""

    def setup(u):
        from intranet.services import delegations

        data = {
            "role": "koordinator",
            "valid_from": today() + timedelta(days=start),
            "valid_until": today() + timedelta(days=end),
            "reason": "Cuti",
        }
        if end < 0:
            # a period that has ended can no longer be named: it was named while it lasted
            d = Delegation(
                **data,
                absent_user_id=u["koordinator"].id,
                substitute_id=u["editor"].id,
                created_by_id=u["penanggungjawab"].id,
            )
            db.session.add(d)
            db.session.commit()
        else:
            d = delegations.delegate(data, u["penanggungjawab"], u["koordinator"], u["editor"])
        if revoked:
            delegations.revoke(d, u["penanggungjawab"])

    return setup


#: One row per guard of ``delegate``: (set-up, changes to the call, the message).
#: The call is by default valid: the Penanggung Jawab names the Redaktur to act as
#: Koordinator from today for three days (``test_the_valid_delegation_is_written``).
DELEGATE_REFUSALS = [
    pytest.param(
        None,
        {"actor": "koordinator"},
        "Hanya penanggung jawab yang dapat menunjuk pelaksana harian.",
        id="not-the-penanggungjawab",
    ),
    pytest.param(
        None,
        {"actor": "admin"},
        "Hanya penanggung jawab yang dapat menunjuk pelaksana harian.",
        id="the-admin",
    ),
    pytest.param(
        _plh_of_penanggungjawab,
        {"actor": "koordinator", "absent": "redaktur", "substitute": "editor", "role": "redaktur"},
        "Pelaksana harian tidak dapat menunjuk pelaksana harian lain.",
        id="a-plh-of-the-penanggungjawab",
    ),
    pytest.param(
        None,
        {"substitute": "penanggungjawab"},
        "Penanggung jawab tidak dapat menunjuk dirinya sendiri.",
        id="oneself",
    ),
    pytest.param(
        None, {"role": "admin"}, "Peran ini tidak dapat didelegasikan.", id="the-admin-role"
    ),
    pytest.param(None, {"role": "ketua"}, "Peran ini tidak dapat didelegasikan.", id="no-role"),
    pytest.param(
        None,
        {"absent": "redaktur", "role": "redaktur"},
        "Pelaksana harian harus orang lain.",
        id="the-holder-as-own-substitute",
    ),
    pytest.param(
        None,
        {"valid_until": -1},
        "Tanggal akhir tidak boleh sebelum tanggal mulai.",
        id="end-before-start",
    ),
    pytest.param(
        None,
        {"valid_from": -3},
        "Masa penunjukan sudah lewat: tanggal akhir tidak boleh sebelum hari ini.",
        id="a-period-wholly-past",
    ),
    pytest.param(
        None,
        {"valid_from": -1, "valid_until": 0},
        "Masa penunjukan sudah lewat: tanggal akhir tidak boleh sebelum hari ini.",
        id="a-period-that-ended-yesterday",
    ),
    pytest.param(
        _editor_acts_as_koordinator(2, 4),
        {},
        "{absent} sudah diwakili {editor} sebagai Koordinator pada {days[2]} s.d. {days[4]}; "
        "cabut penunjukan itu lebih dulu.",
        id="overlapping-another-substitute-by-one-day",
    ),
    pytest.param(
        _editor_acts_as_koordinator(-1, 0),
        {},
        "{absent} sudah diwakili {editor} sebagai Koordinator pada {yesterday} s.d. {days[0]}; "
        "cabut penunjukan itu lebih dulu.",
        id="overlapping-another-substitute-already-acting",
    ),
    pytest.param(
        None,
        {"role": "penulis"},
        "{absent} tidak memegang peran itu menurut SK Tim pada tanggal mulai.",
        id="a-role-the-holder-does-not-hold",
    ),
    pytest.param(
        None,
        {"valid_from": "next-year"},
        "{absent} tidak memegang peran itu menurut SK Tim pada tanggal mulai.",
        id="a-start-after-the-sk-tim",
    ),
    pytest.param(
        lambda u: u.update(luar=_outsider("luar")),
        {"absent": "luar"},
        "{absent} tidak memegang peran itu menurut SK Tim pada tanggal mulai.",
        id="a-holder-outside-the-sk-tim",
    ),
    pytest.param(
        lambda u: u.update(luar=_outsider("luar")),
        {"substitute": "luar"},
        "{substitute} bukan anggota tim yang aktif.",
        id="a-substitute-outside-the-sk-tim",
    ),
    pytest.param(
        lambda u: _deactivate(u, "redaktur"),
        {},
        "{substitute} bukan anggota tim yang aktif.",
        id="a-deactivated-substitute",
    ),
]


def _delegate_call(u, changes):
    start = today()
    if changes.get("valid_from") == "next-year":
        start = date(today().year + 1, 1, 5)
    elif "valid_from" in changes:
        start = today() + timedelta(days=changes["valid_from"])
    end = start + timedelta(days=changes["valid_until"] if "valid_until" in changes else 2)
    data = {
        "role": changes.get("role", "koordinator"),
        "valid_from": start,
        "valid_until": end,
        "reason": "Dinas luar",
    }
    people = (
        u[changes.get("actor", "penanggungjawab")],
        u[changes.get("absent", "koordinator")],
        u[changes.get("substitute", "redaktur")],
    )
    return data, people


def test_the_valid_delegation_is_written(app):
    """The call every refusal below changes in one point is itself accepted."""
    from intranet.services import delegations

    with app.test_request_context(method="POST"):
        u = _users()
        before = footprint()
        data, people = _delegate_call(u, {})
        d_id = delegations.delegate(data, *people).id
        rows, _ = footprint()
    assert rows["delegations"] == before[0]["delegations"] + 1
    with app.app_context():
        d = db.session.get(Delegation, d_id)
        assert (d.role, d.absent_user.username, d.substitute.username) == (
            "koordinator",
            "koordinator",
            "redaktur",
        )


@pytest.mark.parametrize(("setup", "changes", "message"), DELEGATE_REFUSALS)
def test_each_delegation_guard_refuses_with_its_message(app, setup, changes, message):
    from intranet.services import delegations

    with app.test_request_context(method="POST"):
        u = _users()
        if setup:
            setup(u)
        before = footprint()
        u = _users()
        data, (actor, absent, substitute) = _delegate_call(u, changes)
        expected = message.format(
            absent=absent.full_name,
            substitute=substitute.full_name,
            editor=u["editor"].full_name,
            days={n: _day(n) for n in range(6)},
            yesterday=_day(-1),
        )
        with pytest.raises(ServiceError, match=f"^{re.escape(expected)}$") as refused:
            delegations.delegate(data, actor, absent, substitute)
        assert refused.value.status == 400
        assert footprint() == before


@pytest.mark.parametrize("who", ["koordinator", "redaktur", "admin"])
def test_only_the_penanggungjawab_revokes_a_delegation(app, scenario, who):
    from intranet.services import delegations

    with app.test_request_context(method="POST"):
        d = db.session.get(Delegation, scenario["delegation_id"])
        before = footprint()
        with pytest.raises(
            ServiceError,
            match=f"^{re.escape('Hanya penanggung jawab yang dapat mencabut penunjukan.')}$",
        ):
            delegations.revoke(d, _users()[who])
        assert footprint() == before
        assert db.session.get(Delegation, scenario["delegation_id"]).revoked_at is None


def test_a_plh_of_the_penanggungjawab_may_not_revoke(app, scenario):
    """The rule ``delegate`` applies: the penanggung jawab in person, never their Plh."""
    from intranet.services import delegations

    with app.test_request_context(method="POST"):
        u = _users()
        _plh_of_penanggungjawab(u)
        assert u["koordinator"].has_role("penanggungjawab")
        d = db.session.get(Delegation, scenario["delegation_id"])
        before = footprint()
        with pytest.raises(
            ServiceError,
            match=f"^{re.escape('Pelaksana harian tidak dapat mencabut penunjukan.')}$",
        ):
            delegations.revoke(d, _users()["koordinator"])
        assert footprint() == before
        assert db.session.get(Delegation, scenario["delegation_id"]).revoked_at is None


@pytest.mark.parametrize(
    "setup,start,end",
    [
        pytest.param(None, -1, 0, id="begun-yesterday-ending-today"),
        pytest.param(_editor_acts_as_koordinator(3, 5), 0, 2, id="the-day-after-another-ends"),
        pytest.param(_editor_acts_as_koordinator(-2, -1), 0, 2, id="after-another-has-ended"),
        pytest.param(_editor_acts_as_koordinator(0, 2, revoked=True), 0, 2, id="over-a-revoked"),
        # the same substitute named twice is no conflict: one person acts either way
        pytest.param(lambda u: _delegate_call_made(u, 1, 3), 0, 2, id="the-same-substitute-again"),
    ],
)
def test_delegations_that_do_not_conflict_are_written(app, setup, start, end):
    from intranet.services import delegations

    with app.test_request_context(method="POST"):
        u = _users()
        if setup:
            setup(u)
        data, people = _delegate_call(u, {})
        data.update(
            valid_from=max(today() + timedelta(days=start), date(today().year, 1, 1)),
            valid_until=today() + timedelta(days=end),
        )
        d_id = delegations.delegate(data, *people).id
    with app.app_context():
        d = db.session.get(Delegation, d_id)
        assert (d.role, d.absent_user.username, d.substitute.username) == (
            "koordinator",
            "koordinator",
            "redaktur",
        )
        assert (d.valid_from, d.valid_until) == (data["valid_from"], data["valid_until"])


def _delegate_call_made(u, start, end):
    """Set-up: the default delegation (Redaktur acting as Koordinator), days from today."""
    from intranet.services import delegations

    data, people = _delegate_call(u, {})
    data.update(
        valid_from=today() + timedelta(days=start), valid_until=today() + timedelta(days=end)
    )
    delegations.delegate(data, *people)


@pytest.mark.parametrize("zone", ["Etc/GMT-14", "Etc/GMT+12"])
def test_the_past_is_the_office_calendars(app_factory, zone):
    """Today is the office's day, not the server's: a period ending on the office's today is
    accepted, one ending on the office's yesterday refused, whatever day the server is on.

    Of the two zones (UTC+14 and UTC-12, 26 hours apart) at least one is on another day than
    the server, so ``date.today()`` in place of the office calendar fails one of the cases.
    """
    from intranet.cli import load_demo
    from intranet.services import delegations
    from tests.conftest import PASSWORD

    app = app_factory(BABEL_DEFAULT_TIMEZONE=zone)
    with app.test_request_context(method="POST"):
        load_demo(PASSWORD)
        u = _users()
        office_today = today()
        start = max(office_today - timedelta(days=1), date(office_today.year, 1, 1))
        data, people = _delegate_call(u, {})
        data.update(valid_from=start, valid_until=office_today)
        assert delegations.delegate(data, *people).valid_until == office_today
        data, people = _delegate_call(u, {"substitute": "editor"})
        data.update(
            valid_from=start - timedelta(days=1), valid_until=office_today - timedelta(days=1)
        )
        with pytest.raises(
            ServiceError,
            match=re.escape(
                "Masa penunjukan sudah lewat: tanggal akhir tidak boleh sebelum hari ini."
            ),
        ):
            delegations.delegate(data, *people)


def test_revoking_twice_keeps_the_first_revocation(app, scenario):
    """There is no refusal for a second revocation: it changes nothing (no new row, same time)."""
    from intranet.services import delegations

    with app.test_request_context(method="POST"):
        pj = _users()["penanggungjawab"]
        delegations.revoke(db.session.get(Delegation, scenario["delegation_id"]), pj)
        first = db.session.get(Delegation, scenario["delegation_id"]).revoked_at
        assert first is not None
        before = footprint()
        delegations.revoke(db.session.get(Delegation, scenario["delegation_id"]), pj)
        assert footprint() == before
        assert db.session.get(Delegation, scenario["delegation_id"]).revoked_at == first


# --- 3. handing material over (step 2) ------------------------------------------------------


@pytest.fixture
def handover(app, scenario):
    """The scenario, plus a fresh biasa entry and a rahasia one registered by another
    kontributor, neither yet in a case; the ids."""
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        u = _users()
        other = User(
            username="kontributor2",
            full_name="Kontributor Kedua",
            email="kontributor2@warta.invalid",
            password_hash="x",
        )
        decree = u["kontributor"].valid_memberships()[0].decree
        db.session.add(other)
        db.session.add(Membership(user=other, decree=decree, role="kontributor"))
        db.session.commit()
        fresh = intake.register_material(
            material_data(assignment_id=scenario["assignment_id"]),
            [upload(pdf_bytes("bahan baru"), "baru.pdf")],
            u["kontributor"],
        )
        secret = intake.register_material(
            material_data(security_class="rahasia", perihal="Surat rahasia"),
            [upload(pdf_bytes("bahan rahasia"), "rahasia.pdf")],
            other,
        )
        used = db.session.get(SourceMaterial, scenario["material_id"]).nomor_agenda
        return {**scenario, "fresh_id": fresh.id, "secret_id": secret.id, "used": used}


def _handover_data(ids, **changes):
    data = {
        "assignment_id": ids["assignment_id"],
        "material_ids": [ids["fresh_id"]],
        "title": "Naskah kedua",
        "category_id": 1,
        "redaktur_id": _users()["redaktur"].id,
        "note": "",
    }
    data.update(changes)
    return data


def test_a_valid_handover_opens_a_case(app, handover):
    """The call every refusal below changes in one point is itself accepted."""
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        before = footprint()
        case = intake.hand_over(_handover_data(handover), _users()["kontributor"])
        rows, _ = footprint()
        assert case.step == 3
    assert rows["cases"] == before[0]["cases"] + 1
    assert rows["trail_entries"] == before[0]["trail_entries"] + 2


@pytest.mark.parametrize("security_class", ["terbatas", "rahasia"])
def test_handing_over_material_the_kontributor_may_not_read_is_refused(
    app, handover, security_class
):
    """Another kontributor's restricted entry: terbatas is readable by a kontributor and is
    handed over; rahasia is not, and handing it over is refused whole."""
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        m = db.session.get(SourceMaterial, handover["secret_id"])
        m.security_class = security_class
        db.session.commit()
        kontributor = _users()["kontributor"]
        assert m.registered_by_id != kontributor.id and m.disposition_to_id is None
        data = _handover_data(handover, material_ids=[handover["fresh_id"], m.id])
        before = footprint()
        if security_class == "terbatas":
            case = intake.hand_over(data, kontributor)
            assert sorted(x.id for x in case.materials) == sorted(data["material_ids"])
            return
        with pytest.raises(
            ServiceError,
            match=f"^{re.escape('Pilih minimal satu bahan informasi dari buku agenda.')}$",
        ):
            intake.hand_over(data, kontributor)
        assert footprint() == before
        assert db.session.get(SourceMaterial, handover["secret_id"]).cases == []
        assert db.session.get(SourceMaterial, handover["fresh_id"]).cases == []


def _to_penulis(ids):
    """Set-up: a direction to the Penulis alone; hand-over under it by the kontributor."""
    from intranet.services import intake

    u = _users()
    a = intake.give_assignment(
        {"instruction": "Tulis profil.", "due_date": today() + timedelta(days=3)},
        u["penanggungjawab"],
        [u["penulis"]],
    )
    return {"assignment_id": a.id}


def _closed(ids):
    from intranet.services import intake

    a = db.session.get(Assignment, ids["assignment_id"])
    intake.close_assignment(a, _users()["penanggungjawab"])
    return {}


def _inactive_redaktur(ids):
    _users()["redaktur"].active = False
    db.session.commit()
    return {}


def _inactive_category(ids):
    db.session.get(Category, 1).active = False
    db.session.commit()
    return {}


def _penulis_under_own_direction(ids):
    """Set-up: a direction to the Penulis; the Penulis (no kontributor) hands over."""
    out = _to_penulis(ids)
    return {**out, "actor": "penulis"}


#: One row per guard of ``hand_over``: (set-up returning changes, changes, the message).
HANDOVER_REFUSALS = [
    pytest.param(
        _to_penulis,
        {},
        "Pilih penugasan yang ditujukan kepada Anda.",
        id="a-direction-to-someone-else",
    ),
    pytest.param(
        None,
        {"assignment_id": 999_999},
        "Pilih penugasan yang ditujukan kepada Anda.",
        id="no-such-direction",
    ),
    pytest.param(_closed, {}, "Penugasan ini sudah ditutup.", id="a-closed-direction"),
    pytest.param(
        None,
        {"material_ids": []},
        "Pilih minimal satu bahan informasi dari buku agenda.",
        id="no-material",
    ),
    pytest.param(
        None,
        {"material_ids": [999_999]},
        "Pilih minimal satu bahan informasi dari buku agenda.",
        id="no-such-material",
    ),
    pytest.param(
        None,
        {"material_ids": "used"},
        "Sudah diserahkan dalam naskah lain: {used}.",
        id="material-already-in-a-case",
    ),
    pytest.param(
        None,
        {"redaktur_id": "penulis"},
        "Pilih redaktur yang sedang menjabat.",
        id="a-redaktur-who-is-not-one",
    ),
    pytest.param(
        None,
        {"redaktur_id": 999_999},
        "Pilih redaktur yang sedang menjabat.",
        id="no-such-redaktur",
    ),
    pytest.param(
        _inactive_redaktur, {}, "Pilih redaktur yang sedang menjabat.", id="a-deactivated-redaktur"
    ),
    pytest.param(None, {"category_id": 999_999}, "Kategori tidak dikenal.", id="no-such-category"),
    pytest.param(_inactive_category, {}, "Kategori tidak dikenal.", id="an-inactive-category"),
    pytest.param(
        _penulis_under_own_direction,
        {},
        "Langkah 2 hanya dapat dikerjakan oleh: kontributor.",
        id="not-a-kontributor",
    ),
]


@pytest.mark.parametrize(("setup", "changes", "message"), HANDOVER_REFUSALS)
def test_each_handover_guard_refuses_with_its_message(app, handover, setup, changes, message):
    from intranet.services import intake

    with app.test_request_context(method="POST"):
        changes = {**changes, **(setup(handover) if setup else {})}
        actor = _users()[changes.pop("actor", "kontributor")]
        if changes.get("material_ids") == "used":
            changes["material_ids"] = [handover["material_id"]]
        if changes.get("redaktur_id") == "penulis":
            changes["redaktur_id"] = _users()["penulis"].id
        data = _handover_data(handover, **changes)
        before = footprint()
        receipts = _receipts()
        expected = message.format(used=handover["used"])
        with pytest.raises(ServiceError, match=f"^{re.escape(expected)}$") as refused:
            intake.hand_over(data, actor)
        assert refused.value.status == 400
        assert footprint() == before
        assert _receipts() == receipts
        assert db.session.get(SourceMaterial, handover["fresh_id"]).cases == []


def _receipts():
    """When each recipient acknowledged their direction (a hand-over acknowledges it)."""
    return db.session.execute(
        db.select(AssignmentRecipient.id, AssignmentRecipient.acknowledged_at).order_by(
            AssignmentRecipient.id
        )
    ).all()


# --- 4. exporting ticked records outside one's access ---------------------------------------


@pytest.fixture
def records(app):
    """Three published, archived records: biasa, terbatas and rahasia (their material's
    class set before publishing); the record ids by class."""
    ids = {}
    for security_class in ("biasa", "terbatas", "rahasia"):
        s = build_scenario(app)
        with app.app_context():
            db.session.get(SourceMaterial, s["material_id"]).security_class = security_class
            db.session.commit()
        build_published(app, s["case_id"])
        with app.app_context():
            case = db.session.get(Case, s["case_id"])
            record = db.session.execute(
                db.select(ArchiveRecord).where(ArchiveRecord.case_id == case.id)
            ).scalar_one()
            assert record.access_class == security_class
            ids[security_class] = record.id
    return ids


def _wait_for_export(job_id):
    for t in threading.enumerate():
        if t.name == f"ekspor-{job_id}":
            t.join(timeout=120)
            assert not t.is_alive()


@pytest.mark.parametrize(
    ("who", "ticked"),
    [
        ("arsiparis", ["rahasia"]),  # the record itself is closed to the arsiparis
        ("admin", ["terbatas"]),  # the record is open to the admin, its originals are not
        ("admin", ["terbatas", "rahasia"]),
        ("editor", ["terbatas", "rahasia"]),
        ("penulis", ["terbatas"]),
        ("redaktur", ["terbatas"]),  # the originals are open to a redaktur, the record is not
        ("kontributor", ["terbatas"]),
        ("arsiparis", ["tidak-ada"]),
    ],
)
def test_an_export_of_only_records_outside_access_is_refused_and_writes_no_job(
    app, records, who, ticked
):
    from archive import jobs
    from intranet import permissions

    with app.test_request_context(method="POST"):
        user = _users()[who]
        ids = [records.get(c, 999_999) for c in ticked]
        selected = ", ".join(str(i) for i in ids)
        if (who, ticked) == ("admin", ["terbatas"]):
            # the refusal comes from the files' class, not from the record's
            assert permissions.can_read_record(user, db.session.get(ArchiveRecord, ids[0]))
            assert not permissions.can_read_class(user, "terbatas")
        if who in ("redaktur", "kontributor"):
            # the refusal comes from the record's class, not from the files'
            assert not permissions.can_read_record(user, db.session.get(ArchiveRecord, ids[0]))
            assert permissions.can_read_class(user, "terbatas")
        before = footprint()
        threads = {t.name for t in threading.enumerate()}
        with pytest.raises(
            ServiceError, match=f"^{re.escape('Tidak ada arsip untuk diekspor.')}$"
        ) as refused:
            jobs.start_export(user, "", {}, selected=selected)
        assert refused.value.status == 400
        assert footprint() == before
        assert not [
            t.name
            for t in threading.enumerate()
            if t.name.startswith("ekspor-") and t.name not in threads
        ]
        assert (
            db.session.execute(
                db.select(ExportJob).where(ExportJob.record_ids.in_([str(i) for i in ids]))
            ).first()
            is None
        )


@pytest.mark.parametrize(
    ("who", "ticked", "kept"),
    [
        ("arsiparis", ["rahasia", "biasa", "terbatas"], ["biasa", "terbatas"]),
        ("admin", ["terbatas", "biasa", "rahasia"], ["biasa"]),
        ("penulis", ["biasa", "terbatas", "rahasia"], ["biasa"]),
        ("koordinator", ["rahasia", "terbatas", "biasa"], ["rahasia", "terbatas", "biasa"]),
    ],
)
def test_ticked_records_outside_access_are_dropped_from_the_export(app, records, who, ticked, kept):
    from archive import jobs

    with app.test_request_context(method="POST"):
        user = _users()[who]
        selected = " ".join(str(records[c]) for c in ticked)
        before, _ = footprint()
        job = jobs.start_export(user, "", {}, selected=selected)
        job_id = job.id
        db.session.rollback()  # no read transaction open while the worker writes (SQLite)
        _wait_for_export(job_id)
        rows, _ = footprint()
        assert rows["archive_export_jobs"] == before["archive_export_jobs"] + 1
        job = db.session.get(ExportJob, job_id)
        assert job.record_ids == ",".join(str(records[c]) for c in kept)
        assert job.total == len(kept)
        assert (job.status, job.done) == ("selesai", len(kept))
