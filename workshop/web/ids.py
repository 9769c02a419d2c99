"""Ids read from URLs and forms, kept within what the database can hold.

Rows are numbered by PostgreSQL `integer` columns (1 … 2**31-1). A larger
number cannot name a row, and handed to the driver it fails (SQLite raises
`OverflowError`, PostgreSQL "integer out of range"): a 500 instead of "not
found". So every id an adapter reads goes through here: `<id:…>` in routes
(an out-of-range or malformed id does not match: 404), `form_id` and
`form_ids` for forms and query strings (None: the view answers as for a
missing value).
"""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict
from werkzeug.routing import BaseConverter, ValidationError

from workshop.domain.commands import ID_MAX

# Canonical decimal only: ASCII digits (`\d` would take other scripts' digits
# too), no sign, no leading zero, at most as many digits as ID_MAX has.
_DIGITS = rf"[1-9][0-9]{{0,{len(str(ID_MAX)) - 1}}}"
_ID = re.compile(_DIGITS)


def parse_id(raw: str | None) -> int | None:
    """An id as typed in a form or a query string, or None if it cannot be one."""
    if raw is None or not _ID.fullmatch(raw := raw.strip()):
        return None
    value = int(raw)
    return value if value <= ID_MAX else None


def form_id(values: MultiDict, name: str) -> int | None:
    return parse_id(values.get(name))


def form_ids(values: MultiDict, name: str) -> list[int] | None:
    """Every value of a repeated field (checkboxes), or None if any is not an id."""
    ids = [parse_id(raw) for raw in values.getlist(name)]
    return None if None in ids else ids


class IdConverter(BaseConverter):
    """`<id:name>` in a route: a row id, or the route does not match (404)."""

    regex = _DIGITS
    weight = 50  # as Werkzeug's own number converters

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))
