#!/usr/bin/env python3
"""A rolling upgrade under write load (scripts/upgrade-check.sh).

Two app servers of the previous release serve one PostgreSQL database while writers create
requests through both. Server B is drained, stopped and started again as the new release,
which migrates the schema while server A, still the previous release, goes on writing. Then A
is replaced the same way. Checked:
  - every answer of both releases is 201: no error at any point, from either;
  - the previous release keeps writing after the migration, and its /readyz stays ready;
  - the previous release reads what the new one wrote;
  - every acknowledged write is stored with its own title.
"""

import argparse
import json
import subprocess
import sys
import time
import urllib.request

from write_load import Session, Writers


class Server:
    def __init__(self, binary, db, port, log):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [binary, "serve", "--db", db, "--listen", f"127.0.0.1:{port}"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def ready(self):
        try:
            with urllib.request.urlopen(self.base + "/readyz", timeout=5) as r:
                return r.status == 200
        except Exception:
            return False

    def wait_ready(self, seconds=90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server on {self.port} exited with {self.proc.returncode}")
            if self.ready():
                return
            time.sleep(0.3)
        raise SystemExit(f"the server on {self.port} was not ready within {seconds}s")

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--previous", required=True, help="the previous release's rapport binary")
    ap.add_argument("--new", required=True, help="the new release's rapport binary")
    ap.add_argument("--db", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--logs", required=True, help="a folder for the servers' logs")
    ap.add_argument("--phase", type=float, default=3.0, help="seconds of load per phase")
    ap.add_argument("--hang", type=float, default=15.0)
    args = ap.parse_args()

    a = Server(args.previous, args.db, 18481, f"{args.logs}/a-previous.log")
    b = Server(args.previous, args.db, 18482, f"{args.logs}/b-previous.log")
    a.wait_ready()
    b.wait_ready()
    session_a, session_b = Session(a.base, args.password), Session(b.base, args.password)
    client_id = session_a.create_client("Upgrade Foods")
    writers = Writers(client_id, args.hang)
    stop_a = [writers.start(f"a{i}", session_a) for i in range(2)]
    stop_b = [writers.start(f"b{i}", session_b) for i in range(2)]
    time.sleep(args.phase)

    problems = []
    # B: drained (as the proxy's health check would), stopped, started as the new release.
    for s in stop_b:
        s.set()
    if b.stop() != 0:
        problems.append("the previous release's server B did not exit 0 on SIGTERM")
    b = Server(args.new, args.db, 18482, f"{args.logs}/b-new.log")
    b.wait_ready()
    # The new release migrates before it listens: from here the schema is the new one.
    migrated = time.monotonic()
    session_b = Session(b.base, args.password)
    stop_b = [writers.start(f"B{i}", session_b) for i in range(2)]
    time.sleep(args.phase)
    if not a.ready():
        problems.append("the previous release's /readyz is not ready on the migrated schema")
    # Only what the new release acknowledged before the listing began can be asked of it.
    by_new = [w for w in writers.snapshot() if w.status == 201 and w.title.startswith("load B")]
    try:
        seen_by_previous = session_a.stored_titles(client_id)
    except RuntimeError as e:
        problems.append(f"the previous release cannot list on the migrated schema: {e}")
        seen_by_previous = {}
    unseen = [w.title for w in by_new if seen_by_previous.get(w.id) != w.title]
    if not by_new:
        problems.append("the new release acknowledged no write")
    if unseen:
        problems.append(f"the previous release does not read {len(unseen)} requests the new one "
                        f"wrote: {unseen[:3]}")

    # A: the same.
    for s in stop_a:
        s.set()
    if a.stop() != 0:
        problems.append("the previous release's server A did not exit 0 on SIGTERM")
    replaced = time.monotonic()
    a = Server(args.new, args.db, 18481, f"{args.logs}/a-new.log")
    a.wait_ready()
    session_a = Session(a.base, args.password)
    [writers.start(f"A{i}", session_a) for i in range(2)]
    time.sleep(args.phase)
    writers.stop_all()

    answers = writers.snapshot()
    for w in answers:
        if w.status != 201:
            problems.append(f"{w.server} answered {w.status} to {w.title!r}: {w.body}")
    old_after = [w for w in answers
                 if w.status == 201 and w.title.startswith("load a") and migrated < w.started]
    if not old_after:
        problems.append("the previous release wrote nothing after the migration")
    stored = session_a.stored_titles(client_id)
    lost = writers.lost(stored)
    if lost:
        problems.append(f"{len(lost)} acknowledged writes lost: {[w.title for w in lost[:5]]}")
    for s in (a, b):
        s.stop()

    acked = [w for w in answers if w.status == 201]
    print(json.dumps({
        "acknowledged": len(acked),
        "by_previous_after_migration": len(old_after),
        "by_new": len([w for w in acked if w.title.startswith(("load A", "load B"))]),
        "errors": len([w for w in answers if w.status != 201]),
        "rate_limited_waited_out": writers.limited,
        "lost": len(lost),
        "seconds_from_migration_to_last_previous_write":
            round(max((w.finished for w in old_after), default=migrated) - migrated, 2),
        "seconds_both_releases_served": round(replaced - migrated, 2),
    }))
    if problems:
        for p in problems[:20]:
            print(f"FAIL: {p}", file=sys.stderr)
        sys.exit(1)
    print("upgrade: both releases served every write on the migrated schema; nothing lost")


if __name__ == "__main__":
    main()
