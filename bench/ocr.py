"""OCR through Warta's pipeline beside bare ``tesseract`` on the same pages, in the same run.

Warta's pipeline is ``archive.ocr.recognise``: one Tesseract run (Indonesian model, one
OpenMP thread) writing the page with its text layer, the hOCR and the text, then the PDF/A-2B
made with pikepdf, each page's confidence read from the hOCR. The reference is
``tesseract PAGE.png out -l ind txt`` on the same pixels: recognition alone, no PDF, run both
with its default threads and with one (``OMP_THREAD_LIMIT=1``, as Warta runs it); the bar is
held against the faster. They alternate page by page, so a busy machine slows all alike.

The pages are generated (tests/fixtures/scans.py): a clean 300 dpi letter, a noisy one
turned 1.5 degrees (an image-only PDF), and a fax-like 1-bit page at 200 dpi; each one's
character error rate is measured against the text printed on it.

Bars (DESIGN.md section 10): pages/min >= 0.8 x bare tesseract; character error rate
<= 3% on clean 300 dpi pages (the noisy and fax-like pages are reported).
Usage: python bench/ocr.py [--quick]   (quick: each page once; full: three rounds)
"""

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import ocr  # noqa: E402
from tests.fixtures.scans import char_error_rate  # noqa: E402
from tests.fixtures.scans import corpus  # noqa: E402

SPEED_BAR = 0.8
CER_BAR = 0.03


def cpu():
    """CPU seconds (user + system) of this process and its finished children so far (the
    pipeline's own Python work, pikepdf's PDF/A, counts with Tesseract's)."""
    mine, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def bare_tesseract(png, folder, threads=None):
    """Recognise one page image with tesseract alone; (seconds, CPU seconds, text).

    ``threads`` sets OMP_THREAD_LIMIT (None: tesseract's own default)."""
    page = folder / "halaman.png"
    page.write_bytes(png)
    env = dict(os.environ)
    env.pop("OMP_THREAD_LIMIT", None)
    if threads:
        env["OMP_THREAD_LIMIT"] = str(threads)
    start, cpu_start = time.perf_counter(), cpu()
    subprocess.run(
        ["tesseract", str(page), str(folder / "keluar"), "-l", ocr.LANGUAGE, "txt"],
        check=True,
        capture_output=True,
        env=env,
    )
    elapsed, used = time.perf_counter() - start, cpu() - cpu_start
    return elapsed, used, (folder / "keluar.txt").read_text("utf-8", "replace")


def warta(scan):
    """Recognise one page through Warta's pipeline; (seconds, CPU seconds, outcome)."""
    start, cpu_start = time.perf_counter(), cpu()
    outcome = ocr.recognise(scan.data, scan.mimetype)
    elapsed, used = time.perf_counter() - start, cpu() - cpu_start
    if outcome.status != "selesai":
        raise SystemExit(f"{scan.name}: OCR {outcome.status}: {outcome.note}")
    return elapsed, used, outcome


def main():
    quick = "--quick" in sys.argv
    if not ocr.available() or shutil.which("tesseract") is None:
        print("tesseract not installed (make installs it): OCR bench skipped")
        return 1
    rounds = 1 if quick else 3
    scans = corpus()
    spent = {"warta": 0.0, "tesseract": 0.0, "tesseract-1": 0.0}
    cpu_spent = dict(spent)
    cer = {}
    pages = 0
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        folder = Path(tmp)
        for r in range(rounds):
            for i, scan in enumerate(scans):
                # alternate which goes first, so neither always meets a warm or cold cache
                if (r + i) % 2:
                    t_bare, c_bare, bare_text = bare_tesseract(scan.png, folder)
                    t_one, c_one, _ = bare_tesseract(scan.png, folder, threads=1)
                    t_warta, c_warta, outcome = warta(scan)
                else:
                    t_warta, c_warta, outcome = warta(scan)
                    t_one, c_one, _ = bare_tesseract(scan.png, folder, threads=1)
                    t_bare, c_bare, bare_text = bare_tesseract(scan.png, folder)
                for key, t, c in (
                    ("warta", t_warta, c_warta),
                    ("tesseract", t_bare, c_bare),
                    ("tesseract-1", t_one, c_one),
                ):
                    spent[key] += t
                    cpu_spent[key] += c
                pages += outcome.pages
                cer.setdefault(scan.name, []).append(
                    (
                        char_error_rate(scan.text, outcome.text),
                        char_error_rate(scan.text, bare_text),
                        outcome.confidence,
                    )
                )
                print(
                    f"  {scan.name:<16} warta {t_warta:5.2f} s  tesseract {t_bare:5.2f} s "
                    f"(1 thread {t_one:5.2f} s)  "
                    f"CER warta {cer[scan.name][-1][0]:.2%}  tesseract {cer[scan.name][-1][1]:.2%}  "
                    f"confidence {outcome.confidence}",
                    flush=True,
                )
    per_min = {k: pages / v * 60 for k, v in spent.items()}
    # the bar is held against the faster of the two bare runs
    reference = max(per_min["tesseract"], per_min["tesseract-1"])
    ratio = per_min["warta"] / reference
    print(
        f"reference: bare tesseract {per_min['tesseract']:.1f} pages/min with its default "
        f"threads, {per_min['tesseract-1']:.1f} with OMP_THREAD_LIMIT=1 "
        f"({pages} pages, {spent['tesseract']:.1f} s and {spent['tesseract-1']:.1f} s)"
    )
    print(
        f"warta pipeline (tesseract pdf+hocr+txt, PDF/A-2B): {per_min['warta']:.1f} pages/min "
        f"({spent['warta']:.1f} s)"
    )
    print(
        f"CPU per page: warta {cpu_spent['warta'] / pages:.2f} s, "
        f"bare tesseract {cpu_spent['tesseract'] / pages:.2f} s "
        f"(1 thread {cpu_spent['tesseract-1'] / pages:.2f} s) "
        f"(load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )
    for name, values in cer.items():
        worst = max(v[0] for v in values)
        print(f"CER {name}: warta {worst:.2%}, bare tesseract {max(v[1] for v in values):.2%}")
    print(
        f"CPU a page: warta {cpu_spent['warta'] / cpu_spent['tesseract-1']:.2f}x "
        "bare one-thread tesseract's"
    )
    verdict = "bar met" if ratio >= SPEED_BAR else "BELOW BAR"
    print(
        f"bar: OCR pages/min {per_min['warta']:.1f} = {ratio:.2f}x bare tesseract's best "
        f"(bar >= {SPEED_BAR}x) -> {verdict}"
    )
    clean = max(v[0] for v in cer["bersih-300dpi"])
    verdict = "bar met" if clean <= CER_BAR else "BELOW BAR"
    print(f"bar: OCR CER clean 300 dpi {clean:.2%} (bar <= {CER_BAR:.0%}) -> {verdict}")
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
