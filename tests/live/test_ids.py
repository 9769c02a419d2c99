"""Ids beyond what the database holds (PostgreSQL `integer`, 1 … 2**31-1), from
URLs, forms and socket commands: not found or refused, never a server error.
On both databases (an oversized id raised OverflowError on SQLite and
"integer out of range" on PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.live.test_plan_pages import create, text
from tests.live.test_socket_handlers import Client, cid
from tests.live.test_staff_pages import sign_in, token
from workshop.domain.commands import ID_MAX
from workshop.web.ids import form_ids, parse_id

PROBE = 1180591620717411303424  # 2**70: what the outside probe sent
BEYOND = ID_MAX + 1


def test_parse_id_takes_only_canonical_ids_in_range():
    assert [parse_id(v) for v in ("1", " 42 ", str(ID_MAX))] == [1, 42, ID_MAX]
    for raw in (None, "", "0", "-1", "+1", "01", "1.0", "1e3", str(BEYOND), str(PROBE), "٣", "9" * 5000):
        assert parse_id(raw) is None, raw
    from werkzeug.datastructures import MultiDict

    assert form_ids(MultiDict([("g", "1"), ("g", "2")]), "g") == [1, 2]
    assert form_ids(MultiDict([("g", "1"), ("g", str(BEYOND))]), "g") is None


def test_public_scheda_urls_with_oversized_ids_are_not_found(app):
    http = app.test_client()
    for path in (
        f"/schede/{PROBE}",
        f"/schede/{PROBE}.pdf",
        f"/schede/{BEYOND}",
        f"/schede/{BEYOND}.odt",
        f"/schede/{ID_MAX}",
        f"/schede/{ID_MAX}.md",
        "/schede/0",
        "/schede/007",
        "/schede/" + "9" * 5000,
    ):
        assert http.get(path).status_code == 404, path


def test_staff_urls_with_oversized_ids_are_not_found(app, team, facilitator):
    up, _ = sign_in(app, "ufficio")
    for path in (f"/piano/schede/{PROBE}", f"/piano/schede/{BEYOND}/confronto"):
        assert up.get(path).status_code == 404, path
    refused = up.post(
        f"/piano/schede/{PROBE}/stato",
        data={"csrf_token": token(up, "/piano"), "stato": "revisione_up", "motivazione": "x" * 20},
    )
    assert refused.status_code == 404
    fabia, _ = sign_in(app, "fabia")
    for path in (f"/facilitatore/sessioni/{PROBE}", f"/facilitatore/sessioni/{BEYOND}/proiezione"):
        assert fabia.get(path).status_code == 404, path


def test_forms_with_oversized_ids_get_an_error_page(app, team, closed_labs):
    up, _ = sign_in(app, "ufficio")
    refused = create(up, PROBE)
    assert refused.status_code == 422 and "Scegli uno o più gruppi" in text(refused)
    refused = create(up, BEYOND)
    assert refused.status_code == 422
    from workshop.services.consolidation import consolidate

    rows = consolidate(app.extensions["workshop"].db, "pdz-2018-2020").rows
    made = create(up, rows[0].cluster_id)
    action_id = int(made.headers["Location"].rsplit("/", 1)[1])
    # Versions to compare, in the query string: out of range is as if not given.
    compared = up.get(f"/piano/schede/{action_id}/confronto?a={PROBE}&da={BEYOND}")
    assert compared.status_code == 200
    saved = up.post(
        f"/piano/schede/{action_id}",
        data={
            "csrf_token": token(up, f"/piano/schede/{action_id}"),
            "version": str(PROBE),
            "titolo": "Nuovo titolo",
        },
    )
    assert saved.status_code == 422


@pytest.fixture
def admin(app, facilitator):
    from tests.helpers import enrol_totp
    from workshop.services import accounts

    user = accounts.create_user(
        app.extensions["workshop"].db, "capo", "Amministratrice", "admin", "una password lunga"
    )
    enrol_totp(app.extensions["workshop"].db, user.id)
    return user


def test_assigning_an_oversized_user_id_is_refused(app, admin, live_session):
    capo, _ = sign_in(app, "capo")
    page = f"/facilitatore/sessioni/{live_session.id}"
    refused = capo.post(f"{page}/facilitatori", data={"csrf_token": token(capo, page), "user_id": str(PROBE)})
    assert refused.status_code == 400


@pytest.mark.parametrize("oversized", [BEYOND, PROBE])
def test_socket_commands_with_oversized_ids_are_invalid_payloads(app, live_session, oversized):
    anna = Client(app)
    try:
        assert anna.join(live_session.code, "Anna")["ok"]
        cases = [
            ("note.delete", {"note_id": oversized}, "note_id"),
            ("note.edit", {"note_id": oversized, "text": "x"}, "note_id"),
            ("vote.place", {"cluster_id": oversized}, "cluster_id"),
            ("note.merge", {"into_note_id": 1, "note_ids": [2, oversized]}, "note_ids.1"),
            ("note.create", {"session_id": oversized, "kind": "caso", "text": "x"}, "session_id"),
        ]
        for event, fields, field in cases:
            ack = anna.call(event, {"cid": cid(), "session_id": anna.session_id, **fields})
            assert ack["error"]["code"] == "invalid_payload", (event, ack)
            assert ack["error"]["details"][0]["field"] == field
            assert ack["error"]["details"][0]["type"] == "less_than_equal"
        for event, body in (
            ("sync", {"session_id": anna.session_id, "since": oversized}),
            ("staff.join", {"session_id": oversized}),
            ("join", {"token": anna.token, "since": oversized}),
        ):
            ack = anna.call(event, body)
            assert ack["error"]["code"] == "invalid_payload", (event, ack)
        # Still in the room, with its largest id and seq accepted.
        assert anna.call("sync", {"session_id": anna.session_id, "since": ID_MAX})["ok"]
        assert anna.command("note.delete", note_id=ID_MAX)["error"]["code"] == "note_not_found"
    finally:
        anna.raw.disconnect()
