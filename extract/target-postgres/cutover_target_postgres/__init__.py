"""meltanolabs-target-postgres behind a connection check (see README.md)."""
