"""Storage adapter: tables, engine, the event log, migrations."""
