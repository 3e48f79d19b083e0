"""Proof that the migration lost nothing: what the target holds, checked before cutover."""
