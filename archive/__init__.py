"""The archive: records of published articles, their files, search and export.

This package grows with the archive issues; for now it owns the archive folder.
"""

from pathlib import Path


def init_app(app):
    """Make sure the archive folder exists and is a folder."""
    root = Path(app.config["ARCHIVE_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    app.extensions["warta_archive_dir"] = root
