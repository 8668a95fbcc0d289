"""The archive's search index: one interface, a tantivy implementation. No tantivy code lives
outside this module and ``archive.query``, the query language it compiles searches with.

Documents are plain dicts (see ``FIELDS``); the index never decides who may see what, the
caller passes the access classes the person may read. Each text field is analysed in Python
(``archive.query.indexed``: Indonesian stems, stop words kept as gaps) before tantivy sees it;
tantivy stores the analysed words and does the rest: postings, BM25 scoring, phrases, ranges,
sorting and facet counts.
"""

import json
import math
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from pathlib import Path

import tantivy
from markupsafe import Markup
from markupsafe import escape

from archive.query import EXACT
from archive.query import PLAIN
from archive.query import STEMMED
from archive.query import QueryError
from archive.query import indexed
from archive.query import parse
from archive.query import words

#: The days the index can store: every day a record can hold. A date is stored as its day
#: number (``date.toordinal``: 1 for 0001-01-01), not as a tantivy date, whose nanoseconds
#: since 1970 end in 1677 and 2262.
STORABLE = (datetime(1, 1, 1), datetime(9999, 12, 31))
#: Bump when the schema or the analysis changes: the index is then rebuilt.
SCHEMA_VERSION = 3
VERSION_FILE = "warta-schema-version"


class IndexBusy(Exception):
    """Another process holds the index's write lock."""


class IndexMissing(Exception):
    """There is no index yet (``archive reindex`` makes one)."""


# --- the schema ----------------------------------------------------------------------------

#: Facets with counts; counted over the value as written.
FACETS = ("year", "category", "classification", "box", "hardcopy")
#: What a hit shows (kept whole in each document's stored part).
SHOWN = (
    "id nomor_arsip title summary content category classification year date date_from senders "
    "media hardcopy location box access filenames notext origin fingerprint ocr ocr_low"
).split()
#: The fields a document may carry.
FIELDS = tuple(dict.fromkeys(("id", *STEMMED, *PLAIN, *EXACT, *SHOWN)))


def make_schema():
    """The tantivy schema of the fields above (text fields get ``archive.query``'s analysis)."""
    b = tantivy.SchemaBuilder()
    b.add_integer_field("id", indexed=True, fast=True)
    for name in (*STEMMED, *PLAIN):
        b.add_text_field(name, tokenizer_name="whitespace")
    for name in EXACT:
        b.add_text_field(name, tokenizer_name="raw")
    for name in FACETS:
        if name != "year":
            b.add_text_field(f"facet_{name}", tokenizer_name="raw", fast=True)
    b.add_integer_field("year", indexed=True, fast=True)
    b.add_integer_field("date", indexed=True, fast=True)  # the day number, see STORABLE
    b.add_bytes_field("shown", stored=True)
    return b.build()


# --- results -------------------------------------------------------------------------------


@dataclass
class Hit:
    fields: dict
    score: float
    snippet: Markup
    #: Passages of the text OCR read from the record's scans, matched words marked.
    ocr_snippet: Markup = field(default_factory=Markup)


@dataclass
class Results:
    hits: list
    total: int
    facets: dict = field(default_factory=dict)
    page: int = 1
    pages: int = 1
    error: str | None = None


# --- the index -----------------------------------------------------------------------------

_opened = {}
_opened_lock = threading.Lock()


class SearchIndex:
    """The tantivy index in one folder."""

    def __init__(self, path):
        self.path = Path(path)

    # lifecycle

    def _has_index(self):
        return (self.path / "meta.json").is_file()

    def exists(self):
        return self._has_index() and self.schema_version() == SCHEMA_VERSION

    def schema_version(self):
        try:
            return int((self.path / VERSION_FILE).read_text().strip())
        except (FileNotFoundError, NotADirectoryError, ValueError):
            return None

    def create(self):
        """Make an empty index (refusing to overwrite one that exists).

        It is made in a folder of its own beside this one and renamed into place, so no
        process ever sees an index without its schema version.
        """
        if self.path.exists() and any(self.path.iterdir()):
            raise FileExistsError(f"an index already exists in {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        building = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir()
        try:
            tantivy.Index(make_schema(), path=str(building), reuse=False)
            (building / VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")
            try:
                os.rename(building, self.path)  # onto nothing, or onto an empty folder
            except OSError as e:
                raise FileExistsError(f"an index already exists in {self.path}") from e
        finally:
            shutil.rmtree(building, ignore_errors=True)
        return self

    def _open(self):
        """The opened index, shared by the threads of this process (reopened if the folder
        was replaced)."""
        if not self.exists():
            raise IndexMissing(str(self.path))
        key = (str(self.path), os.stat(self.path).st_ino)
        with _opened_lock:
            ix = _opened.get(key)
            if ix is None:
                if len(_opened) >= 8:
                    _opened.pop(next(iter(_opened)))
                ix = _opened[key] = tantivy.Index.open(str(self.path))
            return ix

    def _searcher(self):
        """A searcher on the last commit of any process.

        Another process's merge may delete a segment file between reading the index's list
        of segments and opening them; the index is then opened afresh.
        """
        for attempt in range(5):
            ix = self._open()
            try:
                ix.reload()
                return ix, ix.searcher()
            except (OSError, ValueError):
                if attempt == 4:
                    raise
                with _opened_lock:
                    _opened.pop((str(self.path), os.stat(self.path).st_ino), None)
                time.sleep(0.01 * (attempt + 1))

    def replace_with(self, other):
        """Move a fully built index into this folder's place; the old one goes only then."""
        old = self.path.with_name(self.path.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if self.path.exists():
            os.replace(self.path, old)
        os.replace(other.path, self.path)
        if old.exists():
            shutil.rmtree(old)

    # writing

    def writer(self, timeout=10.0, procs=1, limitmb=64):
        """A writer holding the index's lock (``IndexBusy`` when it cannot be had in time)."""
        ix = self._open()
        threads = max(1, procs)
        heap = max(limitmb, 16) * 1_000_000 * threads
        deadline = time.monotonic() + timeout
        while True:
            try:
                return Writer(ix.writer(heap, threads))
            except ValueError as e:
                if "LockBusy" not in str(e):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusy(str(self.path)) from e
                time.sleep(0.02)

    @staticmethod
    def put(writer, doc):
        """Add or replace one document (by its ``id``)."""
        writer.put(doc)

    @staticmethod
    def add(writer, doc):
        """Add a document known not to be in the index."""
        writer.add(doc)

    @staticmethod
    def remove(writer, doc_id):
        writer.remove(doc_id)

    def update(self, docs, deletions=(), timeout=10.0, failed=None):
        """Add or replace ``docs`` and delete ``deletions`` in one commit.

        With a ``failed`` dict, a document that cannot be written is left out (its previous
        version stays) and ``failed`` maps its id to the exception; without, it raises.
        """
        w = self.writer(timeout=timeout)
        try:
            for doc in docs:
                if failed is None:
                    w.put(doc)
                    continue
                try:
                    w.put(doc)
                except Exception as e:  # noqa: BLE001 - the caller sets the record aside
                    failed[doc["id"]] = e
            for doc_id in deletions:
                w.remove(doc_id)
        except BaseException:
            w.cancel()
            raise
        w.commit()

    # reading

    def count(self):
        return self._searcher()[1].num_docs

    def _shown(self, searcher, addresses):
        return [_loads(searcher.doc(a).get_first("shown")) for a in addresses]

    def fingerprints(self, ids):
        """The stored fingerprint of each of ``ids`` that is in the index."""
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        ix, s = self._searcher()
        found = s.search(tantivy.Query.term_set_query(ix.schema, "id", ids), len(ids), False)
        return {d["id"]: d.get("fingerprint") for d in self._shown(s, [a for _, a in found.hits])}

    def all_ids(self):
        _, s = self._searcher()
        if not s.num_docs:
            return set()
        found = s.search(tantivy.Query.all_query(), s.num_docs, False)
        return {str(i) for i in s.fast_field_values("id", [a for _, a in found.hits])}

    def query(
        self,
        text,
        readable,
        filters=None,
        sort="relevance",
        page=1,
        per_page=20,
        facets=True,
        snippets=True,
    ):
        """Search; only documents of the ``readable`` access classes are ever returned.

        ``filters`` holds exact values for facet fields (``year``, ``category``,
        ``classification``, ``box``, ``hardcopy``, ``media``) and ``date_from``/``date_to``.
        """
        ix, s = self._searcher()
        try:
            parsed = parse(ix.schema, text, readable, filters)
        except QueryError as e:
            return Results([], 0, error=str(e))
        order = {"order_by_field": "date"} if sort == "date" else {}
        page = max(1, page)
        # the facets are counted on another thread while this one finds the hits: tantivy
        # lets go of the GIL, so a query with many hits costs the longer of the two passes
        # over them rather than both
        counting = _facet_threads().submit(_facets, s, parsed.query) if facets else None
        result = s.search(parsed.query, per_page, True, offset=(page - 1) * per_page, **order)
        total = result.count
        pages = max(1, math.ceil(total / per_page))
        if page > pages:  # past the end: the last page
            page = pages
            result = s.search(parsed.query, per_page, False, offset=(page - 1) * per_page, **order)
        found = result.hits
        hits = []
        for (key, _), shown in zip(found, self._shown(s, [a for _, a in found]), strict=True):
            snippet = _snippet_of(shown, parsed.marked) if snippets else Markup("")
            ocr_snippet = _ocr_snippet_of(shown, parsed.marked) if snippets else Markup("")
            score = key if sort != "date" else 0.0
            hits.append(Hit(shown, score, snippet, ocr_snippet))
        groups = counting.result() if counting is not None and total else {}
        return Results(hits, total, groups, page=page, pages=pages)

    def matching_ids(self, text, readable, filters=None, refuse=False):
        """The ids of every document the query matches (newest first), for an export: none
        when it cannot be understood, or ``QueryError`` saying why when ``refuse``."""
        ix, s = self._searcher()
        try:
            parsed = parse(ix.schema, text, readable, filters)
        except QueryError:
            if refuse:
                raise
            return []
        if not s.num_docs:
            return []
        found = s.search(parsed.query, s.num_docs, False, order_by_field="date").hits
        return s.fast_field_values("id", [a for _, a in found])


class Writer:
    """The index's one writer: holds the lock until ``commit`` or ``cancel``."""

    def __init__(self, writer):
        self._w = writer

    def put(self, doc):
        """Replace a document; one that cannot be made leaves the previous one in place."""
        made = _document(doc)
        self.remove(doc["id"])
        self._w.add_document(made)

    def add(self, doc):
        self._w.add_document(_document(doc))

    def remove(self, doc_id):
        self._w.delete_documents_by_term("id", int(doc_id))

    def commit(self):
        self._w.commit()
        self._release()

    def cancel(self):
        self._w.rollback()
        self._release()

    def _release(self):
        self._w.wait_merging_threads()  # ends the writer, which frees the lock
        self._w = None


def _document(doc):
    """The tantivy document of a plain document dict."""
    d = tantivy.Document()
    d.add_integer("id", int(doc["id"]))
    for name in (*STEMMED, *PLAIN):
        for value in _values(doc.get(name)):
            d.add_text(name, indexed(value, stemmed=name in STEMMED))
    for name in EXACT:
        for value in _values(doc.get(name)):
            d.add_text(name, value.lower())
            if name in FACETS:
                d.add_text(f"facet_{name}", value)
    for value in _values(doc.get("ocr")):  # searched as content; shown apart as OCR text
        d.add_text("content", indexed(value, stemmed=True))
    if doc.get("year") is not None:
        d.add_integer("year", int(doc["year"]))
    if doc.get("date") is not None:
        d.add_integer("date", day_number(doc["date"]))
    shown = {k: doc[k] for k in SHOWN if doc.get(k) not in (None, "", [], ())}
    d.add_bytes("shown", json.dumps(shown, default=_json_value, ensure_ascii=False).encode())
    return d


def _values(value):
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


def _json_value(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value))


def _loads(raw):
    shown = json.loads(raw)
    shown["id"] = str(shown["id"])
    for name in ("date", "date_from"):
        if shown.get(name):
            shown[name] = datetime.fromisoformat(shown[name])
    for name in ("senders", "media", "filenames"):
        if isinstance(shown.get(name), list):
            shown[name] = " ".join(shown[name])
    return shown


_threads = None
_threads_pid = None
_threads_lock = threading.Lock()


def _facet_threads():
    """The threads that count facets, made in this process (threads do not survive a fork:
    a server worker forked after an import makes its own)."""
    global _threads, _threads_pid
    with _threads_lock:
        if _threads is None or _threads_pid != os.getpid():
            _threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="warta-facets")
            _threads_pid = os.getpid()
        return _threads


def _facets(searcher, query):
    """Each facet's values with their counts, most frequent first."""
    aggs = {
        f: {"terms": {"field": "year" if f == "year" else f"facet_{f}", "size": 500}}
        for f in FACETS
    }
    counted = searcher.aggregate(query, aggs)
    out = {}
    for f in FACETS:
        pairs = ((b["key"], b["doc_count"]) for b in counted.get(f, {}).get("buckets", []))
        if f == "year":
            pairs = ((int(k), n) for k, n in pairs)
        out[f] = sorted(
            ((k, n) for k, n in pairs if k not in (None, "")), key=lambda kv: (-kv[1], str(kv[0]))
        )
    return out


def day_number(value):
    """The number the index stores a date (or a datetime's day) as: any day a record can
    hold is stored exactly, and the order of the numbers is the order of the days."""
    return date(value.year, value.month, value.day).toordinal()


SNIPPET_CHARS = 240
SURROUND = 60


def _snippet_of(shown, marked):
    """Up to two passages of the content (else the title) with the matched words marked;
    every character escaped."""
    if not marked:
        return Markup("")
    return _snippet(shown.get("content") or "", marked, 2) or _snippet(
        shown.get("title") or "", marked, 1
    )


def _ocr_snippet_of(shown, marked):
    """A passage of the text OCR read from the record's scans, matched words marked."""
    if not marked:
        return Markup("")
    return _snippet(shown.get("ocr") or "", marked, 1) or Markup("")


def _snippet(text, marked, top):
    """Passages of ``text`` around its words whose analysed form is in ``marked``."""
    matches = [(start, end) for term, _, start, end in words(text, stemmed=True) if term in marked]
    if not matches:
        return None
    # passages: runs of matches that fit in SNIPPET_CHARS with SURROUND on each side
    passages = []
    for start, end in matches:
        if passages and end - passages[-1][0] <= SNIPPET_CHARS - 2 * SURROUND:
            passages[-1][1] = end
            passages[-1][2].append((start, end))
        else:
            passages.append([start, end, [(start, end)]])
    best = sorted(passages, key=lambda p: (-len(p[2]), p[0]))[:top]
    out = []
    for first, last, spans in sorted(best, key=lambda p: p[0]):
        begin = _word_edge(text, max(0, first - SURROUND), backwards=True)
        finish = _word_edge(text, min(len(text), last + SURROUND), backwards=False)
        html, at = [], begin
        for start, end in spans:
            html.append(str(escape(text[at:start])))
            html.append(f"<mark>{escape(text[start:end])}</mark>")
            at = end
        html.append(str(escape(text[at:finish])))
        out.append("".join(html).strip())
    return Markup(" … ".join(out))  # noqa: S704  (every piece escaped above)


def _word_edge(text, at, backwards):
    """``at`` moved to the nearest space, so a passage does not start or end mid-word."""
    limit = 20
    if backwards:
        found = text.rfind(" ", max(0, at - limit), at + 1)
        return found + 1 if found >= 0 and at > 0 else at
    found = text.find(" ", at, at + limit)
    return found if found >= 0 else at
