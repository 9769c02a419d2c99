"""Defects found by the review of issues 14 (territory) and 15 (cabine, monitoring):
each test failed before its fix."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/monitoraggio?programma=%C2%B2",
        "/laboratori?programma=%C2%B2",
        "/monitoraggio.md?anno=%C2%B2",
    ],
)
def test_a_superscript_digit_in_a_year_is_a_404_not_a_500(app, closed_labs, url):
    """«²».isdigit() is True but int(«²») raises: a public URL must not crash."""
    assert app.test_client().get(url).status_code in (200, 404)
