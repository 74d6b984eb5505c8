"""Integrity of the record: verify (audit chains, evidence fixity), the store sweep, backup and restore."""
