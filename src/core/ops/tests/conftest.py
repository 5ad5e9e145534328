"""Real network peers for the readiness tests: a minimal MQTT broker and closed ports."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

CONNACK_ACCEPTED = bytes([0x20, 0x02, 0x00, 0x00])
CONNACK_NOT_AUTHORIZED = bytes([0x20, 0x02, 0x00, 0x05])


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TinyBroker:
    """Accepts TCP connections and answers each MQTT CONNECT with a fixed CONNACK (or nothing)."""

    def __init__(self, connack: bytes | None) -> None:
        self.connack = connack
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self.connects: list[bytes] = []
        self.disconnects = 0
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self._open.append(conn)
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            packet = conn.recv(1024)
            if not packet:
                return
            self.connects.append(packet)
            if self.connack is None:
                conn.recv(1024)  # stay silent until the client gives up
                return
            conn.sendall(self.connack)
            if conn.recv(1024)[:1] == b"\xe0":
                self.disconnects += 1
        except OSError:
            return

    def close(self) -> None:
        self.server.close()
        for conn in self._open:
            conn.close()


@pytest.fixture
def tiny_broker() -> Iterator[TinyBroker]:
    broker = TinyBroker(CONNACK_ACCEPTED)
    yield broker
    broker.close()


@pytest.fixture
def refusing_broker() -> Iterator[TinyBroker]:
    broker = TinyBroker(CONNACK_NOT_AUTHORIZED)
    yield broker
    broker.close()


@pytest.fixture
def silent_broker() -> Iterator[TinyBroker]:
    broker = TinyBroker(None)
    yield broker
    broker.close()
