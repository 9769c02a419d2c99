"""The application gives each rate limit its own setting (docs/protocol.md §11):
the limiter's budgets are named, so adding one cannot shift the others."""

from __future__ import annotations

from workshop.services.ratelimit import join_scopes


def test_a_participant_has_120_similar_checks_a_minute(clients, live_session):
    anna = clients()
    anna.join(live_session.code, "Anna")
    asked = {"session_id": anna.session_id, "text": "Servono più posti di sollievo"}
    answers = [anna.call("note.similar", asked) for _ in range(121)]
    assert all(a["ok"] for a in answers[:120])
    assert answers[120]["error"]["code"] == "rate_limited"


def test_wrong_codes_from_many_addresses_are_slowed_only_over_the_code_spaces_limit(app):
    limiter = app.extensions["workshop"].bus.limiter
    # Eleven wrong codes, each from another address: within the code space's
    # 100 a minute (and each address's 10), so none is answered late.
    for n in range(11):
        with limiter.attempt(*join_scopes(f"198.51.100.{n}")) as attempt:
            attempt.failed()
    assert limiter.sleep == []
