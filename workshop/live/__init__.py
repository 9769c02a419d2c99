"""Socket.IO adapter: thin event handlers and the publisher of committed events."""
