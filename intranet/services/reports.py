"""The division report (step 10, "memberikan laporan kepada divisi"): what was published in
a month, with links, categories, social posts and how long each SOP step took."""

import csv
import io
from datetime import date
from datetime import datetime

from flask import current_app
from flask import render_template
from markupsafe import Markup
from markupsafe import escape

from intranet import pdf
from intranet import sop
from intranet.clock import YEARS
from intranet.clock import bulan
from intranet.clock import in_years
from intranet.clock import office_date
from intranet.clock import office_day_start
from intranet.clock import office_time
from intranet.extensions import db
from intranet.links import absolute_url
from intranet.models import Article
from intranet.services.holidays import holiday_set
from intranet.text import spreadsheet_row
from intranet.workflow import working_days_between

STEPS = range(1, 11)


def step_names():
    """Each step's column heading: its number and name (its output in the SOP definition)."""
    return [f"{s.number}. {s.output}" for s in sop.current().steps]


class ReportError(ValueError):
    """A report request that cannot be met; the message is fit to show."""


def parse_month(text):
    """``YYYY-MM`` as (first day, first day of the next month)."""
    try:
        start = datetime.strptime((text or "").strip(), "%Y-%m").date().replace(day=1)
    except ValueError as e:
        raise ReportError("Bulan harus berformat TTTT-BB, misalnya 2026-11.") from e
    if not in_years(start):
        raise ReportError(f"Tahun di luar rentang {YEARS[0]}–{YEARS[1]}.")
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def step_days(case):
    """Working days each step took in the case's last pass through it (None if never done)."""
    entered, days = {}, {}
    for e in case.trail:
        extra = e.extra
        if e.action in ("complete", "approve", "publish") and (
            extra.get("to") or e.action == "publish"
        ):
            start = entered.get(e.step, e.occurred_at)
            days[e.step] = working_days_between(
                office_date(start), office_date(e.occurred_at), holiday_set()
            )
        if "to" in extra:
            entered[extra["to"]] = e.occurred_at
    return [days.get(n) for n in STEPS]


def rows(start, end):
    """One row per article first published in [start, end)."""
    out = []
    articles = db.session.execute(
        db.select(Article)
        .where(
            Article.published_at >= office_day_start(start),
            Article.published_at < office_day_start(end),
        )
        .order_by(Article.published_at)
    ).scalars()
    for a in articles:
        case = a.case
        d = case.definition()
        out.append(
            {
                "published_at": a.published_at,
                "published_day": office_date(a.published_at),
                "title": a.current.revision.title,
                "url": absolute_url("public.article", slug=a.slug),
                "category": a.category.name,
                "status": "ditarik" if a.status == "withdrawn" else "terbit",
                "social": [f"{s.platform_label}: {s.url}" for s in a.social_posts],
                "days": step_days(case),
                "standard": [s.standard_days for s in d.steps],
            }
        )
    return out


def to_csv(data):
    """The report as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "Tanggal terbit",
            "Judul",
            "Tautan",
            "Kategori",
            "Status",
            "Media sosial",
            *[f"Langkah {name} (hari kerja)" for name in step_names()],
        ]
    )
    for r in data:
        w.writerow(
            spreadsheet_row(
                [
                    office_time(r["published_at"]).strftime("%Y-%m-%d %H:%M %Z"),
                    r["title"],
                    r["url"],
                    r["category"],
                    r["status"],
                    " | ".join(r["social"]),
                    *["" if d is None else d for d in r["days"]],
                ]
            )
        )
    return buf.getvalue()


def to_xlsx(data, month):
    """The report as an XLSX workbook (bytes)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"Laporan {month}"
    header = [
        "Tanggal terbit",
        "Judul",
        "Tautan",
        "Kategori",
        "Status",
        "Media sosial",
        *[f"Langkah {name}" for name in step_names()],
    ]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in data:
        ws.append(
            spreadsheet_row(
                [
                    office_time(r["published_at"]).replace(tzinfo=None),
                    r["title"],
                    r["url"],
                    r["category"],
                    r["status"],
                    "\n".join(r["social"]),
                    *r["days"],
                ]
            )
        )
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 50
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def chart_svg(data):
    """Average working days per step against the standard, as an inline SVG bar chart."""
    width, height, left, bottom = 640, 220, 40, 30
    averages = []
    for i in range(len(STEPS)):
        values = [r["days"][i] for r in data if r["days"][i] is not None]
        averages.append(sum(values) / len(values) if values else 0)
    standard = data[0]["standard"] if data else [1] * len(STEPS)
    top = max([*averages, *standard, 1])
    bar = (width - left - 20) / len(STEPS)
    scale = (height - bottom - 20) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Rata-rata hari kerja per langkah">'
    ]
    base = height - bottom
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#333"/>')
    for i, (avg, std) in enumerate(zip(averages, standard, strict=True)):
        x = left + i * bar + 6
        h = avg * scale
        colour = "#9b1c1c" if avg > std else "#1a7f37"
        w = bar - 12
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{colour}"/>'
        )
        y = height - bottom - std * scale
        parts.append(
            f'<line x1="{x - 3:.1f}" y1="{y:.1f}" x2="{x + bar - 9:.1f}" y2="{y:.1f}" '
            f'stroke="#1c3d63" stroke-dasharray="4 2"/>'
        )
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{height - 12}" font-size="11" '
            f'text-anchor="middle">{i + 1}</text>'
        )
        parts.append(
            f'<text x="{x + (bar - 12) / 2:.1f}" y="{height - bottom - h - 4:.1f}" font-size="10" '
            f'text-anchor="middle">{avg:.1f}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers only, built here


def to_pdf(data, start):
    """The report of the month beginning ``start`` as a PDF (WeasyPrint), with the chart
    drawn server-side as SVG; a month with nothing published says so instead."""
    html = render_template(
        "reports/division.html",
        rows=data,
        month=bulan(start),
        chart=chart_svg(data) if data else None,
        steps=step_names(),
        office=current_app.config["OFFICE_NAME"],
        escape=escape,
    )
    return pdf.render(html)


def build(month, fmt):
    """The report for ``month`` (YYYY-MM) as ``fmt`` (pdf, xlsx, csv): (bytes, mimetype, name)."""
    start, end = parse_month(month)
    data = rows(start, end)
    name = f"laporan-divisi-{start:%Y-%m}.{fmt}"
    if fmt == "csv":
        return to_csv(data).encode("utf-8"), "text/csv", name
    if fmt == "xlsx":
        return (
            to_xlsx(data, f"{start:%Y-%m}"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            name,
        )
    if fmt == "pdf":
        return to_pdf(data, start), "application/pdf", name
    raise ReportError("Format harus pdf, xlsx atau csv.")
