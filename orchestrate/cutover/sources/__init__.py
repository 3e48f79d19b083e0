"""Read-only access to legacy sources, independent of the taps (the proof re-reads them)."""
