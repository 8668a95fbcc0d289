"""The official classification (kode klasifikasi) and retention (JRA) tables, imported from
a CSV or XLSX file: read, checked row by row, compared with the tables in force (what an
import would add, change, remove and leave), then applied as one new table version that
keeps the file itself.

Layouts (one header line; ``#`` lines are comments):

- ``jra``: ``kode_retensi, jenis_arsip, retensi_aktif, retensi_inaktif, keterangan[, dasar]``
  (``keterangan``: musnah, permanen or dinilai kembali).
- ``klasifikasi``: ``kode, nama[, kode_retensi]`` (``kode_retensi`` names a JRA row in force;
  import the JRA first).

An import replaces its whole table: a row missing from the file is retired (kept inactive for
the records made under it), the sample rows marked CONTOH included. A JRA row whose values
change is retired too and a new row takes its code, so a record keeps the retention it was
made under; the classifications that pointed at it follow the new row.
"""

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from flask_babel import gettext as _

from archive.models import TABLE_KINDS
from archive.models import Classification
from archive.models import RetentionRule
from archive.models import TableVersion
from intranet import audit
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.tabular import MAX_BYTES
from intranet.tabular import TabularError
from intranet.tabular import as_text
from intranet.tabular import as_whole_number
from intranet.tabular import read_table
from intranet.transactions import ConflictError
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit

#: The columns of each layout: required, then optional.
LAYOUTS = {
    "jra": (
        ("kode_retensi", "jenis_arsip", "retensi_aktif", "retensi_inaktif", "keterangan"),
        ("dasar",),
    ),
    "klasifikasi": (("kode", "nama"), ("kode_retensi",)),
}
CODE = re.compile(r"^[A-Z0-9][A-Z0-9.\-]*$")
#: How a disposition may be written in the file → how it is stored.
DISPOSITIONS = {
    "musnah": "musnah",
    "permanen": "permanen",
    "dinilai kembali": "dinilai_kembali",
    "dinilai_kembali": "dinilai_kembali",
}
MAX_YEARS = 100
#: The largest table file accepted.
MAX_FILE_BYTES = MAX_BYTES
#: At most this many row messages are listed; the rest are counted.
MAX_MESSAGES = 50
#: A preview nobody confirmed is dropped after this long.
PREVIEW_LIFETIME = timedelta(days=1)


class TableImportError(ServiceError):
    """A file that cannot be imported; ``errors`` names every bad row."""

    def __init__(self, errors, status=400):
        shown = list(errors[:MAX_MESSAGES])
        if len(errors) > MAX_MESSAGES:
            shown.append(_("… dan %(n)d kesalahan lain.", n=len(errors) - MAX_MESSAGES))
        super().__init__(" ".join(shown), status=status)
        self.errors = shown


@dataclass
class Change:
    """One row of the preview: its code, the values now (None if new) and from the file."""

    code: str
    before: dict | None
    after: dict | None


@dataclass
class Plan:
    """What importing a file would do to its table."""

    kind: str
    rows: list
    added: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    digest: str = ""

    @property
    def counts(self):
        return {
            "rows": len(self.rows),
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "unchanged": len(self.unchanged),
        }


# --- reading -------------------------------------------------------------------------------


def guess_kind(header):
    """The layout a header belongs to, or None."""
    names = set(header)
    if {"retensi_aktif", "retensi_inaktif"} & names:
        return "jra"
    if {"kode", "nama"} <= names:
        return "klasifikasi"
    return None


def read(data, filename, kind=None):
    """The kind and checked rows of a table file; ``TableImportError`` names every bad row."""
    try:
        table = read_table(data, filename)
    except TabularError as e:
        raise TableImportError([str(e)], status=e.status) from e
    guessed = guess_kind(table.header)
    if kind is None:
        kind = guessed
    if kind not in TABLE_KINDS:
        raise TableImportError(
            [
                _(
                    "Kepala kolom tidak dikenal (%(header)s). Tabel JRA: %(jra)s. "
                    "Tabel klasifikasi: %(klas)s.",
                    header=", ".join(h for h in table.header if h) or "-",
                    jra=", ".join(LAYOUTS["jra"][0] + LAYOUTS["jra"][1]),
                    klas=", ".join(LAYOUTS["klasifikasi"][0] + LAYOUTS["klasifikasi"][1]),
                )
            ]
        )
    required, optional = LAYOUTS[kind]
    missing = [c for c in required if c not in table.header]
    if missing:
        raise TableImportError(
            [
                _(
                    "Kolom wajib tidak ada untuk tabel %(kind)s: %(cols)s.",
                    kind=_label(kind),
                    cols=", ".join(missing),
                )
            ]
        )
    unknown = [c for c in table.header if c and c not in required + optional]
    errors = list(table.formulas)
    if unknown:
        errors.append(_("Kolom tidak dikenal: %(cols)s.", cols=", ".join(unknown)))
    index = {name: table.header.index(name) for name in required + optional if name in table.header}
    rows, seen = [], {}
    check = _jra_row if kind == "jra" else _classification_row
    for row in table.rows:

        def cell(name, row=row):
            i = index.get(name)
            return row.cells[i] if i is not None and i < len(row.cells) else ""

        values, problems = check(cell)
        where = _("Baris %(line)d", line=row.line)
        errors.extend(f"{where}: {p}" for p in problems)
        code = values.get("code")
        if code:
            if code in seen:
                errors.append(
                    f"{where}: "
                    + _(
                        "kode %(code)s ganda (sudah ada di baris %(first)d).",
                        code=code,
                        first=seen[code],
                    )
                )
            else:
                seen[code] = row.line
        values["line"] = row.line
        rows.append(values)
    if errors:
        raise TableImportError(errors)
    return kind, rows


def _label(kind):
    return "JRA" if kind == "jra" else _("klasifikasi")


def _code(cell, name, problems, empty_message):
    raw = as_text(cell(name)).upper()
    if not raw:
        if empty_message:
            problems.append(empty_message)
        return None
    if len(raw) > 32 or not CODE.match(raw):
        problems.append(
            _(
                "kode %(code)s tidak sah (huruf, angka, titik dan tanda hubung; paling panjang "
                "32).",
                code=raw[:40],
            )
        )
        return None
    return raw


def _text(cell, name, label, limit, problems, required=True):
    value = " ".join(as_text(cell(name)).split())
    if not value and required:
        problems.append(_("%(label)s kosong.", label=label))
    elif len(value) > limit:
        problems.append(_("%(label)s lebih dari %(n)d karakter.", label=label, n=limit))
    return value or None


def _years(cell, name, label, problems):
    raw = cell(name)
    value = as_whole_number(raw)
    if value is None:
        problems.append(
            _(
                "%(label)s harus bilangan bulat tahun (tertulis \u201c%(raw)s\u201d).",
                label=label,
                raw=as_text(raw)[:40],
            )
        )
    elif not 0 <= value <= MAX_YEARS:
        problems.append(
            _(
                "%(label)s harus antara 0 dan %(max)d tahun (tertulis %(value)d).",
                label=label,
                max=MAX_YEARS,
                value=value,
            )
        )
        value = None
    return value


def _jra_row(cell):
    problems = []
    values = {
        "code": _code(cell, "kode_retensi", problems, _("kode retensi kosong.")),
        "name": _text(cell, "jenis_arsip", _("jenis arsip"), 200, problems),
        "active_years": _years(cell, "retensi_aktif", _("retensi aktif"), problems),
        "inactive_years": _years(cell, "retensi_inaktif", _("retensi inaktif"), problems),
        "basis": _text(cell, "dasar", _("dasar"), 300, problems, required=False),
    }
    written = " ".join(as_text(cell("keterangan")).lower().split())
    values["disposition"] = DISPOSITIONS.get(written)
    if values["disposition"] is None:
        problems.append(
            _(
                "keterangan \u201c%(value)s\u201d tidak dikenal (musnah, permanen atau dinilai "
                "kembali).",
                value=written[:40],
            )
            if written
            else _("keterangan kosong (musnah, permanen atau dinilai kembali).")
        )
    return values, problems


def _classification_row(cell):
    problems = []
    values = {
        "code": _code(cell, "kode", problems, _("kode kosong.")),
        "name": _text(cell, "nama", _("nama"), 200, problems),
        "retention_code": _code(cell, "kode_retensi", problems, None),
    }
    return values, problems


# --- comparing -----------------------------------------------------------------------------


def _rule_values(rule):
    return {
        "name": rule.name,
        "active_years": rule.active_years,
        "inactive_years": rule.inactive_years,
        "disposition": rule.disposition,
        "basis": rule.basis,
    }


def _coded_rules():
    """The JRA rows in force that carry a code: code → row."""
    rules = db.session.execute(
        db.select(RetentionRule).where(
            RetentionRule.active.is_(True), RetentionRule.code.is_not(None)
        )
    ).scalars()
    return {r.code: r for r in rules}


def _digest(kind):
    """A fingerprint of the tables an import of ``kind`` reads and writes."""
    rules = db.session.execute(
        db.select(RetentionRule).where(RetentionRule.active.is_(True)).order_by(RetentionRule.id)
    ).scalars()
    state = [["r", r.id, r.version, r.code] for r in rules]
    if kind == "klasifikasi":
        codes = db.session.execute(db.select(Classification).order_by(Classification.id)).scalars()
        state += [["c", c.id, c.version] for c in codes]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


def plan(kind, rows):
    """Compare checked rows with the table in force; file-level problems (a JRA code a
    classification names that is not in force) raise ``TableImportError``."""
    out = Plan(kind=kind, rows=rows, digest=_digest(kind))
    if kind == "jra":
        _plan_jra(out)
    else:
        _plan_classification(out)
    return out


def _plan_jra(out):
    current = _coded_rules()
    in_file = set()
    for row in out.rows:
        after = {
            k: row[k] for k in ("name", "active_years", "inactive_years", "disposition", "basis")
        }
        in_file.add(row["code"])
        rule = current.get(row["code"])
        if rule is None:
            out.added.append(Change(row["code"], None, after))
        elif _rule_values(rule) != after:
            out.changed.append(Change(row["code"], _rule_values(rule), after))
        else:
            out.unchanged.append(Change(row["code"], after, after))
    rules = db.session.execute(
        db.select(RetentionRule)
        .where(RetentionRule.active.is_(True))
        .order_by(RetentionRule.code, RetentionRule.name)
    ).scalars()
    for rule in rules:
        if rule.code is None or rule.code not in in_file:
            out.removed.append(Change(rule.code or "—", _rule_values(rule), None))
            users = (
                db.session.execute(
                    db.select(Classification.code).where(
                        Classification.retention_id == rule.id,
                        Classification.active.is_(True),
                        Classification.is_sample.is_(False),
                    )
                )
                .scalars()
                .all()
            )
            if users:
                out.warnings.append(
                    _(
                        "Retensi %(rule)s dihapus dari tabel, tetapi kode klasifikasi "
                        "%(codes)s masih memakainya; perbarui tabel klasifikasi sesudahnya.",
                        rule=rule.code or rule.name,
                        codes=", ".join(users),
                    )
                )


def _plan_classification(out):
    rules = _coded_rules()
    errors = []
    for row in out.rows:
        if row["retention_code"] and row["retention_code"] not in rules:
            errors.append(
                _(
                    "Baris %(line)d: kode retensi %(code)s tidak ada di jadwal retensi (JRA) yang "
                    "berlaku; impor tabel JRA lebih dahulu.",
                    line=row["line"],
                    code=row["retention_code"],
                )
            )
    if errors:
        raise TableImportError(errors)
    existing = {c.code: c for c in db.session.execute(db.select(Classification)).scalars()}
    # every row once, not one query per classification
    by_id = {r.id: r for r in db.session.execute(db.select(RetentionRule)).scalars()}
    in_file = set()
    for row in out.rows:
        in_file.add(row["code"])
        after = {"name": row["name"], "retention": row["retention_code"]}
        c = existing.get(row["code"])
        if c is None or not c.active:
            out.added.append(Change(row["code"], None, after))
            continue
        before = {"name": c.name, "retention": _retention_label(by_id.get(c.retention_id))}
        if before != after or c.is_sample:
            out.changed.append(Change(row["code"], before, after))
        else:
            out.unchanged.append(Change(row["code"], before, after))
    for code in sorted(existing):
        c = existing[code]
        if c.active and code not in in_file:
            out.removed.append(
                Change(
                    code,
                    {"name": c.name, "retention": _retention_label(by_id.get(c.retention_id))},
                    None,
                )
            )


def _retention_label(rule):
    if rule is None:
        return None
    return rule.code or f"{rule.name}"


# --- previewing and applying ---------------------------------------------------------------


def preview(data, filename, actor, kind=None):
    """Check a file and keep it as a preview; returns (version row, plan). Nothing in the
    tables changes until ``confirm`` is called with the preview's token."""
    kind, rows = read(data, filename, kind)
    p = plan(kind, rows)
    return _keep_preview(data, filename, actor, p), p


@atomic
def _keep_preview(data, filename, actor, p):
    old = utcnow() - PREVIEW_LIFETIME
    db.session.execute(
        db.delete(TableVersion).where(
            TableVersion.status == "pratinjau", TableVersion.created_at < old
        )
    )
    version = TableVersion(
        kind=p.kind,
        status="pratinjau",
        token=secrets.token_urlsafe(32),
        filename=_safe_name(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data,
        state_digest=p.digest,
        imported_by_id=actor.id if actor is not None else None,
        **{k: v for k, v in p.counts.items()},
    )
    db.session.add(version)
    commit()
    return version


def _safe_name(filename):
    name = (filename or "tabel").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable())[:200]
    return name or "tabel"


def pending(token, actor):
    """The preview ``actor`` made under ``token``, or None."""
    if not token or len(token) > 64:
        return None
    version = db.session.execute(
        db.select(TableVersion).where(
            TableVersion.token == token, TableVersion.status == "pratinjau"
        )
    ).scalar_one_or_none()
    if version is None or version.created_at < utcnow() - PREVIEW_LIFETIME:
        return None
    if version.imported_by_id != (actor.id if actor is not None else None):
        return None
    return version


def confirm(token, actor):
    """Apply the previewed file: the tables change as its preview said, as one version."""
    version = pending(token, actor)
    if version is None:
        raise ServiceError(
            _("Pratinjau impor tidak ditemukan atau sudah kedaluwarsa; unggah berkasnya lagi."),
            status=404,
        )
    kind, rows = read(version.content, version.filename, version.kind)
    p = plan(kind, rows)
    if p.digest != version.state_digest:
        raise ConflictError(
            _(
                "Tabel sudah berubah sejak pratinjau dibuat; unggah berkasnya lagi untuk melihat "
                "pratinjau yang baru."
            )
        )
    return _apply(version, p, actor)


def import_file(data, filename, actor=None, kind=None):
    """Check and apply a file at once (the command line): the new version, and the plan."""
    kind, rows = read(data, filename, kind)
    p = plan(kind, rows)
    version = _keep_preview(data, filename, actor, p)
    return _apply(version, p, actor), p


@atomic
def _apply(version, p, actor):
    if p.kind == "jra":
        _apply_jra(p)
    else:
        _apply_classification(p)
    last = db.session.execute(
        db.select(db.func.max(TableVersion.number)).where(TableVersion.kind == p.kind)
    ).scalar()
    version.number = (last or 0) + 1
    version.status = "berlaku"
    version.token = None
    version.applied_at = utcnow()
    for name, value in p.counts.items():
        setattr(version, name, value)
    audit.record(
        "tables.import",
        version,
        actor,
        after={
            "kind": p.kind,
            "number": version.number,
            "filename": version.filename,
            "sha256": version.sha256,
            **p.counts,
        },
    )
    commit(_("Impor tabel lain sedang berjalan; coba lagi."))
    return version


def _apply_jra(p):
    current = _coded_rules()
    by_code = {row["code"]: row for row in p.rows}

    def new_rule(code):
        row = by_code[code]
        rule = RetentionRule(
            code=code,
            name=row["name"],
            active_years=row["active_years"],
            inactive_years=row["inactive_years"],
            disposition=row["disposition"],
            basis=row["basis"],
            is_sample=False,
            active=True,
        )
        db.session.add(rule)
        return rule

    for change in p.added:
        new_rule(change.code)
    followers = {}
    if p.changed:
        for c in db.session.execute(db.select(Classification)).scalars():
            followers.setdefault(c.retention_id, []).append(c)
    replaced = []
    for change in p.changed:
        old = current[change.code]
        old.active = False
        replaced.append((old, new_rule(change.code)))
    db.session.flush()  # the new rows' ids
    for old, rule in replaced:
        for c in followers.get(old.id, []):
            c.retention_id = rule.id
    # what the file does not hold is retired: uncoded rows (CONTOH, typed) and dropped codes
    for rule in db.session.execute(
        db.select(RetentionRule).where(RetentionRule.active.is_(True))
    ).scalars():
        if rule.code is None or rule.code not in by_code:
            rule.active = False
    db.session.flush()


def _apply_classification(p):
    rules = _coded_rules()
    existing = {c.code: c for c in db.session.execute(db.select(Classification)).scalars()}
    for change in p.added + p.changed:
        c = existing.get(change.code)
        if c is None:
            c = Classification(code=change.code)
            db.session.add(c)
        c.name = change.after["name"]
        code = change.after["retention"]
        c.retention_id = rules[code].id if code else None
        c.active = True
        c.is_sample = False
    for change in p.removed:
        existing[change.code].active = False
    db.session.flush()


# --- versions ------------------------------------------------------------------------------


def versions(limit=100):
    """The imports applied, newest first."""
    return (
        db.session.execute(
            db.select(TableVersion)
            .where(TableVersion.status == "berlaku")
            .order_by(TableVersion.applied_at.desc(), TableVersion.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def version_in_force(kind):
    """The newest applied version of ``kind``, or None while the table holds only the rows
    typed or shipped as samples."""
    return db.session.execute(
        db.select(TableVersion)
        .where(TableVersion.kind == kind, TableVersion.status == "berlaku")
        .order_by(TableVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def applied_version(version_id):
    """An applied version by id, or None."""
    if not 0 < version_id < 2**31:
        return None
    version = db.session.get(TableVersion, version_id)
    return version if version is not None and version.status == "berlaku" else None
