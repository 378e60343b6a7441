"""A fault proxy: asyncio TCP between the device and the centre, HTTP-aware
enough to hurt one request at a time.

It reads each HTTP/1.1 request the device sends (headers, then the body its
``Content-Length`` names), and, as the plan of the moment says, forwards it
untouched or hurts it:

    latency     each request and each reply held ``latency_s`` first
    drop        the connection closed on the request: the centre never sees it
    reset       the reply cut after half its bytes with a TCP reset
    truncate    the reply cut after half its bytes, the connection closed
    corrupt     bytes of the reply's body changed (its length kept)
    lose_reply  the request forwarded, the centre's whole reply thrown away
    forge       the proxy answers itself: a push with every action "applied",
                a pull with a kill switch thrown and a job book of its own,
                under a reply signature it cannot know

A plan hits only the paths it names, ``budget`` requests in all (then passes
requests through), so a sync's own retry meets a healed network. It runs its
event loop in a thread of the caller's process; the plan is swapped from the
caller's thread under a lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from sync.protocol import REPLY_SIGNATURE_HEADER

FAULTS = ("latency", "drop", "reset", "truncate", "corrupt", "lose_reply", "forge")
FORGED_JOB = "FORGED-JOB"
"""The job id a forged pull puts in the job book: it must never reach the device."""
FORGED_REASON = "forged by the network"


@dataclass(frozen=True)
class Plan:
    """What to do to the next requests.

    Attributes:
        kind: One of :data:`FAULTS`, or ``None`` to pass everything through.
        paths: The request paths it hurts (empty: every path).
        budget: How many requests it hurts; negative: every one.
        latency_s: The hold for ``latency``, each way.
    """

    kind: str | None = None
    paths: frozenset[str] = frozenset()
    budget: int = -1
    latency_s: float = 0.0


HEALED = Plan()


@dataclass
class Message:
    """One HTTP message as it went over the wire: head and body."""

    head: bytes
    body: bytes

    @property
    def raw(self) -> bytes:
        return self.head + self.body

    @property
    def first_line(self) -> str:
        return self.head.split(b"\r\n", 1)[0].decode("latin-1")


@dataclass
class FaultProxy:
    """The proxy's state: the plan, and what it did (read from any thread)."""

    upstream_port: int
    seed: int = 0
    port: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    """Requests hurt, by fault and path (``"forge /v1/push"``)."""
    _plan: Plan = HEALED
    _left: int = -1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def set(self, plan: Plan) -> None:
        """Hurt the next requests as ``plan`` says."""
        with self._lock:
            self._plan, self._left = plan, plan.budget

    def heal(self) -> None:
        """Pass every request through from now on."""
        self.set(HEALED)

    def _fault_for(self, path: str) -> Plan | None:
        """The plan if it hurts this request (counting it), else None."""
        with self._lock:
            self.requests[path] += 1
            plan = self._plan
            if plan.kind is None or (plan.paths and path not in plan.paths):
                return None
            if self._left == 0:
                return None
            if self._left > 0:
                self._left -= 1
            self.injected[f"{plan.kind} {path}"] += 1
            return plan

    # --- the connections -------------------------------------------------------

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                request = await read_message(reader)
                if request is None:
                    return
                path = request.first_line.split(" ")[1].split("?")[0]
                plan = self._fault_for(path)
                kind = plan.kind if plan else None
                if kind == "drop":
                    return
                if kind == "forge":
                    writer.write(forged_reply(path, request.body))
                    await writer.drain()
                    continue
                if kind == "latency":
                    assert plan is not None
                    await asyncio.sleep(plan.latency_s)
                if upstream is None:
                    upstream = await asyncio.open_connection(
                        "127.0.0.1", self.upstream_port
                    )
                upstream[1].write(request.raw)
                await upstream[1].drain()
                reply = await read_message(upstream[0])
                if reply is None:
                    return
                if kind == "latency":
                    assert plan is not None
                    await asyncio.sleep(plan.latency_s)
                if kind == "lose_reply":
                    return
                if kind in ("reset", "truncate"):
                    writer.write(reply.raw[: len(reply.raw) // 2])
                    await writer.drain()
                    await asyncio.sleep(0.05)
                    if kind == "reset":
                        reset(writer)
                    return
                if kind == "corrupt":
                    reply = Message(reply.head, corrupted(reply.body, self.rng))
                writer.write(reply.raw)
                await writer.drain()
                if b"connection: close" in reply.head.lower():
                    return
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            return
        finally:
            if upstream is not None:
                upstream[1].close()
            with contextlib.suppress(ConnectionError, OSError):
                writer.close()


async def read_message(reader: asyncio.StreamReader) -> Message | None:
    """One HTTP/1.1 message (request or reply); None at a clean end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if b"content-length" in headers:
        body = await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = await read_chunks(reader)
    elif head.startswith(b"HTTP/"):
        body = await reader.read()  # a reply without a length: until the end
    else:
        body = b""
    return Message(head, body)


async def read_chunks(reader: asyncio.StreamReader) -> bytes:
    """A chunked body, as it went over the wire (so it is forwarded as it was)."""
    raw = b""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        raw += size_line
        size = int(size_line.split(b";")[0], 16)
        raw += await reader.readexactly(size + 2)
        if size == 0:
            return raw


def corrupted(body: bytes, rng: random.Random) -> bytes:
    """``body`` with a few bytes changed (never left as it was)."""
    if not body:
        return body
    changed = bytearray(body)
    for _ in range(max(1, len(body) // 500)):
        at = rng.randrange(len(changed))
        changed[at] ^= rng.randrange(1, 256)
    return bytes(changed)


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), not a clean end of stream."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def forged_reply(path: str, request_body: bytes) -> bytes:
    """What a man in the middle answers: all applied, or a thrown kill switch."""
    try:
        sent = json.loads(request_body)
    except ValueError:
        sent = {}
    if path.endswith("/push"):
        body: dict[str, object] = {
            "results": [
                {
                    "key": action.get("key"),
                    "seq": action.get("seq"),
                    "status": "applied",
                    "reason": FORGED_REASON,
                    "result_id": 10**6 + n,
                }
                for n, action in enumerate(sent.get("actions", []))
            ]
        }
    elif path.endswith("/pull"):
        body = {
            "results": [],
            "results_cursor": 10**9,
            "jobs": {"jobs": [{"job_id": FORGED_JOB, "title": FORGED_REASON}]},
            "jobs_version": 10**9,
            "kill_switch": {"agent": True, "tools": [], "reason": FORGED_REASON},
        }
    else:
        body = {"cursor": 10**9}
    content = json.dumps(body).encode("utf-8")
    head = (
        "HTTP/1.1 200 OK\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(content)}\r\n"
        f"{REPLY_SIGNATURE_HEADER}: {secrets.token_hex(32)}\r\n\r\n"
    )
    return head.encode("latin-1") + content


@contextlib.contextmanager
def running_proxy(upstream_port: int, seed: int = 0) -> Iterator[FaultProxy]:
    """A proxy to 127.0.0.1:``upstream_port`` on a free loopback port, in a
    thread of its own; stopped at the end."""
    proxy = FaultProxy(upstream_port, seed)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stopping: list[asyncio.Event] = []

    async def serve() -> None:
        server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
        proxy.port = server.sockets[0].getsockname()[1]
        stop = asyncio.Event()
        stopping.append(stop)
        started.set()
        async with server:
            await stop.wait()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the fault proxy did not start")
    try:
        yield proxy
    finally:
        loop.call_soon_threadsafe(stopping[0].set)
        thread.join(10)
        loop.close()
