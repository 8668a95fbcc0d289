"""``flask --app wsgi archive retention ...``: penyusutan on the command line."""

from datetime import date

import click
from flask.cli import AppGroup

from archive import disposals
from archive import retention
from intranet import clock

retention_cli = AppGroup("retention", help="Penyusutan arsip: daftar jatuh tempo.")


def _day(_ctx, _param, value):
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not clock.in_years(day, clock.RECORD_YEARS):
        raise click.BadParameter(f"tanggal tidak valid: {value} (pakai TTTT-BB-HH)")
    return day


@retention_cli.command("due")
@click.option("--as-of", callback=_day, help="Per tanggal (TTTT-BB-HH; bawaan: hari ini).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(retention.DUE_KINDS),
    help="Hanya daftar ini (boleh diulang; bawaan: semua).",
)
@click.option("--classification", help="Kode klasifikasi (beserta kode di bawahnya).")
@click.option("--location", help="Bagian dari lokasi (ruang, lemari/rak, boks, folder).")
def due_command(as_of, kinds, classification, location):
    """Print the records due for pemindahan, pemusnahan, penyerahan and penilaian kembali."""
    as_of = as_of or clock.today()
    click.echo(f"Penyusutan per {as_of.isoformat()}")
    for kind in kinds or retention.DUE_KINDS:
        rows = retention.due(kind, as_of, None, classification, location, limit=100_000)
        click.echo(f"\n{retention.DUE_LABELS[kind]}: {len(rows)} arsip")
        for row in rows:
            r = row.record
            marks = []
            if row.hold:
                marks.append(f"DITAHAN: {row.hold.reason}")
            if row.open_list:
                marks.append(f"dalam daftar #{row.open_list.id}")
            extra = f"  [{'; '.join(marks)}]" if marks else ""
            click.echo(
                f"  {r.nomor_arsip}  {r.classification.code}  {r.date_from.isoformat()}–"
                f"{r.date_to.isoformat()}  jatuh tempo {row.due_on.isoformat()}  "
                f"{r.location or '-'}  {r.title}{extra}"
            )


@retention_cli.command("finish")
def finish_command():
    """Remove the files of approved destructions a crash left unfinished."""
    removed = disposals.finish_destructions()
    click.echo(f"{removed} berkas dimusnahkan dari penyimpanan.")
