"""People and roles: users, the SK Tim (team decree) and memberships under it."""

from datetime import date
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import object_session
from sqlalchemy.orm import relationship
from sqlalchemy.orm import selectinload

from intranet import memo
from intranet.clock import today
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.roles import ROLES


class User(db.Model):
    """A person who can log in; roles come only from memberships of a valid SK Tim."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    nip: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # A technical administrator created with `users create-admin`, before any SK exists.
    is_system_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id", cascade="all, delete-orphan"
    )
    delegations_received: Mapped[list["Delegation"]] = relationship(
        foreign_keys="Delegation.substitute_id", viewonly=True
    )
    #: The delegations of this person's roles to a substitute (read once per person, however
    #: many of their cases a page lists).
    delegations_given: Mapped[list["Delegation"]] = relationship(
        foreign_keys="Delegation.absent_user_id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    # Flask-Login protocol.
    is_anonymous = False

    @property
    def is_authenticated(self):
        """Every loaded user is authenticated; inactive ones are never loaded."""
        return True

    @property
    def is_active(self):
        """Deactivated users cannot log in."""
        return self.active

    def get_id(self):
        """The id Flask-Login keeps in the session."""
        return str(self.id)

    def valid_memberships(self, on=None):
        """Memberships that give their role on ``on`` (default today): ``Membership.grants``."""
        on = on or today()
        return [m for m in self.memberships if m.grants(on)]

    def valid_delegations(self, on=None):
        """Delegations to this person (as Plh/Plt) in force on ``on`` (default today).

        A delegation counts only while the person acted for is active and holds the role
        through a decree in force: nobody can pass on a role they do not have.
        """
        on = on or today()
        return [
            d
            for d in self.delegations_received
            if d.in_force(on)
            and d.absent_user.active
            and any(m.role == d.role for m in d.absent_user.valid_memberships(on))
        ]

    def roles(self, on=None):
        """The set of roles this person holds on ``on`` (default today), delegated ones included.

        Worked out once per person and day in a database transaction (``memo.once``): a page
        asks it for every link, badge and list it shows."""
        on = on or today()
        session = object_session(self)
        if session is None:
            return set(self._roles_on(on))
        return set(memo.once(("roles", self.id, on), lambda: self._roles_on(on), session))

    def _roles_on(self, on):
        roles = {m.role for m in self.valid_memberships(on)}
        roles |= {d.role for d in self.valid_delegations(on)}
        if self.is_system_admin:
            roles.add("admin")
        return frozenset(roles)

    @staticmethod
    def with_roles():
        """Loader options reading, in one statement each, all that ``roles()`` asks of the
        people a query returns: their memberships with decrees, and the delegations they
        hold with the absent person's memberships."""
        return (
            selectinload(User.memberships).joinedload(Membership.decree),
            selectinload(User.delegations_received)
            .joinedload(Delegation.absent_user)
            .selectinload(User.memberships)
            .joinedload(Membership.decree),
        )

    def role_source(self, role, on=None):
        """Where a role comes from: ``(decree, delegation)``; delegation is None when held directly.

        A delegated role acts under the decree of the person being substituted.
        """
        for m in self.valid_memberships(on):
            if m.role == role:
                return m.decree, None
        for d in self.valid_delegations(on):
            if d.role == role:
                decree = next(
                    m.decree for m in d.absent_user.valid_memberships(on) if m.role == role
                )
                return decree, d
        return None

    def has_role(self, *roles, on=None):
        """True if the person holds any of ``roles``."""
        return bool(self.roles(on) & set(roles))

    def __repr__(self):
        return f"<User {self.username}>"


class TeamDecree(db.Model):
    """An SK Tim: the decree that appoints the website team and gives its members roles."""

    __tablename__ = "team_decrees"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(120), unique=True)
    decree_date: Mapped[date]
    title: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    signed_by: Mapped[str] = mapped_column(String(200))
    scan_sha256: Mapped[str | None] = mapped_column(String(64))
    scan_filename: Mapped[str | None] = mapped_column(String(255))
    scan_mimetype: Mapped[str | None] = mapped_column(String(64))
    scan_size: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="decree", cascade="all, delete-orphan", order_by="Membership.id"
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __mapper_args__ = {"version_id_col": version}

    def in_force(self, on=None):
        """True if the decree is valid on ``on`` (default today), both ends inclusive."""
        on = on or today()
        return self.valid_from <= on <= self.valid_until

    def status(self, on=None):
        """'valid', 'upcoming' or 'expired' on ``on``."""
        on = on or today()
        if on < self.valid_from:
            return "upcoming"
        if on > self.valid_until:
            return "expired"
        return "valid"

    def __repr__(self):
        return f"<TeamDecree {self.number}>"


#: The states of a membership. An admin's appointment of someone else is ``confirmed`` when
#: recorded; one that gives the recording admin a role themself is ``pending`` until a
#: Penanggung Jawab (another person) confirms or refuses it.
MEMBERSHIP_STATES = ("confirmed", "pending", "refused")


class Membership(db.Model):
    """One role held by one person under one SK Tim.

    Rows are never deleted: a removal ends the membership on a date, and it stays listed as
    history. Whether a row gives its role is ``grants``, the one rule every role lookup asks.
    """

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    decree_id: Mapped[int] = mapped_column(ForeignKey("team_decrees.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    position: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="confirmed")
    # Who confirmed or refused a pending appointment, and when.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    # The office date from which the membership no longer gives its role.
    ended_on: Mapped[date | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    #: read with the membership (one statement): every role lookup asks the decree's dates
    decree: Mapped[TeamDecree] = relationship(
        back_populates="memberships", lazy="joined", innerjoin=True
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], viewonly=True)
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], viewonly=True)
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id], viewonly=True)

    def grants(self, on=None):
        """True if this membership gives its role on ``on`` (default today).

        Only a confirmed appointment, not yet ended, under a decree in force does.
        """
        on = on or today()
        return (
            self.state == "confirmed"
            and (self.ended_on is None or on < self.ended_on)
            and self.decree.in_force(on)
        )

    @property
    def is_pending(self):
        """Waiting for a Penanggung Jawab to confirm or refuse it (and not withdrawn)."""
        return self.state == "pending" and self.ended_on is None

    @property
    def is_refused(self):
        """A Penanggung Jawab refused it: it never gave its role."""
        return self.state == "refused"

    @property
    def is_current(self):
        """Neither ended nor refused: it holds (or asks for) its role under its decree."""
        return not self.is_refused and self.ended_on is None

    @property
    def role_label(self):
        """The role's label in the current language."""
        return ROLES.get(self.role, self.role)


class UserSession(db.Model):
    """A login session on the server: the cookie carries only its random token.

    Ending a row ends that session everywhere, which a signed cookie alone cannot do.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship()


class Delegation(db.Model):
    """An acting substitute (Plh/Plt): a role delegated for a date range.

    The trail names both people: the substitute who acted and the holder acted for.
    """

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    absent_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    substitute_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    absent_user: Mapped[User] = relationship(foreign_keys=[absent_user_id])
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    def in_force(self, on=None):
        """True if not revoked and ``on`` (default today) is within the range."""
        on = on or today()
        return self.revoked_at is None and self.valid_from <= on <= self.valid_until

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)
