"""Build the front-end assets a phone downloads, into static/build/ (run by scripts/setup.sh).

A first visit used to move 2 MB: Bootstrap Italia's whole stylesheet and its
JavaScript bundle (loaded only to inject the fonts), every icon, nothing
compressed. Here, from the npm packages and with npm's tools:

1. `static/scss/site.scss` (the Bootstrap Italia parts the templates use, from
   the package's own sources, plus the fonts) compiled with Dart Sass;
2. what no template or script names removed with PurgeCSS (a safelist keeps
   classes that templates build from pieces), and a mirrored copy for
   right-to-left pages (Arabic) made by RTLCSS;
3. the fonts the stylesheet uses (WOFF2, the weights used) copied next to it;
4. the icon sprite cut down to the icons templates and scripts name.

The server compresses what it sends and lets browsers keep every asset for a
year, under a URL that changes with any asset (workshop/assets.py).

Usage: .venv/bin/python scripts/build_assets.py   (needs `npm ci` done)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static"
BUILD = STATIC / "build"
BI = ROOT / "node_modules" / "bootstrap-italia" / "dist"
NPX = ["npx", "--no-install"]
FONTS = [
    "Titillium_Web/titillium-web-v10-latin-ext_latin-regular.woff2",
    "Titillium_Web/titillium-web-v10-latin-ext_latin-600.woff2",
    "Titillium_Web/titillium-web-v10-latin-ext_latin-700.woff2",
    "Roboto_Mono/roboto-mono-v13-latin-ext_latin-regular.woff2",
]
# Classes the templates write as pieces (`alert-{{ kind }}`) or scripts add by state.
SAFELIST = [r"^alert-", r"^is-", r"^was-", r"^show$"]


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, cwd=ROOT, check=True)  # noqa: S603 - our own npx tools, fixed arguments


def stylesheet() -> None:
    full = BUILD / "site.full.css"
    run(
        [
            *NPX,
            "sass",
            "--load-path=node_modules",
            "--style=compressed",
            "--no-source-map",
            "--quiet-deps",
            "--silence-deprecation=import,global-builtin,color-functions",
            str(STATIC / "scss" / "site.scss"),
            str(full),
        ]
    )
    # PurgeCSS takes its regular expressions from a JavaScript configuration.
    config = BUILD / "purgecss.config.cjs"
    safelist = ", ".join(f"/{pattern}/" for pattern in SAFELIST)
    config.write_text(
        "module.exports = {\n"
        '  content: ["templates/**/*.html", "static/js/**/*.js"],\n'
        f'  css: ["{full.relative_to(ROOT)}"],\n'
        f'  output: "{BUILD.relative_to(ROOT)}",\n'
        "  keyframes: true,\n"
        f"  safelist: {{standard: [{safelist}]}},\n"
        "};\n"
    )
    run([*NPX, "purgecss", "--config", str(config.relative_to(ROOT))])
    full.replace(BUILD / "site.css")  # PurgeCSS wrote the trimmed file over its input
    config.unlink()
    # Arabic pages: Bootstrap's own way to right-to-left, the stylesheet mirrored by
    # RTLCSS (margins, paddings, floats, borders, positions swapped).
    run(
        [
            *NPX,
            "rtlcss",
            str((BUILD / "site.css").relative_to(ROOT)),
            str((BUILD / "site.rtl.css").relative_to(ROOT)),
        ]
    )


def fonts() -> None:
    for name in FONTS:
        target = BUILD / "fonts" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(BI / "fonts" / name, target)
        licence = BI / "fonts" / name.split("/")[0] / "OFL.txt"
        if licence.exists():
            shutil.copy2(licence, target.parent / "OFL.txt")


def sprite() -> None:
    """Only the icons a template or a script names (`#it-…`, `"it-…"`)."""
    named = set()
    for folder in (ROOT / "templates", STATIC / "js"):
        for path in folder.rglob("*"):
            if path.suffix in (".html", ".js"):
                named |= set(re.findall(r"\bit-[a-z0-9-]+", path.read_text(errors="ignore")))
    source = (BI / "svg" / "sprites.svg").read_text()
    symbols = re.findall(r'<symbol[^>]*\bid="([^"]+)"[^>]*>.*?</symbol>', source, re.S)
    kept = [
        m.group(0)
        for m in re.finditer(r'<symbol[^>]*\bid="([^"]+)"[^>]*>.*?</symbol>', source, re.S)
        if m.group(1) in named
    ]
    missing = sorted(
        n
        for n in named
        if n.startswith("it-")
        and n not in symbols
        and not n.startswith(("it-header", "it-nav", "it-brand", "it-footer"))
    )
    if missing:
        print("build_assets: icons named but not in the sprite:", ", ".join(missing), file=sys.stderr)
    (BUILD / "sprites.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        + "".join(kept)
        + "</svg>\n"
    )


def main() -> None:
    if BUILD.exists():
        shutil.rmtree(BUILD)
    BUILD.mkdir(parents=True)
    stylesheet()
    fonts()
    sprite()
    size = sum(p.stat().st_size for p in BUILD.rglob("*") if p.is_file())
    print(f"==> assets built in static/build ({size // 1024} KiB)")


if __name__ == "__main__":
    main()
