"""Transactions: all-or-nothing service operations, optimistic locking, readable conflicts."""

from contextlib import contextmanager
from functools import wraps

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from intranet.extensions import db


class ServiceError(Exception):
    """An operation was refused; the message is fit to show the user.

    ``status`` is the HTTP status a view should answer with (400, or 413 for a file too large).
    """

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


class ConflictError(ServiceError):
    """The record was changed by someone else since the form was loaded (HTTP 409)."""

    def __init__(self, message):
        super().__init__(message, status=409)


STALE = _l("Data ini sudah diubah orang lain sejak Anda membukanya. Muat ulang lalu coba lagi.")


def atomic(operation):
    """Make a service function all-or-nothing.

    Whatever goes wrong inside, including a flush that finds the row changed by another
    transaction (optimistic locking through each model's version column), the session is
    rolled back and the caller gets a ServiceError it can show.
    """

    @wraps(operation)
    def wrapper(*args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except StaleDataError as e:
            db.session.rollback()
            raise ConflictError(str(STALE)) from e
        except IntegrityError as e:
            db.session.rollback()
            raise ServiceError(_("Data bertentangan dengan data lain.")) from e
        except DataError as e:  # a value the database cannot hold (too long, out of range)
            db.session.rollback()
            raise ServiceError(_("Isian terlalu panjang atau tidak dapat disimpan.")) from e
        except OperationalError as e:
            db.session.rollback()
            if is_transient(e):
                raise ConflictError(str(STALE)) from e
            raise
        except BaseException:
            db.session.rollback()
            raise

    return wrapper


def check_version(obj, version):
    """Refuse to change ``obj`` when the form was loaded from an older version."""
    if version is not None and int(version) != obj.version:
        raise ConflictError(str(STALE))


def commit(on_integrity_error=None, stale=False):
    """Commit the session; roll back and raise a ServiceError on a conflict.

    ``on_integrity_error`` is the message for a unique or foreign-key violation, e.g. two
    admins creating the same username at the same moment. With ``stale``, that violation
    means the form was loaded from a version someone else has just replaced (two saves of
    the same next number): a 409, like any other stale form.
    """
    with _conflicts(on_integrity_error, stale):
        db.session.commit()


def flush(on_integrity_error=None, stale=False):
    """Flush the session, e.g. to learn a new row's id, with ``commit``'s conflict handling."""
    with _conflicts(on_integrity_error, stale):
        db.session.flush()


@contextmanager
def _conflicts(on_integrity_error, stale):
    """Turn a conflict found by writing into a ServiceError (rolled back), as ``commit`` says."""
    try:
        yield
    except StaleDataError as e:
        db.session.rollback()
        raise ConflictError(str(STALE)) from e
    except IntegrityError as e:
        db.session.rollback()
        if stale:
            raise ConflictError(on_integrity_error or str(STALE)) from e
        raise ServiceError(on_integrity_error or _("Data bertentangan dengan data lain.")) from e
    except OperationalError as e:
        db.session.rollback()
        if is_transient(e):
            raise ConflictError(str(STALE)) from e
        raise


#: Errors a server database raises when two transactions collide; the loser is rolled back
#: and its writer simply tries again: MariaDB/MySQL deadlock and lock wait timeout,
#: PostgreSQL deadlock and serialisation failure.
TRANSIENT_MYSQL = (1213, 1205)
TRANSIENT_POSTGRES = ("40P01", "40001")


def is_transient(error):
    """True if ``error`` is a deadlock or serialisation failure: a conflict, not a fault."""
    orig = getattr(error, "orig", None)
    if getattr(orig, "sqlstate", None) in TRANSIENT_POSTGRES:
        return True
    args = getattr(orig, "args", ())
    return bool(args) and args[0] in TRANSIENT_MYSQL
