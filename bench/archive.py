"""Archiving one article at publication, against its in-run reference (a bare WeasyPrint render).

Bar (DESIGN.md section 10): archiving one article (PDF/A-3b, trail, 5 photos, 3 originals)
<= 1.5 s; and (issue "performance at the next scale") <= 1.1x a bare WeasyPrint render of the
same HTML (the first wave's bar was 1.3x).

Each case is walked through the SOP by the demo users (steps 1-9, through the services), with
three originals in the agenda book (PDF, DOCX, JPEG scan) and five camera-sized photos. The
timed figure is the whole publication at step 10 (``publishing.publish``: trail, article,
outbox, archive record, berkas PDF/A-3b with every original embedded, the one commit). The
reference, run right after each publication, is WeasyPrint rendering the very HTML of that
berkas (captured as it went into ``archive.pdf.render``) to a plain PDF: no PDF/A variant, no
attachments, the same fetcher serving the same photos, called as anyone would call WeasyPrint.

Warta renders with the process's older objects left out of the collector's full collections
(``intranet.heap.render_burst``); a bare render in the same process pays for walking them.
So the run also times, for information, the bare render inside the same pause: that ratio is
what the PDF/A-3b, the attachments and the rest of the publication cost on their own.
Usage: python bench/archive.py [--quick]
"""

import contextlib
import io
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import ExifTags  # noqa: E402
from PIL import Image  # noqa: E402
from PIL import ImageFilter  # noqa: E402
from werkzeug.datastructures import FileStorage  # noqa: E402

from archive import indexing  # noqa: E402
from archive import pdf as archive_pdf  # noqa: E402
from intranet import create_app  # noqa: E402
from intranet.extensions import db  # noqa: E402

BAR_S, BAR_RATIO = 1.5, 1.1
PHOTOS, PHOTO_SIZE = 5, (1600, 1200)
PARAGRAPH = (
    "Komisi Pemilihan Umum Kabupaten Cilacap menggelar rapat pleno terbuka rekapitulasi "
    "daftar pemilih tetap di aula kantor, dihadiri Bawaslu, perwakilan partai politik dan "
    "unsur pemerintah daerah. Ketua KPU menyampaikan bahwa pemutakhiran data dilakukan "
    "secara berkelanjutan, dengan pencocokan dan penelitian di setiap desa dan kelurahan."
)


# --- set-up: an app on a fresh folder, and cases walked to step 10 --------------------------


def app_config(folder):
    """The benches' app configuration on ``folder`` (SQLite, files and archive inside it)."""
    folder = Path(folder)
    return {
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": str(folder / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'warta.db'}",
        "FILES_DIR": str(folder / "files"),
        "ARCHIVE_DIR": str(folder / "archive"),
        # the demo users' password hashes only; nothing here logs in
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8,
        "ARGON2_PARALLELISM": 1,
    }


def make_app(folder):
    """The app on an empty SQLite database in ``folder``, migrated, with the demo team."""
    from flask_migrate import upgrade

    from intranet.cli import load_demo

    app = create_app(app_config(folder))
    log = io.StringIO()  # Alembic's INFO lines; shown only if the migration fails
    try:
        with app.app_context(), contextlib.redirect_stderr(log):
            upgrade()
    except Exception:
        print(log.getvalue(), file=sys.stderr)
        raise
    with app.app_context():
        load_demo(app.config["DEMO_PASSWORD"])
    return app


def camera_photo(tag, size=PHOTO_SIZE):
    """A JPEG like a camera's: texture that does not compress away, EXIF date and GPS."""
    w, h = size
    gradient = Image.linear_gradient("L").resize(size)
    channels = [
        Image.blend(
            gradient.rotate(90 * i).resize(size),
            Image.effect_noise(size, 30).filter(ImageFilter.GaussianBlur(0.6)),
            0.5,
        )
        for i in range(3)
    ]
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kamera Humas"
    exif[ExifTags.Base.ImageDescription] = tag  # every photo distinct, even by chance
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:11:20 09:15:00"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {1: "S", 2: (7.0, 43.0, 12.5), 3: "E", 4: (109.0, 0.0, 30.0)}
    )
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, "JPEG", quality=88, exif=exif)
    return out.getvalue()


def letter_pdf(n):
    """A two-page letter as an office's PDF would be (text, rendered by WeasyPrint)."""
    from intranet import pdf

    body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(14))
    html = (
        "<h1 style='font-family:DejaVu Sans'>Undangan rapat koordinasi</h1>"
        f"<p>Nomor: {n}/PL.01-Und/3301/2026</p>{body}"
    )
    return pdf.render(html)


def scan_jpeg(tag):
    """A scanned page: A4 at 150 dpi, greyish, with scanner noise."""
    size = (1240, 1754)
    page = Image.blend(Image.new("L", size, 235), Image.effect_noise(size, 12), 0.3)
    out = io.BytesIO()
    page.convert("RGB").save(out, "JPEG", quality=85, comment=tag.encode())
    return out.getvalue()


def upload(data, name):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def build_case(app, n):
    """One case walked through steps 1-9 by the demo users; it ends at step 10. Its id."""
    from intranet.clock import today
    from intranet.models import User
    from intranet.services import cases
    from intranet.services import intake
    from tests.fixtures.files import docx_bytes

    with app.test_request_context(method="POST"):
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        a = intake.give_assignment(
            {
                "instruction": f"Liput rapat pleno rekapitulasi DPT ({n}).",
                "due_date": today() + timedelta(days=7),
            },
            users["penanggungjawab"],
            [users["kontributor"]],
        )
        m = intake.register_material(
            {
                "received_on": today(),
                "channel": "surat",
                "letter_number": f"{n}/PL.01-Und/3301/2026",
                "letter_date": today(),
                "sender_institution": "Bawaslu Kabupaten Cilacap",
                "sender_contact": "Sdr. Budi",
                "sender_email": "humas@bawaslu-cilacap.example",
                "perihal": "Undangan rapat koordinasi pengawasan pemutakhiran data pemilih",
                "sifat": "segera",
                "security_class": "biasa",
                "category_id": 1,
                "notes": None,
                "disposition_to_id": None,
                "disposition_note": None,
                "srikandi_number": None,
                "assignment_id": a.id,
            },
            [
                upload(letter_pdf(n), "undangan.pdf"),
                upload(docx_bytes(f"Rundown acara rapat pleno {n}. " + PARAGRAPH), "rundown.docx"),
                upload(scan_jpeg(f"daftar hadir {n}"), "daftar-hadir.jpg"),
            ],
            users["kontributor"],
        )
        case = intake.hand_over(
            {
                "assignment_id": a.id,
                "material_ids": [m.id],
                "title": f"Rapat pleno DPT {n}",
                "category_id": 1,
                "redaktur_id": users["redaktur"].id,
                "note": "Mohon diangkat jadi berita.",
            },
            users["kontributor"],
        )
        # 3-4: the concept, approved
        cases.save_concept(
            case,
            users["redaktur"],
            {
                "angle": "Rekapitulasi DPT berjalan tertib dan terbuka",
                "outline": "1. Jalannya rapat\n2. Angka DPT\n3. Tanggapan Bawaslu",
                "sources": "Undangan Bawaslu; wawancara Ketua KPU",
            },
            0,
        )
        cases.decide(case, users["redaktur"], "complete")
        cases.decide(case, users["koordinator"], "approve")
        # 5-6: the article and its photos
        body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(7))
        cases.save_article(
            case,
            users["penulis"],
            {
                "title": f"Rapat Pleno Rekapitulasi DPT Berjalan Tertib ({n})",
                "slug": f"rapat-pleno-dpt-{n}",
                "summary": "KPU Kabupaten Cilacap menetapkan daftar pemilih tetap dalam rapat "
                "pleno terbuka yang dihadiri Bawaslu dan partai politik.",
                "body_html": body + "<blockquote>Data pemilih adalah hak warga.</blockquote>",
                "category_id": 1,
                "tags": "dpt, pleno, pemilih",
                "ppid": "serta_merta",
                "credits": "Teks: Humas; Foto: Humas",
                "note": "",
            },
            0,
        )
        cases.decide(case, users["penulis"], "complete")
        for i in range(PHOTOS):
            cases.add_photo(
                case,
                users["penulis"],
                upload(camera_photo(f"pleno {n} foto {i}"), f"pleno-{i + 1}.jpg"),
                {
                    "caption": f"Suasana rapat pleno rekapitulasi DPT, foto {i + 1}",
                    "credit": "Humas KPU Kabupaten Cilacap",
                    "alt": "Peserta rapat pleno di aula KPU",
                    "taken_on": None,
                },
            )
        cases.decide(case, users["penulis"], "complete")
        # 7-9: the preview, the koordinator's check, the two final approvals
        cases.lay_out_preview(case, users["editor"], "standar")
        cases.decide(case, users["editor"], "complete")
        cases.decide(case, users["koordinator"], "approve")
        cases.decide(case, users["penanggungjawab"], "approve")
        cases.decide(case, users["redaktur"], "approve")
        if case.step != 10:
            raise RuntimeError(f"case {case.id} stopped at step {case.step}")
        return case.id


# --- what is timed ---------------------------------------------------------------------------


class Capture:
    """Calls ``archive.pdf.render`` unchanged, keeping the HTML and files it was given."""

    def __init__(self, render):
        self.render = render
        self.last = None

    def __call__(self, html, store, files, title, fetcher=None):
        start = time.perf_counter()
        out = self.render(html, store, files, title, fetcher)
        self.last = {"html": html, "files": files, "seconds": time.perf_counter() - start}
        return out


class DrainTimer:
    """Times the search-index update that follows the publish commit (issue: indexing, not
    archiving), so it can be reported apart."""

    def __init__(self, drain):
        self.drain = drain
        self.seconds = 0.0

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.drain(*args, **kwargs)
        finally:
            self.seconds = time.perf_counter() - start


def publish(app, case_id):
    """Time the publication of one case at step 10, archive included (seconds)."""
    from intranet.models import Case
    from intranet.models import User
    from intranet.services import publishing

    with app.test_request_context(method="POST"):
        case = db.session.get(Case, case_id)
        redaktur = db.session.execute(
            db.select(User).where(User.username == "redaktur")
        ).scalar_one()
        start = time.perf_counter()
        publishing.publish(case, redaktur)
        return time.perf_counter() - start


def bare_render(app, html, files, paused=False):
    """Time WeasyPrint alone on the berkas HTML: plain PDF, no variant, no attachments; with
    ``paused``, inside the collector pause Warta's renders run in."""
    from weasyprint import HTML

    from archive.store import archive_store
    from intranet.heap import render_burst

    with app.app_context():
        photos = {f["sha256"]: f["mimetype"] for f in files if f["kind"] == "foto"}
        fetcher = archive_pdf.Fetcher(archive_store(), photos)
        start = time.perf_counter()
        with render_burst() if paused else contextlib.nullcontext():
            HTML(string=html, base_url=archive_pdf.ARCHIVE_PREFIX, url_fetcher=fetcher).write_pdf()
        elapsed = time.perf_counter() - start
        if fetcher.refused:
            raise RuntimeError(f"the berkas HTML asked for more than its photos: {fetcher.refused}")
        return elapsed


def check_berkas(app, case_id):
    """The berkas as stored: size, embedded files, files listed by kind, PDF/A id, pages."""
    from pypdf import PdfReader

    from archive.models import ArchiveRecord
    from archive.store import archive_store

    with app.app_context():
        record = db.session.execute(
            db.select(ArchiveRecord).where(ArchiveRecord.case_id == case_id)
        ).scalar_one()
        version = record.versions[-1]
        data = archive_store().read(version.berkas_sha256)
        reader = PdfReader(io.BytesIO(data))
        embedded = sum(len(v) for v in reader.attachments.values())
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
        part = re.search(r"pdfaid:part(?:>|=\")(\d)", xmp)
        level = re.search(r"pdfaid:conformance(?:>|=\")(\w)", xmp)
        pdfa = f"PDF/A-{part.group(1)}{level.group(1).lower()}" if part and level else "none"
        kinds = {}
        for f in version.files:
            kinds[f.kind] = kinds.get(f.kind, 0) + 1
        return len(data), embedded, kinds, pdfa, len(reader.pages)


def main():
    quick = "--quick" in sys.argv
    n = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="warta-bench-") as folder:
        t = time.perf_counter()
        app = make_app(folder)
        ids = [build_case(app, i) for i in range(n + 1)]  # the first one warms up
        print(f"set-up: {n + 1} cases walked to step 10 in {time.perf_counter() - t:.1f} s")

        capture = Capture(archive_pdf.render)
        archive_pdf.render = capture
        drain = DrainTimer(indexing.drain_soon)
        indexing.drain_soon = drain
        try:
            publish(app, ids[0])
            bare_render(app, capture.last["html"], capture.last["files"])
            times, renders, reference, paused, drains = [], [], [], [], []
            for case_id in ids[1:]:
                total = publish(app, case_id)
                drains.append(drain.seconds)
                times.append(total - drain.seconds)
                renders.append(capture.last["seconds"])
                reference.append(bare_render(app, capture.last["html"], capture.last["files"]))
                paused.append(
                    bare_render(app, capture.last["html"], capture.last["files"], paused=True)
                )
        finally:
            archive_pdf.render = capture.render
            indexing.drain_soon = drain.drain
        size, embedded, kinds, pdfa, pages = check_berkas(app, ids[-1])

    if embedded != sum(kinds.values()):
        raise RuntimeError(f"{embedded} files embedded, {sum(kinds.values())} listed")
    med, ref, pdf_med = (statistics.median(x) for x in (times, reference, renders))
    ratio = med / ref
    print(
        f"reference: bare WeasyPrint render of the same berkas HTML (no PDF/A, no attachments), "
        f"n={n}: median {ref:.3f} s"
    )
    print(
        f"archiving one article (publish with its archive record, up to the commit), n={n}: "
        f"median {med:.3f} s "
        f"({ratio:.2f}x the bare render); min {min(times):.3f} s, max {max(times):.3f} s"
    )
    like = statistics.median(paused)
    print(
        f"  for information, the bare render inside the same collector pause: median "
        f"{like:.3f} s; archiving is {med / like:.2f}x that (the PDF/A-3b, the attachments and "
        f"the rest of the publication on their own)"
    )
    rest = statistics.median(a - b for a, b in zip(times, renders, strict=True))
    print(
        f"  of which archive.pdf.render (PDF/A-3b + attachments): median {pdf_med:.3f} s; "
        f"the rest of publish: median {rest:.3f} s"
    )
    print(
        f"  after the commit, the search-index update (text extraction, index write): "
        f"median {statistics.median(drains):.3f} s (not part of the bar)"
    )
    listed = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    print(
        f"last berkas: {size / 1e6:.2f} MB, {pages} pages, {pdfa}, {embedded} embedded files "
        f"({listed})"
    )
    for label, ok in (
        (f"archiving one article {med:.2f} s (bar <= {BAR_S} s)", med <= BAR_S),
        (
            f"archiving {ratio:.2f}x a bare WeasyPrint render (bar <= {BAR_RATIO}x)",
            ratio <= BAR_RATIO,
        ),
    ):
        print(f"bar: {label} -> {'bar met' if ok else 'BELOW BAR'}")
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
