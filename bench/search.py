"""Archive search at scale, against its in-run reference (SQLite FTS5 over the same corpus).

Bars (issue "performance at the next scale", run with ``--n 1000000``): search p95 <= 50 ms
and <= FTS5's p95; reindex >= 2,000 records/s under 1 GiB. The reindex bar holds the index
work alone: the build's time less the time generating the synthetic corpus takes by itself
(measured first, in the same run), which ``archive reindex`` does not do (it reads stored
records); the rate with the generation included is printed beside it.

A seeded synthetic corpus of Indonesian election-commission records (``bench/_corpus.py``,
about 300 words each, with metadata) is indexed twice, each build in a subprocess of its own
whose peak memory is sampled (PSS summed over the process and any children):

* Warta: ``archive.search.SearchIndex`` written the way ``archive reindex`` writes it:
  ``SearchIndex.update`` per chunk of 500 (Indonesian analysis in Python, one writer thread,
  one commit per chunk, so a killed run keeps what it committed).
* SQLite FTS5: title, summary, content, codes, people, senders, filenames, category words and
  location in an FTS5 table (tokenizer ``unicode61 remove_diacritics 2``), the facet and
  filter columns in an ordinary table joined by rowid.

Then a fixed set of queries runs on both, interleaved, ``--reps`` times each. Warta is timed
as the archive's search page calls it (``query(..., per_page=20)``: facets and snippets on)
and, for information, without facets and snippets. FTS5 is timed as ``bm25`` top 20 with
``ORDER BY rank LIMIT 20`` plus a ``COUNT(*)`` for the total (the reference of the bar) and,
for information, as the page would need it (``snippet()`` and the five facet counts).
FTS5 does not stem: each query word is given to it as an OR of every form in the corpus's
vocabulary that has the same Sastrawi stem (``pemilih`` -> ``pemilih OR pemilihan OR memilih
OR ...``), so both engines find the same records; phrases stay exact in FTS5.
Usage: python bench/search.py [--quick] [--n N] [--reps R]
"""

import argparse
import contextlib
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.query import stem  # noqa: E402
from archive.search import SearchIndex  # noqa: E402
from bench._corpus import WORDS_PER_RECORD  # noqa: E402
from bench._corpus import Vocabulary  # noqa: E402
from bench._corpus import records  # noqa: E402
from bench._server import percentile  # noqa: E402

BAR_MS, BAR_RATE, BAR_MIB = 50, 2_000, 1024
READABLE = ["biasa", "terbatas"]
REINDEX_CHUNK = 500  # archive.indexing.CHUNK
FTS_COLUMNS = (
    "title",
    "summary",
    "content",
    "codes",
    "people",
    "senders",
    "filenames",
    "category_words",
    "location",
)
#: The columns a query without a field searches (archive.query.DEFAULT_FIELDS).
FTS_DEFAULT = "{title summary content codes people senders filenames}"
#: bm25 weights in column order: the title counts three times, as in Warta's (BOOSTS).
FTS_RANK = "bm25(3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)"
FACETS = ("year", "category", "classification", "box", "hardcopy")


# --- builds (each run in a subprocess: python bench/search.py --build KIND PATH N ...) ------


def build_warta(path, n):
    """As ``archive.indexing.reindex`` writes: ``update`` (put, one process) per chunk."""
    index = SearchIndex(path).create()
    chunk = []
    for doc in records(n):
        chunk.append(doc)
        if len(chunk) == REINDEX_CHUNK:
            index.update(chunk, timeout=60.0)
            chunk = []
    if chunk:
        index.update(chunk, timeout=60.0)
    return index.count()


def _joined(value):
    return " ".join(value) if isinstance(value, list) else value


def build_fts(path, n):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE meta (id INTEGER PRIMARY KEY, nomor_arsip TEXT, year INTEGER, date TEXT, "
        "category TEXT, classification TEXT, box TEXT, hardcopy TEXT, access TEXT)"
    )
    db.execute(
        f"CREATE VIRTUAL TABLE fts USING fts5({', '.join(FTS_COLUMNS)}, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.execute(f"INSERT INTO fts (fts, rank) VALUES ('rank', '{FTS_RANK}')")  # noqa: S608
    meta, text = [], []

    def flush():
        with db:
            db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", meta)
            db.executemany(
                f"INSERT INTO fts (rowid, {', '.join(FTS_COLUMNS)}) "  # noqa: S608
                f"VALUES (?, {', '.join('?' * len(FTS_COLUMNS))})",
                text,
            )
        meta.clear()
        text.clear()

    for doc in records(n):
        meta.append(
            (
                doc["id"],
                doc["nomor_arsip"],
                doc["year"],
                doc["date"].isoformat(),
                doc["category"],
                doc["classification"],
                doc["box"],
                doc["hardcopy"],
                doc["access"],
            )
        )
        text.append((doc["id"], *(_joined(doc[c]) for c in FTS_COLUMNS)))
        if len(meta) == 2_000:
            flush()
    flush()
    count = db.execute("SELECT count(*) FROM meta").fetchone()[0]
    db.close()
    return count


def build_main(argv):
    kind, path, n = argv[0], argv[1], int(argv[2])
    start, cpu = time.perf_counter(), time.process_time()
    if kind == "warta":
        count = build_warta(path, n)
    else:
        count = build_fts(path, n)
    self_, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    print(
        json.dumps(
            {
                "count": count,
                "seconds": time.perf_counter() - start,
                "cpu": time.process_time() - cpu + children.ru_utime + children.ru_stime,
                "maxrss_mib": max(self_.ru_maxrss, children.ru_maxrss) / 1024,
            }
        )
    )


class TreeMemory:
    """Samples the memory of a process and all its descendants (PSS, so pages shared after
    a fork count once), keeping the peak of the sum; and apart, the peak of its anonymous
    part (the processes' own memory: heap, stacks) and the file-backed part at the PSS peak
    (files mapped into memory, such as an index's segments being read: page cache, which
    the kernel may drop and read again)."""

    def __init__(self, pid, interval=0.05):
        self.pid, self.interval = pid, interval
        self.peak_kib = 0
        self.anon_peak_kib = 0
        self.file_at_peak_kib = 0
        self.most_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _tree(self, pid):
        out = [pid]
        with contextlib.suppress(OSError):  # the process ended while it was being read
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    for child in f.read().split():
                        out.extend(self._tree(int(child)))
        return out

    @staticmethod
    def _pss(pid):
        """``(Pss, Pss_Anon, Pss_File)`` of one process in KiB (zeros once it has ended)."""
        seen = {}
        with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in ("Pss", "Pss_Anon", "Pss_File"):
                    seen[name] = int(rest.split()[0])
        return seen.get("Pss", 0), seen.get("Pss_Anon", 0), seen.get("Pss_File", 0)

    def _run(self):
        while not self._stop.is_set():
            tree = self._tree(self.pid)
            self.most_processes = max(self.most_processes, len(tree))
            pss, anon, mapped = (sum(part) for part in zip(*map(self._pss, tree), strict=True))
            if pss > self.peak_kib:
                self.peak_kib, self.file_at_peak_kib = pss, mapped
            self.anon_peak_kib = max(self.anon_peak_kib, anon)
            self._stop.wait(self.interval)


def run_build(*args):
    """Run one build in a subprocess; its figures and its peak memory (MiB, PSS of the
    whole process tree, sampled)."""
    cmd = [sys.executable, __file__, "--build", *map(str, args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    with TreeMemory(proc.pid) as memory:
        out, _ = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"build {args[0]} failed ({proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    if result["count"] != args[2]:
        raise RuntimeError(f"build {args[0]}: {result['count']} records, not {args[2]}")
    result["peak_mib"] = memory.peak_kib / 1024
    result["anon_peak_mib"] = memory.anon_peak_kib / 1024
    result["file_at_peak_mib"] = memory.file_at_peak_kib / 1024
    result["processes"] = memory.most_processes
    return result


# --- the queries ---------------------------------------------------------------------------


class Expander:
    """FTS5 has no stemmer: a word becomes the OR of its forms in the corpus vocabulary."""

    def __init__(self, vocab):
        self.by_stem = {}
        for word in vocab.words():
            if word.isalpha():
                self.by_stem.setdefault(stem(word), set()).add(word)

    def forms(self, word):
        return sorted(self.by_stem.get(stem(word), set()) | {word})

    def __call__(self, word):
        forms = self.forms(word)
        return " OR ".join(f'"{f}"' for f in forms) if len(forms) > 1 else f'"{forms[0]}"'


def queries(vocab, nomor):
    """(label, Warta text, Warta filters, FTS5 MATCH, FTS5 extra SQL condition)."""
    x = Expander(vocab)
    units = WORDS_PER_RECORD * 0.97
    rare = vocab.rare_word(units)
    return [
        ("common word", "pemilih", None, f"{FTS_DEFAULT} : ({x('pemilih')})", ""),
        ("mid word", "kampanye", None, f"{FTS_DEFAULT} : ({x('kampanye')})", ""),
        (f"rare word ({rare})", rare, None, f"{FTS_DEFAULT} : ({x(rare)})", ""),
        (
            "two words",
            "daftar pemilih",
            None,
            f"{FTS_DEFAULT} : (({x('daftar')}) AND ({x('pemilih')}))",
            "",
        ),
        (
            "phrase",
            '"daftar pemilih tetap"',
            None,
            f'{FTS_DEFAULT} : "daftar pemilih tetap"',
            "",
        ),
        (
            "field klasifikasi:",
            "klasifikasi:HM.02.01 rekapitulasi",
            None,
            f"{FTS_DEFAULT} : ({x('rekapitulasi')})",
            "AND meta.classification = 'HM.02.01'",
        ),
        (
            "filter year=2024",
            "logistik",
            {"year": 2024},
            f"{FTS_DEFAULT} : ({x('logistik')})",
            "AND meta.year = 2024",
        ),
        (
            "date range",
            "tanggal:[2024-01-01 TO 2024-06-30] pemilih",
            None,
            f"{FTS_DEFAULT} : ({x('pemilih')})",
            "AND meta.date BETWEEN '2024-01-01' AND '2024-06-30T23:59:59'",
        ),
        ("field pengirim:", "pengirim:bawaslu", None, "senders : bawaslu", ""),
        (
            "nomor arsip",
            nomor,
            None,
            f'codes : "{" ".join(nomor.replace(".", " ").replace("/", " ").split())}"',
            "",
        ),
    ]


class Fts:
    def __init__(self, path):
        self.db = sqlite3.connect(path, check_same_thread=False)
        access = ", ".join(f"'{c}'" for c in READABLE)
        self.base = (
            "FROM fts JOIN meta ON meta.id = fts.rowid "
            f"WHERE fts MATCH ? AND meta.access IN ({access}) "
        )

    def reference(self, match, extra):
        """bm25 top 20 and the total: the reference of the bar."""
        rows = self.db.execute(
            "SELECT meta.id, meta.nomor_arsip, fts.title, fts.summary, meta.year, meta.date, "
            f"meta.category {self.base}{extra} ORDER BY fts.rank LIMIT 20",
            (match,),
        ).fetchall()
        total = self.db.execute(f"SELECT count(*) {self.base}{extra}", (match,)).fetchone()[0]
        return rows, total

    def page(self, match, extra):
        """What the search page needs: top 20 with a snippet, and the five facet counts."""
        rows = self.db.execute(
            "SELECT meta.id, meta.nomor_arsip, fts.title, fts.summary, meta.year, meta.date, "
            "meta.category, snippet(fts, 2, '<mark>', '</mark>', ' … ', 24) "
            f"{self.base}{extra} ORDER BY fts.rank LIMIT 20",
            (match,),
        ).fetchall()
        facets = self.db.execute(
            f"WITH m AS MATERIALIZED (SELECT {', '.join('meta.' + f for f in FACETS)} "  # noqa: S608
            f"{self.base}{extra}) "
            + " UNION ALL ".join(
                f"SELECT '{f}', {f}, count(*) FROM m GROUP BY {f}"  # noqa: S608
                for f in FACETS
            ),
            (match,),
        ).fetchall()
        total = sum(n for f, _, n in facets if f == "year")
        return rows, total


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


class Clock:
    """Wall time (what a user waits for) and this process's CPU time, all its threads (the
    same work without the waits other processes on a busy machine cause; Warta counts a
    query's facets on a thread of its own) of each call."""

    def __init__(self):
        self.wall, self.cpu = [], []

    def __call__(self, fn, *args, **kwargs):
        cpu, start = time.process_time(), time.perf_counter()
        result = fn(*args, **kwargs)
        self.wall.append(time.perf_counter() - start)
        self.cpu.append(time.process_time() - cpu)
        return result

    def clear(self):
        self.wall.clear()
        self.cpu.clear()


# --- the run -------------------------------------------------------------------------------


def ms(seconds):
    return f"{seconds * 1000:,.0f}" if seconds >= 0.0095 else f"{seconds * 1000:.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=5,000 (development)")
    parser.add_argument("--n", type=int, help="records (default 100,000; 5,000 with --quick)")
    parser.add_argument("--reps", type=int, help="timed runs of each query (default 20)")
    args = parser.parse_args()
    n = args.n or (5_000 if args.quick else 100_000)
    reps = args.reps or 20

    load = os.getloadavg()
    print(
        f"corpus: {n:,} synthetic records (seeded), about {WORDS_PER_RECORD} words each; "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} at the start"
    )
    vocab = Vocabulary()
    gen, _ = timed(lambda: sum(1 for _ in records(n, vocab=vocab)))
    print(
        f"  vocabulary {len(vocab.units):,} units ({len(vocab.words()):,} words); "
        f"generating the corpus alone takes {gen:.1f} s (inside every build figure below)"
    )

    with tempfile.TemporaryDirectory(prefix="warta-bench-search-") as folder:
        folder = Path(folder)
        warta = run_build("warta", folder / "ix", n)
        rate_with_corpus = n / warta["seconds"]
        rate = n / max(warta["seconds"] - gen, 1e-9)
        print(
            f"Warta (tantivy) index, as `archive reindex` writes it (update() per "
            f"{REINDEX_CHUNK}): {n:,} records in {warta['seconds']:.1f} s = "
            f"{rate_with_corpus:,.0f} records/s with the corpus generation, {rate:,.0f} "
            f"records/s for the index work alone ({n / warta['cpu']:,.0f} records per "
            f"CPU-second, generation included); peak memory "
            f"{warta['peak_mib']:,.0f} MiB (PSS; {warta['maxrss_mib']:,.0f} MiB maxrss; at "
            f"that peak {warta['file_at_peak_mib']:,.0f} MiB were the index's files mapped in, "
            f"page cache; the process's own memory, anonymous, peaked at "
            f"{warta['anon_peak_mib']:,.0f} MiB); "
            f"{sum(f.stat().st_size for f in (folder / 'ix').iterdir()) / 2**20:,.0f} MiB on disk"
        )
        fts = run_build("fts", folder / "fts.db", n)
        print(
            f"SQLite {sqlite3.sqlite_version} FTS5 build: {n:,} records in {fts['seconds']:.1f} s "
            f"= {n / fts['seconds']:,.0f} records/s; peak memory {fts['peak_mib']:,.0f} MiB; "
            f"{(folder / 'fts.db').stat().st_size / 2**20:,.0f} MiB on disk"
        )

        engine = Fts(folder / "fts.db")
        nomor = engine.db.execute(
            "SELECT nomor_arsip FROM meta WHERE id = ?", (n // 2 + 1,)
        ).fetchone()[0]
        index = SearchIndex(folder / "ix")
        plan = queries(vocab, nomor)
        kinds = ("warta", "bare", "fts", "ftspage")
        clocks = {label: {k: Clock() for k in kinds} for label, *_ in plan}
        totals, wrong = {}, {}

        def one(label, text, filters, match, extra):
            c = clocks[label]
            r = c["warta"](index.query, text, READABLE, filters, per_page=20)
            if r.error:
                raise RuntimeError(f"{label}: {r.error}")
            bare = c["bare"](index.query, text, READABLE, filters, facets=False, snippets=False)
            _, total = c["fts"](engine.reference, match, extra)
            _, page_total = c["ftspage"](engine.page, match, extra)
            totals[label] = (r.total, total)
            if total != page_total:
                raise RuntimeError(f"{label}: FTS5 totals differ ({total}, {page_total})")
            if bare.total != r.total or [h.fields["id"] for h in bare.hits] != [
                h.fields["id"] for h in r.hits
            ]:
                wrong[label] = (bare.total, r.total)

        for q in plan:  # warm-up: the first searcher, the stemmer, SQLite's page cache
            one(*q)
        for q in plan:
            for k in kinds:
                clocks[q[0]][k].clear()
        start = time.perf_counter()
        for _ in range(reps):
            for q in plan:
                one(*q)
        elapsed = time.perf_counter() - start
        engine.db.close()
        query_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"queries: {len(plan)} kinds x {reps} runs, interleaved, readable {READABLE} "
        f"({elapsed:.0f} s; load average {os.getloadavg()[0]:.1f} at the end). "
        "Warta = query() as the search page calls it (facets and snippets, 20 a page); "
        "bare = without facets and snippets; FTS5 = bm25 top 20 + COUNT(*); "
        "FTS5 page = with snippet() and the five facet counts. ms:"
    )
    head = (
        f"  {'query':28} {'matches W/F':>15}  {'Warta p50/p95':>15}  {'bare p50/p95':>15}  "
        f"{'FTS5 p50/p95':>13}  {'FTS5 page':>13}  {'W/F p95':>8}"
    )
    print(head)
    every = {k: [] for k in kinds}
    every_cpu = {k: [] for k in kinds}
    for label, *_ in plan:
        c = clocks[label]
        for k in kinds:
            every[k].extend(c[k].wall)
            every_cpu[k].extend(c[k].cpu)
        p = {k: (percentile(c[k].wall, 50), percentile(c[k].wall, 95)) for k in kinds}
        w, f = totals[label]
        print(
            f"  {label:28} {f'{w:,}/{f:,}':>15}  "
            + "  ".join(
                f"{f'{ms(p[k][0])}/{ms(p[k][1])}':>{width}}"
                for k, width in (("warta", 15), ("bare", 15), ("fts", 13), ("ftspage", 13))
            )
            + f"  {p['warta'][1] / p['fts'][1]:>7.1f}x"
        )
    overall = {k: (percentile(every[k], 50), percentile(every[k], 95)) for k in kinds}
    print(
        f"  {'all queries':28} {'':>15}  "
        + "  ".join(
            f"{f'{ms(overall[k][0])}/{ms(overall[k][1])}':>{width}}"
            for k, width in (("warta", 15), ("bare", 15), ("fts", 13), ("ftspage", 13))
        )
        + f"  {overall['warta'][1] / overall['fts'][1]:>7.1f}x"
    )
    cpu = {k: (percentile(every_cpu[k], 50), percentile(every_cpu[k], 95)) for k in kinds}
    print(
        f"  {'all, CPU time only':28} {'':>15}  "
        + "  ".join(
            f"{f'{ms(cpu[k][0])}/{ms(cpu[k][1])}':>{width}}"
            for k, width in (("warta", 15), ("bare", 15), ("fts", 13), ("ftspage", 13))
        )
        + f"  {cpu['warta'][1] / cpu['fts'][1]:>7.1f}x"
    )
    w95, f95 = overall["warta"][1], overall["fts"][1]
    print(
        f"search p95 over all queries: Warta {ms(w95)} ms, FTS5 {ms(f95)} ms, "
        f"ratio Warta/FTS5 {w95 / f95:.1f}x (without facets and snippets: "
        f"{ms(overall['bare'][1])} ms, {overall['bare'][1] / f95:.1f}x; FTS5 with snippets "
        f"and facets: {ms(overall['ftspage'][1])} ms)"
    )
    print(
        "  note: FTS5 does not stem; its queries OR every vocabulary form of each word's "
        "Sastrawi stem (pemilih -> "
        f"{len(Expander(vocab).forms('pemilih'))} forms) and keep phrases exact; counts differ "
        "where FTS5 splits file names (daftar-hadir.jpg) that Warta keeps whole. The bars "
        "use wall time; the CPU-time line is the same work without other processes' load"
    )
    print(
        f"  memory of the querying process (both engines, in this process): peak {query_rss:,.0f} "
        "MiB maxrss"
    )
    if wrong:
        print(
            "  WRONG: without facets and snippets the search returned other top hits or another "
            "total than the page, for: "
            + "; ".join(
                f"{k} ({'other top hits' if b == p else f'total {b:,} instead of {p:,}'})"
                for k, (b, p) in wrong.items()
            )
        )
    for label, ok in (
        (f"search p95 {ms(w95)} ms at {n:,} records <= {BAR_MS} ms", w95 * 1000 <= BAR_MS),
        (f"search p95 {ms(w95)} ms <= FTS5 p95 {ms(f95)} ms", w95 <= f95),
        (f"index rate {rate:,.0f} >= {BAR_RATE:,} records/s (index work alone)", rate >= BAR_RATE),
        ("peak memory < 1 GiB", max(warta["peak_mib"], warta["maxrss_mib"]) < BAR_MIB),
        ("the same hits with and without facets", not wrong),
    ):
        print(f"bar: {label} -> {'bar met' if ok else 'BELOW BAR'}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        build_main(sys.argv[2:])
        sys.exit(0)
    sys.exit(main())
