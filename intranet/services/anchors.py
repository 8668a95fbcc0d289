"""Chain heads anchored outside the database: the trail of every case and the audit log.

The trail and the audit log are SHA-256 chains kept in the database, so whoever can write
the database could rewrite an entry and recompute every hash after it. ``anchor_heads``
(``flask --app wsgi trail anchor``, daily from cron, idempotent) appends each chain's head
(which chain, its last sequence number, its head hash) to an append-only log in the
instance folder, one JSON line each, and every line carries an HMAC-SHA256 under a key kept
beside it (``instance/trail_anchor_key``, 0600, made on first use), over its content and
the previous line's HMAC. ``problems`` then finds a chain whose entry at an anchored place
no longer has the anchored hash (rewritten in the database), an anchored chain that lost
entries or disappeared, and a log whose line was altered, forged without the key, removed
or reordered.

Not protected: someone who can write both the database and the instance folder (the key)
can forge anchors; entries written after the last anchor are covered only from the next
one; the newest lines of the log can be cut off by whoever can write the folder.
"""

import fcntl
import hmac
import json
import os
from hashlib import sha256
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from intranet import audit
from intranet.chain import GENESIS
from intranet.chain import canonical_json
from intranet.clock import iso
from intranet.clock import utcnow
from intranet.config import _instance_secret
from intranet.extensions import db
from intranet.models import Case
from intranet.models import TrailEntry

KEY_FILE = "trail_anchor_key"
LOG_FILE = "chain_anchors.log"
#: The audit log is one chain; its anchors carry this id.
AUDIT_ID = 0


def key_path():
    return Path(current_app.instance_path) / KEY_FILE


def log_path():
    return Path(current_app.instance_path) / LOG_FILE


def _key():
    return _instance_secret(key_path()).encode()


def _mac(key, line):
    return hmac.new(key, canonical_json(line).encode(), sha256).hexdigest()


def read_log(key=None):
    """The log's anchors in order, and the problems of the log itself (as text)."""
    path = log_path()
    if not path.exists():
        return [], []
    key = key or _key()
    anchors, prev = [], GENESIS
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            try:
                line = json.loads(raw)
                mac = line.pop("mac")
                ok = isinstance(line, dict) and hmac.compare_digest(mac, _mac(key, line))
            except (ValueError, KeyError, TypeError, AttributeError):
                ok = False
            if not ok:
                return anchors, [
                    _(
                        "log jangkar baris %(n)s: HMAC tidak cocok (diubah atau dibuat tanpa "
                        "kunci instansi)",
                        n=number,
                    )
                ]
            if line.get("prev") != prev:
                return anchors, [
                    _(
                        "log jangkar baris %(n)s: tidak tersambung ke baris sebelumnya "
                        "(baris dihapus atau disisipkan)",
                        n=number,
                    )
                ]
            line["mac"] = prev = mac
            anchors.append(line)
    return anchors, []


def _latest(anchors):
    """The newest anchor of each chain: (kind, id) -> line."""
    return {(a["kind"], a["id"]): a for a in anchors}


def _heads():
    """Every chain's head as it stands: (kind, id) -> (seq, hash)."""
    heads = {
        ("trail", case_id): (seq, head)
        for case_id, seq, head in db.session.execute(
            db.select(Case.id, Case.trail_seq, Case.trail_head).order_by(Case.id)
        )
        if seq
    }
    row = db.session.get(audit.AuditHead, 1)
    if row is not None and row.seq:
        heads[("audit", AUDIT_ID)] = (row.seq, row.entry_hash)
    return heads


def _entry_hash(kind, chain_id, seq):
    if kind == "trail":
        return db.session.execute(
            db.select(TrailEntry.entry_hash).where(
                TrailEntry.case_id == chain_id, TrailEntry.seq == seq
            )
        ).scalar_one_or_none()
    return db.session.execute(
        db.select(audit.AuditEntry.entry_hash).where(audit.AuditEntry.seq == seq)
    ).scalar_one_or_none()


def _name(kind, chain_id):
    if kind == "trail":
        return _("jejak naskah #%(id)s", id=chain_id)
    return _("log audit")


def _anchor_problems(kind, chain_id, anchor):
    """Whether the chain still holds its anchored head at its anchored place."""
    found = _entry_hash(kind, chain_id, anchor["seq"])
    if found is None:
        return [
            _(
                "%(chain)s: entri #%(seq)s yang dijangkarkan pada %(at)s tidak ada lagi",
                chain=_name(kind, chain_id),
                seq=anchor["seq"],
                at=anchor["at"],
            )
        ]
    if found != anchor["head"]:
        return [
            _(
                "%(chain)s: entri #%(seq)s tidak lagi sama dengan yang dijangkarkan pada "
                "%(at)s (rantai ditulis ulang di basis data)",
                chain=_name(kind, chain_id),
                seq=anchor["seq"],
                at=anchor["at"],
            )
        ]
    return []


def problems(kind=None):
    """What the anchors say is wrong: ``[(kind, id, text)]``; id None for the log itself.

    ``kind`` ("trail" or "audit") keeps only that chain's problems and the log's own.
    """
    anchors, found = read_log()
    result = [(None, None, p) for p in found]
    for (k, chain_id), anchor in sorted(_latest(anchors).items()):
        if kind in (None, k):
            result += [(k, chain_id, p) for p in _anchor_problems(k, chain_id, anchor)]
    return result


def anchor_heads(verify_chain):
    """Append the head of every chain that moved since its last anchor.

    A chain is anchored only when it verifies (``verify_chain(kind, id)`` gives its own
    check's problems) and still holds its previous anchor; each one
    that does not is returned with its problems and left unanchored. Returns
    ``(anchored, unchanged, refused)``, ``refused`` as ``[(kind, id, problems)]``. Holding
    an exclusive lock on the log, so two runs at once neither fork nor interleave it.
    """
    key = _key()
    path = log_path()
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a+", encoding="utf-8") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        anchors, broken = read_log(key)
        if broken:
            return 0, 0, [(None, None, broken)]
        latest = _latest(anchors)
        prev = anchors[-1]["mac"] if anchors else GENESIS
        anchored = unchanged = 0
        refused = []
        at = iso(utcnow().replace(microsecond=0))
        for (k, chain_id), (seq, head) in sorted(_heads().items()):
            last = latest.get((k, chain_id))
            if last and (last["seq"], last["head"]) == (seq, head):
                unchanged += 1
                continue
            found = list(verify_chain(k, chain_id))
            if last:
                found += _anchor_problems(k, chain_id, last)
            if found:
                refused.append((k, chain_id, found))
                continue
            line = {"kind": k, "id": chain_id, "seq": seq, "head": head, "at": at, "prev": prev}
            prev = line["mac"] = _mac(key, line)
            f.write(json.dumps(line, sort_keys=True) + "\n")
            anchored += 1
        f.flush()
        os.fsync(f.fileno())
    return anchored, unchanged, refused
