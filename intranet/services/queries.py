"""Read-only lookups shared by views: users, decrees and the current team."""

from intranet.clock import today
from intranet.extensions import db
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User


def all_users():
    """Every account, by username."""
    return db.session.execute(db.select(User).order_by(User.username)).scalars().all()


def active_users():
    """Active accounts, by full name."""
    return (
        db.session.execute(db.select(User).where(User.active.is_(True)).order_by(User.full_name))
        .scalars()
        .all()
    )


def all_decrees():
    """Every SK Tim, newest first."""
    return (
        db.session.execute(
            db.select(TeamDecree).order_by(TeamDecree.valid_from.desc(), TeamDecree.id.desc())
        )
        .scalars()
        .all()
    )


def current_team(on=None):
    """Memberships of active users that give their role on ``on`` (default today).

    The decree's dates narrow the query; whether a membership counts is asked of
    ``Membership.grants``, the one rule (pending, refused and ended ones do not).
    """
    on = on or today()
    rows = db.session.execute(
        db.select(Membership)
        .join(Membership.decree)
        .join(Membership.user)
        .where(TeamDecree.valid_from <= on, TeamDecree.valid_until >= on, User.active.is_(True))
        .order_by(Membership.role, User.full_name)
    ).scalars()
    return [m for m in rows if m.grants(on)]


def pending_memberships():
    """Appointments waiting for a Penanggung Jawab's confirmation, oldest first."""
    return (
        db.session.execute(
            db.select(Membership)
            .where(Membership.state == "pending", Membership.ended_on.is_(None))
            .order_by(Membership.id)
        )
        .scalars()
        .all()
    )


def team_members(on=None):
    """Active people holding any role under a decree in force, by name."""
    return sorted({m.user for m in current_team(on)}, key=lambda u: u.full_name)
