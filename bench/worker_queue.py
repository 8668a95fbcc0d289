"""The background queue: enqueue→start latency and throughput of a real worker process on
each queue store (huey's SQLite file in the instance folder, and Redis when reachable).

Each run has its own instance folder and SQLite database. Latency: one task at a time, from
the commit that queued it to the moment the worker process starts running it (the task
writes that moment down); throughput: a batch queued in one transaction, from the commit to
the last row marked done in the database.
Usage: python bench/worker_queue.py [--quick] [--redis redis://127.0.0.1:6379/12]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from intranet import create_app  # noqa: E402
from intranet import queue  # noqa: E402
from intranet.extensions import db  # noqa: E402


@queue.task("bench.mark", retries=0)
def mark(path):
    """Write down when it started (the bench's probe)."""
    with open(path, "a") as f:
        f.write(f"{time.time()}\n")


def create():
    """The worker's app (``flask --app bench.worker_queue:create worker``)."""
    return create_app()


def _app(instance, url):
    config = {
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'warta.db'}",
        "QUEUE_NAME": f"bench-{os.getpid()}",
        "QUEUE_NIGHTLY": False,
        "SECRET_KEY": "bench",
    }
    if url:
        config["QUEUE_URL"] = url
    return create_app(config)


def _done(app, count):
    with app.app_context():
        n = db.session.execute(
            db.select(db.func.count()).where(queue.BackgroundTask.state == "selesai")
        ).scalar()
        db.session.remove()
    return n >= count


def measure(url, samples, batch):
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        app = _app(instance, url)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
        env.update(
            WARTA_INSTANCE_PATH=str(instance),
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            WARTA_QUEUE_NAME=app.config["QUEUE_NAME"],
            WARTA_QUEUE_NIGHTLY="false",
            WARTA_SECRET_KEY=app.config["SECRET_KEY"],
        )
        if url:
            env["WARTA_QUEUE_URL"] = url
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "bench.worker_queue:create", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            probe = instance / "probe.txt"
            latencies = []
            for i in range(samples + 1):  # the first one waits for the worker to be up
                with app.app_context():
                    queue.enqueue("bench.mark", path=str(probe))
                    db.session.commit()
                    queued = time.time()
                    db.session.remove()
                deadline = time.monotonic() + 60
                while len(probe.read_text().splitlines() if probe.exists() else []) <= i:
                    if time.monotonic() > deadline:
                        raise SystemExit("the worker never ran the probe")
                    time.sleep(0.001)
                if i:
                    latencies.append(float(probe.read_text().splitlines()[i]) - queued)
            started = time.perf_counter()
            with app.app_context():
                for _ in range(batch):
                    queue.enqueue("bench.mark", path=str(instance / "batch.txt"))
                db.session.commit()
                db.session.remove()
            while not _done(app, samples + 1 + batch):
                time.sleep(0.01)
            elapsed = time.perf_counter() - started
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    latencies.sort()
    return {
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "per_second": batch / elapsed,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    )
    args = parser.parse_args()
    samples, batch = (20, 200) if args.quick else (100, 1000)
    stores = [("SQLite (instance/queue.db)", None)]
    try:
        import redis

        redis.Redis.from_url(args.redis).ping()
        stores.append((f"Redis ({args.redis})", args.redis))
    except Exception as e:  # noqa: BLE001 - reported, the SQLite figures stand
        print(f"Redis not reachable ({type(e).__name__}); measured SQLite only")
    print(f"{samples} single tasks (enqueue commit -> task start), then {batch} queued at once")
    for label, url in stores:
        r = measure(url, samples, batch)
        print(
            f"{label}: latency median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms; "
            f"throughput {r['per_second']:.0f} tasks/s"
        )


if __name__ == "__main__":
    main()
