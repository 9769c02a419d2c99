"""What a phone downloads to take part, and how soon the room is usable on a slow link (not a test).

Starts the platform on a fresh SQLite file with the demo data (as scripts/demo.sh
does), then drives Debian's Chromium through Playwright and reads the DevTools
protocol's network events (bytes on the wire, i.e. compressed, headers
included):

1. **First visit** (empty cache): home → type the code → join form → room,
   until the room is connected. Bytes and requests.
2. **Return visit** (the same browser, later): the room's URL again. Bytes,
   requests, and how many of them were for static assets (goal: none).
3. **Slow 3G** (1.6 Mbps down, 750 kbps up, 150 ms latency, through
   `Network.emulateNetworkConditions`), empty cache: from opening the room
   (already joined) until it is usable (connected, the writing box enabled).

    .venv/bin/python bench/page_weight.py              # prints the figures and the goals
    .venv/bin/python bench/page_weight.py --runs 5     # median of 5 slow-3G loads
    .venv/bin/python bench/page_weight.py --detail     # every request of the first visit

Goals (issue 12): first visit ≤ 200 KiB, return visit ≤ 30 KiB with no request
for a static asset, room usable in ≤ 3 s on slow 3G. Figures in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import free_port, wait_healthy  # noqa: E402  (as the tests start their servers)

CHROMIUM = os.environ.get("WORKSHOP_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SLOW_3G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 0.75e6 / 8}
KIB = 1024


def start_server(work: Path) -> tuple[subprocess.Popen, str, str]:
    """The platform with the demo data; returns (process, base URL, a join code)."""
    env = {
        **os.environ,
        "WORKSHOP_INSTANCE_DIR": str(work),
        "WORKSHOP_ASYNC_MODE": "gevent",
        "WORKSHOP_SECRET_KEY": "page-weight-bench",
        "PYTHONUNBUFFERED": "1",
    }
    python = [sys.executable, "-m", "workshop"]
    subprocess.run([*python, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [*python, "seed", "--demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    code = re.search(r"Sessione dimostrativa \((\d{6})\)", seeded)[1]
    port = free_port()
    log = open(work / "server.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [*python, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, lambda: (work / "server.log").read_text()[-2000:], timeout=30)
    except RuntimeError as exc:
        proc.kill()
        raise SystemExit(f"the server did not start: {exc}") from None
    return proc, url, code


class Wire:
    """Every request of a page, with its bytes on the wire, from the DevTools protocol."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.requests: dict[str, dict] = {}
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.webSocketFrameReceived", self._frame)
        self.cdp.on("Network.webSocketFrameSent", self._frame)

    def _sent(self, e):
        self.requests.setdefault(e["requestId"], {"url": e["request"]["url"], "bytes": 0, "status": None})

    def _response(self, e):
        r = self.requests.setdefault(e["requestId"], {"url": e["response"]["url"], "bytes": 0})
        r["status"] = e["response"]["status"]
        r["from_cache"] = e["response"].get("fromDiskCache") or e["response"].get("fromMemoryCache")
        r["encoding"] = {k.lower(): v for k, v in e["response"].get("headers", {}).items()}.get(
            "content-encoding", ""
        )

    def _finished(self, e):
        if e["requestId"] in self.requests:
            self.requests[e["requestId"]]["bytes"] = e["encodedDataLength"]

    def _frame(self, e):
        r = self.requests.setdefault(
            "ws:" + e["requestId"], {"url": "websocket frames", "bytes": 0, "status": 101}
        )
        r["bytes"] += len(e["response"]["payloadData"])

    def emulate(self, conditions: dict) -> None:
        self.cdp.send("Network.emulateNetworkConditions", conditions)

    def reset(self) -> None:
        self.requests.clear()

    def fetched(self) -> list[dict]:
        """Requests that went to the server (not answered from the browser's cache)."""
        return [r for r in self.requests.values() if not r.get("from_cache")]

    def total(self) -> int:
        return sum(r["bytes"] for r in self.fetched())


def usable(page) -> None:
    page.wait_for_selector('#connection-status[data-state="online"]', timeout=60_000)
    page.wait_for_selector("#note-text:not([disabled])", timeout=60_000)


def join(page, url: str, code: str, pseudonym: str) -> None:
    page.goto(url + "/")
    page.fill("#code", code)
    page.locator("#code").press("Enter")
    page.fill("#pseudonym", pseudonym)
    page.select_option("#category", "cittadino")
    page.locator("main form [type=submit]").click()
    usable(page)


def is_static(url: str) -> bool:
    return "/static/" in url


def measure(url: str, code: str, runs: int, detail: bool) -> dict:
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="it-IT")
        page = context.new_page()
        wire = Wire(page)
        join(page, url, code, "Misura")
        first = wire.fetched()
        out["first_visit_bytes"] = wire.total()
        out["first_visit_requests"] = len(first)
        out["first_visit_static_bytes"] = sum(r["bytes"] for r in first if is_static(r["url"]))
        out["first_visit_uncompressed_text"] = sorted(
            {
                r["url"].split("?")[0].rsplit("/", 1)[-1]
                for r in first
                if is_static(r["url"])
                and re.search(r"\.(css|js|svg|json|map)(\?|$)", r["url"])
                and not r.get("encoding")
            }
        )
        if detail:
            for r in sorted(first, key=lambda r: -r["bytes"]):
                print(
                    f"  {r['bytes'] / KIB:8.1f} KiB  {r.get('status')}  {r.get('encoding') or '-':4}  "
                    f"{r['url'].replace(url, '')[:110]}"
                )
        room = page.url
        wire.reset()
        page.goto("about:blank")
        again = context.new_page()
        wire2 = Wire(again)
        again.goto(room)
        usable(again)
        back = wire2.fetched()
        out["return_visit_bytes"] = wire2.total()
        out["return_visit_requests"] = len(back)
        out["return_visit_static_requests"] = len([r for r in back if is_static(r["url"])])
        if detail:
            print("return visit:")
            for r in back:
                print(f"  {r['bytes'] / KIB:8.1f} KiB  {r.get('status')}  {r['url'].replace(url, '')[:110]}")
        cookies = context.cookies()
        context.close()

        times = []
        for _ in range(runs):
            cold = browser.new_context(viewport={"width": 360, "height": 740}, locale="it-IT")
            cold.add_cookies(cookies)  # already joined: what is measured is the room's load
            slow = cold.new_page()
            Wire(slow).emulate(SLOW_3G)
            start = time.perf_counter()
            slow.goto(room, wait_until="commit")
            usable(slow)
            times.append(time.perf_counter() - start)
            cold.close()
        out["slow_3g_usable_s"] = round(statistics.median(times), 2)
        out["slow_3g_runs_s"] = [round(t, 2) for t in times]
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="slow-3G loads (the median is shown)")
    parser.add_argument("--detail", action="store_true", help="list every request of the first visit")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="page-weight-") as tmp:
        proc, url, code = start_server(Path(tmp))
        try:
            figures = measure(url, code, args.runs, args.detail)
        finally:
            proc.terminate()
            proc.wait(10)
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    goals = (
        ("first visit, home → join → room", figures["first_visit_bytes"] / KIB, "KiB", 200),
        ("return visit to the room", figures["return_visit_bytes"] / KIB, "KiB", 30),
        ("static assets requested on return", figures["return_visit_static_requests"], "", 0),
        ("room usable on slow 3G (median)", figures["slow_3g_usable_s"], "s", 3),
    )
    print(f"{'':40} {'measured':>10} {'goal':>8}")
    for label, value, unit, goal in goals:
        mark = "met" if value <= goal else "MISSED"
        print(f"{label:40} {value:>9.1f}{unit:<1} {goal:>7}{unit:<1}  {mark}")
    print(
        f"requests: first visit {figures['first_visit_requests']} "
        f"(static {figures['first_visit_static_bytes'] / KIB:.1f} KiB), "
        f"return visit {figures['return_visit_requests']}"
    )
    if figures["first_visit_uncompressed_text"]:
        print("text assets sent uncompressed:", ", ".join(figures["first_visit_uncompressed_text"]))
    print("slow 3G runs (s):", figures["slow_3g_runs_s"])


if __name__ == "__main__":
    main()
