"""Configuration read from the environment, in one place.

Every setting has an embedded default so that a fresh clone runs on SQLite in
one process. See README "Configuration" for the operator's view.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASYNC_MODES = ("eventlet", "gevent", "threading")
DEFAULT_CHANNEL = "flask-socketio"  # Flask-SocketIO's own default


def _instance_dir() -> Path:
    path = Path(os.environ.get("WORKSHOP_INSTANCE_DIR", ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """Use WORKSHOP_SECRET_KEY, or a key generated on first run and kept.

    Keeping it matters: participant tokens are signed with it, and a new key
    on every restart would turn every returning participant into a stranger.
    """
    if key := os.environ.get("WORKSHOP_SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting together must not write two keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def normalize_database_url(url: str) -> str:
    """Pin PostgreSQL to psycopg2: SQLAlchemy 2.1 would pick psycopg 3 for a
    bare postgresql:// URL, and psycopg 3 does not cooperate with eventlet."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def async_mode_from_env() -> str:
    mode = os.environ.get("WORKSHOP_ASYNC_MODE", "eventlet")
    if mode not in ASYNC_MODES:
        raise SystemExit(f"WORKSHOP_ASYNC_MODE must be one of {ASYNC_MODES}, not {mode!r}")
    return mode


@dataclass
class Settings:
    database_url: str
    secret_key: str
    async_mode: str
    message_queue: str | None = None
    # Redis publish/subscribe channels are server-wide, not per database number:
    # two deployments (or a test run and a benchmark) on one Redis need two names.
    message_queue_channel: str = DEFAULT_CHANNEL
    public_url: str | None = None
    rate_limit_storage: str = "memory://"
    # Failed join attempts (wrong code or token) per client address, and wrong
    # codes from every address together, before further failures are slowed
    # down; wrong staff passwords per account and per address, likewise
    # (services/ratelimit.py).
    join_failures_per_minute: int = 10
    code_failures_per_minute: int = 100
    login_failures_per_minute: int = 10
    # Budgets for successful actions (see services/ratelimit.py).
    joins_per_minute: int = 60
    commands_per_minute: int = 120
    # Presence counts go to a room at most this often (seconds); 0 = at every change.
    presence_interval: float = 1.0
    log_format: str = "text"  # or "json": one object per line
    cors_allowed_origins: list[str] | None = None
    instance_dir: Path = ROOT / "instance"
    # Reverse proxies in front that set X-Forwarded-* (nginx: 1).
    proxy_hops: int = 0
    # Days after closing before a session's participants' data is purged
    # (`python -m workshop purge`, services/privacy.py); the privacy page states it.
    retention_days: int = 365
    # A staff sign-in ends after this long without use (server-side, whatever the
    # cookie's lifetime: the cookie lasts 120 days for participants' tokens).
    staff_idle_hours: float = 10.0
    # Contacts, accessibility statement, legal notes (workshop/site.py); None: the demo's.
    site_file: Path | None = None

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        instance = _instance_dir()
        mq = os.environ.get("WORKSHOP_MESSAGE_QUEUE") or None
        origins = os.environ.get("WORKSHOP_CORS_ORIGINS")
        settings = cls(
            database_url=normalize_database_url(
                os.environ.get("WORKSHOP_DATABASE_URL", f"sqlite:///{instance / 'workshop.db'}")
            ),
            secret_key=_secret_key(instance),
            async_mode=async_mode_from_env(),
            message_queue=mq,
            message_queue_channel=os.environ.get("WORKSHOP_MESSAGE_QUEUE_CHANNEL") or DEFAULT_CHANNEL,
            public_url=os.environ.get("WORKSHOP_PUBLIC_URL") or None,
            # Failed-join counters must be shared when several processes serve the rooms.
            rate_limit_storage=os.environ.get("WORKSHOP_RATE_LIMIT_STORAGE")
            or (mq if mq and mq.startswith("redis") else "memory://"),
            join_failures_per_minute=int(os.environ.get("WORKSHOP_JOIN_FAILURES_PER_MINUTE", 10)),
            code_failures_per_minute=int(os.environ.get("WORKSHOP_CODE_FAILURES_PER_MINUTE", 100)),
            login_failures_per_minute=int(os.environ.get("WORKSHOP_LOGIN_FAILURES_PER_MINUTE", 10)),
            joins_per_minute=int(os.environ.get("WORKSHOP_JOINS_PER_MINUTE", 60)),
            commands_per_minute=int(os.environ.get("WORKSHOP_COMMANDS_PER_MINUTE", 120)),
            presence_interval=float(os.environ.get("WORKSHOP_PRESENCE_INTERVAL", 1.0)),
            log_format=os.environ.get("WORKSHOP_LOG_FORMAT", "text"),
            cors_allowed_origins=[o.strip() for o in origins.split(",") if o.strip()] or None
            if origins
            else None,
            instance_dir=instance,
            proxy_hops=int(os.environ.get("WORKSHOP_PROXY_HOPS", 0)),
            retention_days=int(os.environ.get("WORKSHOP_RETENTION_DAYS", 365)),
            staff_idle_hours=float(os.environ.get("WORKSHOP_STAFF_IDLE_HOURS", 10.0)),
            site_file=Path(os.environ.get("WORKSHOP_SITE_FILE") or instance / "sito.toml"),
        )
        return replace(settings, **overrides)
