"""The load generators: bench/loadgen.py processes, each with a block of the clients,
driven over their stdin and stdout (one JSON object a line)."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path

from .processes import BENCH, PROCS, PY, tail


def split_clients(clients: int, gens: int, senders: int, procs: int) -> tuple[list[int], dict[int, list]]:
    """Clients: contiguous blocks per generator (generator j has clients bounds[j] to
    bounds[j+1]); inside a block, clients alternate between the server processes. Sender
    s sits on server s % procs: slots[j] has (sender, position in the block) pairs."""
    bounds = [round(i * clients / gens) for i in range(gens + 1)]
    slots: dict[int, list] = {j: [] for j in range(gens)}
    for s in range(senders):
        j = s % gens
        taken = {pos for _, pos in slots[j]}
        pos = next(
            p
            for p in range(bounds[j + 1] - bounds[j])
            if (bounds[j] + p) % procs == s % procs and p not in taken
        )
        slots[j].append((s, pos))
    return bounds, slots


def generator_options(spec, args, ports: list[int], gen_cpus, work: Path, run_id: str, backend) -> list[dict]:
    """One options object per generator process (what bench/loadgen.py reads)."""
    cfg = spec.cfg
    g = min(args.gens, spec.clients)
    bounds, sender_slots = split_clients(spec.clients, g, args.senders, cfg.procs)
    out = []
    for j in range(g):
        first, last = bounds[j], bounds[j + 1]
        opts = {
            "kind": cfg.kind,
            "run_id": run_id,
            "first_index": first,
            "targets": [["127.0.0.1", ports[i % cfg.procs]] for i in range(first, last)],
            "sender_ids": [s for s, _ in sender_slots[j]],
            "sender_positions": [p for _, p in sender_slots[j]],
            "pad_bytes": args.pad,
            "cpus": gen_cpus,
            "connect_concurrency": args.connect_concurrency,
            "latency_file": str(work / f"lat-{run_id}-{j}.bin"),
            "log": str(work / f"gen-{run_id}-{j}.log"),
        }
        if cfg.kind == "platform":
            opts["tokens"] = backend.tokens[first:last]
            opts["code"] = backend.code
        out.append(opts)
    return out


class GenProcess:
    """A load-generator child; its stdout lines are read by a thread into a queue."""

    def __init__(self, proc: subprocess.Popen, opts: dict):
        self.proc, self.opts = proc, opts
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    @classmethod
    def start(cls, opts: dict, opts_path: Path) -> GenProcess:
        opts_path.write_text(json.dumps(opts))
        with open(opts["log"], "ab") as glog:
            proc = PROCS.spawn(
                [PY, str(BENCH / "loadgen.py"), str(opts_path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                log=glog,
            )
        return cls(proc, opts)

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def expect(self, key: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"load generator did not answer {key!r} in {timeout:.0f} s")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(
                    f"load generator exited ({self.proc.poll()}): {tail(Path(self.opts['log']))}"
                )
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if key in msg:
                return msg[key]

    def send(self, obj: dict) -> None:
        try:
            self.proc.stdin.write((json.dumps(obj) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
