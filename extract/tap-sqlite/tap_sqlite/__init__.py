"""tap-sqlite: a Singer tap that copies a SQLite file faithfully."""
