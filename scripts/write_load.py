"""Write load through Rapport's API for the operations checks (failover, rolling upgrade).

Writers create requests of one client, one at a time each, through a given app server, and
record every answer. A 429 (the API's rate limit) is waited out as a well-behaved client
would, not counted. Afterwards `stored_titles` lists what the database holds, page by page.
Standard library only, so CI needs nothing installed for it.
"""

import http.cookiejar
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


class Session:
    """A signed-in session on one app server (cookie and CSRF token)."""

    def __init__(self, base, password, org="acme", email="owner@acme.example"):
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        body = {"org": org, "email": email, "password": password}
        status, _, data = self.call("POST", "/api/v1/auth/login", body, csrf=False)
        if status != 200:
            raise SystemExit(f"sign-in on {base} answered {status}: {data}")
        self.csrf = json.loads(data)["csrf_token"]

    def call(self, method, path, body=None, csrf=True, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if csrf:
            req.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def create_client(self, name):
        status, _, data = self.call(
            "POST", "/api/v1/clients", {"name": name, "calendar": {"tz": "UTC"}})
        if status != 201:
            raise SystemExit(f"creating the client answered {status}: {data}")
        return json.loads(data)["id"]

    def stored_titles(self, client_id):
        """Every request of the client as id -> title, or raise on an error answer."""
        stored, cursor = {}, None
        while True:
            path = f"/api/v1/requests?client_id={client_id}&limit=200"
            if cursor:
                path += f"&cursor={urllib.parse.quote(cursor)}"
            status, headers, body = self.call("GET", path)
            if status == 429:
                # The session's writers used its rate; wait as they do.
                time.sleep(float({k.lower(): v for k, v in headers.items()}.get("retry-after", 1)))
                continue
            if status != 200:
                raise RuntimeError(f"listing requests on {self.base} answered {status}: {body[:200]}")
            page = json.loads(body)
            for item in page["items"]:
                stored[item["id"]] = item["title"]
            cursor = page.get("next_cursor")
            if not cursor:
                return stored


class Answer:
    def __init__(self, started, finished, server, title, status, retry_after, rid, body):
        self.started, self.finished = started, finished
        self.server, self.title, self.status = server, title, status
        self.retry_after, self.id, self.body = retry_after, rid, body


class Writers:
    """Writer threads, each bound to one session, until `stop`."""

    def __init__(self, client_id, hang):
        self.client_id, self.hang = client_id, hang
        self.lock = threading.Lock()
        self.answers = []
        self.limited = 0
        self.threads = []

    def start(self, name, session):
        stop = threading.Event()
        t = threading.Thread(target=self._run, args=(name, session, stop), daemon=True)
        t.start()
        self.threads.append((t, stop))
        return stop

    def _run(self, name, session, stop):
        seq = 0
        while not stop.is_set():
            seq += 1
            title = f"load {name} #{seq}"
            t0 = time.monotonic()
            try:
                status, headers, body = session.call(
                    "POST", "/api/v1/requests", {"client_id": self.client_id, "title": title},
                    timeout=self.hang)
            except Exception as e:  # a timeout or a dropped connection to the app server
                status, headers, body = None, {}, repr(e)
            t1 = time.monotonic()
            retry = {k.lower(): v for k, v in headers.items()}.get("retry-after")
            if status == 429:
                with self.lock:
                    self.limited += 1
                time.sleep(float(retry or 1))
                continue
            rid = json.loads(body)["id"] if status == 201 else None
            with self.lock:
                self.answers.append(
                    Answer(t0, t1, session.base, title, status, retry, rid, body[:300]))
            if status != 201:
                time.sleep(0.05)

    def stop_all(self):
        for _, stop in self.threads:
            stop.set()
        for t, _ in self.threads:
            t.join(timeout=self.hang + 5)

    def snapshot(self):
        with self.lock:
            return list(self.answers)

    def lost(self, stored):
        """Acknowledged writes that are not stored with their own title."""
        return [a for a in self.snapshot() if a.status == 201 and stored.get(a.id) != a.title]
