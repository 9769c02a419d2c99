"""Fan-out benchmark: the platform against bare Socket.IO servers, side by side.

    .venv/bin/python bench/run.py            # full run (~25 min on 2 cores)
    .venv/bin/python bench/run.py --quick    # one load, short windows (~2 min)
    .venv/bin/python bench/run.py --help

N clients, spread over several load-generator processes (bench/loadgen.py), join ONE
room; a few senders post messages through the real protocol at a fixed total rate,
each carrying its send time; every client records the latency of every message. The
configurations are run one after another, interleaved per load and round, each on a
fresh server (and a fresh database copy), and summarised in one table plus a JSON file
in bench/results/. See bench/README.md for what every column means.

Not part of the test suite. Everything this script starts (servers, node, load
generators) is stopped on exit, on Ctrl-C and on errors; it uses ports >= 6100, Redis
database 9 (flushed) and PostgreSQL databases named bench_* that it creates and drops.

The parts are in bench/fanout/ (see its __init__.py for the map); this file is the
command line only.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/fanout imports the test suite's helpers (tests/servers.py, tests/postgres.py,
# tests/staff_client.py) and bench/loadgen.py as `bench.loadgen`: from the repository's root.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fanout.cli import main  # noqa: E402  (after the path is set)

if __name__ == "__main__":
    sys.exit(main())
