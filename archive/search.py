"""The archive's search index: one interface, a tantivy implementation. No tantivy code lives
anywhere else.

Documents are plain dicts (see ``FIELDS``); the index never decides who may see what, the
caller passes the access classes the person may read. Indonesian analysis happens here, in
Python, before tantivy sees a word: words are lower-cased, stripped of accents, Indonesian
stop words dropped (their places kept, so phrases stay exact), and stemmed with Sastrawi, so
"pemilih", "pemilihan" and "memilih" all index as "pilih". tantivy stores the analysed words
and does the rest: postings, BM25 scoring, phrases, ranges, sorting and facet counts.

The query language is parsed here too, so that each typed word goes through the same
analysis as the field it is looked for in: words (all must match), ``"exact phrases"``,
``field:value`` with Indonesian field names (``kategori:``, ``tahun:``, ``lokasi:`` …),
ranges ``tanggal:[2026-01-01 TO 2026-06-30]``, ``tahun:>=2020``, ``OR``, ``NOT`` or ``-``
and parentheses.
"""

import functools
import json
import math
import os
import re
import shutil
import threading
import time
import unicodedata
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import tantivy
from markupsafe import Markup
from markupsafe import escape

#: Bump when the schema or the analysis changes: the index is then rebuilt.
SCHEMA_VERSION = 2
VERSION_FILE = "warta-schema-version"


class IndexBusy(Exception):
    """Another process holds the index's write lock."""


class IndexMissing(Exception):
    """There is no index yet (``archive reindex`` makes one)."""


class QueryError(ValueError):
    """A query that cannot be understood; the message is for the person who typed it."""


# --- Indonesian analysis -------------------------------------------------------------------


@functools.cache
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer(isDev=False)


@functools.lru_cache(maxsize=500_000)
def stem(word):
    """The Sastrawi stem of one lower-case word (numbers and codes are kept as they are)."""
    if not word.isalpha() or len(word) < 4:
        return word
    return _stemmer().stem(word) or word


#: Indonesian function words. Sastrawi's own list (800 words) also drops words that carry
#: meaning in records ("tetap", "akhir", "baru"), which would break exact phrases such as
#: "daftar pemilih tetap"; this list keeps to words that never do.
STOP_WORDS = frozenset(
    """
    ada adalah agar akan aku anda antara apa apabila atau bagi bahwa baik begitu belum
    bisa boleh bukan dalam dan dapat dari demikian dengan di dia harus hingga ia ini itu
    jika juga kami kamu karena ke kemudian kepada ketika kita lagi lain maka masih mereka
    meski namun nya oleh pada para per saat sambil sangat saja sebagai sebelum sedang
    sehingga sejak sekitar selain seperti serta setelah sudah supaya tanpa tentang tersebut
    tetapi untuk walau yaitu yakni yang
    """.split()
)

#: A word: letters and digits, with inner dots, dashes and slashes ("HM.02.01", "B-07").
TOKENS = r"\w+(?:[.\-/]\w+)*"
_WORD = re.compile(TOKENS)
#: Stands in the index for a dropped stop word, keeping the positions of the words after it.
#: It is no word character, so no typed query can ever produce it.
_GAP = "\u2063"


@functools.lru_cache(maxsize=500_000)
def fold(word):
    """Lower-case and without accents: "Pémilu" → "pemilu"."""
    word = word.lower()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=500_000)
def _stemmed(word):
    """The indexed form of one word in an analysed field (``None`` for a stop word)."""
    folded = fold(word)
    return None if folded in STOP_WORDS else stem(folded)


def words(text, stemmed=True):
    """``(term, position, start, end)`` of each indexed word of ``text``."""
    out = []
    for position, m in enumerate(_WORD.finditer(text)):
        term = _stemmed(m.group()) if stemmed else fold(m.group())
        if term is not None:
            out.append((term, position, m.start(), m.end()))
    return out


@functools.lru_cache(maxsize=500_000)
def _stemmed_or_gap(word):
    """The indexed form of one word of an analysed field; a stop word keeps its place."""
    return _stemmed(word) or _GAP


def _indexed(text, stemmed):
    """``text`` as tantivy indexes it: the analysed words, space-separated, gaps kept."""
    return " ".join(map(_stemmed_or_gap if stemmed else fold, _WORD.findall(text)))


# --- the schema ----------------------------------------------------------------------------

#: Full text, analysed with Sastrawi (title counts three times as much in relevance).
STEMMED = ("title", "summary", "content")
#: Names, places, codes and words matched as written (lower-cased, accent-free, not stemmed).
PLAIN = ("codes", "category_words", "people", "roles", "senders", "location", "filenames")
#: Exact values, for filters and facets (compared lower-cased).
EXACT = ("category", "classification", "hardcopy", "box", "media", "access")
#: Facets with counts; counted over the value as written.
FACETS = ("year", "category", "classification", "box", "hardcopy")
#: What a hit shows (kept whole in each document's stored part).
SHOWN = (
    "id nomor_arsip title summary content category classification year date date_from senders "
    "media hardcopy location box access filenames notext origin fingerprint"
).split()
#: The fields a document may carry.
FIELDS = tuple(dict.fromkeys(("id", *STEMMED, *PLAIN, *EXACT, *SHOWN)))
#: Searched when the query names no field.
DEFAULT_FIELDS = ("title", "summary", "content", "codes", "people", "senders", "filenames")
BOOSTS = {"title": 3.0}
#: Indonesian field names people type (``kategori:sosialisasi``) → schema fields.
ALIASES = {
    "category_words": ["kategori"],
    "year": ["tahun"],
    "classification": ["klasifikasi"],
    "location": ["lokasi"],
    "media": ["media"],
    "senders": ["pengirim"],
    "box": ["boks"],
    "title": ["judul"],
    "people": ["orang", "pelaksana"],
    "date": ["tanggal"],
    "hardcopy": ["fisik"],
    "codes": ["nomor"],
    "filenames": ["berkas"],
    "roles": ["peran"],
}
#: Every name a query may use before a colon → its field.
QUERY_FIELDS = {
    **{alias: name for name, aliases in ALIASES.items() for alias in aliases},
    **{name: name for name in (*STEMMED, *PLAIN, "category", "classification", "box")},
    **{name: name for name in ("hardcopy", "media", "year", "date")},
}


def make_schema():
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
    b.add_date_field("date", indexed=True, fast=True)
    b.add_bytes_field("shown", stored=True)
    return b.build()


# --- results -------------------------------------------------------------------------------


@dataclass
class Hit:
    fields: dict
    score: float
    snippet: Markup


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

    def update(self, docs, deletions=(), timeout=10.0):
        """Add or replace ``docs`` and delete ``deletions`` in one commit."""
        w = self.writer(timeout=timeout)
        try:
            for doc in docs:
                w.put(doc)
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
            parsed = _Parsed(ix.schema, text, readable, filters)
        except QueryError as e:
            return Results([], 0, error=str(e))
        order = {"order_by_field": "date"} if sort == "date" else {}
        page = max(1, page)
        result = s.search(parsed.query, per_page, True, offset=(page - 1) * per_page, **order)
        total = result.count
        pages = max(1, math.ceil(total / per_page))
        if page > pages:  # past the end: the last page
            page = pages
            result = s.search(parsed.query, per_page, False, offset=(page - 1) * per_page, **order)
        found = result.hits
        hits = []
        for (key, _), shown in zip(found, self._shown(s, [a for _, a in found]), strict=True):
            snippet = parsed.snippet(shown) if snippets else Markup("")
            score = key if sort != "date" else 0.0
            hits.append(Hit(shown, score, snippet))
        groups = _facets(s, parsed.query) if facets and total else {}
        return Results(hits, total, groups, page=page, pages=pages)

    def matching_ids(self, text, readable, filters=None):
        """The ids of every document the query matches (newest first), for an export."""
        ix, s = self._searcher()
        try:
            parsed = _Parsed(ix.schema, text, readable, filters)
        except QueryError:
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
        self.remove(doc["id"])
        self.add(doc)

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
            d.add_text(name, _indexed(value, stemmed=name in STEMMED))
    for name in EXACT:
        for value in _values(doc.get(name)):
            d.add_text(name, value.lower())
            if name in FACETS:
                d.add_text(f"facet_{name}", value)
    if doc.get("year") is not None:
        d.add_integer("year", int(doc["year"]))
    if doc.get("date") is not None:
        d.add_date("date", _as_datetime(doc["date"]))
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


# --- queries -------------------------------------------------------------------------------

_QUERY_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) |
        (?P<field>[^\s():"\[\]]+):(?=["\[<>(]|[^\s)]) |
        (?P<phrase>"[^"]*"?) |
        (?P<range>\[[^\]]*\]?) |
        (?P<compare>[<>]=?) |
        (?P<word>[^\s()"\[\]]+)
    )""",
    re.VERBOSE,
)


class _Parsed:
    """A typed query compiled to a tantivy query, with the filters and access classes, and
    the words to mark in snippets."""

    def __init__(self, schema, text, readable, filters):
        self.schema = schema
        self.marked = set()  # analysed words to highlight
        text = (text or "").replace("\x00", " ").strip()
        if text:
            self.pos = 0
            self.tokens = list(_lex(text))
            typed = self._or(negated=False)
            while self.pos < len(self.tokens):  # a stray ")": read on
                self.pos += 1
                more = self._or(negated=False)
                typed = _and([typed, more]) if typed and more else typed or more
            typed = typed or tantivy.Query.empty_query()  # only stop words or brackets
        else:
            typed = tantivy.Query.all_query()
        conditions = [self._access(readable), *self._filters(filters or {})]
        self.query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, typed)]
            + [(tantivy.Occur.Must, tantivy.Query.const_score_query(c, 0.0)) for c in conditions]
        )

    # conditions

    def _access(self, readable):
        if not readable:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(self.schema, "access", [c.lower() for c in readable])

    def _filters(self, filters):
        for name, value in filters.items():
            if value in (None, ""):
                continue
            if name == "year":
                yield self._term("year", _int(value))
            elif name == "date_from":
                yield self._range("date", _day(value), None)
            elif name == "date_to":
                yield self._range("date", None, _day(value) + timedelta(days=1), inclusive=False)
            elif name in ("category", "classification", "box", "hardcopy", "media"):
                yield self._term(name, str(value).lower())

    def _term(self, name, value):
        return tantivy.Query.term_query(self.schema, name, value)

    def _range(self, name, lower, upper, inclusive=True):
        """``lower`` ≤ value, and value ≤ ``upper`` (< when not ``inclusive``); a bound may
        be ``None``."""
        kind = tantivy.FieldType.Date if name == "date" else tantivy.FieldType.Integer
        return tantivy.Query.range_query(
            self.schema, name, kind, lower, upper, True, inclusive or upper is None
        )

    # grammar: or := and ("OR" and)* ; and := unary+ ; unary := ("NOT"|"-") unary | primary

    def _peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def _or(self, negated):
        parts = [self._and(negated)]
        while self._peek() == ("word", "OR"):
            self.pos += 1
            parts.append(self._and(negated))
        parts = [p for p in parts if p is not None]
        if len(parts) > 1:
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in parts])
        return parts[0] if parts else None

    def _and(self, negated):
        must, must_not = [], []
        while True:
            kind, value = self._peek()
            if kind is None or kind == "close" or (kind, value) == ("word", "OR"):
                break
            if (kind, value) == ("word", "AND"):
                self.pos += 1
                continue
            if (kind, value) == ("word", "NOT") or (kind == "word" and value.startswith("-")):
                if value == "NOT":
                    self.pos += 1
                else:
                    self.tokens[self.pos] = ("word", value[1:])
                    if not value[1:]:
                        self.pos += 1
                        continue
                q = self._primary(not negated)
                if q is not None:
                    must_not.append(q)
                continue
            q = self._primary(negated)
            if q is not None:
                must.append(q)
        if not must and not must_not:
            return None
        if not must:
            must = [tantivy.Query.all_query()]
        return _and(must, must_not)

    def _primary(self, negated):
        kind, value = self._peek()
        self.pos += 1
        if kind == "open":
            q = self._or(negated)
            if self._peek()[0] == "close":
                self.pos += 1
            return q
        if kind == "field":
            name = QUERY_FIELDS.get(value.lower())
            next_kind, next_value = self._peek()
            if next_kind is None or next_kind in ("open", "close"):
                return None
            self.pos += 1
            if name is None:  # not a field: the words themselves
                parts = [self._words(None, value, negated)]
                parts.append(self._words(None, _unquote(next_kind, next_value), negated))
                parts = [p for p in parts if p is not None]
                return _and(parts) if parts else None
            if next_kind == "compare":
                bound_kind, bound = self._peek()
                if bound_kind != "word":
                    raise QueryError(f"Setelah {value}:{next_value} harus ada nilai.")
                self.pos += 1
                return self._compare(name, next_value, bound)
            if next_kind == "range":
                return self._range_of(name, next_value)
            return self._field_value(name, _unquote(next_kind, next_value), negated)
        if kind in ("word", "phrase", "compare", "range"):
            return self._words(None, _unquote(kind, value), negated)
        return None

    # values

    def _words(self, name, text, negated):
        """Typed words (one word, or a phrase) in one field, or in any default field."""
        fields = (name,) if name else DEFAULT_FIELDS
        if name is None and not words(text, stemmed=True):
            return None  # only stop words (or no word at all): nothing to ask
        options = []
        for f in fields:
            found = words(text, stemmed=f in STEMMED)
            if not found:
                continue
            if f in STEMMED and not negated:
                self.marked.update(term for term, *_ in found)
            if len(found) == 1:
                q = self._term(f, found[0][0])
            else:
                first = found[0][1]
                q = tantivy.Query.phrase_query(
                    self.schema, f, [(pos - first, term) for term, pos, *_ in found]
                )
            if f in BOOSTS:
                q = tantivy.Query.boost_query(q, BOOSTS[f])
            options.append(q)
        if not options:
            return None
        if len(options) == 1:
            return options[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in options])

    def _field_value(self, name, value, negated):
        if name == "year":
            return self._term("year", _int(value))
        if name == "date":
            day = _day(value)
            return self._range("date", day, day + timedelta(days=1), inclusive=False)
        if name in EXACT:
            return self._term(name, value.strip().lower())
        return self._words(name, value, negated)

    def _compare(self, name, op, value):
        if name not in ("year", "date"):
            raise QueryError("Perbandingan < dan > hanya untuk tahun: dan tanggal:.")
        bound = _int(value) if name == "year" else _day(value)
        if op in (">", "<=") and name == "date":
            bound += timedelta(days=1)  # after the day / up to its end
        elif op == ">":
            bound += 1
        elif op == "<=" and name == "year":
            bound += 1
        if op.startswith(">"):
            return self._range(name, bound, None)
        return self._range(name, None, bound, inclusive=False)

    def _range_of(self, name, text):
        if name not in ("year", "date"):
            raise QueryError("Rentang [… TO …] hanya untuk tahun: dan tanggal:.")
        inner = text.strip("[]")
        parts = re.split(r"\s+TO\s+", inner.strip(), flags=re.IGNORECASE)
        if len(parts) != 2:
            raise QueryError("Tulis rentang seperti tanggal:[2026-01-01 TO 2026-06-30].")
        low, high = (p.strip().strip('"') for p in parts)
        if name == "year":
            lower = _int(low) if low not in ("", "*") else None
            upper = _int(high) + 1 if high not in ("", "*") else None
        else:
            lower = _day(low) if low not in ("", "*") else None
            upper = _day(high) + timedelta(days=1) if high not in ("", "*") else None
        if lower is None and upper is None:
            return tantivy.Query.all_query()
        return self._range(name, lower, upper, inclusive=False)

    # snippets

    def snippet(self, shown):
        """Up to two passages of the content (else the title) with the matched words marked;
        every character escaped."""
        if not self.marked:
            return Markup("")
        return _snippet(shown.get("content") or "", self.marked, 2) or _snippet(
            shown.get("title") or "", self.marked, 1
        )


def _lex(text):
    pos = 0
    while pos < len(text):
        m = _QUERY_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip():
                yield "word", text[pos:].strip()
            return
        pos = m.end()
        kind = m.lastgroup
        if kind is not None:
            yield kind, m.group(kind)


def _unquote(kind, value):
    if kind == "phrase":
        return value.strip('"')
    if kind == "range":
        return value.strip("[]")
    return value


def _and(must, must_not=()):
    if len(must) == 1 and not must_not:
        return must[0]
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, q) for q in must] + [(tantivy.Occur.MustNot, q) for q in must_not]
    )


def _int(value):
    try:
        number = int(str(value).strip())
    except ValueError:
        raise QueryError(f"“{value}” bukan tahun yang dikenali.") from None
    if not -(2**62) < number < 2**62:
        raise QueryError(f"“{value}” bukan tahun yang dikenali.")
    return number


def _day(value):
    if isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        d = date.fromisoformat(str(value).strip())
    except ValueError:
        raise QueryError(f"“{value}” bukan tanggal (tulis TTTT-BB-HH).") from None
    return datetime(d.year, d.month, d.day)


def _as_datetime(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime(value.year, value.month, value.day)


SNIPPET_CHARS = 240
SURROUND = 60


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
