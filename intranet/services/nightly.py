"""The nightly work the background worker queues once per office date: the archive's
fixity verification, the anchoring of every chain head outside the database, and the
morning's daily digest of waiting work (at 07:00 office time).

Each is queued by a worker's sweep once its office time has come, under a dedupe key of
the office date, so two workers (or two hosts) never run it twice in one night.
"""

from datetime import time

from flask_babel import lazy_gettext as _l

from archive import fixity
from intranet import queue
from intranet.services import digest
from intranet.services import trail

VERIFY_TASK = fixity.VERIFY_TASK
ANCHOR_TASK = "trail.anchor"
DIGEST_TASK = "notify.digest"


@queue.task(VERIFY_TASK, retries=1, nightly=time(1, 0), label=_l("Pemeriksaan keutuhan berkas"))
def verify_archive():
    """``archive verify``: every file checked, strays named; the run is recorded (its
    problems are shown on the fixity page, not as a failure of the task)."""
    fixity.verify()


@queue.task(ANCHOR_TASK, retries=2, nightly=time(1, 30), label=_l("Penjangkaran kepala rantai"))
def anchor_heads():
    """``trail anchor``: a chain that cannot be anchored fails the task, naming it."""
    _anchored, _unchanged, refused = trail.anchor_heads()
    if refused:
        named = "; ".join(
            f"{kind or 'log'} {chain_id or ''}: {' / '.join(problems)}"
            for kind, chain_id, problems in refused
        )
        raise RuntimeError(f"{len(refused)} rantai tidak dijangkarkan: {named}")


@queue.task(DIGEST_TASK, retries=2, nightly=time(7, 0), label=_l("Ringkasan harian"))
def daily_digest():
    """``notify digest``: each person something waits on gets the day's digest, once."""
    digest.send_digests()
