"""HTTP adapter: server-rendered pages (Bootstrap Italia) and the health probe."""
