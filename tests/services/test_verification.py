"""Anyone can check published results: the documented lines by hand, and
`python -m workshop verify` on the open data (no database)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import PROCESS_SLUG
from workshop.services import exports
from workshop.storage.models import LiveSession

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_url(sqlite_url):
    """Files checked from outside: which database made them does not matter here."""
    return sqlite_url


@pytest.fixture
def opendata(db, closed_labs, tmp_path) -> Path:
    path = tmp_path / "dati-aperti.zip"
    path.write_bytes(exports.opendata_zip(db, PROCESS_SLUG))
    return path


def run_verify(path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workshop", "verify", str(path), *extra],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "WORKSHOP_INSTANCE_DIR": str(path.parent / "i"),
            "PYTHONPATH": str(ROOT),
        },
    )


def rewrite(path: Path, name: str, change) -> Path:
    z = zipfile.ZipFile(path)
    out = path.with_name("ritoccato.zip")
    with zipfile.ZipFile(out, "w") as new:
        for item in z.namelist():
            data = z.read(item)
            new.writestr(item, change(data) if item == name else data)
    return out


def test_the_documented_lines_recompute_the_fingerprint_the_room_saw(db, opendata, tmp_path):
    doc = (ROOT / "docs" / "protocol.md").read_text()
    script = re.search(r"python3 - <<'PY'\n(.*?)\nPY\n", doc, re.S)[1]
    with db.reader() as s:
        session = s.get(LiveSession, 1)
    zipfile.ZipFile(opendata).extractall(tmp_path)
    shown = subprocess.run(
        ["sha256sum", "risultati/sessione-1.json"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()[0]
    assert shown == session.snapshot_hash
    by_hand = subprocess.run(
        [sys.executable, "-"],
        input=script.replace("sessione-7", "sessione-1"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert by_hand.split()[0] == session.snapshot_hash and "12 notes checked" in by_hand


@pytest.mark.full
def test_verify_passes_on_the_open_data_and_catches_each_alteration(opendata):
    ok = run_verify(opendata)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Tutti i controlli superati" in ok.stdout and ok.stdout.count("impronta ") == 2

    def more_dots(data: bytes) -> bytes:  # a group's total changed in gruppi.csv
        lines = data.decode().split("\n")
        lines[1] = re.sub(
            r',(\d+),(\d+|""),(\d+|""),(\d+|""),',
            lambda m: f",{int(m[1]) + 1},{m[2]},{m[3]},{m[4]},",
            lines[1],
            count=1,
        )
        return "\n".join(lines).encode()

    def other_text(data: bytes) -> bytes:  # a published note reworded
        return data.replace(b"Segnalare al servizio", b"Avvisare il servizio")

    def other_document(data: bytes) -> bytes:  # the frozen results touched
        return data.replace(b'"votes":19', b'"votes":20')

    for name, change, what in (
        ("gruppi.csv", more_dots, "gruppi"),
        ("contributi.csv", other_text, "testi"),
        ("risultati/sessione-1.json", other_document, "impronta"),
    ):
        bad = run_verify(rewrite(opendata, name, change))
        assert bad.returncode == 1, name
        assert any(line.startswith("  NO") and what in line for line in bad.stdout.splitlines()), bad.stdout


def test_verify_a_single_document_against_the_hash_seen_in_the_room(db, opendata, tmp_path):
    zipfile.ZipFile(opendata).extractall(tmp_path)
    with db.reader() as s:
        seen = s.get(LiveSession, 2).snapshot_hash
    document = tmp_path / "risultati" / "sessione-2.json"
    assert run_verify(document, "--hash", seen).returncode == 0
    wrong = run_verify(document, "--hash", "0" * 64)
    assert wrong.returncode == 1 and "pubblicata: " + "0" * 64 in wrong.stdout


def test_the_zip_has_no_results_file_for_a_session_of_the_first_format(db, opendata):
    """A session closed before results documents existed: its hash hashed texts and
    categories, so nothing of it can be published to recompute it."""
    from sqlmodel import select

    from workshop.storage.models import SessionSnapshot

    with db.transaction() as s:
        snapshot = s.exec(select(SessionSnapshot).where(SessionSnapshot.session_id == 2)).one()
        snapshot.document = None
        s.add(snapshot)
    z = zipfile.ZipFile(io.BytesIO(exports.opendata_zip(db, PROCESS_SLUG)))
    assert "risultati/sessione-2.json" not in z.namelist() and "risultati/sessione-1.json" in z.namelist()
