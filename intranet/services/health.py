"""Health checks for load balancers and monitoring."""

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from intranet.extensions import db


def database_ok():
    """True if the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        db.session.rollback()
        current_app.logger.warning("health check: database unreachable: %s", e)
        return False
    finally:
        db.session.close()
    return True
