"""Command-line tools: demo data and the first administrator."""

import io
import os
from datetime import date
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from werkzeug.datastructures import FileStorage

from archive import importing
from archive.cli import archive_cli
from intranet import audit
from intranet import backup
from intranet import pdf
from intranet import queue
from intranet import security
from intranet.clock import today
from intranet.extensions import db
from intranet.models import Assignment
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from intranet.services import accounts
from intranet.services import anchors
from intranet.services import cases
from intranet.services import digest
from intranet.services import holidays
from intranet.services import intake
from intranet.services import nightly  # noqa: F401  (registers the nightly tasks)
from intranet.services import notify
from intranet.services import publishing
from intranet.services import reports
from intranet.services import team
from intranet.services import trail as trail_service
from intranet.transactions import ServiceError

DEMO_NAMES = {
    "penanggungjawab": "Demo Penanggung Jawab",
    "koordinator": "Demo Koordinator (Kasubag TP Hupmas)",
    "kontributor": "Demo Kontributor",
    "redaktur": "Demo Redaktur",
    "editor": "Demo Super Admin/Editor",
    "penulis": "Demo Penulis",
    "arsiparis": "Demo Arsiparis",
    "admin": "Demo Admin",
}
DEMO_DECREE_NUMBER = "DEMO/HM.02-Kpt/3301/{year}"


def demo_password(explicit=None):
    """The demo password: the option, else WARTA_DEMO_PASSWORD, else the configured default."""
    return explicit or os.environ.get("WARTA_DEMO_PASSWORD") or current_app.config["DEMO_PASSWORD"]


def load_demo(password, work=False):
    """Create one demo user per role and a demo SK Tim appointing them; idempotent.

    With ``work``, also a direction, agenda entries and a case (see ``load_demo_work``).

    Existing demo users and the demo decree are left as they are, so running it twice
    changes nothing.
    """
    year = today().year
    number = DEMO_DECREE_NUMBER.format(year=year)
    decree = db.session.execute(
        db.select(TeamDecree).where(TeamDecree.number == number)
    ).scalar_one_or_none()
    if decree is None:
        decree = TeamDecree(
            number=number,
            decree_date=date(year, 1, 2),
            title=f"Tim Pengelola Website KPU Kabupaten Cilacap Tahun {year} (data demo)",
            valid_from=date(year, 1, 1),
            valid_until=date(year, 12, 31),
            signed_by="Ketua KPU Kabupaten Cilacap (data demo)",
            notes="Data demo, bukan SK resmi. Pindaian belum diunggah.",
        )
        db.session.add(decree)
    created = []
    hashed = security.hash_password(password)
    for role, name in DEMO_NAMES.items():
        user = db.session.execute(db.select(User).where(User.username == role)).scalar_one_or_none()
        if user is None:
            user = User(
                username=role, full_name=name, email=f"{role}@warta.invalid", password_hash=hashed
            )
            db.session.add(user)
            created.append(role)
        db.session.flush()
        exists = db.session.execute(
            db.select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.decree_id == decree.id,
                Membership.role == role,
            )
        ).first()
        if not exists:
            db.session.add(Membership(user=user, decree=decree, role=role))
    db.session.commit()
    if work:
        load_demo_work()
    return created


def load_demo_work():
    """Demo work made through the services: a direction, three agenda entries, a case at
    step 3, one at step 9, and one published (so archived).

    Only when there are no directions yet, so loading twice adds nothing. The entries'
    files are small PDFs rendered here and marked as demo material.
    """

    if db.session.execute(db.select(Assignment.id).limit(1)).first():
        return
    users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
    if not {"penanggungjawab", "kontributor", "redaktur"} <= users.keys():
        return

    def demo_pdf(title, lines):
        body = "".join(f"<p>{line}</p>" for line in lines)
        html = (
            f"<h1 style='font-family:DejaVu Sans'>{title}</h1>"
            f"<p><b>DOKUMEN DEMO — bukan naskah dinas asli.</b></p>{body}"
        )
        return FileStorage(
            pdf.as_stream(pdf.render(html)), filename=f"{title.lower().replace(' ', '-')}.pdf"
        )

    with current_app.test_request_context("/", method="POST"):
        on = today()
        a = intake.give_assignment(
            {
                "instruction": "Liput kegiatan sosialisasi pemilih pemula dan rapat koordinasi "
                "dengan mitra pekan ini; kumpulkan surat dan surel yang masuk. (data demo)",
                "due_date": on + timedelta(days=5),
            },
            users["penanggungjawab"],
            [users["kontributor"]],
        )
        base = {
            "received_on": on,
            "sifat": "segera",
            "security_class": "biasa",
            "category_id": 2,
            "assignment_id": a.id,
            "disposition_to_id": users["redaktur"].id,
        }
        letter = intake.register_material(
            {
                **base,
                "channel": "surat",
                "letter_number": "045/UND/XI/2026 (demo)",
                "letter_date": on,
                "sender_institution": "SMA Negeri 1 Cilacap (demo)",
                "sender_contact": "Wakasek Kesiswaan",
                "perihal": "Undangan sosialisasi pemilih pemula bagi siswa kelas XII",
            },
            [
                demo_pdf(
                    "Undangan sosialisasi",
                    [
                        "Kepada Yth. Ketua KPU Kabupaten Cilacap.",
                        "Mohon kesediaan memberi materi pendidikan pemilih.",
                    ],
                )
            ],
            users["kontributor"],
        )
        release = intake.register_material(
            {
                **base,
                "channel": "email",
                "sender_institution": "Dinas Kominfo Kabupaten Cilacap (demo)",
                "sender_email": "humas@kominfo.invalid",
                "perihal": "Rilis kegiatan literasi digital pemilu",
            },
            [
                demo_pdf(
                    "Rilis literasi digital",
                    ["Bahan rilis kegiatan bersama untuk publikasi website."],
                )
            ],
            users["kontributor"],
        )
        bulletin = intake.register_material(
            {
                **base,
                "channel": "surat",
                "letter_number": "112/PP.01/XI/2026 (demo)",
                "letter_date": on,
                "sender_institution": "Bawaslu Kabupaten Cilacap (demo)",
                "sender_contact": "Sekretariat",
                "perihal": "Undangan rapat koordinasi pemutakhiran data pemilih berkelanjutan",
                "category_id": 1,
            },
            [
                demo_pdf(
                    "Undangan rapat koordinasi",
                    ["Rapat koordinasi pemutakhiran data pemilih berkelanjutan (demo)."],
                )
            ],
            users["kontributor"],
        )
        intake.hand_over(
            {
                "assignment_id": a.id,
                "material_ids": [letter.id],
                "title": "KPU Cilacap sapa pemilih pemula di SMA Negeri 1 Cilacap (demo)",
                "category_id": 2,
                "redaktur_id": users["redaktur"].id,
                "note": "Undangan sekolah untuk diangkat menjadi berita sosialisasi.",
            },
            users["kontributor"],
        )
        second = intake.hand_over(
            {
                "assignment_id": a.id,
                "material_ids": [release.id],
                "title": "Literasi digital pemilu bersama Dinas Kominfo (demo)",
                "category_id": 2,
                "redaktur_id": users["redaktur"].id,
                "note": "Rilis kegiatan bersama.",
            },
            users["kontributor"],
        )
        _walk_to_step_nine(second, users, DEMO_ARTICLES[0])
        third = intake.hand_over(
            {
                "assignment_id": a.id,
                "material_ids": [bulletin.id],
                "title": "Rapat koordinasi pemutakhiran data pemilih (demo)",
                "category_id": 1,
                "redaktur_id": users["redaktur"].id,
                "note": "Undangan rapat koordinasi untuk diberitakan.",
            },
            users["kontributor"],
        )
        _walk_to_step_nine(third, users, DEMO_ARTICLES[1])
        cases.decide(third, users["redaktur"], "approve")
        cases.decide(third, users["penanggungjawab"], "approve")
        publishing.publish(third, users["redaktur"])


DEMO_ARTICLES = [
    {
        "title": "KPU Cilacap dan Kominfo ajak pemilih muda melawan hoaks (demo)",
        "summary": "Puluhan pemilih muda mengikuti kelas literasi digital pemilu. (demo)",
        "body_html": "<p>Kelas literasi digital pemilu diikuti puluhan pemilih muda.</p>"
        "<h2>Materi</h2><ul><li>Mengenali hoaks</li><li>Cek fakta sederhana</li></ul>"
        "<blockquote>Saring sebelum sharing. (demo)</blockquote>",
        "tags": "literasi digital, pemilih muda",
    },
    {
        "title": "KPU Cilacap dan Bawaslu koordinasikan pemutakhiran data pemilih (demo)",
        "summary": "Rapat koordinasi membahas pemutakhiran data pemilih berkelanjutan. (demo)",
        "body_html": "<p>KPU Kabupaten Cilacap menggelar rapat koordinasi pemutakhiran data "
        "pemilih bersama Bawaslu dan dinas kependudukan.</p><p>Para pemilih diminta "
        "memeriksa namanya di daftar pemilih. (demo)</p>",
        "tags": "data pemilih, koordinasi",
    },
]


def _walk_to_step_nine(case, users, article):
    """Take a demo case through steps 3–8 with the demo users, leaving it at step 9."""

    from PIL import Image
    from PIL import ImageDraw

    cases.save_concept(
        case,
        users["redaktur"],
        {
            "angle": "Warga muda belajar mengenali hoaks pemilu (demo)",
            "outline": "1. Kegiatan\n2. Materi literasi digital\n3. Pesan KPU",
            "sources": "Rilis Dinas Kominfo (demo)",
        },
        0,
    )
    cases.decide(case, users["redaktur"], "complete")
    cases.decide(case, users["koordinator"], "approve")
    cases.save_article(
        case,
        users["penulis"],
        {
            **article,
            "slug": "",
            "category_id": case.category_id,
            "ppid": "serta_merta",
            "credits": "Tim Humas KPU Kabupaten Cilacap",
            "note": "",
        },
        0,
    )
    cases.decide(case, users["penulis"], "complete")
    img = Image.new("RGB", (1200, 800), (155, 28, 28))
    ImageDraw.Draw(img).text((40, 40), "FOTO DEMO", fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    buf.seek(0)
    cases.add_photo(
        case,
        users["penulis"],
        FileStorage(buf, filename="foto-demo.jpg"),
        {
            "caption": "Peserta kelas literasi digital (foto demo)",
            "credit": "Humas KPU Cilacap",
            "alt": "Gambar contoh berwarna merah bertuliskan FOTO DEMO",
            "taken_on": None,
        },
    )
    cases.decide(case, users["penulis"], "complete")
    cases.lay_out_preview(case, users["editor"], "standar")
    cases.decide(case, users["editor"], "complete")
    cases.decide(case, users["koordinator"], "approve")


def init_app(app):
    """Register the command groups."""

    app.cli.add_command(backup_cli)
    app.cli.add_command(holidays_cli)

    @app.cli.group()
    def demo():
        """Demo data."""

    @demo.command("load")
    @click.option(
        "--password",
        help="Password for the demo users (default: WARTA_DEMO_PASSWORD or warta-demo).",
    )
    @click.option(
        "--if-empty", is_flag=True, help="Do nothing when the database already has users."
    )
    def demo_load(password, if_empty):
        """One demo user per role (username = role) under a demo SK Tim."""
        if if_empty and db.session.execute(db.select(User.id).limit(1)).first():
            click.echo("Database already has users; demo data not loaded.")
            return
        created = load_demo(demo_password(password), work=True)
        click.echo(f"Demo data loaded: {len(created)} new users ({', '.join(created) or 'none'}).")

    @app.cli.group()
    def users():
        """User accounts."""

    @users.command("create-admin")
    @click.option("--username", prompt=True)
    @click.option("--full-name", prompt=True)
    @click.option("--email", default="", help="Optional email address.")
    @click.password_option()
    def create_admin(username, full_name, email, password):
        """Create a system administrator (no SK needed), for a fresh production install."""

        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(password) < minimum:
            raise click.ClickException(f"password must have at least {minimum} characters")
        try:
            user = accounts.create_user(
                {
                    "username": username,
                    "full_name": full_name,
                    "email": email,
                    "password": password,
                    "is_system_admin": True,
                }
            )
        except ServiceError as e:
            raise click.ClickException(str(e)) from e
        click.echo(f"Administrator {user.username} created.")

    @users.command("reset-password")
    @click.argument("username")
    @click.password_option()
    def reset_password(username, password):
        """Set a new password for USERNAME (also a Penanggung Jawab's, which the web refuses)."""

        user = accounts.find_user(username)
        if user is None:
            raise click.ClickException(f"no user {username}")
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(password) < minimum:
            raise click.ClickException(f"password must have at least {minimum} characters")
        try:
            accounts.reset_password(user, password, None)
        except ServiceError as e:
            raise click.ClickException(str(e)) from e
        click.echo(f"Password of {user.username} reset; their sessions ended.")

    def _user_and_decree(username, number):
        user = accounts.find_user(username)
        if user is None:
            raise click.ClickException(f"no user {username}")
        decree = db.session.execute(
            db.select(TeamDecree).where(TeamDecree.number == number.strip())
        ).scalar_one_or_none()
        if decree is None:
            raise click.ClickException(f"no SK Tim numbered {number}")
        return user, decree

    @users.command("appoint-pj")
    @click.argument("username")
    @click.option("--decree", "number", required=True, help="The SK Tim's number.")
    @click.option("--position", default="", help="The position the SK names.")
    def appoint_pj(username, number, position):
        """Appoint USERNAME Penanggung Jawab under an SK Tim, at once.

        The web refuses a new PJ while none is in office (nobody could confirm it).
        """
        user, decree = _user_and_decree(username, number)
        try:
            team.add_member(decree, user, "penanggungjawab", position, None)
        except ServiceError as e:
            raise click.ClickException(str(e)) from e
        click.echo(f"{user.username} appointed Penanggung Jawab under {decree.number}.")

    @users.command("end-pj")
    @click.argument("username")
    @click.option("--decree", "number", required=True, help="The SK Tim's number.")
    def end_pj(username, number):
        """End USERNAME's Penanggung Jawab membership under an SK Tim today."""
        user, decree = _user_and_decree(username, number)
        current = [
            m
            for m in decree.memberships
            if m.user_id == user.id and m.role == "penanggungjawab" and m.is_current
        ]
        if not current:
            raise click.ClickException(f"{user.username} is not Penanggung Jawab under {number}")
        try:
            team.end_member(decree, current[0], None)
        except ServiceError as e:
            raise click.ClickException(str(e)) from e
        click.echo(f"{user.username}'s Penanggung Jawab membership under {number} ended.")

    @app.cli.group()
    def trail():
        """The hash-chained trail of every case."""

    @trail.command("verify")
    def trail_verify():
        """Check every case's chain; name the first broken entry of each."""

        results = trail_service.verify_cases()
        broken = [problems for _, problems in results if problems]
        for problems in broken:
            for p in problems:
                click.echo(f"BROKEN {p}")
        if broken:
            raise click.ClickException(f"{len(broken)} of {len(results)} case trails do not verify")
        click.echo(f"{len(results)} case trails verify.")

    @trail.command("anchor")
    def trail_anchor():
        """Anchor every chain head outside the database (daily, from cron; idempotent).

        Appends each case trail's and the audit log's head that moved since its last anchor
        to the HMAC-keyed log in the instance folder; a chain that does not verify, or no
        longer holds its last anchor, is named and left unanchored (exit 1).
        """
        anchored, unchanged, refused = trail_service.anchor_heads()
        for kind, chain_id, problems in refused:
            for p in problems:
                click.echo(f"NOT ANCHORED {kind or 'log'} {chain_id or ''}: {p}")
        click.echo(f"{anchored} chain heads anchored, {unchanged} unchanged.")
        if refused:
            raise click.ClickException(f"{len(refused)} chains not anchored")

    @app.cli.group("audit")
    def audit_group():
        """The hash-chained admin audit log."""

    @audit_group.command("verify")
    def audit_verify():
        """Check the audit log's chain; exit 1 naming the first broken entry."""

        problems = audit.verify() + [p for *_, p in anchors.problems("audit")]
        for p in problems:
            click.echo(f"BROKEN {p}")
        if problems:
            raise click.ClickException("the audit log does not verify")
        count = db.session.execute(db.select(db.func.count(audit.AuditEntry.id))).scalar_one()
        click.echo(f"{count} audit entries verify.")

    @app.cli.group()
    def outbox():
        """The notification outbox."""

    @outbox.command("send")
    def outbox_send():
        """Send every due message by SMTP (run from cron; failures are retried later)."""

        if not notify.smtp_configured():
            raise click.ClickException("MAIL_SERVER is not configured; messages stay in the outbox")
        sent, failed = notify.deliver_pending(limit=10_000)
        click.echo(f"{sent} sent, {failed} failed (kept for retry).")

    @app.cli.group("notify")
    def notify_group():
        """Notifications to the team."""

    @notify_group.command("digest")
    def notify_digest():
        """Queue today's digest of waiting work for each person (once per office day)."""
        queued = digest.send_digests()
        click.echo(f"{queued} digest(s) queued.")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Run everything due, then exit.")
    @click.option("--threads", default=2, show_default=True, help="Tasks run at once.")
    def worker(burst, threads):
        """Run the background worker (exports, search index, mail, nightly checks)."""

        app = current_app._get_current_object()
        if burst:
            counts = queue.run_burst(app)
            cancelled = counts.get(queue.CANCELLED)
            click.echo(
                f"{counts['selesai']} done, {counts['gagal']} failed, "
                f"{counts['menunggu']} waiting for a retry."
                + (f" {cancelled} cancelled." if cancelled else "")
            )
            return
        click.echo(f"Worker {queue.worker_identity()} started.")
        queue.run_worker(app, threads=threads)

    @app.cli.group()
    def report():
        """Reports."""

    @report.command("division")
    @click.option("--month", required=True, help="The month, YYYY-MM.")
    @click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(dir_okay=False),
        help="FILE.pdf, .xlsx or .csv",
    )
    def report_division(month, out):
        """The division report for a month: what was published, with links and step times."""

        fmt = Path(out).suffix.lstrip(".").lower()
        try:
            with current_app.test_request_context("/"):
                data, _mimetype, _name = reports.build(month, fmt)
        except reports.ReportError as e:
            raise click.ClickException(str(e)) from e
        Path(out).write_bytes(data)
        click.echo(f"{out}: {len(data)} bytes")


@archive_cli.command("import")
@click.argument("bag", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", default=None, help="Akun pencatat impor (bawaan: admin).")
def import_command(bag, username):
    """Import a bag made by ``archive export`` into an instance with an empty archive.

    The intranet picks the account the import is recorded under; the archive checks and
    writes the bag.
    """
    q = db.select(User).where(User.active.is_(True)).order_by(User.id)
    if username:
        q = q.where(User.username == username)
    users = db.session.execute(q).scalars().all()
    user = next((u for u in users if u.has_role("admin") or u.is_system_admin), None)
    user = user or (users[0] if users else None)
    if user is None:
        raise click.ClickException("tidak ada akun untuk mencatat impor; buat admin lebih dahulu")
    try:
        count = importing.import_bag(bag, user)
    except importing.ImportRefused as e:
        raise click.ClickException(f"impor ditolak: {e}") from e
    click.echo(f"{count} arsip diimpor dari {bag}.")


backup_cli = AppGroup("backup", help="Cadangan seluruh instans: buat, periksa, pulihkan.")


@backup_cli.command("create")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def backup_create(out):
    """Back up the database, files, archive and key files to OUT (a tar; holds secrets)."""
    try:
        manifest = backup.create_backup(out)
    except backup.BackupError as e:
        raise click.ClickException(f"pencadangan gagal: {e}") from e
    size = sum(m["size"] for m in manifest["members"])
    click.echo(
        f"Cadangan {out}: {len(manifest['members'])} berkas, {size} bita, basis data "
        f"{manifest['database']['kind']} revisi {manifest['database']['alembic_revision']}."
    )


@backup_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def backup_verify(path):
    """Check every member of a backup against its manifest; exit 1 if any differs."""
    try:
        manifest, problems = backup.check(path)
    except backup.BackupError as e:
        raise click.ClickException(str(e)) from e
    for p in problems:
        click.echo(p)
    if problems:
        raise click.ClickException(f"{len(problems)} masalah; cadangan ini tidak dapat dipakai")
    click.echo(
        f"OK: {len(manifest['members'])} berkas cocok dengan manifest "
        f"(dibuat {manifest['created']} UTC)."
    )


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def backup_restore(path):
    """Restore a backup into this empty instance, then rebuild the search index."""
    try:
        manifest = backup.restore_backup(path)
    except backup.BackupError as e:
        raise click.ClickException(f"pemulihan ditolak: {e}") from e
    click.echo(
        f"Dipulihkan dari {path}: {len(manifest['members'])} berkas; indeks pencarian "
        "dibangun ulang."
    )


holidays_cli = AppGroup("holidays", help="Hari libur kantor (libur nasional, cuti bersama).")


@holidays_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Periksa berkas tanpa menyimpan.")
def holidays_import_command(path, dry_run):
    """Replace one year's holidays with a CSV or XLSX file (tanggal,nama,jenis); every bad
    row is named and nothing changes (exit 1)."""
    with open(path, "rb") as f:
        data = f.read(holidays.MAX_FILE_BYTES + 1)
    try:
        year, rows, old = holidays.import_year(data, os.path.basename(path), None, dry_run)
    except holidays.HolidayImportError as e:
        for message in e.errors:
            click.echo(f"GALAT   {message}", err=True)
        raise SystemExit(1) from None
    for row in rows:
        click.echo(f"{row['day'].isoformat()}  {row['kind']:<14}  {row['name']}")
    done = "UJI COBA (tidak disimpan)" if dry_run else "OK"
    click.echo(f"{done}: tahun {year}, {len(rows)} hari libur (sebelumnya {old}).")


@holidays_cli.command("list")
@click.option("--year", type=click.IntRange(1900, 2100), help="Tahun (bawaan: tahun ini).")
def holidays_list_command(year):
    """The holidays of a year."""
    year = year or today().year
    rows = holidays.holidays_of(year)
    for h in rows:
        click.echo(f"{h.day.isoformat()}  {h.kind:<14}  {h.name}")
    click.echo(f"{len(rows)} hari libur pada {year}.")
