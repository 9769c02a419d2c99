"""One load-generator process for bench/run.py: many Socket.IO clients on one asyncio loop.

Why not python-socketio's client: it costs ~4x the CPU per received message of a
minimal client (shared/DESIGN.md), so the load generator would saturate before the
server. This file speaks the protocols directly and does as little as possible per
received message:

- WebSocket (RFC 6455) over a plain asyncio.Protocol: HTTP upgrade, unmasked frames
  from the server, masked frames to the server, ping/pong/close control frames;
- Engine.IO v4: open packet `0{...}`, server ping `2` answered with pong `3`;
- Socket.IO v5 on the default namespace: `40` connect, `42[...]` events,
  `42<id>[...]` emits that want an ack, `43<id>[...]` acks.

A received event is matched with two byte regexes (no JSON decoding) for the send
timestamp (`bench <sender> <n> <time_ns>`) and, for the platform, the event `seq`.

The process is driven by bench/run.py over stdin/stdout, one JSON object a line:

    <- {"ready": ...}                           after every client connected (and joined)
    -> {"cmd": "go", "start_ns": ..., "warmup_s": ..., "duration_s": ..., "grace_s": ...}
    <- {"report": ...}                          after start + warmup + duration + grace
    -> {"cmd": "quit"}                          (or EOF) closes everything and exits

Options are one JSON object in the file named by argv[1] (see fanout/generators.py, `generator_options`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sys
import time
from array import array

try:  # a faster event loop when available (bench/requirements.txt)
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None

BENCH_RE = re.compile(rb"bench (\d+) (\d+) (\d+)")
SEQ_RE = re.compile(rb'"seq": ?(\d+)')
OK_RE = re.compile(rb'"ok": ?true')
EVENT_PREFIX = b'42["event"'
MSG_PREFIX = b'42["msg"'


def now_ns() -> int:
    return time.time_ns()


# --------------------------------------------------------------------------- WebSocket


class WebSocketProtocol(asyncio.Protocol):
    """A minimal RFC 6455 client: text frames in and out, nothing else."""

    def __init__(self, path: str, host: str, headers: dict[str, str], on_message, on_close):
        self.path, self.host, self.headers = path, host, headers
        self.on_message, self.on_close = on_message, on_close
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.fragments: list[bytes] = []
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def data_received(self, data: bytes):
        buf = self.buffer
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[:end]).split(b"\r\n", 1)[0]
            del buf[: end + 4]
            if b" 101 " not in status + b" ":
                if not self.opened.done():
                    self.opened.set_exception(ConnectionError(status.decode(errors="replace")))
                self.transport.close()
                return
            self.upgraded = True
            if not self.opened.done():
                self.opened.set_result(True)
        # Frames from a server are never masked.
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if n - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if n - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            opcode = b0 & 0x0F
            if opcode == 0x1 or opcode == 0x2:
                if b0 & 0x80:
                    self.on_message(payload)
                else:
                    self.fragments = [payload]
            elif opcode == 0x0:
                self.fragments.append(payload)
                if b0 & 0x80:
                    self.on_message(b"".join(self.fragments))
                    self.fragments = []
            elif opcode == 0x9:  # ping -> pong
                self._frame(0xA, payload)
            elif opcode == 0x8:  # close
                if not self.closed:
                    self._frame(0x8, payload[:2])
                self.transport.close()
        if pos:
            del buf[:pos]

    def _frame(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        n = len(payload)
        if n < 126:
            head = bytes((0x80 | opcode, 0x80 | n))
        elif n < 65536:
            head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
        else:
            head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        if n:
            key = (mask * (n // 4 + 1))[:n]
            masked = (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")
        else:
            masked = b""
        self.transport.write(head + mask + masked)

    def send_text(self, text: bytes) -> None:
        self._frame(0x1, text)

    def close(self) -> None:
        if self.transport and not self.transport.is_closing():
            self.closed = True
            self._frame(0x8, (1000).to_bytes(2, "big"))
            self.transport.close()

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during handshake"))
        self.on_close()


# --------------------------------------------------------------------------- Socket.IO client


class Stats:
    """Counters of this load-generator process, reset when the measurement starts."""

    def __init__(self):
        self.measuring = False
        self.latencies = array("d")
        self.received = 0
        self.duplicates = 0
        self.order_violations = 0
        self.disconnects = 0
        self.other_events = 0
        self.sample = ""  # one received message, as sent by the server
        self.last_rx = 0.0  # time.time() of the last measured message received


class Client:
    """One Socket.IO connection; a receiver, and a sender if `sender_id` is set."""

    __slots__ = (
        "gen",
        "index",
        "host",
        "port",
        "ws",
        "ack_id",
        "acks",
        "open_packet",
        "connected",
        "seen",
        "max_seq",
        "last_n",
        "session_id",
        "sender_id",
        "alive",
    )

    def __init__(self, gen: LoadGen, index: int, host: str, port: int):
        self.gen, self.index, self.host, self.port = gen, index, host, port
        self.ws: WebSocketProtocol | None = None
        self.ack_id = 0
        self.acks: dict[int, asyncio.Future | tuple] = {}
        loop = asyncio.get_running_loop()
        self.open_packet: asyncio.Future = loop.create_future()
        self.connected: asyncio.Future = loop.create_future()
        self.seen: set[int] = set()
        self.max_seq = 0
        self.last_n: dict[int, int] = {}
        self.session_id: int | None = None
        self.sender_id: int | None = None
        self.alive = False

    async def connect(self, headers: dict[str, str] | None = None, timeout: float = 30) -> None:
        loop = asyncio.get_running_loop()
        _, self.ws = await asyncio.wait_for(
            loop.create_connection(
                lambda: WebSocketProtocol(
                    "/socket.io/?EIO=4&transport=websocket",
                    f"{self.host}:{self.port}",
                    headers or {},
                    self.on_message,
                    self.on_close,
                ),
                self.host,
                self.port,
            ),
            timeout,
        )
        await asyncio.wait_for(self.ws.opened, timeout)
        await asyncio.wait_for(self.open_packet, timeout)
        self.ws.send_text(b"40")
        await asyncio.wait_for(self.connected, timeout)
        self.alive = True

    async def call(self, event: str, data, timeout: float = 60):
        """Emit with an ack and wait for it (setup only: joins, staff commands)."""
        self.ack_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.acks[self.ack_id] = fut
        self.ws.send_text(b"42%d" % self.ack_id + json.dumps([event, data], separators=(",", ":")).encode())
        return await asyncio.wait_for(fut, timeout)

    def emit_timed(self, text: bytes) -> None:
        """Emit with an ack whose arrival time is recorded, without waiting for it."""
        self.ack_id += 1
        self.acks[self.ack_id] = (time.monotonic_ns(),)
        self.ws.send_text(b"42%d" % self.ack_id + text)

    # -- hot path: every frame of every connection comes here
    def on_message(self, payload: bytes) -> None:
        kind = payload[:1]
        if kind == b"4":
            t = payload[1:2]
            if t == b"2":
                self.gen.on_event(self, payload)
            elif t == b"3":
                i = payload.find(b"[", 2)
                ack_id = int(payload[2:i])
                waiter = self.acks.pop(ack_id, None)
                if isinstance(waiter, tuple):
                    self.gen.on_timed_ack(waiter[0], payload[i:])
                elif waiter is not None and not waiter.done():
                    waiter.set_result(json.loads(payload[i:])[0])
            elif t == b"0":
                if not self.connected.done():
                    self.connected.set_result(payload[2:])
            elif t == b"4":
                if not self.connected.done():
                    self.connected.set_exception(ConnectionError(payload.decode(errors="replace")))
        elif kind == b"2":  # Engine.IO ping
            self.ws.send_text(b"3")
        elif kind == b"0":
            if not self.open_packet.done():
                self.open_packet.set_result(json.loads(payload[1:]))
        elif kind == b"1":  # Engine.IO close
            self.ws.close()

    def on_close(self) -> None:
        if self.alive:
            self.alive = False
            self.gen.stats.disconnects += 1
        for waiter in self.acks.values():
            if isinstance(waiter, asyncio.Future) and not waiter.done():
                waiter.set_exception(ConnectionError("connection closed"))

    def close(self) -> None:
        self.alive = False
        if self.ws:
            self.ws.close()


# --------------------------------------------------------------------------- the process


def join_payload(opts: dict, index: int) -> dict:
    """A returning participant (token made by bench/fanout beforehand), or a newcomer with the code."""
    tokens = opts.get("tokens")
    if tokens:
        return {"token": tokens[index - opts.get("first_index", 0)]}
    return {
        "code": opts["code"],
        "pseudonym": f"bench{index}",
        "category": "cittadino",
        "cid": f"bench-join-{opts['run_id']}-{index:06d}-x",
    }


class LoadGen:
    def __init__(self, opts: dict):
        self.opts = opts
        self.kind = opts["kind"]  # "platform" or "bare"
        self.stats = Stats()
        self.clients: list[Client] = []
        self.senders: list[Client] = []
        self.sent = 0
        self.warm_sent = 0
        self.send_lateness_ms = array("d")
        self.acks_ok = 0
        self.acks_failed = 0
        self.ack_ms = array("d")
        self.failed_acks_sample: list[str] = []
        self.lag_ms = array("d")
        self.worst_stall = (0.0, 0.0)  # (lag ms, own CPU ms during it)
        self.pad = b"x" * int(opts.get("pad_bytes", 0))
        self.platform = self.kind == "platform"

    # -- receiving
    def on_event(self, client: Client, payload: bytes) -> None:
        stats = self.stats
        if self.platform:
            if not payload.startswith(EVENT_PREFIX):
                return
            m = SEQ_RE.search(payload)
            seq = int(m.group(1)) if m else 0
            b = BENCH_RE.search(payload)
            if b is None:
                if seq > client.max_seq:
                    client.max_seq = seq
                stats.other_events += 1
                return
            if not stats.measuring:
                return
            key = int(b.group(1)) << 32 | int(b.group(2))
            if key in client.seen:
                stats.duplicates += 1
                return
            client.seen.add(key)
            if seq < client.max_seq:
                stats.order_violations += 1
            else:
                client.max_seq = seq
        else:
            if not payload.startswith(MSG_PREFIX):
                return
            b = BENCH_RE.search(payload)
            if b is None or not stats.measuring:
                return
            s, n = int(b.group(1)), int(b.group(2))
            key = s << 32 | n
            if key in client.seen:
                stats.duplicates += 1
                return
            client.seen.add(key)
            if n < client.last_n.get(s, -1):
                stats.order_violations += 1
            else:
                client.last_n[s] = n
        if not stats.sample:
            stats.sample = payload[:2000].decode(errors="replace")
        stats.received += 1
        now = time.time_ns()
        stats.last_rx = now / 1e9
        stats.latencies.append((now - int(b.group(3))) / 1e6)

    def on_timed_ack(self, sent_mono_ns: int, body: bytes) -> None:
        if OK_RE.search(body):
            self.acks_ok += 1
            self.ack_ms.append((time.monotonic_ns() - sent_mono_ns) / 1e6)
        else:
            self.acks_failed += 1
            if len(self.failed_acks_sample) < 5:
                self.failed_acks_sample.append(body[:300].decode(errors="replace"))

    # -- setup
    async def connect_all(self) -> dict:
        opts = self.opts
        targets = opts["targets"]  # one [host, port] per client of this process
        sender_ids = opts.get("sender_ids", [])
        sem = asyncio.Semaphore(int(opts.get("connect_concurrency", 8)))
        errors: list[str] = []
        started = time.monotonic()

        async def one(i: int, host: str, port: int):
            client = Client(self, opts["first_index"] + i, host, port)
            async with sem:
                for attempt in range(3):
                    try:
                        await client.connect()
                        if self.platform:
                            ack = await client.call("join", join_payload(opts, client.index))
                            if not ack.get("ok"):
                                raise ConnectionError(f"join refused: {json.dumps(ack)[:300]}")
                            client.session_id = ack["session"]["id"]
                            client.max_seq = max(client.max_seq, ack.get("head", 0))
                        self.clients.append(client)
                        return
                    except Exception as exc:  # noqa: BLE001 - reported to run.py
                        client.close()
                        if attempt == 2:
                            errors.append(f"client {client.index} {host}:{port}: {exc!r}"[:300])
                        else:
                            await asyncio.sleep(0.5)
                            client = Client(self, client.index, host, port)

        await asyncio.gather(*(one(i, h, p) for i, (h, p) in enumerate(targets)))
        self.clients.sort(key=lambda c: c.index)
        by_index = {c.index: c for c in self.clients}
        for sid, position in zip(sender_ids, opts.get("sender_positions", []), strict=True):
            client = by_index.get(opts["first_index"] + position)
            if client is None:
                errors.append(f"sender {sid}: its client did not connect")
                continue
            client.sender_id = sid
            self.senders.append(client)
        return {
            "connected": len(self.clients),
            "errors": errors[:10],
            "error_count": len(errors),
            "connect_s": round(time.monotonic() - started, 2),
        }

    # -- measurement
    def _message(self, client: Client, prefix: str, n: int) -> bytes:
        text = f"{prefix} {client.sender_id} {n} {time.time_ns()}"
        if self.platform:
            return json.dumps(
                [
                    "note.create",
                    {
                        "cid": f"b{client.sender_id}-{prefix[0]}{n}-{self.opts['run_id']}",
                        "session_id": client.session_id,
                        "kind": "proposta",
                        "text": text,
                    },
                ],
                separators=(",", ":"),
            ).encode()
        return b'["msg",{"b":"' + text.encode() + b'","p":"' + self.pad + b'"}]'

    async def send_loop(
        self,
        client: Client,
        start_ns: int,
        warmup_s: float,
        duration_s: float,
        total_senders: int,
        rate: float,
    ):
        """Open loop: send on schedule whatever the acks do (a slow server gets no respite)."""
        k = n = 0
        for target, measured in send_times(
            start_ns / 1e9, warmup_s, duration_s, total_senders, rate, client.sender_id
        ):
            delay = target - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self.send_lateness_ms.append(-delay * 1000)
            if not client.alive:
                break
            if measured:
                client.emit_timed(self._message(client, "bench", n))
                self.sent += 1
                n += 1
            else:
                client.emit_timed(self._message(client, "warm", k))
                self.warm_sent += 1
            k += 1

    async def lag_monitor(self, until: float):
        """How late this event loop wakes up; the worst stall also says whether this
        process was busy (its CPU time advanced) or waiting for the core (it did not)."""
        interval = 0.05
        while time.time() < until:
            before, cpu_before = time.monotonic(), time.process_time()
            await asyncio.sleep(interval)
            lag = (time.monotonic() - before - interval) * 1000
            self.lag_ms.append(lag)
            if lag > self.worst_stall[0]:
                self.worst_stall = (lag, (time.process_time() - cpu_before) * 1000)

    async def measure(self, cmd: dict) -> dict:
        start_ns = int(cmd["start_ns"])
        warmup_s, duration_s, grace_s = (
            float(cmd["warmup_s"]),
            float(cmd["duration_s"]),
            float(cmd["grace_s"]),
        )
        total_senders, rate = int(cmd["total_senders"]), float(cmd["rate"])
        t_measure = start_ns / 1e9 + warmup_s
        t_end = t_measure + duration_s
        quiet_s = float(cmd.get("quiet_s", 2.0))
        tasks = [
            asyncio.ensure_future(self.send_loop(c, start_ns, warmup_s, duration_s, total_senders, rate))
            for c in self.senders
        ]
        # Counting starts with the first measured send (warm-up messages are ignored by text).
        delay = start_ns / 1e9 - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        self.stats.measuring = True
        await asyncio.sleep(max(0.0, t_measure - time.time()))
        lag = asyncio.ensure_future(self.lag_monitor(t_measure + duration_s))
        cpu0, wall0 = time.process_time(), time.monotonic()
        await asyncio.sleep(max(0.0, t_measure + duration_s - time.time()))
        cpu1, wall1 = time.process_time(), time.monotonic()
        await asyncio.gather(*tasks, lag)
        # Late messages: wait until every client has every measured message, or nothing
        # arrived for quiet_s, or grace_s after the window. What is still missing is lost.
        expected = measured_sends(start_ns / 1e9, warmup_s, duration_s, total_senders, rate) * len(
            self.clients
        )
        while time.time() < t_end + grace_s:
            if self.stats.received >= expected:
                break
            if time.time() - max(self.stats.last_rx, t_end) > quiet_s:
                break
            await asyncio.sleep(0.1)
        self.stats.measuring = False
        path = self.opts["latency_file"]
        with open(path, "wb") as f:
            self.stats.latencies.tofile(f)
        lag_sorted = sorted(self.lag_ms)
        return {
            "connected": len(self.clients),
            "alive": sum(1 for c in self.clients if c.alive),
            "sent": self.sent,
            "warm_sent": self.warm_sent,
            "acks_ok": self.acks_ok,
            "acks_failed": self.acks_failed,
            "failed_acks_sample": self.failed_acks_sample,
            "ack_ms": sorted(self.ack_ms),
            "received": self.stats.received,
            "duplicates": self.stats.duplicates,
            "order_violations": self.stats.order_violations,
            "disconnects": self.stats.disconnects,
            "latency_file": path,
            "latency_count": len(self.stats.latencies),
            "cpu_pct": round(100 * (cpu1 - cpu0) / max(1e-9, wall1 - wall0), 1),
            "loop_lag_p99_ms": round(lag_sorted[int(0.99 * (len(lag_sorted) - 1))], 2)
            if lag_sorted
            else None,
            "loop_lag_max_ms": round(lag_sorted[-1], 2) if lag_sorted else None,
            "sample_message": self.stats.sample,
            "sample_message_bytes": len(self.stats.sample.encode()),
            "worst_stall_ms": [round(x, 1) for x in self.worst_stall],
            "send_late_max_ms": round(max(self.send_lateness_ms), 2) if self.send_lateness_ms else 0.0,
        }

    def close_all(self) -> None:
        for client in self.clients:
            client.close()


def send_times(
    t_start: float, warmup_s: float, duration_s: float, total_senders: int, rate: float, sender_id: int
):
    """When sender `sender_id` sends: every total_senders/rate s, senders evenly staggered."""
    interval, offset, t_end = total_senders / rate, sender_id / rate, t_start + warmup_s + duration_s
    k = 0
    while (target := t_start + offset + k * interval) < t_end:
        yield target, target >= t_start + warmup_s
        k += 1


def measured_sends(
    t_start: float, warmup_s: float, duration_s: float, total_senders: int, rate: float
) -> int:
    return sum(
        measured
        for s in range(total_senders)
        for _, measured in send_times(t_start, warmup_s, duration_s, total_senders, rate, s)
    )


def emit_line(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def main(opts: dict) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    gen = LoadGen(opts)
    emit_line({"ready": await gen.connect_all()})
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = json.loads(line)
        if cmd["cmd"] == "go":
            emit_line({"report": await gen.measure(cmd)})
        elif cmd["cmd"] == "quit":
            break
    gen.close_all()
    await asyncio.sleep(0.2)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        options = json.load(f)
    if options.get("cpus"):
        try:
            os.sched_setaffinity(0, set(options["cpus"]))
        except OSError:
            pass
    try:
        (uvloop.run if uvloop is not None else asyncio.run)(main(options))
    except KeyboardInterrupt:
        pass
