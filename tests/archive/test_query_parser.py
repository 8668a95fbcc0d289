"""The query parser pinned without an index: ``parse`` compared query for query.

A typed query is compared with another spelling that must compile to the same tantivy query
(their reprs hold every field, term, position, boost and occurrence), or with the query built
by hand; the words a snippet marks are compared as exact sets; every refusal by its exact
message. The boundary tables (test_search_boundaries.py) answer the same questions with
documents; these pin what documents cannot tell apart.
"""

from datetime import datetime

import pytest
import tantivy

from archive.query import DEFAULT_FIELDS
from archive.query import STEMMED
from archive.query import QueryError
from archive.query import indexed
from archive.query import parse
from archive.query import words
from archive.search import make_schema

SCHEMA = make_schema()
READABLE = ["biasa"]
Occur = tantivy.Occur
Q = tantivy.Query


def _parse(text, filters=None):
    return parse(SCHEMA, text, READABLE, filters)


def _query(text, filters=None):
    return repr(_parse(text, filters).query)


def _built(typed, *conditions):
    """What ``parse`` makes of a typed query built by hand, with the access to READABLE."""
    access = Q.term_set_query(SCHEMA, "access", READABLE)
    return repr(
        Q.boolean_query(
            [(Occur.Must, typed)]
            + [(Occur.Must, Q.const_score_query(c, 0.0)) for c in (access, *conditions)]
        )
    )


def _term(field, value):
    q = Q.term_query(SCHEMA, field, value)
    return Q.boost_query(q, 3.0) if field == "title" else q


def _anywhere(word):
    """One analysed word in every default field."""
    return Q.boolean_query([(Occur.Should, _term(f, word)) for f in DEFAULT_FIELDS])


def _phrase_anywhere(stemmed, plain):
    """A phrase in every default field: its analysed words there, numbered from 0."""
    options = []
    for f in DEFAULT_FIELDS:
        found = stemmed if f in STEMMED else plain
        q = Q.phrase_query(SCHEMA, f, list(enumerate(found)))
        options.append((Occur.Should, Q.boost_query(q, 3.0) if f == "title" else q))
    return Q.boolean_query(options)


def _all(*must, must_not=()):
    return Q.boolean_query([(Occur.Must, q) for q in must] + [(Occur.MustNot, q) for q in must_not])


def _range(field, lower, upper, upper_included=False):
    if field == "date":  # the index stores a date as its day number
        lower, upper = (d.toordinal() if d is not None else None for d in (lower, upper))
    return Q.range_query(
        SCHEMA, field, tantivy.FieldType.Integer, lower, upper, True, upper_included
    )


# --- queries built by hand --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, typed",
    [
        ("judul:rapat", _term("title", "rapat")),  # one field: no boolean around it
        ("rapat", _anywhere("rapat")),
        ("(rapat)", _anywhere("rapat")),
        ("[rapat]", _anywhere("rapat")),  # a range outside a field: its words
        ("rapat:pleno", _all(_anywhere("rapat"), _anywhere("pleno"))),
        (
            "rapat:pleno kampanye",
            _all(_all(_anywhere("rapat"), _anywhere("pleno")), _anywhere("kampanye")),
        ),
        ("-rapat", _all(Q.all_query(), must_not=[_anywhere("rapat")])),
        ("]pleno", _anywhere("pleno")),  # a stray "]" is read past, not the letter after it
        ("tahun:2020", Q.term_query(SCHEMA, "year", 2020)),
        ("tahun:[2019 TO 2020]", _range("year", 2019, 2021)),
        ("tahun:[* TO 2020]", _range("year", None, 2021)),
        ('tahun:["" TO 2020]', _range("year", None, 2021)),  # an empty end is open too
        ('tahun:[2019 TO ""]', _range("year", 2019, None, True)),
        ('tanggal:["" TO 2026-01-01]', _range("date", None, datetime(2026, 1, 2))),
        ("tahun:[2019 TO *]", _range("year", 2019, None, True)),
        ("tahun:[ * TO * ]", Q.all_query()),
        (
            "tanggal:[2026-01-01 TO 2026-06-30]",
            _range("date", datetime(2026, 1, 1), datetime(2026, 7, 1)),
        ),
        (
            'tanggal:[" 2026-01-01 " to ""]',
            _range("date", datetime(2026, 1, 1), None, True),
        ),
        ("tanggal:2026-01-01", _range("date", datetime(2026, 1, 1), datetime(2026, 1, 2))),
        ("tanggal:<=2026-01-01", _range("date", None, datetime(2026, 1, 2))),
        ("tahun:>2020", _range("year", 2021, None, True)),
        # a leading stop word: in the stemmed fields the phrase starts at its first word; the
        # fields matched as written keep the stop word
        ('"di kantor desa"', _phrase_anywhere(["kantor", "desa"], ["di", "kantor", "desa"])),
    ],
)
def test_what_a_typed_query_compiles_to(text, typed):
    assert _query(text) == _built(typed)


def test_filters_are_constant_score_conditions_after_access():
    assert _query("", {"year": 2020, "date_to": "2026-01-01"}) == _built(
        Q.all_query(),
        Q.term_query(SCHEMA, "year", 2020),
        _range("date", None, datetime(2026, 1, 2)),
    )


def test_an_empty_filter_skips_only_itself():
    both = {"category": "Berita"}
    assert _query("rapat", {"year": None, **both}) == _query("rapat", both)
    assert _query("rapat", {"box": "", **both, "media": None}) == _query("rapat", both)
    assert _query("rapat", both) != _query("rapat")


# --- two spellings, one query -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, same",
    [
        # a field group: its field for everything inside, a field named inside wins, and the
        # outer field again after an inner group closes
        ('judul:("rapat pleno")', 'judul:"rapat pleno"'),
        ("judul:(rapat:pleno)", "judul:rapat judul:pleno"),
        ("judul:(content:(kampanye) pleno)", "content:kampanye judul:pleno"),
        ("judul:(content:(kampanye) (pleno))", "content:kampanye judul:pleno"),
        ("klasifikasi:(rapat:[HM.02])", "klasifikasi:rapat klasifikasi:HM.02"),
        ('klasifikasi:(rapat:"HM.02")', "klasifikasi:rapat klasifikasi:HM.02"),
        ("[Xa TO bX]", '"Xa TO bX"'),
        ('"Xenon"', "Xenon"),
        # names that are no field, and only stop words: nothing asked
        ("yang:di rapat", "rapat"),
        ("yang:(di) rapat", "rapat"),
        ("rapat yang:(di)", "rapat"),
        # a stray ")" reads on; a NUL is a space
        ("rapat) pleno", "rapat pleno"),
        ("pleno\x00rapat", "pleno rapat"),
    ],
)
def test_two_spellings_compile_to_one_query(text, same):
    assert _query(text) == _query(same)
    assert _parse(text).marked == _parse(same).marked


# --- the words a snippet marks: never a negated one ---------------------------------------


@pytest.mark.parametrize(
    "text, marked",
    [
        ("pemilihan", {"pilih"}),  # only the stemmed fields' analysis
        ("-pemilihan", set()),
        ("NOT rapat", set()),
        ("-(rapat)", set()),
        ("-(rapat OR pleno)", set()),
        ("-(rapat pleno) kampanye", {"kampanye"}),
        ("-judul:rapat", set()),
        ("-judul:(rapat)", set()),
        ("-judul:(rapat OR pleno)", set()),
        ("-judul:(rapat:pleno)", set()),
        ("-rapat:pleno", set()),
        ("-rapat:(pleno)", set()),
        ("rapat:pleno", {"rapat", "pleno"}),
        ("rapat:pleno kampanye", {"rapat", "pleno", "kampanye"}),
        ("rapat) pleno", {"rapat", "pleno"}),
        ("rapat) -pleno", {"rapat"}),
        ("]pleno", {"pleno"}),
        ("[rapat]", {"rapat"}),
        ("[Xa TO bX]", {"xa", "to", "bx"}),
        ('"Xenon"', {"xenon"}),
        ("lokasi:gudang pengirim:bawaslu", set()),  # fields matched as written
    ],
)
def test_the_words_marked(text, marked):
    assert _parse(text).marked == marked


# --- what is refused, and the exact reason -----------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("judul:>rapat", "Perbandingan < dan > hanya untuk tahun: dan tanggal:."),
        ("judul:[a TO b]", "Rentang [… TO …] hanya untuk tahun: dan tanggal:."),
        ("tahun:[2020]", "Tulis rentang seperti tanggal:[2026-01-01 TO 2026-06-30]."),
        (
            "tahun:[2020 TO 2021 TO 2022]",
            "Tulis rentang seperti tanggal:[2026-01-01 TO 2026-06-30].",
        ),
        ("tahun:>=", "Setelah tahun:>= harus ada nilai."),
        ("tahun:>]", "“]” bukan tahun yang dikenali."),
        ("tahun:4611686018427387904", "“4611686018427387904” bukan tahun yang dikenali."),
        ("tahun:-4611686018427387904", "“-4611686018427387904” bukan tahun yang dikenali."),
        ("tahun:[* TO x]", "“x” bukan tahun yang dikenali."),
        ("tahun:[X2020 TO 2021]", "“X2020” bukan tahun yang dikenali."),
        ("tahun:[2020 TO 2021X]", "“2021X” bukan tahun yang dikenali."),
        ("tanggal:[x TO *]", "“x” bukan tanggal (tulis TTTT-BB-HH)."),
        ("tanggal:10000-01-01", "“10000-01-01” bukan tanggal (tulis TTTT-BB-HH)."),
        ("tanggal:1650-13", "“1650-13” bukan tanggal (tulis TTTT-BB-HH)."),
        ("tanggal:[0202-00 TO *]", "“0202-00” bukan tanggal (tulis TTTT-BB-HH)."),
        ("(" * 33 + "rapat", "Tanda kurung bertingkat paling banyak 32 lapis."),
        ("(rapat) " + "(" * 33 + "pleno", "Tanda kurung bertingkat paling banyak 32 lapis."),
        ("((rapat)) " + "(" * 33 + "pleno", "Tanda kurung bertingkat paling banyak 32 lapis."),
    ],
)
def test_what_is_refused_and_why(text, message):
    with pytest.raises(QueryError) as refused:
        _parse(text)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "text, typed",
    [
        ("tahun:4611686018427387903", Q.term_query(SCHEMA, "year", 2**62 - 1)),
        ("tahun:-4611686018427387903", Q.term_query(SCHEMA, "year", -(2**62) + 1)),
        ("tanggal:1800-01-01", _range("date", datetime(1800, 1, 1), datetime(1800, 1, 2))),
        ("tanggal:2100-12-31", _range("date", datetime(2100, 12, 31), datetime(2101, 1, 1))),
    ],
)
def test_the_last_values_allowed(text, typed):
    assert _query(text) == _built(typed)


def test_brackets_closed_do_not_count_toward_the_limit():
    deepest = "(" * 32 + "pleno" + ")" * 32
    for before, marked in [
        ("(rapat) ", {"rapat"}),
        ("((rapat)) ", {"rapat"}),
        ("(rapat) (kampanye) ", {"rapat", "kampanye"}),
    ]:
        assert _parse(before + deepest).marked == marked | {"pleno"}


# --- the analysis the index and the queries share ----------------------------------------


def test_indexed_text_is_stemmed_only_when_asked():
    assert indexed("Pemilihan di Kantor", stemmed=False) == "pemilihan di kantor"
    assert indexed("Pemilihan di Kantor", stemmed=True) == "pilih \u2063 kantor"


def test_words_are_stemmed_unless_asked_not_to():
    assert words("Pemilihan di Kantor") == [("pilih", 0, 0, 9), ("kantor", 2, 13, 19)]
    assert words("Pemilihan di Kantor", stemmed=False) == [
        ("pemilihan", 0, 0, 9),
        ("di", 1, 10, 12),
        ("kantor", 2, 13, 19),
    ]
