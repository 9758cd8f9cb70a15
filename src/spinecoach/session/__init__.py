"""A session's record (events, the one JSON shape), and its history in SQLite."""
