"""What a phone downloads: assets under one fingerprint, kept a year, compressed; only
the stylesheet, fonts and icons the pages use (scripts/build_assets.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def assets_of(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"#]+)', page)


def test_assets_are_versioned_kept_for_a_year_and_compressed(app):
    client = app.test_client()
    assert client.get("/", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"
    urls = assets_of(client.get("/").get_data(as_text=True))
    assert urls and all(re.match(r"^/static/[0-9a-f]{12}/", u) for u in urls)
    assert not any("bootstrap-italia" in u for u in urls)  # not the 2 MB build, nor its bundle
    css = next(u for u in urls if u.endswith("build/site.css"))
    kept = client.get(css, headers={"Accept-Encoding": "br, gzip"})
    assert kept.status_code == 200
    assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert kept.headers["Content-Encoding"] == "br"
    # Kept whoever asks: a cookie set since (joining, signing in) must not make the
    # browser fetch it again (found by bench/page_weight.py: 6 assets asked on return).
    assert "cookie" not in kept.headers.get("Vary", "").lower()
    plain = client.get(css, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and b"@font-face" in plain.get_data()
    # A page from before a release names the old fingerprint: still served, not kept.
    earlier = client.get(re.sub(r"/static/[0-9a-f]{12}/", "/static/0123456789ab/", css))
    assert earlier.status_code == 200 and "immutable" not in earlier.headers.get("Cache-Control", "")
    assert client.get("/static/0123456789ab/../workshop/app.py").status_code == 404


def test_the_icon_sprite_holds_the_icons_the_pages_name():
    sprite = (ROOT / "static" / "build" / "sprites.svg").read_text()
    named = set()
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "static" / "js").rglob("*.js")]:
        named |= set(re.findall(r"#(it-[a-z0-9-]+)", path.read_text()))
        named |= set(re.findall(r'svgIcon\([^,]+,\s*"(it-[a-z0-9-]+)"', path.read_text()))
    assert named and all(f'id="{name}"' in sprite for name in named), sorted(named)
    assert len(sprite) < 20_000  # the icons in use, not Bootstrap Italia's 90 KB sprite
