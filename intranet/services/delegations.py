"""Acting substitutes (Plh/Plt): a role delegated to another team member for a date range."""

from flask_babel import gettext as _

from intranet import audit
from intranet.clock import today
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Delegation
from intranet.roles import ROLES
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit

#: What the audit log keeps of a delegation.
DELEGATION_FIELDS = (
    "role",
    "absent_user_id",
    "substitute_id",
    "valid_from",
    "valid_until",
    "reason",
    "revoked_at",
)


def _require_penanggungjawab(actor, not_held, delegated):
    """Naming and revoking substitutes is for the Penanggung Jawab in person, under the SK Tim.

    Their own Plh holds the role too, but may not hand it, or any other, further on.
    """
    source = actor.role_source("penanggungjawab")
    if source is None:
        raise ServiceError(not_held)
    if source[1] is not None:
        raise ServiceError(delegated)


def _in_force_over(role, absent, substitute, start, end):
    """Another substitute's unrevoked delegation of ``role`` for ``absent`` sharing a day."""
    return (
        db.session.execute(
            db.select(Delegation)
            .where(
                Delegation.role == role,
                Delegation.absent_user_id == absent.id,
                Delegation.substitute_id != substitute.id,
                Delegation.revoked_at.is_(None),
                Delegation.valid_from <= end,
                Delegation.valid_until >= start,
            )
            .order_by(Delegation.valid_from, Delegation.id)
        )
        .scalars()
        .first()
    )


@atomic
def delegate(data, actor, absent, substitute):
    """The Penanggung Jawab names ``substitute`` to act as ``absent`` in a role for a period."""
    _require_penanggungjawab(
        actor,
        _("Hanya penanggung jawab yang dapat menunjuk pelaksana harian."),
        _("Pelaksana harian tidak dapat menunjuk pelaksana harian lain."),
    )
    if substitute.id == actor.id:
        raise ServiceError(_("Penanggung jawab tidak dapat menunjuk dirinya sendiri."))
    role = data["role"]
    if role not in ROLES or role == "admin":
        raise ServiceError(_("Peran ini tidak dapat didelegasikan."))
    if absent.id == substitute.id:
        raise ServiceError(_("Pelaksana harian harus orang lain."))
    if data["valid_until"] < data["valid_from"]:
        raise ServiceError(_("Tanggal akhir tidak boleh sebelum tanggal mulai."))
    if data["valid_until"] < today():
        raise ServiceError(
            _("Masa penunjukan sudah lewat: tanggal akhir tidak boleh sebelum hari ini.")
        )
    if not any(m.role == role for m in absent.valid_memberships(data["valid_from"])):
        raise ServiceError(
            _(
                "%(name)s tidak memegang peran itu menurut SK Tim pada tanggal mulai.",
                name=absent.full_name,
            )
        )
    if not substitute.active or not substitute.valid_memberships():
        raise ServiceError(_("%(name)s bukan anggota tim yang aktif.", name=substitute.full_name))
    other = _in_force_over(role, absent, substitute, data["valid_from"], data["valid_until"])
    if other is not None:
        raise ServiceError(
            _(
                "%(absent)s sudah diwakili %(name)s sebagai %(role)s pada %(start)s s.d. "
                "%(end)s; cabut penunjukan itu lebih dulu.",
                absent=absent.full_name,
                name=other.substitute.full_name,
                role=other.role_label,
                start=other.valid_from.strftime("%d-%m-%Y"),
                end=other.valid_until.strftime("%d-%m-%Y"),
            )
        )
    d = Delegation(
        role=role,
        absent_user_id=absent.id,
        substitute_id=substitute.id,
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
        reason=data["reason"].strip(),
        created_by_id=actor.id,
    )
    db.session.add(d)
    audit.record("delegation.create", d, actor, after=audit.values(d, DELEGATION_FIELDS))
    commit()
    return d


@atomic
def revoke(delegation, actor):
    """End a delegation early."""
    _require_penanggungjawab(
        actor,
        _("Hanya penanggung jawab yang dapat mencabut penunjukan."),
        _("Pelaksana harian tidak dapat mencabut penunjukan."),
    )
    if delegation.revoked_at is None:
        before = audit.values(delegation, DELEGATION_FIELDS)
        delegation.revoked_at = utcnow()
        audit.record(
            "delegation.revoke",
            delegation,
            actor,
            before=before,
            after=audit.values(delegation, DELEGATION_FIELDS),
        )
        commit()


def all_delegations():
    """Every delegation, newest first."""
    return db.session.execute(db.select(Delegation).order_by(Delegation.id.desc())).scalars().all()
