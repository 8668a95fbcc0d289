"""Who signs for a role on a day: the SK Tim in force names them (``intranet.signatures``)."""

from intranet.extensions import db
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from intranet.signatures import Holder


def role_holder(role, day):
    """The ``Holder`` of ``role`` on ``day``: of the decrees in force that day the newest,
    and under it the member appointed first; None when nobody holds the role.

    Whether a membership counts is asked of ``Membership.grants`` (pending, refused and ended
    appointments sign nothing); a deactivated account signs nothing either.
    """
    rows = db.session.execute(
        db.select(Membership)
        .join(Membership.decree)
        .join(Membership.user)
        .where(
            Membership.role == role,
            TeamDecree.valid_from <= day,
            TeamDecree.valid_until >= day,
            User.active.is_(True),
        )
        .order_by(TeamDecree.valid_from.desc(), TeamDecree.id.desc(), Membership.id)
    ).scalars()
    for m in rows:
        if m.grants(day):
            return Holder(name=m.user.full_name, nip=m.user.nip, position=m.position)
    return None
