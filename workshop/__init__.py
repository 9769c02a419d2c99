"""Laboratori partecipati del Piano di Zona.

This package module stays free of imports on purpose: the server entry point
(`python -m workshop`, see `__main__.py`) must monkey-patch the standard library
for eventlet or gevent before Flask, SQLAlchemy or redis are imported.
The application factory lives in `workshop.app`.
"""
