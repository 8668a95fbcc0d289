"""Create or drop a throw-away database for one CI run: database.py create|drop URL NAME.

Prints nothing and exits 0 on success; on an unreachable server prints why and exits 3,
so the caller can skip that database's run.
"""

import sys

from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from intranet.config import normalize_database_url


def main(action, url, name):
    engine = create_engine(normalize_database_url(url), isolation_level="AUTOCOMMIT")
    quote = '"' if engine.dialect.name == "postgresql" else "`"
    try:
        with engine.connect() as conn:
            if action == "create":
                conn.execute(text(f"DROP DATABASE IF EXISTS {quote}{name}{quote}"))
                suffix = " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" if quote == "`" else ""
                conn.execute(text(f"CREATE DATABASE {quote}{name}{quote}{suffix}"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quote}{name}{quote}"))
    except OperationalError as e:
        print(f"{engine.dialect.name} not reachable at {engine.url.render_as_string()}: {e.orig}")
        return 3
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
