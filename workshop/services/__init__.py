"""Application services: the command path and what surrounds it.

These modules orchestrate: they open a transaction, load facts, ask the domain,
write, and hand the resulting events to a publisher. They know the database
but not Flask or Socket.IO; the publisher is injected.
"""
