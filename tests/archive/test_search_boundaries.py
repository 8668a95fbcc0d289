"""Boundary tables for the archive's query language and filters: every range end, every
comparison, every filter, and the operators, each answered by the exact set of documents.

Each table searches a small real index (tmp_path) whose documents sit exactly on the
boundaries. Where a filter is tested, the documents on both sides of it come in both access
classes and the searcher may read both, so only the filter can decide; access has its own
test where only access decides.
"""

from datetime import date
from datetime import datetime

import pytest

from archive.search import SearchIndex

BOTH = ["biasa", "terbatas"]


def _index(path, docs):
    ix = SearchIndex(path).create()
    ix.update(docs)
    assert ix.count() == len(docs)
    return ix


def _found(ix, text, readable=BOTH, filters=None):
    """The nomor of every document ``text`` finds, by both ways of searching: a page of hits
    and the ids for an export must agree."""
    r = ix.query(text, readable, filters, per_page=100, facets=False, snippets=False)
    assert r.error is None, r.error
    assert r.total == len(r.hits)
    by_id = {int(h.fields["id"]): h.fields["nomor_arsip"] for h in r.hits}
    assert sorted(ix.matching_ids(text, readable, filters)) == sorted(by_id)
    return set(by_id.values())


def _doc(id, nomor, **fields):
    return {
        "id": id,
        "nomor_arsip": nomor,
        "title": f"Arsip {id}",
        "content": "",
        "access": "biasa",
        "fingerprint": str(id),
        **fields,
    }


# --- dates: tanggal:D, tanggal:[A TO B], tanggal:>D … ---------------------------------------

DAYS = [
    date(2025, 12, 31),
    date(2026, 1, 1),
    date(2026, 1, 2),
    date(2026, 6, 30),
    date(2026, 7, 1),
    date(2026, 12, 31),
    date(2027, 1, 1),
]
ALL_DAYS = {d.isoformat() for d in DAYS}


def _days(*isos):
    assert set(isos) <= ALL_DAYS
    return set(isos)


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    """One document per boundary day, all of one access class, named by its day."""
    docs = [
        _doc(
            i,
            d.isoformat(),
            content="laporan harian",
            year=d.year,
            date=datetime(d.year, d.month, d.day),
        )
        for i, d in enumerate(DAYS, start=1)
    ]
    return _index(tmp_path_factory.mktemp("dated") / "ix", docs)


@pytest.mark.parametrize(
    "query, found",
    [
        # one day
        ("tanggal:2026-01-01", _days("2026-01-01")),
        ("tanggal:2025-12-31", _days("2025-12-31")),
        ("tanggal:2026-06-30", _days("2026-06-30")),
        ("tanggal:2026-12-31", _days("2026-12-31")),
        ("tanggal:2027-01-01", _days("2027-01-01")),
        ('tanggal:"2026-01-02"', _days("2026-01-02")),
        ("tanggal:2026-01-03", set()),
        # ranges: both ends included
        (
            "tanggal:[2026-01-01 TO 2026-06-30]",
            _days("2026-01-01", "2026-01-02", "2026-06-30"),
        ),
        (
            "tanggal:[2026-01-01 TO 2026-12-31]",
            _days("2026-01-01", "2026-01-02", "2026-06-30", "2026-07-01", "2026-12-31"),
        ),
        ("tanggal:[2026-01-02 TO 2026-01-02]", _days("2026-01-02")),
        ("tanggal:[2026-06-30 TO 2026-07-01]", _days("2026-06-30", "2026-07-01")),
        ("tanggal:[2025-12-31 TO 2026-01-01]", _days("2025-12-31", "2026-01-01")),
        ("tanggal:[2026-07-01 TO 2026-06-30]", set()),  # the wrong way round
        ("tanggal:[2026-01-03 TO 2026-06-29]", set()),  # between two documents
        ("tanggal:[2026-01-01 to 2026-01-02]", _days("2026-01-01", "2026-01-02")),
        ('tanggal:["2026-12-31" TO "2027-01-01"]', _days("2026-12-31", "2027-01-01")),
        # open ends
        ("tanggal:[* TO 2026-01-01]", _days("2025-12-31", "2026-01-01")),
        ("tanggal:[2026-12-31 TO *]", _days("2026-12-31", "2027-01-01")),
        ("tanggal:[* TO *]", ALL_DAYS),
        # comparisons
        ("tanggal:>2026-06-30", _days("2026-07-01", "2026-12-31", "2027-01-01")),
        ("tanggal:>=2026-06-30", _days("2026-06-30", "2026-07-01", "2026-12-31", "2027-01-01")),
        ("tanggal:<2026-07-01", _days("2025-12-31", "2026-01-01", "2026-01-02", "2026-06-30")),
        ("tanggal:<=2026-07-01", ALL_DAYS - _days("2026-12-31", "2027-01-01")),
        ("tanggal:<=2026-01-01", _days("2025-12-31", "2026-01-01")),
        ("tanggal:<2026-01-01", _days("2025-12-31")),
        ("tanggal:>2026-12-31", _days("2027-01-01")),
        ("tanggal:>=2027-01-01", _days("2027-01-01")),
        ("tanggal:>2027-01-01", set()),
        ("tanggal:<2025-12-31", set()),
        ("tanggal:<=2025-12-31", _days("2025-12-31")),
        ("tanggal:>=2026-01-01 tanggal:<2026-01-02", _days("2026-01-01")),
        (
            "tanggal:>2026-01-01 tanggal:<=2026-07-01",
            _days("2026-01-02", "2026-06-30", "2026-07-01"),
        ),
        # the year of each of them
        ("tahun:2025", _days("2025-12-31")),
        ("tahun:2026", ALL_DAYS - _days("2025-12-31", "2027-01-01")),
        ("tahun:2027", _days("2027-01-01")),
        ("tanggal:2026-01-01 OR tanggal:2026-12-31", _days("2026-01-01", "2026-12-31")),
        ("tahun:2026 NOT tanggal:[2026-01-01 TO 2026-06-30]", _days("2026-07-01", "2026-12-31")),
        ("tahun:2026 -tanggal:[2026-01-01 TO 2026-06-30]", _days("2026-07-01", "2026-12-31")),
        ("-tanggal:<=2026-12-31", _days("2027-01-01")),
        ("tanggal:(2026-01-01 OR 2026-12-31)", _days("2026-01-01", "2026-12-31")),
        ("tanggal:([* TO 2026-01-01] -2025-12-31)", _days("2026-01-01")),
    ],
)
def test_date_boundaries(dated, query, found):
    assert _found(dated, query) == found


# --- years: tahun:Y, tahun:[A TO B], tahun:>Y … ---------------------------------------------


@pytest.fixture(scope="module")
def yearly(tmp_path_factory):
    """One document for each of 2019–2022, named by its year."""
    docs = [
        _doc(year, str(year), content="laporan tahunan", year=year, date=datetime(year, 6, 15))
        for year in (2019, 2020, 2021, 2022)
    ]
    return _index(tmp_path_factory.mktemp("yearly") / "ix", docs)


@pytest.mark.parametrize(
    "query, found",
    [
        ("tahun:2020", {"2020"}),
        ('tahun:"2021"', {"2021"}),
        ("tahun:2018", set()),
        ("tahun:>2020", {"2021", "2022"}),
        ("tahun:>=2020", {"2020", "2021", "2022"}),
        ("tahun:<2021", {"2019", "2020"}),
        ("tahun:<=2021", {"2019", "2020", "2021"}),
        ("tahun:>2022", set()),
        ("tahun:>=2022", {"2022"}),
        ("tahun:<2019", set()),
        ("tahun:<=2019", {"2019"}),
        ("tahun:[2020 TO 2021]", {"2020", "2021"}),
        ("tahun:[2019 TO 2019]", {"2019"}),
        ("tahun:[2019 TO 2022]", {"2019", "2020", "2021", "2022"}),
        ("tahun:[2022 TO 2020]", set()),
        ("tahun:[* TO 2020]", {"2019", "2020"}),
        ("tahun:[2021 TO *]", {"2021", "2022"}),
        ("tahun:[* TO *]", {"2019", "2020", "2021", "2022"}),
        ("tahun:>2020 tahun:<2022", {"2021"}),
        ("tahun:2019 OR tahun:2021", {"2019", "2021"}),
        ("NOT tahun:2020", {"2019", "2021", "2022"}),
        ("-tahun:2020", {"2019", "2021", "2022"}),  # not the words "tahun" and "2020"
        ("-tahun:[2020 TO 2021]", {"2019", "2022"}),
        ("laporan -tahun:>=2021", {"2019", "2020"}),
        ("-(tahun:2019 OR tahun:2022)", {"2020", "2021"}),
        ("tahun:(2019 OR 2021)", {"2019", "2021"}),
        ("tahun:(>=2021)", {"2021", "2022"}),
        ("tahun:(>2019 <2022)", {"2020", "2021"}),
        ("tahun:([2019 TO 2020] OR 2022)", {"2019", "2020", "2022"}),
        ("tahun:>=-5", {"2019", "2020", "2021", "2022"}),  # a dash after ">=" is the value's
        ("tahun:>= -5", {"2019", "2020", "2021", "2022"}),
        ("tahun:<=-5", set()),
        ("tahun:-2020", set()),  # the year -2020, not "not 2020"
        ("laporan NOT tahun:[2020 TO 2021]", {"2019", "2022"}),
        ("tahun:[2019 TO 2020] OR tahun:>=2022", {"2019", "2020", "2022"}),
    ],
)
def test_year_boundaries(yearly, query, found):
    assert _found(yearly, query) == found


# --- filters: each decides alone, over both access classes ----------------------------------

#: Two documents per boundary day, one of each access class; the other values spread so each
#: filter value is held by documents of both classes and missed by documents of both classes.
# fmt: off
FILTERED = [
    # nomor, access, day, category, classification, box, hardcopy, media
    ("F1", "biasa", date(2025, 12, 31), "Berita Terkini", "HM.02.01", "B-07", "disimpan", ["elektronik", "kertas"]),
    ("F2", "terbatas", date(2025, 12, 31), "Sosialisasi", "HM.02.04", "B-070", "dicetak", ["kertas"]),
    ("F3", "biasa", date(2026, 1, 1), "Sosialisasi", "HM.02.01", "B-070", "belum_dicetak", ["elektronik"]),
    ("F4", "terbatas", date(2026, 1, 1), "Berita Terkini", "HM.02.04", "B-07", "disimpan", ["elektronik", "kertas"]),
    ("F5", "biasa", date(2026, 6, 30), "Berita", "HM.02.04", "", "dicetak", ["elektronik"]),
    ("F6", "terbatas", date(2026, 6, 30), "Berita", "PP.01", "B-07", "belum_dicetak", []),
    ("F7", "biasa", date(2026, 7, 1), "Sosialisasi", "PP.01", "B-07", "distempel", ["kertas"]),
    ("F8", "terbatas", date(2026, 7, 1), "Sosialisasi", "HM.02.01", "", "distempel", ["elektronik"]),
]
# fmt: on
ALL_F = {row[0] for row in FILTERED}
ACCESS = {row[0]: row[1] for row in FILTERED}


@pytest.fixture(scope="module")
def filtered(tmp_path_factory):
    docs = [
        _doc(
            i,
            nomor,
            content="berita acara rapat",
            access=access,
            year=day.year,
            date=datetime(day.year, day.month, day.day),
            category=category,
            category_words=category,
            classification=classification,
            box=box,
            hardcopy=hardcopy,
            media=media,
        )
        for i, (nomor, access, day, category, classification, box, hardcopy, media) in enumerate(
            FILTERED, start=1
        )
    ]
    return _index(tmp_path_factory.mktemp("filtered") / "ix", docs)


@pytest.mark.parametrize(
    "filters, found",
    [
        ({"date_from": date(2026, 1, 1)}, ALL_F - {"F1", "F2"}),
        ({"date_from": date(2026, 6, 30)}, {"F5", "F6", "F7", "F8"}),
        ({"date_from": date(2026, 7, 1)}, {"F7", "F8"}),
        ({"date_from": date(2026, 1, 2)}, {"F5", "F6", "F7", "F8"}),
        ({"date_to": date(2026, 6, 30)}, ALL_F - {"F7", "F8"}),
        ({"date_to": date(2026, 1, 1)}, {"F1", "F2", "F3", "F4"}),
        ({"date_to": date(2025, 12, 31)}, {"F1", "F2"}),
        ({"date_to": date(2026, 6, 29)}, {"F1", "F2", "F3", "F4"}),
        ({"date_from": date(2026, 1, 1), "date_to": date(2026, 6, 30)}, {"F3", "F4", "F5", "F6"}),
        ({"date_from": date(2026, 1, 1), "date_to": date(2026, 1, 1)}, {"F3", "F4"}),
        ({"date_from": datetime(2026, 6, 30, 15, 0)}, {"F5", "F6", "F7", "F8"}),  # its day
        ({"date_to": datetime(2026, 6, 30, 9, 0)}, ALL_F - {"F7", "F8"}),  # to its day's end
        ({"date_from": "2026-07-01"}, {"F7", "F8"}),
        ({"year": 2025}, {"F1", "F2"}),
        ({"year": "2026"}, ALL_F - {"F1", "F2"}),
        ({"category": "Berita Terkini"}, {"F1", "F4"}),
        ({"category": "berita terkini"}, {"F1", "F4"}),
        ({"category": "Berita"}, {"F5", "F6"}),  # the whole value, not a word of it
        ({"category": "Sosialisasi"}, {"F2", "F3", "F7", "F8"}),
        ({"classification": "HM.02.01"}, {"F1", "F3", "F8"}),
        ({"classification": "HM.02.04"}, {"F2", "F4", "F5"}),
        ({"classification": "pp.01"}, {"F6", "F7"}),
        ({"box": "B-07"}, {"F1", "F4", "F6", "F7"}),  # not B-070
        ({"box": "B-070"}, {"F2", "F3"}),
        ({"hardcopy": "dicetak"}, {"F2", "F5"}),  # not belum_dicetak
        ({"hardcopy": "belum_dicetak"}, {"F3", "F6"}),
        ({"hardcopy": "disimpan"}, {"F1", "F4"}),
        ({"hardcopy": "distempel"}, {"F7", "F8"}),
        ({"media": "elektronik"}, {"F1", "F3", "F4", "F5", "F8"}),
        ({"media": "kertas"}, {"F1", "F2", "F4", "F7"}),
        ({"media": "kertas", "hardcopy": "disimpan", "box": "B-07"}, {"F1", "F4"}),
        ({"category": "Sosialisasi", "date_to": date(2026, 1, 1)}, {"F2", "F3"}),
        ({"classification": "HM.02.01", "media": "elektronik"}, {"F1", "F3", "F8"}),
    ],
    ids=lambda v: "-".join(f"{k}={v[k]}" for k in v) if isinstance(v, dict) else None,
)
def test_each_filter_alone_decides(filtered, filters, found):
    # the table itself: found and missed both hold documents of both access classes
    assert {ACCESS[n] for n in found} == set(BOTH)
    assert {ACCESS[n] for n in ALL_F - found} == set(BOTH)
    assert _found(filtered, "", filters=filters) == found
    assert _found(filtered, "rapat", filters=filters) == found
    # the same filter for a reader of one class: that class's part of the same set
    assert _found(filtered, "", ["biasa"], filters) == {n for n in found if ACCESS[n] == "biasa"}


@pytest.mark.parametrize(
    "filters",
    [
        {"category": "Berita Terkini "},
        {"category": "Terkini"},
        {"classification": "HM.02"},
        {"box": "B-0"},
        {"hardcopy": "cetak"},
        {"media": "kertas elektronik"},
        {"date_from": date(2026, 7, 2)},
        {"date_to": date(2025, 12, 30)},
        {"date_from": date(2026, 7, 1), "date_to": date(2026, 6, 30)},
        {"year": 2024},
    ],
)
def test_a_filter_matching_nothing_finds_nothing(filtered, filters):
    assert _found(filtered, "", filters=filters) == set()


@pytest.mark.parametrize(
    "filters",
    [
        None,
        {},
        {"year": None, "date_from": None, "date_to": None, "category": None},
        {"classification": "", "box": "", "hardcopy": "", "media": ""},
    ],
)
def test_empty_filters_restrict_nothing(filtered, filters):
    assert _found(filtered, "", filters=filters) == ALL_F


@pytest.mark.parametrize(
    "readable, query, found",
    [
        (BOTH, "", ALL_F),
        (["biasa"], "", {"F1", "F3", "F5", "F7"}),
        (["terbatas"], "", {"F2", "F4", "F6", "F8"}),
        (["BIASA"], "", {"F1", "F3", "F5", "F7"}),
        ([], "", set()),
        (["rahasia"], "", set()),
        # the same day, the same words: access alone tells the two apart
        (["biasa"], "tanggal:2025-12-31", {"F1"}),
        (["terbatas"], "tanggal:2025-12-31", {"F2"}),
        (BOTH, "tanggal:2025-12-31", {"F1", "F2"}),
        (["terbatas"], "rapat OR kategori:berita", {"F2", "F4", "F6", "F8"}),
        (["biasa"], "NOT rapat", set()),
    ],
)
def test_only_access_decides(filtered, readable, query, found):
    assert _found(filtered, query, readable) == found


# --- field queries: quoted exact values -----------------------------------------------------


@pytest.fixture(scope="module")
def fielded(tmp_path_factory):
    docs = [
        _doc(
            1,
            "HM.02.01/0001/3301/2026",
            codes=["HM.02.01/0001/3301/2026", "HM.02.01"],
            title="Rapat pleno terbuka",
            content="Penetapan hasil",
            category="Berita Terkini",
            category_words="Berita Terkini",
            classification="HM.02.01",
            box="B-07",
            location="Ruang Arsip / Lemari 2 / B-07",
            hardcopy="belum_dicetak",
            senders=["Bawaslu Kabupaten Cilacap"],
            media=["kertas"],
        ),
        _doc(
            2,
            "HM.02.01/0002/3301/2026",
            codes=["HM.02.01/0002/3301/2026", "HM.02.01"],
            title="Pleno rapat tertutup",
            content="Penetapan hasil",
            category="Berita Daerah",
            category_words="Berita Daerah",
            classification="HM.02.01",
            box="B-070",
            location="Ruang Rapat / Arsip Lama / B-070",
            hardcopy="dicetak",
            senders=["KPU Kabupaten Cilacap"],
            media=["elektronik"],
        ),
        _doc(
            3,
            "HM.02.04/0001/3301/2026",
            codes=["HM.02.04/0001/3301/2026", "HM.02.04"],
            title="Daftar pemilih",
            content="Ruang arsip ditata ulang",
            category="Terkini Berita",
            category_words="Terkini Berita",
            classification="HM.02.04",
            box="B-07",
            location="Gudang / Rak 1 / B-07",
            hardcopy="dicetak",
            senders=["Bawaslu Provinsi Jawa Tengah"],
            media=["elektronik", "kertas"],
        ),
    ]
    return _index(tmp_path_factory.mktemp("fielded") / "ix", docs)


N1, N2, N3 = "HM.02.01/0001/3301/2026", "HM.02.01/0002/3301/2026", "HM.02.04/0001/3301/2026"


@pytest.mark.parametrize(
    "query, found",
    [
        ('nomor:"HM.02.01/0001/3301/2026"', {N1}),
        ("nomor:HM.02.01/0001/3301/2026", {N1}),
        ('nomor:"hm.02.01/0002/3301/2026"', {N2}),
        ("nomor:HM.02.01", {N1, N2}),  # the classification code is one of its codes
        ('nomor:"0001"', set()),  # a code is one word, not its parts
        ("nomor:HM.02.01/0003/3301/2026", set()),
        ('lokasi:"Ruang Arsip"', {N1}),  # not "Ruang Rapat / Arsip Lama"
        ("lokasi:ruang lokasi:arsip", {N1, N2}),
        ('lokasi:"Arsip Ruang"', set()),
        ("lokasi:B-07", {N1, N3}),
        ('lokasi:"Ruang Arsip" OR lokasi:gudang', {N1, N3}),
        ('"ruang arsip"', {N3}),  # in the text: location is not searched by default
        ('kategori:"Berita Terkini"', {N1}),  # not "Terkini Berita"
        ("kategori:berita kategori:terkini", {N1, N3}),
        ("kategori:berita", {N1, N2, N3}),
        ('pengirim:"Kabupaten Cilacap"', {N1, N2}),
        ('pengirim:"Bawaslu Kabupaten"', {N1}),
        ("pengirim:bawaslu", {N1, N3}),
        ('judul:"rapat pleno"', {N1}),  # not "Pleno rapat"
        ("judul:rapat judul:pleno", {N1, N2}),
        ('judul:"pleno rapat tertutup"', {N2}),
        ('klasifikasi:"HM.02.01"', {N1, N2}),
        ("klasifikasi:hm.02.04", {N3}),
        ("klasifikasi:HM.02", set()),
        ('boks:"B-07"', {N1, N3}),
        ("boks:B-070", {N2}),
        ('fisik:"belum_dicetak"', {N1}),
        ("fisik:dicetak", {N2, N3}),
        ('media:"kertas"', {N1, N3}),
        ("media:elektronik NOT media:kertas", {N2}),
    ],
)
def test_quoted_field_values(fielded, query, found):
    assert _found(fielded, query) == found


# --- operators, grouping, phrases and stop words --------------------------------------------


@pytest.fixture(scope="module")
def worded(tmp_path_factory):
    texts = {
        "W1": "rapat pleno",
        "W2": "rapat logistik",
        "W3": "pleno kampanye",
        "W4": "logistik kampanye",
        "W5": "anggaran",
        "P1": "laporan rapat di kantor kecamatan",
        "P2": "laporan rapat kantor desa",
    }
    docs = [_doc(i, nomor, content=text) for i, (nomor, text) in enumerate(texts.items(), start=1)]
    return _index(tmp_path_factory.mktemp("worded") / "ix", docs)


@pytest.mark.parametrize(
    "query, found",
    [
        # AND: implicit and explicit
        ("rapat pleno", {"W1"}),
        ("rapat AND pleno", {"W1"}),
        ("rapat AND pleno AND kampanye", set()),
        ("rapat AND", {"W1", "W2", "P1", "P2"}),
        ("AND", set()),
        # OR
        ("rapat OR pleno", {"W1", "W2", "W3", "P1", "P2"}),
        ("pleno OR anggaran", {"W1", "W3", "W5"}),
        ("kampanye OR", {"W3", "W4"}),
        # NOT, -word and a bare -
        ("rapat NOT pleno", {"W2", "P1", "P2"}),
        ("rapat -pleno", {"W2", "P1", "P2"}),
        ("NOT pleno", {"W2", "W4", "W5", "P1", "P2"}),
        ("-pleno", {"W2", "W4", "W5", "P1", "P2"}),
        ("-pleno -rapat -kampanye", {"W5"}),
        ("rapat NOT pleno NOT logistik", {"P1", "P2"}),
        ("rapat - pleno", {"W1"}),  # a dash standing alone is no operator
        ("- rapat", {"W1", "W2", "P1", "P2"}),
        ("-", set()),
        ("NOT", set()),
        ("NOT (rapat OR pleno)", {"W4", "W5"}),
        # a leading - negates what it is written against, as NOT does
        ("-(rapat OR pleno)", {"W4", "W5"}),
        ("kampanye -(rapat OR pleno)", {"W4"}),
        ("-(rapat)", {"W3", "W4", "W5"}),
        ('-"rapat pleno"', {"W2", "W3", "W4", "W5", "P1", "P2"}),
        ('rapat -"rapat pleno"', {"W2", "P1", "P2"}),
        ('"laporan rapat" -"rapat di kantor"', {"P2"}),
        ("(rapat -pleno) OR anggaran", {"W2", "W5", "P1", "P2"}),
        ("--pleno", {"W2", "W4", "W5", "P1", "P2"}),  # a run of negations negates once
        ("NOT -pleno", {"W2", "W4", "W5", "P1", "P2"}),
        ("rapat ] -pleno", {"W2", "P1", "P2"}),  # a stray "]" is read past
        ("rapat -) pleno", {"W1"}),  # a dash against ")" stands alone
        # grouping changes the answer: AND binds before OR
        ("rapat OR logistik kampanye", {"W1", "W2", "W4", "P1", "P2"}),
        ("(rapat OR logistik) kampanye", {"W4"}),
        ("rapat pleno OR logistik", {"W1", "W2", "W4"}),
        ("rapat (pleno OR logistik)", {"W1", "W2"}),
        ("pleno OR logistik NOT rapat", {"W1", "W3", "W4"}),
        ("(pleno OR logistik) NOT rapat", {"W3", "W4"}),
        ("((rapat OR logistik) kampanye) OR anggaran", {"W4", "W5"}),
        ("(rapat OR logistik) (pleno OR kampanye)", {"W1", "W4"}),
        ("(rapat pleno", {"W1"}),  # an unclosed bracket closes at the end
        ("rapat) pleno", {"W1"}),  # a stray one is read past
        ("()", set()),
        # phrases and stop words ("di", "yang", "ke" are stop words)
        ('"rapat pleno"', {"W1"}),
        ('"pleno rapat"', set()),
        ('"rapat di kantor"', {"P1"}),  # the stop word keeps its place
        ('"rapat kantor"', {"P2"}),
        ('"rapat ke kantor"', {"P1"}),  # any stop word holds that place
        ('"rapat di di kantor"', set()),
        ('"di kantor"', {"P1", "P2"}),  # a leading stop word asks nothing
        ('"kantor di"', {"P1", "P2"}),
        ('yang "rapat kantor"', {"P2"}),  # a stop word before a phrase asks nothing
        ("rapat di kantor", {"P1", "P2"}),
        ('"di"', set()),
        ('"laporan rapat" -kecamatan', {"P2"}),
        ('"rapat pleno" OR "rapat kantor"', {"W1", "P2"}),
    ],
)
def test_operators_grouping_and_phrases(worded, query, found):
    assert _found(worded, query) == found


# --- negated field queries and field:( … ) --------------------------------------------------


@pytest.fixture(scope="module")
def titled(tmp_path_factory):
    """Each word in the title of one document and the text of another."""
    texts = {
        "T1": ("rapat pleno", "kampanye"),
        "T2": ("kampanye", "rapat"),
        "T3": ("logistik", "pleno"),
        "T4": ("anggaran", "anggaran"),
    }
    docs = [
        _doc(i, nomor, title=title, content=content)
        for i, (nomor, (title, content)) in enumerate(texts.items(), start=1)
    ]
    return _index(tmp_path_factory.mktemp("titled") / "ix", docs)


@pytest.mark.parametrize(
    "query, found",
    [
        ("rapat", {"T1", "T2"}),
        ("judul:rapat", {"T1"}),
        # -field:value is NOT field:value
        ("NOT judul:rapat", {"T2", "T3", "T4"}),
        ("-judul:rapat", {"T2", "T3", "T4"}),
        ("rapat -judul:rapat", {"T2"}),
        ('-judul:"rapat pleno"', {"T2", "T3", "T4"}),
        ("-judul:rapat -judul:kampanye", {"T3", "T4"}),
        ("judul:-rapat", {"T1"}),  # a dash right after the colon is the value's
        # field:( … ) looks for everything inside in that field
        ("judul:(rapat)", {"T1"}),
        ("judul:(pleno OR kampanye)", {"T1", "T2"}),
        ("judul:pleno OR judul:kampanye", {"T1", "T2"}),
        ("judul:(rapat pleno)", {"T1"}),
        ("judul:(rapat kampanye)", set()),
        ('judul:("rapat pleno")', {"T1"}),
        ('judul:("pleno rapat")', set()),
        ("judul:(-rapat)", {"T2", "T3", "T4"}),
        ("judul:(kampanye OR -pleno) rapat", {"T2"}),  # T1 has pleno in its title
        ("-judul:(pleno OR kampanye)", {"T3", "T4"}),
        ("NOT judul:(pleno OR kampanye)", {"T3", "T4"}),
        ("judul:((pleno OR logistik) -rapat)", {"T3"}),
        ("judul:(logistik OR content:rapat)", {"T2", "T3"}),  # a field named inside wins
        ("judul:(yang)", set()),
        ("judul:()", set()),
        ("judul:(rapat", {"T1"}),  # an unclosed bracket closes at the end
        ("judul:(rapat) pleno", {"T1"}),
        ("judul:(kampanye) rapat", {"T2"}),
        ("rapat:(pleno)", {"T1"}),  # no field: the words "rapat" and "pleno"
    ],
)
def test_negated_fields_and_field_groups(titled, query, found):
    assert _found(titled, query) == found


@pytest.mark.parametrize(
    "query, message",
    [
        ("judul:([a TO b])", "hanya untuk tahun"),
        ("judul:(>a)", "hanya untuk tahun"),
        ("tahun:(rapat)", "bukan tahun"),
        ("tahun:(>=)", "Setelah tahun:>= harus ada nilai"),
        ("tanggal:(2026-02-30)", "bukan tanggal"),
        ("tanggal:10000-01-01", "bukan tanggal"),
        ("tanggal:>=0001-13-01", "bukan tanggal"),
        ("tanggal:[1600-1-1 TO *]", "bukan tanggal"),
        ("(" * 33 + "rapat", "paling banyak 32 lapis"),
        ("judul:(" * 33 + "rapat", "paling banyak 32 lapis"),
    ],
)
def test_what_cannot_be_searched_says_why(titled, query, message):
    r = titled.query(query, BOTH)
    assert r.hits == [] and r.total == 0 and message in (r.error or "")
    assert titled.matching_ids(query, BOTH) == []


@pytest.mark.parametrize(
    "filters, message",
    [
        ({"date_to": "10000-01-01"}, "bukan tanggal"),
        ({"date_from": "2026-13-01"}, "bukan tanggal"),
    ],
)
def test_a_filter_that_cannot_be_searched_says_why(titled, filters, message):
    r = titled.query("", BOTH, filters)
    assert r.total == 0 and message in (r.error or "")


def test_the_deepest_brackets_allowed_still_search(titled):
    assert _found(titled, "(" * 32 + "judul:rapat" + ")" * 32) == {"T1"}
    assert _found(titled, "-" * 500 + "rapat") == {"T3", "T4"}
    assert _found(titled, "NOT " * 200 + "rapat") == {"T3", "T4"}
