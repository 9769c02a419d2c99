"""Application factory."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from workshop import assets, i18n, site
from workshop.config import ROOT, Settings
from workshop.context import Services
from workshop.extensions import babel, csrf, socketio
from workshop.live import wire
from workshop.live.publisher import SocketPublisher
from workshop.services.bus import CommandBus
from workshop.services.presence import PresenceTracker
from workshop.services.ratelimit import RateLimits
from workshop.services.staff_sessions import StaffSessions
from workshop.services.tokens import ParticipantTokens
from workshop.storage.database import Database

# Engine.IO closes the connection on a bigger packet. Application-level limits
# (live.handlers.MAX_PAYLOAD_BYTES) are far lower and answer with an error instead.
TRANSPORT_MAX_BYTES = 1_000_000


_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class _TextFormatter(logging.Formatter):
    """Plain lines, with the record's structured fields (`extra=`) as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS}
        return line + "".join(f" {k}={v}" for k, v in fields.items()) if fields else line


def _configure_logging(fmt: str) -> None:
    """Plain lines for people, or one JSON object per line for log collectors."""
    handler = logging.StreamHandler()
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level"},
            )
        )
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler._workshop = True  # ours: replaced when the app is created again, others kept
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "_workshop", False)] + [handler]
    root.setLevel(logging.INFO)


def _defer(delay: float, fn) -> None:
    """Run `fn` after `delay` seconds in the server's async mode (eventlet, gevent
    or threads), without blocking the caller; errors are logged, not raised."""

    def later():
        socketio.sleep(delay)
        try:
            fn()
        except Exception:
            logging.getLogger(__name__).exception("deferred task failed")

    socketio.start_background_task(later)


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    settings = settings or Settings.from_env(**overrides)
    static = ROOT / "static"
    # Static URLs carry the assets' fingerprint: kept a year, never asked again (assets.py).
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(static),
        static_url_path=f"/static/{assets.build_id(static)}",
    )
    assets.init_app(app, static)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.public_url and settings.public_url.startswith("https")),
        PERMANENT_SESSION_LIFETIME=timedelta(days=120),
        BABEL_DEFAULT_LOCALE="it",
        # Two catalogues in one directory (workshop/i18n.py): Flask-Babel pairs
        # each domain with a directory and merges them, keeping the plural rule of
        # the last one loaded. `messages` exists in every language and comes last:
        # a missing `staff` catalogue would otherwise leave English's rule (n != 1)
        # to Chinese, Arabic, Ukrainian… (tests/live/test_languages.py).
        BABEL_TRANSLATION_DIRECTORIES=";".join([str(ROOT / "workshop" / "translations")] * 2),
        BABEL_DOMAIN="staff;messages",
        WTF_CSRF_TIME_LIMIT=None,
        JSON_AS_ASCII=False,
    )
    _configure_logging(settings.log_format)

    db = Database(settings.database_url)
    publisher = SocketPublisher(socketio)
    tokens = ParticipantTokens(settings.secret_key)
    # By name: a budget added to RateLimits must not shift the others (reads once took
    # the code space's setting, and the code space the sign-in's).
    limiter = RateLimits(
        settings.rate_limit_storage,
        failures_per_minute=settings.join_failures_per_minute,
        joins_per_minute=settings.joins_per_minute,
        commands_per_minute=settings.commands_per_minute,
        code_failures_per_minute=settings.code_failures_per_minute,
        login_failures_per_minute=settings.login_failures_per_minute,
        # Delayed failures wait without holding up the server (eventlet, gevent).
        sleep=socketio.sleep,
    )
    server_id = uuid.uuid4().hex[:12]
    app.extensions["workshop"] = Services(
        settings=settings,
        db=db,
        bus=CommandBus(db, publisher, tokens, limiter),
        presence=PresenceTracker(db, publisher, server_id, interval=settings.presence_interval, defer=_defer),
        tokens=tokens,
        server_id=server_id,
        staff_sessions=StaffSessions(db, timedelta(hours=settings.staff_idle_hours)),
    )

    site.init_app(app, settings.site_file)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    csrf.init_app(app)
    # Import the handlers before init_app: Flask-SocketIO attaches decorated handlers
    # to every server it creates only if they were declared before the server existed.
    from workshop.live import handlers  # noqa: F401

    socketio.init_app(
        app,
        async_mode=settings.async_mode,
        message_queue=settings.message_queue,
        channel=settings.message_queue_channel,
        # None = same origin only (Flask-SocketIO's default); never "*".
        cors_allowed_origins=settings.cors_allowed_origins,
        max_http_buffer_size=TRANSPORT_MAX_BYTES,
        # What clients send is decoded by these (live/wire.py): every packet that
        # asks for an answer gets one, and unreadable input is not a traceback each.
        json=wire.JSON,
        serializer=wire.Packet,
        logger=False,
        engineio_logger=wire.EngineLog(),
    )
    wire.guard_websocket(socketio.server.eio)
    app.wsgi_app = wire.TransportGuard(app.wsgi_app)
    if settings.proxy_hops:
        # After init_app, so that it wraps the Socket.IO middleware too: socket
        # handlers must see the client's address, not the proxy's.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops, x_host=settings.proxy_hops
        )

    from workshop.web import (
        account,
        api,
        auth,
        cabine,
        facilitation,
        meetings,
        pages,
        periods,
        plan,
        privacy,
        review,
        territories,
    )
    from workshop.web.ids import IdConverter

    auth.login_manager.init_app(app)
    # Before the blueprints: their routes use `<id:…>` (web/ids.py).
    app.url_map.converters["id"] = IdConverter
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(facilitation.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(territories.bp)
    app.register_blueprint(plan.bp)
    app.register_blueprint(cabine.bp)
    app.register_blueprint(periods.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(privacy.bp)
    return app
