"""Storage adapters behind one protocol: SQLite now, PostgreSQL/PostGIS later."""
