"""Database models, one module per area."""

from intranet.models.people import ROLES
from intranet.models.people import Membership
from intranet.models.people import TeamDecree
from intranet.models.people import User
from intranet.models.people import UserSession

__all__ = ["ROLES", "Membership", "TeamDecree", "User", "UserSession"]
