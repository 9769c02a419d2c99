"""Join codes: six digits, easy to type on a phone's numeric keypad.

A million codes against a limiter of a few failed attempts a minute per address
makes guessing an open session impractical, while staying short enough to read
off a projector. Shown grouped as "123 456"; typed with or without the space.
"""

from __future__ import annotations

import re
import secrets

LENGTH = 6
_NOT_DIGITS = re.compile(r"[\s\-.]")


def generate() -> str:
    # The first digit is never 0, so a spreadsheet never eats it.
    return str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(LENGTH - 1))


def normalize(typed: str) -> str | None:
    """The code as stored, or None if what was typed cannot be a code."""
    code = _NOT_DIGITS.sub("", typed or "")
    if len(code) != LENGTH or not code.isascii() or not code.isdigit():
        return None
    return code


def display(code: str) -> str:
    return f"{code[:3]} {code[3:]}"
