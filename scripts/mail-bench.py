#!/usr/bin/env python3
"""Mail intake throughput on SQLite: `rapport mail ingest` as a mail server's pipe (one process
per message), the same verb given many files (one process), and LMTP (one session, and several
at once). Every message is from a known contact with a fresh Message-ID, so each one opens a new
request: the full path (parse, route, request + message + mail facts + audit, search index).

Usage: scripts/mail-bench.py [RAPPORT_BINARY] [N]
       (default target/release/rapport, N = 1000)
"""

import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/rapport"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
SENDER = "priya.mehta@kaveri.example"  # a contact of the demo workspace


def message(tag, i):
    body = "The monthly export is missing the regional totals again. " * 8
    return (
        f"From: Priya Mehta <{SENDER}>\r\nTo: support@northwind.example\r\n"
        f"Subject: Export question {tag} {i}\r\nMessage-ID: <bench-{tag}-{i}@kaveri.example>\r\n"
        f"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def fresh_db(work, name):
    path = os.path.join(work, f"{name}.db")
    url = f"sqlite://{path}"
    subprocess.run([BIN, "demo", "--db", url], check=True, capture_output=True)
    return url


def count_requests(url, tag):
    import sqlite3

    c = sqlite3.connect(url.removeprefix("sqlite://"))
    return c.execute("SELECT COUNT(*) FROM requests WHERE title LIKE ?", (f"Export question {tag} %",)).fetchone()[0]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bench_pipe(work, n):
    url = fresh_db(work, "pipe")
    msgs = [message("pipe", i) for i in range(n)]
    start = time.perf_counter()
    for m in msgs:
        subprocess.run([BIN, "mail", "ingest", "--db", url, "--org", "northwind"], input=m, check=True, capture_output=True)
    took = time.perf_counter() - start
    assert count_requests(url, "pipe") == n
    return took


def bench_files(work, n):
    url = fresh_db(work, "files")
    d = os.path.join(work, "files")
    os.makedirs(d)
    paths = []
    for i in range(n):
        p = os.path.join(d, f"{i}.eml")
        with open(p, "wb") as f:
            f.write(message("files", i))
        paths.append(p)
    start = time.perf_counter()
    subprocess.run([BIN, "mail", "ingest", "--db", url, "--org", "northwind", *paths], check=True, capture_output=True)
    took = time.perf_counter() - start
    assert count_requests(url, "files") == n
    return took


def bench_lmtp(work, n, sessions):
    tag = f"lmtp{sessions}"
    url = fresh_db(work, tag)
    port = free_port()
    server = subprocess.Popen(
        [BIN, "serve", "--db", url, "--listen", "127.0.0.1:0", "--log-level", "warn", "--job-concurrency", "0",
         "--lmtp", f"127.0.0.1:{port}", "--lmtp-org", "northwind"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        server.stdout.readline()
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        msgs = [message(tag, i) for i in range(n)]
        errors = []

        def run(part):
            try:
                c = smtplib.LMTP("127.0.0.1", port)
                for m in part:
                    c.sendmail(SENDER, ["support@northwind.example"], m)
                c.quit()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        parts = [msgs[i::sessions] for i in range(sessions)]
        threads = [threading.Thread(target=run, args=(p,)) for p in parts]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.perf_counter() - start
        assert not errors, errors
        assert count_requests(url, tag) == n
        return took
    finally:
        server.terminate()
        server.wait()


def main():
    work = tempfile.mkdtemp(prefix="rapport-mail-bench-")
    try:
        rows = []
        pipe_n = max(1, N // 4)
        t = bench_pipe(work, pipe_n)
        rows.append((f"`rapport mail ingest` < msg, one process per message ({pipe_n})", pipe_n, t))
        t = bench_files(work, N)
        rows.append((f"`rapport mail ingest FILE...`, one process ({N})", N, t))
        for sessions in (1, 4):
            t = bench_lmtp(work, N, sessions)
            rows.append((f"LMTP, {sessions} session{'s' if sessions > 1 else ''} ({N})", N, t))
        print("| how | messages | seconds | messages/s |")
        print("| --- | --- | --- | --- |")
        for what, n, t in rows:
            print(f"| {what} | {n} | {t:.2f} | {n / t:.0f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
