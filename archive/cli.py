"""``flask --app wsgi archive ...``: the archive's commands."""

import os
import sys

import click
from flask.cli import AppGroup

from archive import export
from archive import fixity
from archive import indexing
from archive import ocr_work
from archive import tables
from intranet import permissions
from intranet.transactions import ServiceError

archive_cli = AppGroup("archive", help="Arsip: verifikasi fiksitas.")


@archive_cli.command("verify")
@click.option("--clean", is_flag=True, help="Hapus berkas liar (tidak terdaftar).")
@click.option("--quiet", is_flag=True, help="Tanpa bilah kemajuan (untuk cron).")
def verify_command(clean, quiet):
    """Recompute every checksum; name missing, changed and stray files and the records set
    aside from the search index; exit 1 if any."""

    total = sum(1 for _ in fixity.registered_files())
    if quiet:
        run = fixity.verify(clean=clean)
    else:
        with click.progressbar(length=total, label="Memeriksa berkas", file=sys.stderr) as bar:
            run = fixity.verify(clean=clean, progress=lambda _size: bar.update(1))
    details = run.details
    for item in details["missing"]:
        click.echo(f"HILANG  {item['sha256']}  {'; '.join(item['names'])}")
    for item in details["changed"]:
        click.echo(f"BERUBAH {item['sha256']}  {'; '.join(item['names'])}")
    for rel in details["stray"]:
        click.echo(f"LIAR    {rel}")
    for rel in details["cleaned"]:
        click.echo(f"DIHAPUS {rel}")
    for rel in details.get("recent", []):
        click.echo(f"BARU    {rel} (belum terdaftar; dibiarkan, mungkin sedang disimpan)")
    for problem in details["trail"]:
        click.echo(f"JEJAK   {problem}")
    aside = indexing.set_aside()
    _echo_set_aside(aside)
    ok = run.ok and not aside
    click.echo(
        f"{'OK' if ok else 'GAGAL'}: {run.files_checked} berkas, {run.bytes_checked} bita; "
        f"hilang {run.missing}, berubah {run.changed}, liar {run.stray}, "
        f"jejak {run.trail_problems}, dihapus {run.cleaned}, "
        f"disisihkan dari indeks {len(aside)} (log #{run.id})"
    )
    if not ok:
        sys.exit(1)


def _echo_set_aside(aside):
    """One line per record set aside from the search index: which, why, when tried next."""
    for item in aside:
        retry = f"{item['next_attempt_at']:%Y-%m-%d %H:%M} UTC"
        click.echo(
            f"INDEKS  arsip #{item['record_id']} {item['nomor_arsip']}: {item['reason']} "
            f"(percobaan ke-{item['attempts']}, dicoba lagi {retry})"
        )


def init_app(app):
    app.cli.add_command(archive_cli)


@archive_cli.command("reindex")
@click.option("--quiet", is_flag=True, help="Tanpa bilah kemajuan.")
def reindex_command(quiet):
    """Bring the search index up to date with every record (resumable, in chunks).

    A record whose document cannot be made is set aside and named, never stopping the run;
    the exit code stays 0 (``archive verify`` exits 1 while any are set aside).
    """

    if quiet:
        checked, written, removed = indexing.reindex()
    else:
        total = indexing.total_records()
        with click.progressbar(length=total, label="Mengindeks arsip", file=sys.stderr) as bar:
            checked, written, removed = indexing.reindex(progress=bar.update)
    drained = indexing.drain(timeout=60.0)
    aside = indexing.set_aside()
    _echo_set_aside(aside)
    click.echo(
        f"{checked} arsip diperiksa, {written} ditulis ulang, {removed} dihapus dari indeks, "
        f"{drained} antrean diproses, {len(aside)} disisihkan."
    )


@archive_cli.command("ocr")
@click.option("--all", "everything", is_flag=True, help="Baca ulang semua pindaian.")
@click.option("--missing", is_flag=True, help="Hanya pindaian yang belum dibaca (bawaan).")
@click.option("--quiet", is_flag=True, help="Tanpa bilah kemajuan.")
def ocr_command(everything, missing, quiet):
    """OCR the archive's scans and images of documents (Indonesian), each into a derived
    searchable PDF/A beside its untouched original; then refresh the search index.

    By default (``--missing``) only the scans not yet read into the archive; ``--all``
    reads every one again. A file that fails is named with its reason; the others go on.
    """
    if everything and missing:
        raise click.UsageError("Pilih salah satu: --all atau --missing.")
    if not ocr_work.ocr.available():
        raise click.ClickException("Tesseract tidak terpasang; jalankan make untuk memasangnya.")
    if quiet:
        counts = ocr_work.ocr_archive(everything)
    else:
        total = len(ocr_work.archive_candidates(everything))
        with click.progressbar(length=total, label="OCR pindaian", file=sys.stderr) as bar:
            counts = ocr_work.ocr_archive(everything, progress=bar.update)
    for row in ocr_work.failures():
        click.echo(f"GAGAL   {row.sha256}  {row.note}")
    for row in ocr_work.to_check():
        pages = ", ".join(str(p) for p in row.low_page_numbers)
        click.echo(f"PERIKSA {row.sha256}  halaman {pages} (keyakinan rendah)")
    drained = indexing.drain(timeout=60.0)
    click.echo(
        f"{counts['selesai']} dibaca OCR, {counts['dilewati']} sudah berteks, "
        f"{counts['gagal']} gagal; {drained} antrean indeks diproses."
    )


@archive_cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--query", "-q", default="", help="Kueri pencarian (kosong: semua arsip).")
@click.option("--quiet", is_flag=True, help="Tanpa bilah kemajuan.")
def export_command(out, query, quiet):
    """Export the records a query finds (every record in the database when none) as a
    zipped BagIt bag. A query needs the search index: one that is missing is refused, one
    that is behind is reported before the export."""

    if query.strip():
        for warning in indexing.health():
            click.echo(f"PERINGATAN: {warning}", err=True)
    try:
        ids = indexing.find_ids(None, query, readable=permissions.CLASSES)
    except ServiceError as e:
        raise click.UsageError(str(e)) from e
    tmp = f"{out}.part"
    with open(tmp, "wb") as f:
        if quiet:
            files = export.export_bag(ids, f, query)
        else:
            with click.progressbar(length=len(ids), label="Mengekspor", file=sys.stderr) as bar:
                files = export.export_bag(ids, f, query, progress=bar.update)

    os.replace(tmp, out)
    click.echo(f"{len(ids)} arsip, {files} berkas muatan → {out}")


tables_cli = AppGroup("tables", help="Tabel klasifikasi dan jadwal retensi (JRA).")
archive_cli.add_command(tables_cli)


@tables_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["klasifikasi", "jra"]),
    help="Jenis tabel (bila tidak diberikan: ditebak dari kepala kolom).",
)
@click.option("--dry-run", is_flag=True, help="Periksa dan tampilkan perubahan tanpa menyimpan.")
def tables_import_command(path, kind, dry_run):
    """Import the classification or the JRA table from a CSV or XLSX file (the layouts are
    in the README); every bad row is named and nothing changes; exit 1 then."""

    with open(path, "rb") as f:
        data = f.read(tables.MAX_FILE_BYTES + 1)
    name = os.path.basename(path)
    try:
        if dry_run:
            kind, rows = tables.read(data, name, kind)
            p = tables.plan(kind, rows)
            version = None
        else:
            version, p = tables.import_file(data, name, None, kind)
    except ServiceError as e:
        for message in getattr(e, "errors", [str(e)]):
            click.echo(f"GALAT   {message}", err=True)
        sys.exit(1)
    for word, changes in (("TAMBAH", p.added), ("UBAH", p.changed), ("HAPUS", p.removed)):
        for change in changes:
            values = change.after or change.before
            click.echo(f"{word:<7} {change.code}  {values.get('name', '')}")
    for warning in p.warnings:
        click.echo(f"CATATAN {warning}")
    counts = p.counts
    summary = (
        f"{counts['rows']} baris: {counts['added']} ditambah, {counts['changed']} diubah, "
        f"{counts['removed']} dihapus, {counts['unchanged']} tetap"
    )
    label = "JRA" if p.kind == "jra" else "klasifikasi"
    if version is None:
        click.echo(f"UJI COBA (tidak disimpan): tabel {label}, {summary}.")
    else:
        click.echo(
            f"OK: tabel {label} versi {version.number}, {summary}; SHA-256 {version.sha256}."
        )
