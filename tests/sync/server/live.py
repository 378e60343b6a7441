"""The service on a real socket: uvicorn on 127.0.0.1, port 0, in a thread;
signed requests to it, and raw sockets that send a body slowly."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from fastapi import FastAPI

from sync.auth import signed_headers


@contextmanager
def serving(
    app: FastAPI, *, timeout: float = 20.0, tls: tuple[Path, Path] | None = None
) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL.

    ``tls`` (a certificate file and its key) serves HTTPS instead of HTTP.
    """
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
            ssl_certfile=None if tls is None else tls[0],
            ssl_keyfile=None if tls is None else tls[1],
        )
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:  # uvicorn offers no event; poll its flag
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"{'http' if tls is None else 'https'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


def signed_post(
    http: httpx.Client, path: str, body: bytes, device: tuple[str, str], nonce: str
) -> httpx.Response:
    """POST ``body`` signed as ``device`` (its id and secret), timed now."""
    headers = signed_headers(
        *device,
        method="POST",
        path=path,
        body=body,
        timestamp=str(datetime.now(UTC).timestamp()),
        nonce=nonce,
    )
    return http.post(path, content=body, headers=headers)


def wait_until(check: Callable[[], bool], *, timeout: float = 20.0) -> None:
    """Return once ``check()`` holds; fail if it never does within ``timeout``."""
    deadline = time.monotonic() + timeout
    while not check():  # the server's state is only visible by asking it
        if time.monotonic() > deadline:
            raise AssertionError("the server never reached the state waited for")
        time.sleep(0.01)


def slow_request(url: str, path: str, *, declared: int = 100) -> socket.socket:
    """A connection that declares a ``declared``-byte body and sends two bytes."""
    address = urlsplit(url)
    connection = socket.create_connection(
        (address.hostname or "127.0.0.1", address.port or 80), timeout=30
    )
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
    )
    connection.sendall(head.encode("ascii") + b"{}")
    return connection


def read_reply(connection: socket.socket) -> tuple[int, dict[str, Any]]:
    """The status and JSON body of the reply on a raw connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            raise AssertionError(f"the connection closed without a reply: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = connection.recv(4096)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), json.loads(body[:length])
