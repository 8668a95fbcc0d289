"""Database models, one module per area."""

from intranet.models.calendar import Holiday
from intranet.models.cases import Case
from intranet.models.cases import Category
from intranet.models.cases import Concept
from intranet.models.cases import Photo
from intranet.models.cases import Preview
from intranet.models.cases import PreviewOpening
from intranet.models.cases import Revision
from intranet.models.editor import Attachment
from intranet.models.editor import EditorDraft
from intranet.models.intake import AgendaCounter
from intranet.models.intake import Assignment
from intranet.models.intake import AssignmentRecipient
from intranet.models.intake import SourceFile
from intranet.models.intake import SourceMaterial
from intranet.models.notify import OutboxMessage
from intranet.models.people import Delegation
from intranet.models.people import Membership
from intranet.models.people import TeamDecree
from intranet.models.people import User
from intranet.models.people import UserSession
from intranet.models.public import Article
from intranet.models.public import PublishedVersion
from intranet.models.public import SiteState
from intranet.models.public import SocialPost
from intranet.models.throttle import LoginFailure
from intranet.models.trail import TrailEntry

__all__ = [
    "AgendaCounter",
    "Article",
    "Assignment",
    "Attachment",
    "AssignmentRecipient",
    "Case",
    "Category",
    "Concept",
    "Delegation",
    "EditorDraft",
    "Holiday",
    "LoginFailure",
    "Membership",
    "OutboxMessage",
    "Photo",
    "Preview",
    "PublishedVersion",
    "PreviewOpening",
    "Revision",
    "SourceFile",
    "SiteState",
    "SocialPost",
    "SourceMaterial",
    "TeamDecree",
    "TrailEntry",
    "User",
    "UserSession",
]
