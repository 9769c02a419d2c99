"""How static assets reach a phone on a venue's Wi-Fi: versioned, kept, compressed.

- **One version for all assets.** Static URLs carry a fingerprint of the whole
  static tree (`/static/<build>/js/room.js`), computed when the app starts. Any
  change to any asset changes every URL, so a browser may keep each file for a
  year without asking again (`Cache-Control: immutable`): a return visit
  requests no asset at all. A whole tree rather than a hash per file, so that
  the ES modules' relative imports (`./live/board.js`) stay under the same
  version without rewriting them. An old URL (a page from before a release)
  still gets its file, without the long cache.
- **Compressed**: pages, styles, scripts, SVG and JSON go out with Brotli or
  gzip (Flask-Compress, as the browser accepts), behind nginx or not
  (docs/deployment.md).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Flask, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress

YEAR_S = 365 * 24 * 3600
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "text/markdown",
    "text/plain",
    "text/csv",
]
compress = Compress()


# Kept under static/ for the PDF exports' fonts, never linked from a page.
NOT_SERVED = ("vendor/bootstrap-italia/",)


@functools.cache
def build_id(static: Path) -> str:
    """A fingerprint of the assets under `static` (names and contents): the same
    on every process and machine serving the same files. Once per process."""
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted(p for p in static.rglob("*") if p.is_file()):
        name = path.relative_to(static).as_posix()
        if not name.startswith(NOT_SERVED):
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask adds `Vary: Cookie` to any response whose request looked at the
    session, and Flask-Login looks on every response: a phone that joined since
    its first visit would then fetch every kept asset again. An asset is the
    same whoever asks."""

    def save_session(self, app, session, response):
        super().save_session(app, session, response)
        if request.endpoint == "static" and "Vary" in response.headers:
            kept = [v for v in response.vary if v.lower() != "cookie"]
            response.headers["Vary"] = ", ".join(kept)
            if not kept:
                del response.headers["Vary"]


def init_app(app: Flask, static: Path) -> None:
    app.session_interface = _SessionInterface()
    app.config.update(
        SEND_FILE_MAX_AGE_DEFAULT=YEAR_S,
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br"],
        COMPRESS_BR_LEVEL=5,
    )
    compress.init_app(app)

    @app.after_request
    def kept_for_a_year(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            response.headers["Cache-Control"] = f"public, max-age={YEAR_S}, immutable"
        return response

    def earlier_build(build: str, filename: str):
        """A file asked for under another build's URL: served, not kept."""
        return send_from_directory(static, filename, max_age=0)

    app.add_url_rule("/static/<string:build>/<path:filename>", "static_earlier", earlier_build)
