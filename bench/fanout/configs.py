"""What the benchmark measures: the configurations and one run of one of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    name: str
    kind: str  # "platform" or "bare"
    server: str  # "platform", "flask" or "node"
    procs: int = 1
    backend: str | None = None  # "sqlite" or "postgresql" for the platform
    modes: tuple[str, ...] = ("eventlet", "gevent")


CONFIGS = [
    Config("platform-sqlite", "platform", "platform", 1, "sqlite"),
    Config("platform-pg-redis", "platform", "platform", 2, "postgresql"),
    Config("flask-bare", "bare", "flask"),
    Config("node-bare", "bare", "node", modes=("node",)),
]


@dataclass
class RunSpec:
    cfg: Config
    mode: str
    clients: int
    round: int
    layout: str
