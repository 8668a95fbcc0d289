"""One canonical site address: every absolute URL comes from ``SITE_URL``, never from a request.

A request's ``Host`` is the visitor's to choose. An unknown one is answered 400 before the
page cache or Flask sees it; a known second name (an intranet alias) still never reaches a
link: pages, feeds, the sitemap, mail, the berkas and its record, reports and the CLI all say
the configured address.
"""

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from archive.models import ArchiveFile
from archive.models import ArchiveVersion
from archive.store import archive_store
from intranet import create_app
from intranet.clock import today
from intranet.extensions import db
from intranet.models import Case
from intranet.models import OutboxMessage
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario

SITE = "https://warta.kpu-cilacap.example"
ALIAS = "intranet.lan"
EVIL = "evil.example"

PUBLIC = [
    "/",
    "/kategori/berita-terkini",
    "/feed.xml",
    "/feed.atom",
    "/feed.json",
    "/kategori/berita-terkini/feed.xml",
    "/sitemap.xml",
]


@pytest.fixture
def site(app):
    """The app under its canonical address, also reachable as an intranet alias.

    Set before anything is made (the scenario's mail included), as ``create_app`` sets it
    from ``WARTA_SITE_URL`` and ``WARTA_TRUSTED_HOSTS``.
    """
    app.config.update(SITE_URL=SITE, TRUSTED_HOSTS=["warta.kpu-cilacap.example", ALIAS])
    return app


@pytest.fixture
def scenario(site):
    return build_scenario(site)


def _hosts(text):
    """Every host named by an absolute http(s) URL in ``text``."""
    return set(re.findall(r"https?://([^/\s\"'<>]+)", text))


def _login(app, username, host):
    c = app.test_client()
    r = c.post(
        "/intranet/login",
        data={"username": username, "password": "warta-demo"},
        headers={"Host": host},
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    return c


def test_an_unknown_host_is_refused_before_the_cache_and_never_poisons_it(site, scenario):
    slug = build_published(site, scenario["case_id"])
    anon = site.test_client()
    paths = [*PUBLIC, f"/berita/{slug}"]
    for path in paths:  # the attack: forged Host first, so it would be what gets cached
        r = anon.get(path, headers={"Host": EVIL})
        assert r.status_code == 400, path
        assert "tidak dikenal" in r.get_data(as_text=True) and r.headers["Cache-Control"] == (
            "no-store"
        )
    for path in paths:  # every later visitor, by either trusted name, gets the site's links
        for host in ("warta.kpu-cilacap.example", ALIAS):
            body = anon.get(path, headers={"Host": host}).get_data(as_text=True)
            assert EVIL not in body and ALIAS not in body, path
            assert _hosts(body) - {"warta.kpu-cilacap.example"} <= {
                "wa.me",
                "t.me",
                "www.facebook.com",
                "twitter.com",
                "www.w3.org",
                "jsonfeed.org",
                "www.sitemaps.org",
                "purl.org",
                "www.rssboard.org",
                "lkiesow.github.io",  # feedgen's generator URI
            }, (path, _hosts(body))

    def get(path):
        return anon.get(path, base_url=SITE)

    sitemap = get("/sitemap.xml").get_data(as_text=True)
    assert f"<loc>{SITE}/berita/{slug}</loc>" in sitemap
    feed = json.loads(get("/feed.json").data)
    assert feed["items"][0]["url"] == f"{SITE}/berita/{slug}"
    article = get(f"/berita/{slug}").get_data(as_text=True)
    assert f'<link rel="canonical" href="{SITE}/berita/{slug}">' in article


@pytest.mark.parametrize(
    "header",
    ["evil.example", "localhost.evil.example", "warta.kpu-cilacap.example.evil", "", "a b"],
)
def test_hosts_that_are_not_trusted(site, header):
    assert site.test_client().get("/healthz", headers={"Host": header}).status_code == 400
    assert site.test_client().get("/healthz", headers={"Host": ALIAS + ":8080"}).status_code == 200


def test_publishing_from_an_alias_writes_only_the_site_address(site, scenario):
    """The berkas PDF and the record's JSON are permanent: the Host must not reach them."""
    cid = scenario["case_id"]
    build_preview(site, cid)
    with site.app_context():
        db.session.get(Case, cid).step = 10
        db.session.commit()
    red = _login(site, "redaktur", ALIAS)
    r = red.post(
        f"/intranet/naskah/{cid}/terbitkan", data={"scheduled": ""}, headers={"Host": ALIAS}
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    with site.app_context():
        version = db.session.execute(db.select(ArchiveVersion)).scalar_one()
        store = archive_store()
        berkas = store.read(version.berkas_sha256)
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(berkas)).pages)
        assert f"{SITE}/arsip/" in "".join(text.split()) and ALIAS not in text  # wrapped
        assert ALIAS.encode() not in berkas and b"localhost" not in berkas
        for f in db.session.execute(db.select(ArchiveFile)).scalars():
            data = store.read(f.sha256)
            assert ALIAS.encode() not in data and b"localhost" not in data, f.filename
        record_json = next(
            store.read(f.sha256)
            for f in db.session.execute(db.select(ArchiveFile)).scalars()
            if f.filename.endswith(".json")
        )
        assert f"{SITE}/berita/".encode() in record_json
        partner = db.session.execute(
            db.select(OutboxMessage).where(OutboxMessage.kind == "partner")
        ).scalar_one()
        assert f"{SITE}/berita/" in partner.body and ALIAS not in partner.body


def test_mail_links_come_from_the_site_address(site, scenario):
    """Preview links (step 7) and case notices, sent while the sender used an alias."""
    cid = scenario["case_id"]
    build_preview(site, cid)
    editor = _login(site, "editor", ALIAS)
    r = editor.post(
        f"/intranet/naskah/{cid}/putuskan", data={"action": "complete"}, headers={"Host": ALIAS}
    )
    assert r.status_code == 302
    with site.app_context():
        bodies = [m.body for m in db.session.execute(db.select(OutboxMessage)).scalars()]
    assert bodies and any(f"{SITE}/pratinjau/" in b for b in bodies)
    for body in bodies:
        assert ALIAS not in body and "localhost" not in body
        assert _hosts(body) <= {"warta.kpu-cilacap.example"}, _hosts(body)


def test_the_division_report_on_the_command_line_links_to_the_site(site, scenario, tmp_path):
    slug = build_published(site, scenario["case_id"])
    month = today().strftime("%Y-%m")
    runner = site.test_cli_runner()  # no request at all: the address still comes from SITE_URL
    out = tmp_path / "laporan.csv"
    r = runner.invoke(args=["report", "division", "--month", month, "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert f"{SITE}/berita/{slug}" in rows[1]
    out = tmp_path / "laporan.xlsx"
    assert (
        runner.invoke(args=["report", "division", "--month", month, "--out", str(out)]).exit_code
        == 0
    )
    cells = [c.value for c in load_workbook(out).active[2]]
    assert f"{SITE}/berita/{slug}" in cells


@pytest.mark.parametrize(
    "value", ["warta.example", "ftp://warta.example", "https://", "https://x.example/?a=1", ""]
)
def test_a_site_address_that_is_not_one_stops_the_start(tmp_path, value):
    with pytest.raises(ValueError, match="SITE_URL"):
        create_app({"SITE_URL": value, "INSTANCE_PATH": str(tmp_path), "TESTING": True})


def test_the_address_may_carry_a_path_and_https(tmp_path):
    app = create_app(
        {
            "SITE_URL": "HTTPS://Warta.Example.go.id/kpu/",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "TESTING": True,
        }
    )
    assert app.config["SITE_URL"] == "https://warta.example.go.id/kpu"
    assert app.config["TRUSTED_HOSTS"] == ["warta.example.go.id"]
    from intranet.links import absolute_url

    with app.app_context():
        assert absolute_url("public.article", slug="x y") == (
            "https://warta.example.go.id/kpu/berita/x%20y"
        )
