"""Login latency under gunicorn, against its in-run reference (argon2id verify alone).

Bar (DESIGN.md section 10): login (argon2id) p95 <= 300 ms.
Usage: python bench/login.py [--quick]
"""

import http.cookiejar
import re
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher  # noqa: E402
from argon2 import Type  # noqa: E402

from bench._server import Server  # noqa: E402
from bench._server import percentile  # noqa: E402
from intranet.security import ARGON2_DEFAULTS  # noqa: E402

BAR_MS = 300


def one_login(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/intranet/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrf_token": token, "username": "redaktur", "password": "warta-demo"}
    ).encode()
    start = time.perf_counter()
    response = opener.open(base + "/intranet/login", data=body)
    elapsed = time.perf_counter() - start
    assert response.url.endswith("/intranet/"), response.url
    return elapsed


def main():
    n = 20 if "--quick" in sys.argv else 100
    ph = PasswordHasher(type=Type.ID, **ARGON2_DEFAULTS)
    h = ph.hash("warta-demo")
    reference = []
    for _ in range(n):
        t = time.perf_counter()
        ph.verify(h, "warta-demo")
        reference.append(time.perf_counter() - t)
    with Server() as server:
        one_login(server.url)  # warm-up
        times = [one_login(server.url) for _ in range(n)]
    p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
    ref95 = percentile(reference, 95) * 1000
    verdict = "bar met" if p95 <= BAR_MS else "BELOW BAR"
    print(
        f"reference: argon2id verify alone (m={ARGON2_DEFAULTS['memory_cost']} KiB, "
        f"t={ARGON2_DEFAULTS['time_cost']}, p={ARGON2_DEFAULTS['parallelism']}) p95 {ref95:.0f} ms"
    )
    print(
        f"login over HTTP, n={n}: p50 {p50:.0f} ms, p95 {p95:.0f} ms "
        f"({p95 / ref95:.2f}x the bare verify)"
    )
    print(f"bar: login (argon2id) p95 {p95:.0f} ms (bar <= {BAR_MS} ms) -> {verdict}")
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
