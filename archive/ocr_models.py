"""The OCR of a scan: its derived searchable PDF/A and what the recognition found."""

import json
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import Float
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from intranet.clock import utcnow
from intranet.database import LongText
from intranet.extensions import db

#: selesai: a derived PDF/A was made; dilewati: the file already carries text (or is no
#: scan); gagal: the recognition failed, ``note`` says why.
OCR_STATUSES = ("selesai", "dilewati", "gagal")


class OcrResult(db.Model):
    """The OCR of one scan or image (by the SHA-256 of its bytes, which never change).

    The derived PDF/A is stored content-addressed in the same store as its original (the
    working store for an upload, the archive for an archived original); ``archived`` says
    that the archive holds it too, so its checksum is verified with the archive's.
    """

    __tablename__ = "archive_ocr_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    mimetype: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    derived_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    derived_size: Mapped[int | None] = mapped_column(BigInteger)
    archived: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(16), default="ind")
    pages: Mapped[int | None]
    #: Mean word confidence (0–100) over every recognised word, from Tesseract's hOCR.
    confidence: Mapped[float | None] = mapped_column(Float)
    #: Each page's mean word confidence, as JSON ``[[page, confidence], ...]``.
    page_confidences: Mapped[str] = mapped_column(Text, default="[]")
    #: Pages whose recognition a person should check, comma-separated ("" when none).
    low_pages: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(LongText, default="")
    note: Mapped[str | None] = mapped_column(String(300))
    duration_ms: Mapped[int | None]
    made_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def done(self):
        """A derived searchable PDF/A exists."""
        return self.status == "selesai" and self.derived_sha256 is not None

    @property
    def low_page_numbers(self):
        return [int(p) for p in self.low_pages.split(",") if p]

    @property
    def per_page(self):
        return [tuple(p) for p in json.loads(self.page_confidences or "[]")]
