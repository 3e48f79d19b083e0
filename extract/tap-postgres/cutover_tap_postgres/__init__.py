"""meltanolabs-tap-postgres, run as the project needs it (see tap.py)."""
