"""What operators rely on: health probe, structured logs, a log line per command."""

from __future__ import annotations

import json
import logging

from tests.conftest import make_settings
from workshop.app import create_app


def test_json_logs_are_one_object_per_line(database_url):
    create_app(make_settings(database_url, log_format="json"))
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_workshop", False))
    record = logging.LogRecord(
        "workshop.services.bus", logging.INFO, __file__, 1, "command applied", None, None
    )
    record.session_id, record.seq = 7, 42
    line = json.loads(handler.format(record))
    assert line["level"] == "INFO" and line["message"] == "command applied"
    assert (line["session_id"], line["seq"]) == (7, 42)
    create_app(make_settings(database_url))  # back to plain lines for the other tests


def test_plain_log_lines_carry_the_fields(database_url):
    create_app(make_settings(database_url))
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_workshop", False))
    record = logging.LogRecord(
        "workshop.services.bus", logging.INFO, __file__, 1, "command applied", None, None
    )
    record.session_id, record.lock_wait_ms = 7, 1.5
    assert handler.format(record).endswith("command applied session_id=7 lock_wait_ms=1.5")


def test_every_applied_command_is_logged_with_its_session_and_seq(app, live_session, caplog):
    from workshop.extensions import socketio

    client = socketio.test_client(app)
    ack = client.emit(
        "join", {"code": live_session.code, "pseudonym": "Anna", "category": "asp"}, callback=True
    )
    with caplog.at_level(logging.INFO, logger="workshop.services.bus"):
        done = client.emit(
            "note.create",
            {"cid": "log-test-0001", "session_id": ack["session"]["id"], "kind": "caso", "text": "x"},
            callback=True,
        )
    record = next(r for r in caplog.records if r.getMessage() == "command applied")
    assert (record.command, record.session_id, record.seq) == (
        "CreateNote",
        ack["session"]["id"],
        done["events"][0]["seq"],
    )
    assert record.lock_wait_ms >= 0 and record.lock_held_ms >= 0
    assert "x" not in str(record.__dict__.get("args"))  # no content in logs


def test_health_probe_reports_the_database(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    app.extensions["workshop"].db.engine.dispose()
    broken = create_app(make_settings("postgresql://nobody@127.0.0.1:1/none"))
    assert broken.test_client().get("/healthz").status_code == 503
