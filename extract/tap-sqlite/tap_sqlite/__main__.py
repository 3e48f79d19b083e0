"""``python -m tap_sqlite``: same as the ``tap-sqlite`` command."""

from tap_sqlite.cli import main

main()
