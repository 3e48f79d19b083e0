"""``python -m tap_msaccess``: same as the ``tap-msaccess`` command."""

from tap_msaccess.cli import main

main()
