"""Warta's query language, compiled to tantivy queries, and the Indonesian analysis that the
index and the queries share.

Analysis happens in Python, before tantivy sees a word: words are lower-cased, stripped of
accents, Indonesian stop words dropped (their places kept, so phrases stay exact), and stemmed
with Sastrawi, so "pemilih", "pemilihan" and "memilih" all index as "pilih". Each typed word
goes through the same analysis as the field it is looked for in.

The language::

    query   := or
    or      := and ("OR" and)*
    and     := ("AND" | unary)*                       all must match
    unary   := ("NOT" | "-")* primary                 a run of them negates once
    primary := "(" or ")" | field ":" "(" or ")" | field ":" value | value
    value   := word | "exact phrase" | "[" low "TO" high "]" | ("<" | "<=" | ">" | ">=") word

- Fields have Indonesian names (``judul:``, ``kategori:``, ``tahun:``, ``tanggal:`` …, see
  ``ALIASES``); a name that is no field is read as a word (``rapat:pleno``).
- ``tanggal:`` names a day, a month (``tanggal:2026-03``) or a year (``tanggal:1650``); any
  date a record can hold is indexed exactly (as its day number, see ``archive.search``).
- Ranges (``tanggal:[2026-01-01 TO 2026-06-30]``, ``*`` for an open end, both ends included)
  and comparisons (``tahun:>=2020``) are for ``tahun:`` and ``tanggal:`` only.
- ``-`` negates whatever it is written against: a word, a phrase, a group or a field query
  (``-rapat``, ``-"rapat pleno"``, ``-(rapat OR pleno)``, ``-tahun:2020``). A dash standing
  alone is no operator, and a dash right after ``field:`` or a comparison belongs to the value.
- ``field:( … )`` looks for every word, phrase, range or comparison inside in that field:
  ``judul:(pleno OR kampanye)`` is ``judul:pleno OR judul:kampanye``; a field named inside
  the brackets wins there.
- Forgiving where a slip has one reading: an unclosed bracket closes at the end, a stray
  ``)`` or ``]`` is read past, a query of only stop words finds nothing.
- Everything else a person can type either runs or raises ``QueryError`` with an Indonesian
  message: a value its field cannot hold (a day that does not exist), a range or comparison
  on another field, brackets nested deeper than ``MAX_DEPTH``.

This module never imports ``archive.search``; the index imports it.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import tantivy


class QueryError(ValueError):
    """A query that cannot be understood; the message is for the person who typed it."""


# --- Indonesian analysis -------------------------------------------------------------------


@functools.cache
def _stemmer():
    # Sastrawi builds its dictionary on import; only a process that analyses text pays for it.
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


def indexed(text, stemmed):
    """``text`` as tantivy indexes it: the analysed words, space-separated, gaps kept."""
    return " ".join(map(_stemmed_or_gap if stemmed else fold, _WORD.findall(text)))


# --- the fields a query can name -----------------------------------------------------------

#: Full text, analysed with Sastrawi (title counts three times as much in relevance).
STEMMED = ("title", "summary", "content")
#: Names, places, codes and words matched as written (lower-cased, accent-free, not stemmed).
PLAIN = ("codes", "category_words", "people", "roles", "senders", "location", "filenames")
#: Exact values, for filters and facets (compared lower-cased).
EXACT = ("category", "classification", "hardcopy", "box", "media", "access")
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
#: How deep brackets may nest (each level is a few Python frames and a tantivy clause).
MAX_DEPTH = 32
#: A day, a month or a year a query may name (``tanggal:1650`` is the whole year): any a
#: record can hold, since the index stores every date exactly (as its day number).
PERIOD = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


# --- compiling -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """A search compiled for tantivy, with the analysed words a snippet marks."""

    query: tantivy.Query
    marked: frozenset


def parse(schema, text, readable, filters=None):
    """``text`` with the ``filters`` and the ``readable`` access classes as one tantivy query
    (``QueryError`` when it cannot be understood)."""
    parser = _Parser(schema)
    typed = parser.typed(text)
    conditions = [parser.access(readable), *parser.filters(filters or {})]
    query = tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, typed)]
        + [(tantivy.Occur.Must, tantivy.Query.const_score_query(c, 0.0)) for c in conditions]
    )
    return Parsed(query, frozenset(parser.marked))


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
#: A dash written against what follows it (not a space, not a closing bracket).
_MINUS = re.compile(r"\s*-(?=[^\s)])")


def _lex(text):
    """``(kind, value)`` of each token of a typed query."""
    pos, value_next = 0, False  # right after field: comes its value, where a dash is a sign
    while pos < len(text):
        m = None if value_next else _MINUS.match(text, pos)
        kind = "minus" if m else None
        m = m or _QUERY_TOKEN.match(text, pos)
        if m is None:  # a stray "]" (all else matches), or only spaces left: read past
            pos = len(text) - len(text[pos:].lstrip())
            if pos < len(text):
                yield "word", text[pos]
            pos, value_next = pos + 1, False
            continue
        pos = m.end()
        kind = kind or m.lastgroup
        yield kind, "-" if kind == "minus" else m.group(kind)
        value_next = kind == "field" and not value_next


class _Parser:
    """Reads one typed query (recursive descent over ``_lex``'s tokens)."""

    def __init__(self, schema):
        self.schema = schema
        self.marked = set()  # analysed words to highlight
        self.tokens, self.pos, self.depth = [], 0, 0
        self.within = None  # (typed name, field) of the ``field:( … )`` being read

    def typed(self, text):
        """The typed query (every document when there is none)."""
        text = (text or "").replace("\x00", " ").strip()
        if not text:
            return tantivy.Query.all_query()
        self.tokens = list(_lex(text))
        typed = self._or(negated=False)
        while self.pos < len(self.tokens):  # a stray ")": read on
            self.pos += 1
            more = self._or(negated=False)
            typed = _and([typed, more]) if typed and more else typed or more
        return typed or tantivy.Query.empty_query()  # only stop words or brackets

    # conditions

    def access(self, readable):
        """Documents of the ``readable`` access classes (none when there are none)."""
        if not readable:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(self.schema, "access", [c.lower() for c in readable])

    def filters(self, filters):
        """A condition for each filter given a value."""
        for name, value in filters.items():
            if value in (None, ""):
                continue
            if name == "year":
                yield self._term("year", _int(value))
            elif name == "date_from":
                yield self._range("date", _period(value)[0], None)
            elif name == "date_to":
                yield self._range("date", None, _period(value)[1], inclusive=False)
            elif name in ("category", "classification", "box", "hardcopy", "media"):
                yield self._term(name, str(value).lower())

    def _term(self, name, value):
        return tantivy.Query.term_query(self.schema, name, value)

    def _range(self, name, lower, upper, inclusive=True):
        """``lower`` ≤ value, and value ≤ ``upper`` (< when not ``inclusive``); a bound may
        be ``None``."""
        return tantivy.Query.range_query(
            self.schema,
            name,
            tantivy.FieldType.Integer,
            lower,
            upper,
            True,
            inclusive or upper is None,
        )

    # the grammar (see the module's docstring)

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
            if kind == "minus" or (kind, value) == ("word", "NOT"):
                while kind == "minus" or (kind, value) == ("word", "NOT"):
                    self.pos += 1
                    kind, value = self._peek()
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
        if self.within and kind in ("word", "phrase", "compare", "range"):
            return self._field_value_token(*self.within, negated)  # as if after the field
        self.pos += 1
        if kind == "open":
            if self.depth >= MAX_DEPTH:
                raise QueryError(f"Tanda kurung bertingkat paling banyak {MAX_DEPTH} lapis.")
            self.depth += 1
            q = self._or(negated)
            self.depth -= 1
            if self._peek()[0] == "close":
                self.pos += 1
            return q
        if kind == "field":
            return self._field(value, negated)
        if kind in ("word", "phrase", "compare", "range"):
            return self._words(None, _unquote(kind, value), negated)
        return None

    def _field(self, typed, negated):
        """What follows ``typed:`` (the field token, already read)."""
        name = QUERY_FIELDS.get(typed.lower())
        next_kind, next_value = self._peek()
        if next_kind == "open":  # field:( … ): the field for everything inside
            within = self.within
            if name is not None:
                self.within = (typed, name)
            try:
                group = self._primary(negated)
            finally:
                self.within = within
            if name is not None:
                return group
            parts = [p for p in (self._loose(typed, negated), group) if p is not None]
            return _and(parts) if parts else None
        if next_kind is None or next_kind == "close":
            return None
        if name is None:  # not a field: the words themselves
            self.pos += 1
            parts = [self._loose(typed, negated)]
            parts.append(self._loose(_unquote(next_kind, next_value), negated))
            parts = [p for p in parts if p is not None]
            return _and(parts) if parts else None
        return self._field_value_token(typed, name, negated)

    def _field_value_token(self, typed, name, negated):
        """The value token after ``typed:`` (a word, phrase, range or comparison) in ``name``."""
        kind, value = self._peek()
        self.pos += 1
        if kind == "compare":
            bound_kind, bound = self._peek()
            if bound_kind == "minus" and self.pos + 1 < len(self.tokens):
                self.pos += 1  # tahun:>=-5: the dash is the bound's sign
                bound_kind, bound = self._peek()
                bound = f"-{bound}"
            if bound_kind != "word":
                raise QueryError(f"Setelah {typed}:{value} harus ada nilai.")
            self.pos += 1
            return self._compare(name, value, bound)
        if kind == "range":
            return self._range_of(name, value)
        return self._field_value(name, _unquote(kind, value), negated)

    # values

    def _loose(self, text, negated):
        """Text that names no field: in the field of the brackets it is in, else anywhere."""
        if self.within:
            return self._field_value(self.within[1], text, negated)
        return self._words(None, text, negated)

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
            first, after = _period(value)
            return self._range("date", first, after, inclusive=False)
        if name in EXACT:
            return self._term(name, value.strip().lower())
        return self._words(name, value, negated)

    def _compare(self, name, op, value):
        if name not in ("year", "date"):
            raise QueryError("Perbandingan < dan > hanya untuk tahun: dan tanggal:.")
        if name == "date":  # after the period / up to its end, or from / before its start
            bound = _period(value)[1 if op in (">", "<=") else 0]
        else:
            bound = _int(value) + (1 if op in (">", "<=") else 0)
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
            lower = _period(low)[0] if low not in ("", "*") else None
            upper = _period(high)[1] if high not in ("", "*") else None
        if lower is None and upper is None:
            return tantivy.Query.all_query()
        return self._range(name, lower, upper, inclusive=False)


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


def _period(value):
    """The day numbers (as the index stores them) of the first day of a day, month or year
    and of the day after it; ``QueryError`` when ``value`` is none of them."""
    if isinstance(value, date):  # a datetime too: its day
        first = date(value.year, value.month, value.day)
        return first.toordinal(), first.toordinal() + 1
    found = PERIOD.fullmatch(str(value).strip())
    try:
        if found is None:
            raise ValueError
        year, month, day = (int(g) if g else None for g in found.groups())
        if day is not None:
            first = date(year, month, day)
            return first.toordinal(), first.toordinal() + 1
        if month is not None:
            first = date(year, month, 1)
            last_month = year == 9999 and month == 12
            after = None if last_month else date(year + month // 12, month % 12 + 1, 1)
        else:
            first = date(year, 1, 1)
            after = date(year + 1, 1, 1) if year < 9999 else None
    except ValueError:
        raise QueryError(f"“{value}” bukan tanggal (tulis TTTT-BB-HH).") from None
    return first.toordinal(), (after.toordinal() if after else date.max.toordinal() + 1)
