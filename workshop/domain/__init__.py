"""The domain: rules of a live lab session in plain Python.

Nothing in this package imports Flask, Socket.IO or the database. Adapters
(web pages, socket handlers, storage) call into it; it never calls out.
"""
