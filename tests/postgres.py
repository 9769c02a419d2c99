"""The machine's PostgreSQL as the tests (and bench/) use it: throw-away databases are
made and dropped from its admin database, outside any transaction."""

from __future__ import annotations

import os

import psycopg2

ADMIN_URL = os.environ.get("WORKSHOP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def dsn(dbname: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


def admin(sql: str) -> None:
    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()
