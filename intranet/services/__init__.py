"""Operations that change state: the only code that commits."""

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from intranet.extensions import db


class ServiceError(Exception):
    """An operation was refused; the message is fit to show the user."""


class ConflictError(ServiceError):
    """The record was changed by someone else since the form was loaded (HTTP 409)."""


def check_version(obj, version):
    """Refuse to change ``obj`` when the form was loaded from an older version."""
    if version is not None and int(version) != obj.version:
        raise ConflictError(
            _("Data ini sudah diubah orang lain sejak Anda membukanya. Muat ulang lalu coba lagi.")
        )


def commit(on_integrity_error=None):
    """Commit the session; roll back and raise a ServiceError on a conflict.

    ``on_integrity_error`` is the message for a unique or foreign-key violation, e.g. two
    admins creating the same username at the same moment.
    """
    try:
        db.session.commit()
    except StaleDataError as e:
        db.session.rollback()
        raise ConflictError(
            _("Data ini sudah diubah orang lain sejak Anda membukanya. Muat ulang lalu coba lagi.")
        ) from e
    except IntegrityError as e:
        db.session.rollback()
        raise ServiceError(on_integrity_error or _("Data bertentangan dengan data lain.")) from e
