"""``python -m tap_mssql``: same as the ``tap-mssql`` command."""

from tap_mssql.cli import main

main()
