"""Summarise a py-spy profile recorded in raw (collapsed-stack) format.

    py-spy record --pid PID --duration 15 --format raw --function --output server.txt
    .venv/bin/python bench/profile_summary.py server.txt [--top 25]

Prints the functions with the largest share of the sampled (busy) CPU time, twice:
inclusive (the function or anything it called was running) and self (the function
itself was on top of the stack). bench/run.py --profile DIR records and summarises one
file per Python server process of each row.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# "function (module/file.py:line)" -> keep "function (module/file.py)" so lines of a
# function add up (record with --function to have py-spy do it already).
LINE = re.compile(r":\d+\)$")


def frame_name(frame: str) -> str:
    return LINE.sub(")", frame.strip())


def load(path: Path) -> tuple[Counter, Counter, int]:
    inclusive: Counter = Counter()
    self_time: Counter = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [frame_name(f) for f in stack.split(";") if f]
        if frames and frames[0].startswith(("process ", "thread ")):
            frames = frames[1:]
        if not frames:
            continue
        total += n
        for name in set(frames):
            inclusive[name] += n
        self_time[frames[-1]] += n
    return inclusive, self_time, total


def summary(path: Path, top: int = 25) -> str:
    inclusive, self_time, total = load(path)
    if not total:
        return f"{path.name}: no samples\n"
    out = [f"{path.name}: {total} samples of busy CPU", "", "inclusive (function and what it calls):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    out += ["", "self (the function itself):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in self_time.most_common(top)]
    return "\n".join(out) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args()
    for path in args.files:
        print(summary(path, args.top))


if __name__ == "__main__":
    main()
