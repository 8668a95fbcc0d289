"""Numbering records: the nomor arsip, and the classification and retention tables each
record takes its code and retention from."""

from flask import current_app
from flask_babel import gettext as _

from archive import tables
from archive.models import DISPOSITIONS
from archive.models import ArchiveCounter
from archive.models import ArchiveRecord
from archive.models import Classification
from archive.models import RetentionRule
from intranet import audit
from intranet.counters import next_seq
from intranet.extensions import db
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import check_version
from intranet.transactions import commit
from intranet.transactions import flush


def classifications(active_only=True):
    q = db.select(Classification).order_by(Classification.code)
    if active_only:
        q = q.where(Classification.active.is_(True))
    return db.session.execute(q).scalars().all()


def retention_rules(active_only=True):
    q = db.select(RetentionRule).order_by(RetentionRule.name)
    if active_only:
        q = q.where(RetentionRule.active.is_(True))
    return db.session.execute(q).scalars().all()


def default_classification():
    """The classification of records made at publication (config ARCHIVE_CLASSIFICATION)."""
    code = current_app.config["ARCHIVE_CLASSIFICATION"]
    found = db.session.execute(
        db.select(Classification).where(
            Classification.code == code, Classification.active.is_(True)
        )
    ).scalar_one_or_none()
    if found is None:
        found = next(iter(classifications()), None)
    if found is None:
        raise ServiceError(
            _("Tabel klasifikasi arsip kosong; arsiparis perlu mengisinya lebih dahulu.")
        )
    return found


#: What the audit log keeps of a row of each table.
CLASSIFICATION_FIELDS = ("code", "name", "retention_id", "active")
RETENTION_FIELDS = ("name", "active_years", "inactive_years", "disposition", "basis", "active")


@atomic
def save_classification(data, classification=None, actor=None):
    """Add or change a row of the classification table (``actor`` for the audit log)."""
    code = (data.get("code") or "").strip()
    clash = db.session.execute(
        db.select(Classification.id).where(Classification.code == code)
    ).scalar()
    if clash and (classification is None or clash != classification.id):
        raise ServiceError(_("Kode klasifikasi %(code)s sudah ada.", code=code))
    before = None if classification is None else audit.values(classification, CLASSIFICATION_FIELDS)
    if classification is None:
        classification = Classification()
        db.session.add(classification)
    else:
        check_version(classification, data.get("version"))
    classification.code = code
    classification.name = data["name"].strip()
    classification.retention_id = data.get("retention_id") or None
    classification.active = bool(data.get("active", True))
    classification.is_sample = False
    flush(_("Kode klasifikasi %(code)s sudah ada.", code=code))
    audit.record(
        "classification.create" if before is None else "classification.update",
        classification,
        actor,
        before=before,
        after=audit.values(classification, CLASSIFICATION_FIELDS),
    )
    commit(_("Kode klasifikasi %(code)s sudah ada.", code=code))
    return classification


@atomic
def save_retention(data, rule=None, actor=None):
    """Add or change a row of the retention table (``actor`` for the audit log)."""
    if data["disposition"] not in DISPOSITIONS:
        raise ServiceError(_("Keterangan akhir retensi tidak dikenal."))
    before = None if rule is None else audit.values(rule, RETENTION_FIELDS)
    if rule is None:
        rule = RetentionRule()
        db.session.add(rule)
    else:
        check_version(rule, data.get("version"))
    rule.name = data["name"].strip()
    rule.active_years = data["active_years"]
    rule.inactive_years = data["inactive_years"]
    rule.disposition = data["disposition"]
    rule.basis = (data.get("basis") or "").strip() or None
    rule.active = bool(data.get("active", True))
    rule.is_sample = False
    audit.record(
        "retention.create" if before is None else "retention.update",
        rule,
        actor,
        before=before,
        after=audit.values(rule, RETENTION_FIELDS),
    )
    commit()
    return rule


# --- numbering -----------------------------------------------------------------------------


def format_nomor_arsip(seq, year, classification):
    return current_app.config["ARCHIVE_NUMBER_FORMAT"].format(
        seq=seq,
        year=year,
        region=current_app.config["OFFICE_REGION_CODE"],
        classification=classification.code,
    )


def new_record(classification, year, **fields):
    seq = next_seq(ArchiveCounter, year)
    retention = classification.retention
    record = ArchiveRecord(
        nomor_arsip=format_nomor_arsip(seq, year, classification),
        year=year,
        seq=seq,
        classification=classification,
        retention=retention,
        retention_active_years=retention.active_years if retention else 0,
        retention_inactive_years=retention.inactive_years if retention else 0,
        retention_disposition=retention.disposition if retention else "dinilai_kembali",
        # the imported tables in force; a sample (CONTOH) or typed row belongs to none
        classification_version=(
            None if classification.is_sample else tables.version_in_force("klasifikasi")
        ),
        retention_version=(
            tables.version_in_force("jra") if retention and retention.code else None
        ),
        **fields,
    )
    db.session.add(record)
    db.session.flush()
    return record
