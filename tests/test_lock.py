"""The lock files pin every dependency pyproject.toml names, at a version it allows:
a dependency added without `scripts/lock.sh` would be installed at whatever
version the day brings."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pinned(lock: str) -> dict[str, str]:
    out = {}
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split("==")
            out[canonicalize_name(name.strip())] = version.split()[0]
    return out


@pytest.mark.parametrize(
    ("lock", "names"),
    [
        ("base.txt", PROJECT["dependencies"]),
        ("test.txt", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]),
    ],
)
def test_every_dependency_is_pinned_at_an_allowed_version(lock, names):
    versions = pinned(lock)
    stale = []
    for spec in map(Requirement, names):
        version = versions.get(canonicalize_name(spec.name))
        if version is None or not spec.specifier.contains(version, prereleases=True):
            stale.append(f"{spec} (lock: {version})")
    assert not stale, f"run scripts/lock.sh: {stale}"


def test_the_test_lock_keeps_the_runtime_versions():
    base, test = pinned("base.txt"), pinned("test.txt")
    assert {name: test.get(name) for name in base} == base
