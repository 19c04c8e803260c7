"""A rendered project served as in production, for tests and benchmarks.

gunicorn runs the project in a subprocess bound to 127.0.0.1 on a free port, a TCP proxy owned
by the calling process stands between it and PostgreSQL (so a test can take the database away
without touching the shared server), and a small HTTP client drives it as several users with a
mixed workload of the project's owner- and org-scoped resources.
"""

import http.client
import json
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.support import PACKAGE

PASSWORD = "correct horse battery staple"
# Bodies for the resources of tests.support.RESOURCE_SPECS: an owner-scoped note and an
# org-scoped project.
NOTE = {"title": "n", "priority": 1, "amount": "12.50", "done": False}
PROJECT = {"name": "p"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TcpProxy:
    """Forwards 127.0.0.1:port to a target address until `cut()`.

    A cut closes every open connection and resets each new one at once, as a database that
    restarts does; `restore()` forwards again. Threads only; `close()` stops everything.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.down = False
        self.closed = False
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by the proxy's."""
        parts = urlsplit(database_url)
        credentials = parts.netloc.rpartition("@")[0]
        return urlunsplit(parts._replace(netloc=f"{credentials}@127.0.0.1:{self.port}"))

    def cut(self) -> None:
        with self._lock:
            self.down = True
            for sock in self._open:
                _reset(sock)
            self._open.clear()

    def restore(self) -> None:
        with self._lock:
            self.down = False

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                if self.down:
                    _reset(client)
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with self._lock:
            for sock in (source, sink):
                self._open.discard(sock)
                _reset(sock)


def _reset(sock: socket.socket) -> None:
    """Drop a connection at once, waking the thread blocked on it: shutdown, then close."""
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        sock.close()


@dataclass
class Answer:
    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: Any
    started: float
    finished: float


def call(
    base: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> Answer:
    """One HTTP request on a new connection; status 0 when the connection itself failed."""
    parts = urlsplit(base)
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    started = time.monotonic()
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        status, received = response.status, {k.lower(): v for k, v in response.getheaders()}
    except OSError:
        status, received, raw = 0, {}, b""
    finally:
        connection.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Answer(method, path, status, received, parsed, started, time.monotonic())


@dataclass
class Gunicorn:
    """A running gunicorn: its base URL, process and the file its output goes to."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()


@contextmanager
def gunicorn(project: Path, env: dict[str, str], log_path: Path) -> Iterator[Gunicorn]:
    """Serve `project` with its serve command (gunicorn, gunicorn.conf.py) on 127.0.0.1.

    Stops it on exit, failures included: SIGTERM, then SIGKILL after 20 seconds.
    """
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", f"{PACKAGE}.serve", "--bind", f"127.0.0.1:{port}"],
            cwd=project,
            env={**env, "PYTHONPATH": "src"},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Gunicorn(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 60
        while call(server.url, "GET", "/healthz", timeout=2).status != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                output = "\n".join(server.log_lines())
                raise AssertionError(f"gunicorn did not start (exit {process.poll()}):\n{output}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class User:
    """A registered user with a token, its own organization and the objects it created."""

    email: str
    token: str
    org: str
    notes: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)


def sign_up(base: str, email: str) -> User:
    """Register `email`, sign in, and create an organization of its own."""
    credentials = {"email": email, "password": PASSWORD}
    registered = call(base, "POST", "/users", body=credentials)
    assert registered.status == 201, registered
    signed_in = call(base, "POST", "/auth/tokens", body=credentials)
    assert signed_in.status == 201, signed_in
    token = signed_in.body["token"]
    org = call(base, "POST", "/orgs", token=token, body={"name": email.split("@")[0]})
    assert org.status == 201, org
    return User(email, token, org.body["id"])


def mixed_request(base: str, user: User, others: list[User], rng: random.Random) -> Answer:
    """One request of the mixed workload: creates, reads, lists, updates, and foreign reads.

    Every answer can be judged alone (`wrong_answer`).
    """
    choice = rng.random()
    note = f"/notes/{rng.choice(user.notes)}" if user.notes else None
    projects = f"/orgs/{user.org}/projects"
    if choice < 0.15 or note is None:
        answer = call(base, "POST", "/notes", token=user.token, body=NOTE)
        if answer.status == 201:
            user.notes.append(answer.body["id"])
        return answer
    if choice < 0.25 or not user.projects:
        answer = call(base, "POST", projects, token=user.token, body=PROJECT)
        if answer.status == 201:
            user.projects.append(answer.body["id"])
        return answer
    if choice < 0.45:
        return call(base, "GET", note, token=user.token)
    if choice < 0.55:
        return call(base, "PATCH", note, token=user.token, body={"title": "m"})
    if choice < 0.7:
        return call(base, "GET", "/notes", token=user.token)
    if choice < 0.8:
        return call(base, "GET", f"{projects}/{rng.choice(user.projects)}", token=user.token)
    if choice < 0.88:
        return call(base, "GET", projects, token=user.token)
    victim = rng.choice(others)
    if victim.notes and choice < 0.94:
        return call(base, "GET", f"/notes/{rng.choice(victim.notes)}", token=user.token)
    if victim.projects:
        path = f"/orgs/{victim.org}/projects/{rng.choice(victim.projects)}"
        return call(base, "GET", path, token=user.token)
    return call(base, "GET", "/me", token=user.token)


def wrong_answer(
    answer: Answer, user: User, everyone: list[User], *, outage: bool = False
) -> str | None:
    """What is wrong with `answer` to `user`'s request, if anything: a read of another user's
    object must be 404, every other request 2xx, and a list holds only the caller's objects.
    With `outage`, 503 (the database is away) is right too."""
    if outage and answer.status == 503:
        return None
    foreign = {
        object_id
        for other in everyone
        if other is not user
        for object_id in (*other.notes, *other.projects, other.org)
    }
    what = f"{user.email} {answer.method} {answer.path}: {answer.status} {answer.body}"
    if any(object_id in answer.path for object_id in foreign):
        return None if answer.status == 404 else what
    if not 200 <= answer.status < 300:
        return what
    if isinstance(answer.body, list):
        seen = {str(item.get("id")) for item in answer.body if isinstance(item, dict)}
        if seen & foreign:
            return f"{what}: lists {sorted(seen & foreign)} of other users"
    return None


def drive(
    base: str, users: list[User], seconds: float, threads_per_user: int, seed: int
) -> list[tuple[User, Answer]]:
    """Run the mixed workload from every user at once for `seconds`; every answer, in order."""
    answers: list[tuple[User, Answer]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work(user: User, rng: random.Random) -> None:
        others = [other for other in users if other is not user]
        while time.monotonic() < deadline:
            answer = mixed_request(base, user, others, rng)
            with lock:
                answers.append((user, answer))

    workers = [
        threading.Thread(target=work, args=(user, random.Random(seed * 100 + index)))
        for index, user in enumerate(users * threads_per_user)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 60)
    return answers
