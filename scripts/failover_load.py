#!/usr/bin/env python3
"""Write load across a database failover, and what it must not do (scripts/failover-check.sh).

Writers create requests through every app server. The kill and the promotion run as commands
at set moments. Checked:
  - every answer is 201 or 503, and every 503 says Retry-After;
  - no answer takes longer than --hang seconds (a hang is a failure, a fast 503 is not);
  - writes succeed again by themselves after the promotion, within --recover seconds;
  - every request acknowledged with 201 reads back afterwards with its own title.
Prints the measured unavailability: from the kill to the first write acknowledged after it.
"""

import argparse
import subprocess
import sys
import time

from write_load import Session, Writers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", required=True, help="comma-separated base URLs")
    ap.add_argument("--password", required=True)
    ap.add_argument("--kill", required=True, help="command that kills the primary")
    ap.add_argument("--promote", required=True, help="command that promotes the standby")
    ap.add_argument("--writers-per-server", type=int, default=2)
    ap.add_argument("--before", type=float, default=3.0, help="seconds of load before the kill")
    ap.add_argument("--promote-after", type=float, default=2.0,
                    help="seconds between the kill and the promotion")
    ap.add_argument("--after", type=float, default=4.0,
                    help="seconds of load after writes recover")
    ap.add_argument("--recover", type=float, default=60.0,
                    help="most seconds from the promotion to the first acknowledged write")
    ap.add_argument("--hang", type=float, default=15.0,
                    help="an answer slower than this is a hang")
    args = ap.parse_args()

    sessions = [Session(s, args.password) for s in args.servers.split(",")]
    client_id = sessions[0].create_client("Failover Foods")
    writers = Writers(client_id, args.hang)
    for i, s in enumerate(sessions):
        for j in range(args.writers_per_server):
            writers.start(f"s{i}w{j}", s)

    time.sleep(args.before)
    killed = time.monotonic()
    subprocess.run(args.kill, shell=True, check=True)
    time.sleep(args.promote_after)
    subprocess.run(args.promote, shell=True, check=True)
    promoted = time.monotonic()
    print(f"standby promoted {promoted - killed:.2f}s after the kill")

    recovered = None
    deadline = promoted + args.recover
    while time.monotonic() < deadline:
        ok_after = [a for a in writers.snapshot() if a.status == 201 and a.started > promoted]
        if ok_after:
            recovered = min(a.finished for a in ok_after)
            break
        time.sleep(0.1)
    if recovered is not None:
        time.sleep(args.after)
    writers.stop_all()

    answers = writers.snapshot()
    problems = []
    if recovered is None:
        problems.append(f"no write was acknowledged within {args.recover}s of the promotion")
    acked = [a for a in answers if a.status == 201]
    failed = [a for a in answers if a.status != 201]
    acked_before = [a for a in acked if a.finished < killed]
    if not acked_before:
        problems.append("no write was acknowledged before the kill")
    for a in failed:
        if a.status != 503:
            problems.append(f"{a.server} answered {a.status} to {a.title!r}: {a.body}")
        elif not a.retry_after:
            problems.append(f"{a.server} answered 503 without Retry-After to {a.title!r}")
    slowest = max((a.finished - a.started for a in answers), default=0.0)
    if slowest > args.hang:
        problems.append(f"an answer took {slowest:.1f}s (a hang)")
    slowest_refusal = max((a.finished - a.started for a in failed), default=0.0)

    stored = {}
    try:
        stored = sessions[0].stored_titles(client_id)
    except RuntimeError as e:
        problems.append(str(e))
    lost = writers.lost(stored)
    if lost:
        problems.append(f"{len(lost)} acknowledged writes lost: {[a.title for a in lost[:5]]}")

    print(f"writes: {len(acked)} acknowledged ({len(acked_before)} before the kill), "
          f"{len(failed)} refused during the switch; {writers.limited} rate-limited answers "
          f"waited out")
    print(f"slowest answer {slowest:.2f}s; slowest refusal {slowest_refusal:.2f}s")
    if recovered is not None:
        print(f"unavailable for writes: {recovered - killed:.2f}s from the kill "
              f"({recovered - promoted:.2f}s after the promotion)")
    print(f"acknowledged writes read back: {len(acked) - len(lost)} of {len(acked)}; "
          f"{max(0, len(stored) - len(acked) + len(lost))} more stored whose answer was a 503 "
          f"(committed as the connection broke)")
    if problems:
        # Distinct kinds first: a lost write must not hide behind a page of missing headers.
        problems.sort(key=lambda p: "Retry-After" in p)
        for p in problems[:20]:
            print(f"FAIL: {p}", file=sys.stderr)
        sys.exit(1)
    print("failover: no answer but 201 or 503 with Retry-After, no hang, no acknowledged write lost")


if __name__ == "__main__":
    main()
