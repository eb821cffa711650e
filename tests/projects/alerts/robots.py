"""Group-chat robots on loopback for the delivery tests: a real https server with a
self-signed certificate (made by the openssl command), trusted by the robot channel
through ``SSL_CERT_FILE``, and allowed by ``ROBOT_WEBHOOK_HOSTS`` as ``localhost:port``.

Each path of the server is one robot; ``answers`` says how it answers a POST: ``"ok"``
(errcode 0), an ``int`` (that errcode), ``"not json"``, ``"secret"`` (an HTTP 500 with
an internal page), ``("redirect", url)`` or ``("status", code)``.
"""

import http.server
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import need

#: What an internal service might answer: it must never reach the ledger.
SECRET = "pg_hba.conf password=s3cret"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Return (certificate, key) files for localhost and 127.0.0.1, valid a day."""
    need(shutil.which("openssl") is not None, "the openssl command is missing")
    cert, key = folder / "robot.crt", folder / "robot.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        server = self.server.robots
        body = self.rfile.read(int(self.headers["Content-Length"]))
        path = self.path.split("?")[0]
        with server.lock:
            server.received[path].append(json.loads(body))
        answer = server.answers.get(path, "ok")
        if isinstance(answer, tuple) and answer[0] == "redirect":
            self.send_response(302)
            self.send_header("Location", answer[1])
            self.end_headers()
            return
        if isinstance(answer, tuple) and answer[0] == "status":
            self.send_response(answer[1])
            self.end_headers()
            self.wfile.write(SECRET.encode())
            return
        if answer == "secret":
            self.send_response(500, f"Internal {SECRET}"[:20])
            self.end_headers()
            self.wfile.write(SECRET.encode())
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if answer == "not json":
            self.wfile.write(b"<html>ok</html>")
        else:
            code = 0 if answer == "ok" else answer
            self.wfile.write(json.dumps({"errcode": code, "errmsg": SECRET}).encode())

    def log_message(self, *args):
        pass


class Robots:
    """An https server on loopback whose paths are robots."""

    def __init__(self, cert: Path, key: Path):
        self.lock = threading.Lock()
        self.received: dict[str, list] = defaultdict(list)
        self.answers: dict[str, object] = {}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.robots = self
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        self.host = f"localhost:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"https://{self.host}{path}?key=test"

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Silent:
    """A server that takes TCP connections and never says a word (no TLS handshake):
    a robot's host that hangs. Counts the connections it took."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.host = f"localhost:{self.port}"
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def url(self, path: str) -> str:
        return f"https://{self.host}{path}"

    def stop(self):
        self.socket.close()
        for connection in self.accepted:
            connection.close()


def closed_port() -> int:
    """Return a loopback port nothing listens on: a robot's host that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def robot_certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("robot-tls"))


@pytest.fixture
def robots(robot_certificate, settings, monkeypatch):
    """The https robot server, allowed and trusted; settings.ROBOT_WEBHOOK_HOSTS lists it
    (tests append the other hosts they need)."""
    server = Robots(*robot_certificate)
    server.start()
    settings.ROBOT_WEBHOOK_HOSTS = [server.host]
    monkeypatch.setenv("SSL_CERT_FILE", str(robot_certificate[0]))
    yield server
    server.stop()
